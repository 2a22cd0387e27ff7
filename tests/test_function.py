"""The engine as a pure function (`triage.function.Assessor`) for engines that call it once per
partition of a table (Spark mapInPandas, Dask map_partitions): its contract, with no cluster."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
from pathlib import Path
from typing import Any

from conftest import load_scenario, scenario_files

from triage import function, outcome, render
from triage.cli import main
from triage.function import Assessor
from triage.models import Answers

RULES = Path(__file__).parent.parent / "rules"
GOOD = {"age": 38, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def scenario_answers() -> list[dict[str, Any]]:
    return [load_scenario(path)["answers"] for path in scenario_files()]


def test_same_results_as_assess_on_every_scenario(kb) -> None:
    assess = Assessor()
    for answers in scenario_answers():
        expected = json.loads(render.to_json(outcome.assess(Answers.model_validate(answers), kb)))
        assert assess(answers) == expected


def test_same_as_the_assess_command(tmp_path, capsys) -> None:
    for path in scenario_files()[:: len(scenario_files()) // 5]:
        answers = load_scenario(path)["answers"]
        file = tmp_path / "answers.json"
        file.write_text(json.dumps(answers), encoding="utf-8")
        assert main(["assess", str(file), "--json"]) == 0
        assert Assessor(str(RULES))(answers) == json.loads(capsys.readouterr().out)


def test_pickle_round_trip() -> None:
    assess = Assessor(str(RULES), "de")
    copy = pickle.loads(pickle.dumps(assess))
    assert copy == assess and copy is not assess
    assert len(pickle.dumps(Assessor())) < 200  # a name and a language: no engine inside


def test_bad_answers_give_the_batch_error_object_not_an_exception() -> None:
    assess = Assessor()
    result = assess({**GOOD, "age": 130})
    assert set(result) == {"error", "field"} and result["field"] == "age"
    assert "0 to 120" in result["error"]
    assert "error" in assess({"age": 30})
    assert json.loads(assess.json_line("{not json"))["error"].startswith("invalid JSON")
    assert json.loads(assess.json_line(json.dumps(GOOD)))["triage"] == "self_care"


def _in_worker(item: tuple[Assessor, dict[str, Any]]) -> tuple[int, int, dict[str, Any]]:
    assess, answers = item
    result = assess(answers)
    return os.getpid(), function.loaded(), result


def test_a_process_pool_loads_the_rules_once_per_process() -> None:
    assess = Assessor(str(RULES))
    answers = scenario_answers()
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        done = pool.map(_in_worker, [(assess, a) for a in answers], chunksize=20)
    assert [result for _pid, _loaded, result in done] == [assess(a) for a in answers]
    loads: dict[int, set[int]] = {}
    for pid, loaded, _result in done:
        loads.setdefault(pid, set()).add(loaded)
    assert len(loads) == 2 and all(counts == {1} for counts in loads.values())


def test_partition_keeps_order() -> None:
    assess = Assessor()
    rows = [json.dumps(a) for a in scenario_answers()[:30]]
    assert list(assess.partition(rows)) == [assess.json_line(row) for row in rows]
