"""The same hostile answers, whichever way they come in: an answers file, standard input, a line
of a batch, the answers inside a saved document, and the answers inside a resume file. Every
entry goes through the one reader in triage/inputs.py, so each refuses each case with the same
message, in one line, without raw control characters; a guard added once holds everywhere."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from triage import session
from triage.cli import main
from triage.errors import InputError
from triage.knowledge import KnowledgeBase

BASE = b'"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"'

# (id, the answers object as raw bytes, a fragment the message must contain)
CASES: list[tuple[str, bytes, str]] = [
    (
        "duplicate-key-hides-a-red-flag",
        b"{" + BASE + b', "symptoms": {"bladder_bowel": "yes", "bladder_bowel": "no"}}',
        "given twice",
    ),
    ("5000-digit-integer", b'{"age": ' + b"9" * 5000 + b', "location": ["lower_back"]}', "digits"),
    ("nan", b"{" + BASE + b', "intensity": NaN}', "NaN"),
    ("infinity", b"{" + BASE + b', "intensity": -Infinity}', "Infinity"),
    (
        "deep-nesting",
        b"{" + BASE + b', "intensity": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        "deep",
    ),
    ("not-utf8", b"{" + BASE + b', "onset": "sudden\xff"}', "not UTF-8"),
    (
        "typo-in-a-red-flag",
        b"{" + BASE + b', "symptoms": {"saddle_numbnes": "yes"}}',
        "did you mean",
    ),
    ("version-true", b"{" + BASE + b', "schema_version": true}', "not a version number"),
    (
        "age-out-of-range",
        b'{"age": 130, "location": ["lower_back"], "duration": "1_to_4_weeks"}',
        "0 to 120",
    ),
    ("escape-in-a-name", b"{" + BASE + b', "\\u001b]0;evil\\u0007": 1}', "unknown field"),
    ("escape-in-a-value", b"{" + BASE + b', "onset": "\\u001b[2J\\u009b31m"}', "sudden, gradual"),
]
IDS = [case[0] for case in CASES]


def assert_one_clean_line(message: str, fragment: str) -> None:
    assert fragment in message, message
    assert "\n" not in message.strip() and "\r" not in message
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in message.strip()), message
    assert len(message) < 1000, "the message repeats too much of the input"


def refused(capsys, argv: list[str]) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    (line,) = err.splitlines()
    return line


def through_file(capsys, tmp_path: Path, raw: bytes) -> str:
    path = tmp_path / "answers.json"
    path.write_bytes(raw)
    return refused(capsys, ["assess", str(path), "--json"])


def through_stdin(capsys, tmp_path: Path, raw: bytes) -> str:
    stdin = io.TextIOWrapper(io.BytesIO(raw))
    original, sys.stdin = sys.stdin, stdin
    try:
        return refused(capsys, ["assess", "-", "--json"])
    finally:
        sys.stdin = original


def through_batch(capsys, tmp_path: Path, raw: bytes) -> str:
    good = b"{" + BASE + b"}"
    path = tmp_path / "lines.jsonl"
    path.write_bytes(good + b"\n" + raw + b"\n" + good + b"\n")
    code = main(["assess", "--batch", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and "1 of 3 lines failed" in err and "Traceback" not in err
    first, bad, last = (json.loads(line) for line in out.splitlines())
    assert "triage" in first and "triage" in last, "the lines around the bad one are assessed"
    assert bad["line"] == 2
    return str(bad["error"])


def through_document(capsys, tmp_path: Path, raw: bytes) -> str:
    path = tmp_path / "saved.json"
    path.write_bytes(b'{"answers": ' + raw + b', "result": null}')
    return refused(capsys, ["assess", str(path), "--json"])


def through_resume_file(capsys, tmp_path: Path, raw: bytes, kb: KnowledgeBase) -> str:
    path = tmp_path / "triage-resume.json"
    path.write_bytes(b'{"resume": 1, "answers": ' + raw + b"}")
    with pytest.raises(InputError) as caught:
        session.load_resume(str(path), kb)
    return caught.value.message()


Entry = Callable[..., str]
ENTRIES: dict[str, Entry] = {
    "file": through_file,
    "stdin": through_stdin,
    "batch-line": through_batch,
    "document": through_document,
}


@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize(("case", "raw", "fragment"), CASES, ids=IDS)
def test_every_entry_refuses_the_same_way(capsys, tmp_path, entry, case, raw, fragment) -> None:
    assert_one_clean_line(ENTRIES[entry](capsys, tmp_path, raw), fragment)


@pytest.mark.parametrize(("case", "raw", "fragment"), CASES, ids=IDS)
def test_a_resume_file_refuses_the_same_way(capsys, tmp_path, kb, case, raw, fragment) -> None:
    if case == "age-out-of-range" or case == "version-true":
        fragment = {"age-out-of-range": "0 to 120", "version-true": "version"}[case]
    assert_one_clean_line(through_resume_file(capsys, tmp_path, raw, kb), fragment)


def test_the_same_message_for_a_file_and_a_batch_line(capsys, tmp_path) -> None:
    raw = b"{" + BASE + b', "symptoms": {"fever": "maybe"}}'
    from_file = through_file(capsys, tmp_path, raw).removeprefix("triage: error: ")
    from_batch = through_batch(capsys, tmp_path, raw)
    assert from_file.split(": ", 1)[1] == from_batch


def test_a_resume_file_is_not_an_answers_file(capsys, tmp_path) -> None:
    line = through_file(capsys, tmp_path, b'{"resume": 1, "answers": {' + BASE + b"}}")
    assert "resume file" in line and "triage quiz --resume" in line
