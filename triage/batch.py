"""Batch assessment: JSON lines in, JSON lines out, streaming with constant memory.

Each input line holds one answers object (or assessment document); each output line holds its
result object, compact, in input order. A line that cannot be read or validated becomes
{"line": N, "error": "...", "field": "..."} and the rest carry on (a rule-engine error on one
line too: the engine starts afresh for the next); blank lines are skipped.
The knowledge base and engine are loaded once by the caller; per line there is only parsing,
validation, assessment and serialisation (this path is benchmarked).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from triage import jobs, outcome, render
from triage.errors import EngineError, InputError
from triage.i18n import _
from triage.inputs import (
    MAX_BYTES,
    answers_from_data,
    decode,
    display_name,
    open_input,
    parse_json,
    read_line,
)
from triage.knowledge import KnowledgeBase

_LINE = "<line>"  # the name an InputError carries; the line number goes into the error object


class Sink(Protocol):
    """Where result lines go: standard output (`triage.output.Output`) or any text stream."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


@dataclass
class Tally:
    """How many lines were assessed and how many failed."""

    assessed: int = 0
    failed: int = 0


def assess_lines(lines: Iterable[bytes], kb: KnowledgeBase, out: Sink, start: int = 1) -> Tally:
    """Assess every non-blank line and write one output line for each, flushing as it goes.
    `start`: the number of the first line (a chunk of a larger input, with `--jobs`).

    Each line goes through the same reader as an answers file (`triage.inputs`): the same
    guards, the same messages. Errors writing `out` are not caught here: they are output
    faults, for the caller to report."""
    tally = Tally()
    write, flush = out.write, out.flush
    for number, raw in enumerate(lines, start=start):
        if not raw.strip():
            continue
        try:
            answers, _document = answers_from_data(_parse(raw, number), _LINE, kb)
        except InputError as error:
            tally.failed += 1
            write(error_line(number, error.problem, error.field))
        else:
            try:
                line = render.to_json_line(outcome.assess(answers, kb)) + "\n"
            except EngineError as error:  # this line only: the engine starts afresh
                tally.failed += 1
                line = error_line(number, error.message(), None)
            else:
                tally.assessed += 1
            write(line)
        flush()
    return tally


def assess_in_jobs(
    lines: Iterable[bytes], directory: Path | None, language: str, out: Sink, workers: int
) -> Tally:
    """`assess_lines` spread over `workers` processes (`--jobs`), each loading the knowledge
    base of `directory` once: the same output, line for line and in order. `out` is standard
    output; when it is a file descriptor the workers write it themselves, in turn."""
    tally = Tally()
    chunked = jobs.chunks(lines)
    target = jobs.direct_output()
    if target is not None:
        out.flush()  # anything written before comes first
        work = jobs.ordered_writes(assess_chunk, chunked, workers, (directory,), language, target)
        for assessed, failed in work:
            tally.assessed += assessed
            tally.failed += failed
        return tally
    for text, (assessed, failed) in jobs.ordered_map(
        assess_chunk, chunked, workers, (directory,), language
    ):
        tally.assessed += assessed
        tally.failed += failed
        out.write(text)
        out.flush()
    return tally


def assess_chunk(chunk: tuple[int, list[bytes]]) -> tuple[str, tuple[int, int]]:
    """In a worker process: the output of one chunk of lines, and how many were assessed and
    how many failed."""
    (kb,) = jobs.knowledge()
    out = io.StringIO()
    tally = assess_lines(chunk[1], kb, out, start=chunk[0])
    return out.getvalue(), (tally.assessed, tally.failed)


@contextmanager
def opened(path: str) -> Iterator[IO[bytes]]:
    """The input as a binary stream ('-' = standard input); an InputError if it cannot be opened."""
    with open_input(path, display_name(path), _("a JSON lines file")) as stream:
        yield stream


def lines_of(stream: IO[bytes], name: str = _LINE) -> Iterator[bytes]:
    """The lines of a stream, each cut to MAX_BYTES + 1 bytes, so that one huge line cannot
    fill the memory (the rest of it is read and dropped in pieces). A read error is an
    InputError naming the input."""
    while True:
        line = read_line(stream, name, MAX_BYTES + 1)
        if not line:
            return
        if b"\0" in line:  # never in JSON text: binary data such as /dev/zero, which has no end
            raise InputError(name, _("holds NUL bytes: binary data, not JSON lines"))
        if len(line) > MAX_BYTES and not line.endswith(b"\n"):
            while (rest := read_line(stream, name, MAX_BYTES)) and not rest.endswith(b"\n"):
                pass
        yield line


def _parse(raw: bytes, number: int) -> object:
    if len(raw) > MAX_BYTES and len(raw.rstrip(b"\r\n")) > MAX_BYTES:
        too_long = _("line too long: lines are limited to {limit} bytes")
        raise InputError(_LINE, too_long.format(limit=f"{MAX_BYTES:,}"))
    return parse_json(decode(raw, _LINE, first=number == 1), _LINE, single_line=True)


def error_line(number: int, problem: str, field: str | None) -> str:
    """The output line for an input line that failed: its number, the problem and the field."""
    entry: dict[str, object] = {"line": number, "error": problem}
    if field:
        entry["field"] = field
        entry["error"] = _("field '{field}': ").format(field=field) + problem
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
