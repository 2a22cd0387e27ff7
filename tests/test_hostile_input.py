"""Hostile and broken answers files: every one gives exit code 2, exactly one clear line on
standard error (naming the file, and the field where there is one), nothing on standard output,
and never a traceback. Most run in-process through triage.cli.main; a few through the real
console script in a subprocess."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from triage.cli import main
from triage.inputs import MAX_BYTES

VALID = {"age": 38, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def write(tmp_path: Path, content: Any, name: str = "answers.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def refused_in_process(capsys, file: str, *extra: str) -> str:
    """Run `triage assess FILE` in-process; check the refusal; return the one error line."""
    code = main(["assess", file, *extra])
    out, err = capsys.readouterr()
    return check_refusal(code, out, err, file)


def check_refusal(code: int, out: str, err: str, file: str) -> str:
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on standard error, got {lines}"
    (line,) = lines
    assert line.startswith("triage: error: ")
    assert file in line or (file == "-" and "<stdin>" in line)
    assert len(line) < 1000, "the message repeats too much of the input"
    return line


def console_script() -> list[str]:
    """The installed `triage` command next to this Python (pip install -e . puts it there)."""
    script = Path(sys.executable).with_name("triage")
    assert script.is_file(), f"the console script is not installed: {script}"
    return [str(script)]


def run_script(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("TRIAGE_DEBUG", None)
    return subprocess.run(
        [*console_script(), *args], capture_output=True, input=stdin, env=env, timeout=60
    )


# ---------------------------------------------------------------------------------------------
# The file itself


def test_missing_file(tmp_path, capsys) -> None:
    line = refused_in_process(capsys, str(tmp_path / "nope.json"))
    assert "no such file" in line


def test_a_directory(tmp_path, capsys) -> None:
    assert "is a directory" in refused_in_process(capsys, str(tmp_path))


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read a file with mode 000"
)
def test_unreadable_file(tmp_path, capsys) -> None:
    path = write(tmp_path, VALID)
    path.chmod(0)
    try:
        assert "permission denied" in refused_in_process(capsys, str(path))
    finally:
        path.chmod(0o600)


def test_permission_denied_when_opening(tmp_path, capsys, monkeypatch) -> None:
    """The same branch as above, also when the tests run as root."""
    path = write(tmp_path, VALID)

    def denied(name, *args, **kwargs):
        if str(name) != str(path):  # the rules are read as usual
            return real_open(name, *args, **kwargs)
        raise PermissionError(errno.EACCES, "Permission denied", str(name))

    real_open = os.open
    monkeypatch.setattr(os, "open", denied)
    assert "permission denied" in refused_in_process(capsys, str(path))


def test_other_read_errors(tmp_path, capsys, monkeypatch) -> None:
    path = write(tmp_path, VALID)

    def broken(name, *args, **kwargs):
        if str(name) != str(path):
            return real_open(name, *args, **kwargs)
        raise OSError(errno.EIO, "Input/output error", str(name))

    real_open = os.open
    monkeypatch.setattr(os, "open", broken)
    assert "cannot be read: Input/output error" in refused_in_process(capsys, str(path))


def test_a_symbolic_link_loop(tmp_path, capsys) -> None:
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    assert "cannot be read" in refused_in_process(capsys, str(loop))


def test_bad_standard_input_in_process(capsys, monkeypatch) -> None:
    class Stdin:
        buffer = io.BytesIO(b'{"age": 38, "location": ["lower_back"], "duration": 7}')

    monkeypatch.setattr(sys, "stdin", Stdin())
    line = refused_in_process(capsys, "-")
    assert line.startswith("triage: error: <stdin>: field 'duration'")


@pytest.mark.parametrize("content", ["", "   \n\t\n"], ids=["empty", "whitespace"])
def test_empty_file(tmp_path, capsys, content) -> None:
    assert "empty" in refused_in_process(capsys, str(write(tmp_path, content)))


def test_non_utf8_bytes(tmp_path, capsys) -> None:
    path = write(tmp_path, b'{"age": 38, "location": ["lower_back\xff"], "duration": "x"}')
    assert "not UTF-8" in refused_in_process(capsys, str(path))


def test_utf8_with_byte_order_mark_is_read(tmp_path, capsys) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + json.dumps(VALID).encode())
    assert main(["assess", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["triage"]


def test_oversized_file_is_refused_above_the_limit(tmp_path, capsys) -> None:
    text = json.dumps(VALID)
    at_limit = write(tmp_path, text[:-1] + " " * (MAX_BYTES - len(text)) + "}", "at_limit.json")
    assert at_limit.stat().st_size == MAX_BYTES
    assert main(["assess", str(at_limit), "--json"]) == 0
    capsys.readouterr()
    over = write(tmp_path, text[:-1] + " " * (MAX_BYTES + 1 - len(text)) + "}", "over.json")
    line = refused_in_process(capsys, str(over))
    assert "too large" in line and f"{MAX_BYTES:,}" in line


def test_a_device_that_never_ends_is_refused(capsys) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    assert "not a plain file" in refused_in_process(capsys, "/dev/zero")


# ---------------------------------------------------------------------------------------------
# The JSON


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "invalid JSON at line 1"),
        ('{"age": 38,}', "invalid JSON at line 1"),
        ('{"age": 38}\n{"age": 39}', "invalid JSON at line 2"),
        ("[1, 2]", "expected a JSON object with the answers, got an array"),
        ("42", "got a number"),
        ("4.5e1", "got a number"),
        ('"answers"', "got a string"),
        ("true", "got true or false"),
        ("null", "got null"),
    ],
    ids=[
        "syntax",
        "trailing-comma",
        "two-objects",
        "array",
        "int",
        "float",
        "string",
        "bool",
        "null",
    ],
)
def test_invalid_json_or_not_an_object(tmp_path, capsys, content, expected) -> None:
    assert expected in refused_in_process(capsys, str(write(tmp_path, content)))


def test_deeply_nested_json(tmp_path, capsys) -> None:
    depth = 100_000
    path = write(tmp_path, '{"age": ' + "[" * depth + "]" * depth + "}")
    assert "nested too deeply" in refused_in_process(capsys, str(path))


def test_nested_value_where_a_number_belongs(tmp_path, capsys) -> None:
    nested = {**VALID, "age": json.loads("[" * 500 + "]" * 500)}
    line = refused_in_process(capsys, str(write(tmp_path, nested)))
    assert "field 'age'" in line and "0 to 120" in line


def test_an_integer_with_thousands_of_digits(tmp_path, capsys) -> None:
    path = write(tmp_path, '{"age": ' + "9" * 5000 + ', "location": ["lower_back"]}')
    assert "too many digits" in refused_in_process(capsys, str(path))


def test_a_key_given_twice_is_refused_not_silently_overwritten(tmp_path, capsys) -> None:
    """JSON parsers keep the last value: a "yes" to a red flag would silently become "no"."""
    text = json.dumps({**VALID, "symptoms": {"bladder_bowel": "yes"}})
    path = write(tmp_path, text[:-2] + ', "bladder_bowel": "no"}}')
    line = refused_in_process(capsys, str(path))
    assert "field 'symptoms.bladder_bowel'" in line and "twice" in line


# ---------------------------------------------------------------------------------------------
# The fields


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"age": "38"}, "age", "0 to 120"),
        ({"age": 38.5}, "age", "whole number"),
        ({"age": True}, "age", "whole number"),
        ({"age": None}, "age", "whole number"),
        ({"age": -1}, "age", "0 to 120"),
        ({"age": 121}, "age", "0 to 120"),
        ({"intensity": 11}, "intensity", "0 to 10"),
        ({"intensity": -1}, "intensity", "0 to 10"),
        ({"location": "lower_back"}, "location", "upper_back"),
        ({"location": []}, "location", "upper_back"),
        ({"location": ["lower_back", "lower_back"]}, "location", "only once"),
        ({"location": ["knee"]}, "location.0", "lower_back"),
        ({"radiation": ["toes"]}, "radiation.0", "below_knee"),
        ({"duration": 3}, "duration", "under_1_week"),
        ({"onset": "slowly"}, "onset", "sudden, gradual"),
        ({"course": "better"}, "course", "improving"),
        ({"trigger": ["none"]}, "trigger", "lifting_or_strain"),
        ({"symptoms": ["fever"]}, "symptoms", "JSON object"),
        ({"symptoms": {"fever": 1}}, "symptoms.fever", "yes, no, unsure"),
        ({"symptoms": {"fever": "YES"}}, "symptoms.fever", "yes, no, unsure"),
        ({"schema_version": 2}, "schema_version", "only version is 1"),
    ],
)
def test_wrong_types_and_out_of_range_values(tmp_path, capsys, change, field, expected) -> None:
    line = refused_in_process(capsys, str(write(tmp_path, {**VALID, **change})))
    assert f"field '{field}'" in line and expected in line


@pytest.mark.parametrize("missing", ["age", "location", "duration"])
def test_missing_required_field(tmp_path, capsys, missing) -> None:
    data = {key: value for key, value in VALID.items() if key != missing}
    line = refused_in_process(capsys, str(write(tmp_path, data)))
    assert f"field '{missing}'" in line and "required" in line


@pytest.mark.parametrize(
    ("change", "field", "suggestion"),
    [
        ({"agee": 38}, "agee", "age"),
        ({"symptom": {}}, "symptom", "symptoms"),
        ({"symptoms": {"saddle_numbnes": "yes"}}, "symptoms.saddle_numbnes", "saddle_numbness"),
        ({"symptoms": {"bladder": "yes"}}, "symptoms.bladder", "bladder_bowel"),
    ],
)
def test_unknown_fields_and_symptoms_suggest_the_closest_name(
    tmp_path, capsys, change, field, suggestion
) -> None:
    line = refused_in_process(capsys, str(write(tmp_path, {**VALID, **change})))
    assert f"field '{field}'" in line and f"did you mean '{suggestion}'" in line


def test_an_unknown_name_with_nothing_close_lists_the_allowed_names(tmp_path, capsys) -> None:
    line = refused_in_process(capsys, str(write(tmp_path, {**VALID, "symptoms": {"zzz": "yes"}})))
    assert "unknown symptom 'zzz'" in line and "did you mean" not in line
    assert "bladder_bowel" in line and "struggling_to_cope" in line


def test_control_characters_and_long_values_stay_on_one_short_line(tmp_path, capsys) -> None:
    for data in (
        {**VALID, "a\nb\rc": 1},
        {**VALID, "symptoms": {"fe\nver": "yes"}},
        {**VALID, "duration": "x" * 100_000},
        {**VALID, "y" * 100_000: 1},
    ):
        line = refused_in_process(capsys, str(write(tmp_path, data)))
        assert "\r" not in line


def test_a_document_with_broken_answers_names_the_field_with_its_path(tmp_path, capsys) -> None:
    document = {"answers": {**VALID, "symptoms": {"fever": "maybe"}}, "result": None}
    line = refused_in_process(capsys, str(write(tmp_path, document)))
    assert "field 'answers.symptoms.fever'" in line and "yes, no, unsure" in line
    document = {"answers": {**VALID, "age": 200}, "metadata": {}}
    line = refused_in_process(capsys, str(write(tmp_path, document)))
    assert "field 'answers.age'" in line and "0 to 120" in line
    line = refused_in_process(capsys, str(write(tmp_path, {"answers": [VALID]})))
    assert "field 'answers'" in line and "JSON object" in line
    line = refused_in_process(capsys, str(write(tmp_path, {"answers": VALID, "extra": 1})))
    assert "field 'extra'" in line


# ---------------------------------------------------------------------------------------------
# Through the real console script


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        (b"{oops", "invalid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
        (json.dumps({**VALID, "symptoms": {"fevr": "yes"}}).encode(), "did you mean 'fever'"),
    ],
    ids=["missing", "invalid-json", "not-utf8", "deep", "typo"],
)
def test_console_script_refuses_with_one_line(tmp_path, content, expected) -> None:
    path = tmp_path / "answers.json"
    if content is not None:
        path.write_bytes(content)
    completed = run_script("assess", str(path), "--json")
    err = completed.stderr.decode()
    check_refusal(completed.returncode, completed.stdout.decode(), err, str(path))
    assert expected in err


def test_console_script_refuses_oversized_standard_input() -> None:
    completed = run_script("assess", "-", stdin=b" " * (MAX_BYTES + 1) + b"{}")
    err = completed.stderr.decode()
    check_refusal(completed.returncode, completed.stdout.decode(), err, "-")
    assert "too large" in err
