"""`--jobs N` for `assess --batch` and `compare`: worker processes, each loading the rules once;
the output is the one of a single process, line for line, bad lines with their numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files

from triage import jobs
from triage.cli import main

RULES = Path(__file__).parent.parent / "rules"


@pytest.fixture(scope="module")
def mixed_lines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every scenario three times (more than two chunks), with blank and bad lines between."""
    answers = [json.dumps(load_scenario(path)["answers"]) for path in scenario_files()]
    lines: list[str] = []
    for round_ in range(3):
        for index, line in enumerate(answers):
            lines.append(line)
            if index % 97 == round_:
                lines += ["", '{"age": 30, "location": ["lower_back"]}', "{bad"]
    assert len(lines) > 2 * jobs.CHUNK_LINES
    path = tmp_path_factory.mktemp("jobs") / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_batch_with_two_jobs_equals_one_line_for_line(mixed_lines, capsys) -> None:
    assert main(["assess", "--batch", str(mixed_lines)]) == 2
    one = capsys.readouterr()
    assert main(["assess", "--batch", str(mixed_lines), "--jobs", "2"]) == 2
    two = capsys.readouterr()
    assert two.out.splitlines() == one.out.splitlines()
    assert two.err == one.err and "failed" in one.err
    errors = [json.loads(line) for line in one.out.splitlines() if line.startswith('{"line"')]
    assert errors and all(isinstance(error["line"], int) for error in errors)
    numbers = [error["line"] for error in errors]
    assert numbers == sorted(numbers) and max(numbers) > jobs.CHUNK_LINES  # past the 1st chunk


def test_compare_with_two_jobs_equals_one(mixed_lines, tmp_path, capsys) -> None:
    new = tmp_path / "new"
    import shutil

    shutil.copytree(RULES, new)
    path = new / "rules.yaml"
    path.write_text(
        path.read_text().replace(
            "age: {gte: 60}\n        - radiation: abdomen",
            "age: {gte: 65}\n        - radiation: abdomen",
        )
    )
    args = ["compare", str(RULES), str(new), str(mixed_lines), "--json", "--random", "20"]
    code_one = main(args)
    one = json.loads(capsys.readouterr().out)
    code_two = main([*args, "--jobs", "2"])
    two = json.loads(capsys.readouterr().out)
    assert code_one == code_two == 1
    assert one == two
    assert one["failed"] and one["from_inputs"] > 1000


def test_every_core_and_bad_counts() -> None:
    assert jobs.count(0) >= 1
    assert jobs.count(3) == 3
    assert main(["assess", "--batch", "-", "--jobs", "-2"]) == 2


def test_chunks_keep_line_numbers() -> None:
    lines = [b"%d\n" % n for n in range(1, 1202)]
    chunked = list(jobs.chunks(lines, 500))
    assert [start for start, _ in chunked] == [1, 501, 1001]
    assert [len(chunk) for _, chunk in chunked] == [500, 500, 201]
    assert chunked[2][1][0] == b"1001\n"


def run_triage(*args: str, stdout: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "triage", *args], stdout=stdout, stderr=subprocess.PIPE, timeout=120
    )


def test_workers_writing_standard_output_themselves(mixed_lines, tmp_path) -> None:
    """From a shell standard output is a file descriptor: the workers write it in turn."""
    outputs = []
    for jobs_ in ("1", "2"):
        path = tmp_path / f"out-{jobs_}.jsonl"
        with path.open("wb") as stream:
            done = run_triage("assess", "--batch", str(mixed_lines), "--jobs", jobs_, stdout=stream)
        assert done.returncode == 2, done.stderr
        outputs.append((path.read_bytes(), done.stderr))
    assert outputs[0] == outputs[1]
    assert outputs[0][0].count(b"\n") > 2 * jobs.CHUNK_LINES


def test_a_reader_that_goes_away(mixed_lines) -> None:
    codes = []
    for jobs_ in ("1", "2"):
        process = subprocess.Popen(
            [sys.executable, "-m", "triage", "assess", "--batch", str(mixed_lines), "-j", jobs_],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None
        assert process.stdout.readline().startswith(b"{")
        process.stdout.close()  # as `| head -1` does
        _out, err = process.communicate(timeout=120)
        assert b"Traceback" not in err
        codes.append(process.returncode)
    assert codes[0] == codes[1]
