"""Clinical stories, one file each in tests/scenarios/: a clinician can add a case without Python.

Each file: {"id", "story", "source", "answers", "expect": {"triage": [acceptable levels],
"pain_type"?, "suspected_any"?, "fires"? (rule ids that must fire), "not_fires"?}}.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_scenario, scenario_files
from triage import outcome
from triage.models import Answers


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_scenario(path: Path, kb) -> None:
    case = load_scenario(path)
    expect = case["expect"]
    result = outcome.assess(Answers.model_validate(case["answers"]), kb)
    fired = {reason.rule for reason in result.reasons}
    assert result.triage.value in expect["triage"], _explain(case, result)
    if "pain_type" in expect:
        assert result.pain_type.value == expect["pain_type"], _explain(case, result)
    if "suspected_any" in expect:
        assert {c.value for c in result.suspected} & set(expect["suspected_any"]), _explain(
            case, result
        )
    assert set(expect.get("fires", [])) <= fired, _explain(case, result)
    assert not set(expect.get("not_fires", [])) & fired, _explain(case, result)


def _explain(case, result) -> str:
    reasons = ", ".join(
        f"{r.rule}={r.triage.value}{'?' if r.unsure else ''}" for r in result.reasons
    )
    return f"{case['id']} {case['story']}: got {result.triage.value} [{reasons}]"


def test_scenarios_are_well_formed() -> None:
    files = scenario_files()
    assert len(files) >= 32
    ids = [load_scenario(p)["id"] for p in files]
    assert len(ids) == len(set(ids)), "scenario ids must be unique"
    for path in files:
        case = load_scenario(path)
        assert {"id", "story", "source", "answers", "expect"} <= set(case), path.name
        Answers.model_validate(case["answers"])
