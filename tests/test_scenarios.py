"""Clinical stories, one file each in tests/scenarios/: a clinician can add a case without Python.

Each file: {"id", "story", "source", "answers", "expect": {"triage": [acceptable levels],
"pain_type"?, "suspected_any"?, "fires"? (rule ids that must fire), "not_fires"?, "advice"?
(advice ids that must be shown), "sure"? (rules that must fire on definite answers, not as a
reason resting on a "Not sure" answer)}}.
File name prefixes: e = a rule's exact level, b = the two sides of a threshold, g = a guideline
item closed by the coverage audit (rules/coverage.yaml); the others are earlier review rounds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clinical_guard import scenario_problem
from tests.conftest import load_scenario, scenario_files
from triage.models import Answers


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_scenario(path: Path, kb) -> None:
    problem = scenario_problem(kb, load_scenario(path))
    assert problem is None, problem


EXPECT_KEYS = {"triage", "pain_type", "suspected_any", "fires", "not_fires", "advice", "sure"}


def test_scenarios_are_well_formed(kb) -> None:
    files = scenario_files()
    assert len(files) >= 32
    ids = [load_scenario(p)["id"] for p in files]
    assert len(ids) == len(set(ids)), "scenario ids must be unique"
    for path in files:
        case = load_scenario(path)
        assert {"id", "story", "source", "answers", "expect"} <= set(case), path.name
        assert path.name.startswith(f"{case['id'].lower()}-"), "file name starts with the id"
        assert set(case["expect"]) <= EXPECT_KEYS, path.name
        assert case["expect"]["triage"], path.name
        named = {*case["expect"].get("fires", []), *case["expect"].get("not_fires", [])}
        named |= set(case["expect"].get("sure", []))
        unknown = named - set(kb.rules_by_id)
        assert not unknown, f"{path.name}: unknown rule ids {sorted(unknown)}"
        advice = set(case["expect"].get("advice", [])) - set(kb.advice)
        assert not advice, f"{path.name}: unknown advice ids {sorted(advice)}"
        Answers.model_validate(case["answers"])
