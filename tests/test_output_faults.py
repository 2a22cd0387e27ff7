"""Faults on standard output are output faults: a reader that goes away ends the command quietly
with 141 (as `cmd | head` does in a shell), a full or closed standard output is one line naming
standard output with exit code 2, and none of them is blamed on the input or ends with exit 1.
Run through the real console script, with real pipes, /dev/full and a closed descriptor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
    "rules": ["rules"],
    "schema": ["schema"],
    "fhir": ["fhir", "--questionnaire"],
}


def command(name: str, inputs: dict[str, str]) -> list[str]:
    return [SCRIPT, *(part.format(**inputs) for part in COMMANDS[name])]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_reader_that_goes_away_ends_the_command_quietly(name, inputs) -> None:
    """The reader closes its end before anything is written: the first write fails with a
    broken pipe (SIGPIPE is ignored by Python, so the write reports EPIPE)."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            command(name, inputs), stdout=write, stderr=subprocess.PIPE, env=env(), timeout=60
        )
    finally:
        os.close(write)
    assert done.returncode == 141, done.stderr
    assert done.stderr == b"", "a closed pipe is not an error worth a message"


def test_head_on_a_long_batch_ends_quietly(inputs) -> None:
    shell = f"{command('batch', inputs)[0]} assess --batch {inputs['lines']} | head -c 100"
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
        done = subprocess.run(
            command(name, inputs), stdout=full, stderr=subprocess.PIPE, env=env(), timeout=60
        )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    (line,) = err.splitlines()
    assert line == "triage: error: cannot write to standard output: No space left on device"
    for path in inputs.values():
        assert path not in line, "an output fault is never blamed on the input"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_closed_standard_output_is_one_line_and_exit_2(name, inputs) -> None:
    done = subprocess.run(
        command(name, inputs),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env(),
        timeout=60,
        pass_fds=(),
        preexec_fn=lambda: os.close(1),  # noqa: PLW1509
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.splitlines() == [
        "triage: error: standard output is closed, so nothing can be printed"
    ]


def test_a_closed_standard_input_names_standard_input(inputs) -> None:
    done = subprocess.run(
        [SCRIPT, "assess", "-"],
        capture_output=True,
        env=env(),
        timeout=60,
        preexec_fn=lambda: os.close(0),  # noqa: PLW1509
    )
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == ["triage: error: <stdin>: standard input is closed"]
