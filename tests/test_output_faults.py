"""Faults on standard output are output faults: a reader that goes away ends the command quietly
with 141 (as `cmd | head` does in a shell), a full or closed standard output is one line naming
standard output with exit code 2, and none of them is blamed on the input or ends with exit 1.
Run through the real console script, with real pipes, /dev/full and a closed descriptor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ANSWERS = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}
SCRIPT = str(Path(sys.executable).with_name("triage"))


def env() -> dict[str, str]:
    environment = {**os.environ, "NO_COLOR": "1"}
    environment.pop("TRIAGE_DEBUG", None)
    return environment


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, str]:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS), encoding="utf-8")
    lines = tmp_path / "many.jsonl"
    lines.write_text((json.dumps(ANSWERS) + "\n") * 2_000, encoding="utf-8")
    return {"answers": str(answers), "lines": str(lines)}


COMMANDS = {
    "assess": ["assess", "{answers}"],
    "assess-json": ["assess", "{answers}", "--json"],
    "assess-markdown": ["assess", "{answers}", "--format", "markdown"],
    "batch": ["assess", "--batch", "{lines}"],
    "batch-stdin": ["assess", "--batch", "-"],
    "rules": ["rules"],
    "schema": ["schema"],
    "schema-document": ["schema", "--document"],
    "fhir": ["fhir", "--questionnaire"],
    "fhir-response": ["fhir", "{answers}"],
    "fhir-result": ["fhir", "{answers}", "--result"],
    "check": ["check"],
    "help": ["--help"],
    "command-help": ["assess", "--help"],
    "version": ["--version"],
}


def run(name: str, inputs: dict[str, str], **streams: Any) -> subprocess.CompletedProcess[bytes]:
    """Run command `name` with the batch lines on standard input (for `--batch -`); `streams`
    are subprocess.run's stdout/stderr/preexec_fn."""
    argv = [SCRIPT, *(part.format(**inputs) for part in COMMANDS[name])]
    with open(inputs["lines"], "rb") as stdin:
        return subprocess.run(argv, stdin=stdin, env=env(), timeout=60, **streams)


def close(descriptor: int) -> Callable[[], None]:
    return lambda: os.close(descriptor)  # runs in the child before exec


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_reader_that_goes_away_ends_the_command_quietly(name, inputs) -> None:
    """The reader closes its end before anything is written: the first write fails with a
    broken pipe (SIGPIPE is ignored by Python, so the write reports EPIPE)."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = run(name, inputs, stdout=write, stderr=subprocess.PIPE)
    finally:
        os.close(write)
    assert done.returncode == 141, done.stderr
    assert done.stderr == b"", "a closed pipe is not an error worth a message"


def test_head_on_a_long_batch_ends_quietly(inputs) -> None:
    shell = f"{SCRIPT} assess --batch {inputs['lines']} | head -c 100"
    done = subprocess.run(
        ["bash", "-c", f'{shell}; echo "status=${{PIPESTATUS[0]}}" >&2'],
        capture_output=True,
        env=env(),
        timeout=60,
    )
    assert len(done.stdout) == 100
    assert done.stderr.decode().strip() == "status=141"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_full_disk_is_reported_as_an_output_fault(name, inputs) -> None:
    with open("/dev/full", "w") as full:
        done = run(name, inputs, stdout=full, stderr=subprocess.PIPE)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    (line,) = err.splitlines()
    assert line == "triage: error: cannot write to standard output: No space left on device"
    for path in inputs.values():
        assert path not in line, "an output fault is never blamed on the input"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_closed_standard_output_is_one_line_and_exit_2(name, inputs) -> None:
    done = run(name, inputs, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=close(1))
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.splitlines() == [
        "triage: error: standard output is closed, so nothing can be printed"
    ]


# Standard error: where faults are reported, so a fault there has nowhere to go. The exit code
# stays what it would have been (a refusal is 2, a success 0), never 1, and nothing hangs.
ERROR_STREAMS = {
    "full": lambda: {"stderr": open("/dev/full", "w")},  # noqa: SIM115 - closed by the test
    "closed": lambda: {"stderr": subprocess.DEVNULL, "preexec_fn": close(2)},
    "reader-gone": lambda: {"stderr": _closed_pipe()},
}


def _closed_pipe() -> int:
    read, write = os.pipe()
    os.close(read)
    return write


def _release(stream: Any) -> None:
    if isinstance(stream, int) and stream >= 0:
        os.close(stream)
    elif hasattr(stream, "close"):
        stream.close()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("fault", list(ERROR_STREAMS))
@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["assess", "{bad}"], 2),  # a refusal
        (["assess", "--batch", "{mixed}"], 2),  # some lines failed
        (["check", "{broken_rules}"], 2),  # problems listed one per line
        (["no-such-command"], 2),  # argparse's usage error
        (["assess", "{answers}", "--json"], 0),  # nothing to say on standard error
    ],
    ids=["refusal", "batch", "check", "usage", "success"],
)
def test_a_fault_on_standard_error_keeps_the_exit_code(inputs, tmp_path, fault, argv, code) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps(ANSWERS) + "\n{}\n", encoding="utf-8")
    broken = tmp_path / "rules"
    broken.mkdir()
    names = {**inputs, "bad": str(bad), "mixed": str(mixed), "broken_rules": str(broken)}
    streams = ERROR_STREAMS[fault]()
    try:
        done = subprocess.run(
            [SCRIPT, *(part.format(**names) for part in argv)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=env(),
            timeout=60,
            **streams,
        )
    finally:
        _release(streams["stderr"])
    assert done.returncode == code
    if code == 0:
        assert json.loads(done.stdout)["triage"]


def test_the_quiz_with_standard_input_closed_is_refused_not_a_crash() -> None:
    done = subprocess.run(
        [SCRIPT, "quiz"], capture_output=True, env=env(), timeout=60, preexec_fn=close(0)
    )
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.decode().splitlines()
    assert "standard input is not a terminal" in line


def test_a_closed_standard_input_names_standard_input(inputs) -> None:
    done = subprocess.run(
        [SCRIPT, "assess", "-"],
        capture_output=True,
        env=env(),
        timeout=60,
        preexec_fn=close(0),  # noqa: PLW1509
    )
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == ["triage: error: <stdin>: standard input is closed"]
