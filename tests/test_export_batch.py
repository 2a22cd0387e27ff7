"""`triage assess --batch`: JSON lines in, one JSON line out per input line, in order, streaming;
a bad line becomes an error object with its line number and the rest carry on (exit code 2)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files

from triage import batch, knowledge, outcome
from triage.cli import main
from triage.models import Answers

GOOD = {"age": 38, "location": ["lower_back"], "duration": "1_to_4_weeks"}
EMERGENCY = {**GOOD, "symptoms": {"saddle_numbness": True}}


def write_lines(tmp_path: Path, lines: list[str], name: str = "answers.jsonl") -> str:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def output_lines(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    assert all(line.startswith("{") and line.endswith("}") for line in lines), "one object a line"
    return [json.loads(line) for line in lines]


def test_good_and_bad_lines_keep_order_and_line_numbers(tmp_path, capsys, kb) -> None:
    lines = [
        json.dumps(GOOD),  # 1
        "",  # 2: blank, skipped
        json.dumps({**GOOD, "age": 130}),  # 3
        "{not json",  # 4
        json.dumps(EMERGENCY),  # 5
        "   ",  # 6: blank, skipped
        json.dumps({**GOOD, "symptoms": {"fevr": "yes"}}),  # 7
        "[1, 2]",  # 8
        json.dumps({**GOOD, "duration": "forever"}),  # 9
        json.dumps(GOOD),  # 10
    ]
    assert main(["assess", "--batch", write_lines(tmp_path, lines)]) == 2
    captured = capsys.readouterr()
    out = output_lines(captured.out)
    assert len(out) == 8
    assert [entry.get("line") for entry in out] == [None, 3, 4, None, 7, 8, 9, None]
    expected = [outcome.assess(Answers.model_validate(d), kb) for d in (GOOD, EMERGENCY, GOOD)]
    assert [out[0], out[3], out[7]] == [r.model_dump(mode="json") for r in expected]
    assert out[3]["triage"] == "emergency"
    age, bad_json, symptom, array, duration = out[1], out[2], out[4], out[5], out[6]
    assert age["field"] == "age" and "'age'" in age["error"] and "0 to 120" in age["error"]
    assert "invalid JSON" in bad_json["error"] and "field" not in bad_json
    assert symptom["field"] == "symptoms.fevr" and "fever" in symptom["error"]
    assert "array" in array["error"]
    assert duration["field"] == "duration" and "over_12_weeks" in duration["error"]
    assert "5 of 8 lines failed" in captured.err and "Traceback" not in captured.err


def test_every_scenario_in_one_batch_gives_the_same_results_as_one_by_one(
    tmp_path, capsys, kb
) -> None:
    scenarios = [load_scenario(path)["answers"] for path in scenario_files()]
    path = write_lines(tmp_path, [json.dumps(s) for s in scenarios])
    assert main(["assess", "--batch", path, "--json"]) == 0
    out = output_lines(capsys.readouterr().out)
    expected = [
        outcome.assess(Answers.model_validate(s), kb).model_dump(mode="json") for s in scenarios
    ]
    assert out == expected


def test_output_is_written_and_flushed_before_the_next_line_is_read(kb) -> None:
    """Streaming: the result of a line is out before the next line is even read."""

    class Recorder(io.StringIO):
        flushed = 0

        def flush(self) -> None:
            self.flushed += 1
            super().flush()

    out = Recorder()

    def lines() -> Iterator[bytes]:
        for number in range(1, 4):
            assert out.getvalue().count("\n") == number - 1 == out.flushed
            yield json.dumps(GOOD).encode() + b"\n"

    tally = batch.assess_lines(lines(), kb, out)
    assert (tally.assessed, tally.failed) == (3, 0) and out.flushed == 3


def test_lines_that_are_not_utf8_or_too_long_fail_alone(monkeypatch, kb) -> None:
    monkeypatch.setattr(batch, "MAX_BYTES", 200)
    long_line = json.dumps(
        {**GOOD, "symptoms": {name: "no" for name in ("fever", "cough", "rash")}}
    )
    long_line += " " * 300
    data = (
        b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n\xff\xfe\n" + long_line.encode() + b"\n"
    )
    data += json.dumps(GOOD).encode()  # no newline at the end
    out = io.StringIO()
    tally = batch.assess_lines(batch.lines_of(io.BytesIO(data)), kb, out)
    results = output_lines(out.getvalue())
    assert (tally.assessed, tally.failed) == (2, 2)
    assert "triage" in results[0] and "triage" in results[3]
    assert results[1]["line"] == 2 and "UTF-8" in results[1]["error"]
    assert results[2]["line"] == 3 and "too long" in results[2]["error"]


def test_knowledge_is_loaded_once_for_the_whole_batch(tmp_path, capsys, monkeypatch) -> None:
    calls = []
    real_load = knowledge.load

    def counting_load(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(knowledge, "load", counting_load)
    assert main(["assess", "--batch", write_lines(tmp_path, [json.dumps(GOOD)] * 20)]) == 0
    assert len(output_lines(capsys.readouterr().out)) == 20 and len(calls) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["assess", "x.json", "--batch", "y.jsonl"], "not both"),
        (["assess", "--batch", "y.jsonl", "--format", "markdown"], "--format markdown"),
        (["assess", "--batch", "y.jsonl", "--format", "text"], "--format text"),
        (["assess"], "--batch"),
        (["assess", "--batch", "does-not-exist.jsonl"], "does-not-exist.jsonl: no such file"),
    ],
)
def test_batch_usage_errors_exit_2_with_one_line(args, message, capsys) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_batch_from_standard_input_in_a_real_process() -> None:
    lines = "\n".join([json.dumps(GOOD), "{", json.dumps(EMERGENCY)]) + "\n"
    done = subprocess.run(
        [sys.executable, "-m", "triage", "assess", "--batch", "-"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 2, done.stderr
    out = output_lines(done.stdout)
    assert [entry.get("triage") for entry in out] == ["self_care", None, "emergency"]
    assert out[1]["line"] == 2
    assert done.stderr.startswith("triage: error: <stdin>: 1 of 3 lines failed")
