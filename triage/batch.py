"""Batch assessment: JSON lines in, JSON lines out, streaming with constant memory.

Each input line holds one answers object (or assessment document); each output line holds its
result object, compact, in input order. A line that cannot be read or validated becomes
{"line": N, "error": "...", "field": "..."} and the rest carry on; blank lines are skipped.
The knowledge base and engine are loaded once by the caller; per line there is only parsing,
validation, assessment and serialisation (this path is benchmarked).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from triage import outcome, render
from triage.errors import InputError
from triage.inputs import MAX_BYTES, answers_from_data, display_name, open_input
from triage.knowledge import KnowledgeBase

_LINE = "<line>"  # the name an InputError carries; the line number goes into the error object


@dataclass
class Tally:
    """How many lines were assessed and how many failed."""

    assessed: int = 0
    failed: int = 0


def assess_lines(lines: Iterable[bytes], kb: KnowledgeBase, out: IO[str]) -> Tally:
    """Assess every non-blank line and write one output line for each, flushing as it goes."""
    tally = Tally()
    write, flush = out.write, out.flush
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            answers, _document = answers_from_data(_parse(raw, number), _LINE)
        except InputError as error:
            tally.failed += 1
            write(error_line(number, error.problem, error.field))
        else:
            tally.assessed += 1
            write(render.to_json_line(outcome.assess(answers, kb)) + "\n")
        flush()
    return tally


@contextmanager
def opened(path: str) -> Iterator[IO[bytes]]:
    """The input as a binary stream ('-' = standard input); an InputError if it cannot be read."""
    with open_input(path, display_name(path), "a JSON lines file") as stream:
        yield stream


def lines_of(stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of a stream, each cut to MAX_BYTES + 1 bytes, so that one huge line cannot
    fill the memory (the rest of it is read and dropped in pieces)."""
    while True:
        line = stream.readline(MAX_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(MAX_BYTES)) and not rest.endswith(b"\n"):
                pass
        yield line


def _parse(raw: bytes, number: int) -> object:
    if len(raw) > MAX_BYTES and len(raw.rstrip(b"\r\n")) > MAX_BYTES:
        raise InputError(_LINE, f"line too long: lines are limited to {MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as error:
        raise InputError(_LINE, f"not UTF-8 text (byte {error.start} cannot be read)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(_LINE, f"invalid JSON at column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise InputError(_LINE, "invalid JSON: nested too deeply") from None


def error_line(number: int, problem: str, field: str | None) -> str:
    """The output line for an input line that failed: its number, the problem and the field."""
    entry: dict[str, object] = {"line": number, "error": problem}
    if field:
        entry["field"] = field
        entry["error"] = f"field '{field}': {problem}"
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
