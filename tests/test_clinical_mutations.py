"""Deliberate clinical mistakes, each applied to a copy of rules/, must be caught by the scenario
checks or the skip-logic check (tests/clinical_guard.py), not only by the snapshot.

The list holds the three changes that once passed the whole suite (issue 9) and a few more of
the kinds a reviewer fears most: a red flag removed, a threshold moved, "Not sure" counted as
"yes", a warning sign dropped from a rule, skip logic that ignores "Not sure".
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import clinical_guard as guard
from tests import snapshot
from tests.conftest import load_scenario, scenario_files
from triage import knowledge
from triage.knowledge import KnowledgeBase

SCENARIOS, LEVELS, SIGNS = "scenarios", "levels", "signs"
THRESHOLDS, SKIP_LOGIC = "thresholds", "skip logic"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    item: str  # the id of the rule or question changed
    old: str  # text inside that item's block ("" with new="": remove the item)
    new: str
    caught_by: str


MUTATIONS = [
    Mutation(
        "INFECTION-RISK-NEURO demoted from emergency to urgent",
        "rules.yaml",
        "INFECTION-RISK-NEURO",
        "triage: emergency",
        "triage: urgent",
        SCENARIOS,
    ),
    Mutation(
        "AORTA-ABDOMEN-OLDER from 70 instead of 60",
        "rules.yaml",
        "AORTA-ABDOMEN-OLDER",
        "age: {gte: 60}",
        "age: {gte: 70}",
        SCENARIOS,
    ),
    Mutation(
        "the cancer question asked only from age 50",
        "questions.yaml",
        "cancer_history",
        "",
        "    when:\n      age: {gte: 50}",
        SKIP_LOGIC,
    ),
    Mutation("the saddle numbness red flag removed", "rules.yaml", "CES-SADDLE", "", "", SCENARIOS),
    Mutation(
        "severe pain from 9 instead of 8",
        "rules.yaml",
        "SEVERE-PAIN",
        "intensity: {gte: 8}",
        "intensity: {gte: 9}",
        SCENARIOS,
    ),
    Mutation(
        "children only under 12",
        "rules.yaml",
        "CHILD",
        "age: {lt: 16}",
        "age: {lt: 12}",
        SCENARIOS,
    ),
    Mutation(
        "inflammatory back pain needs 5 of 5 features",
        "rules.yaml",
        "INFLAMMATORY",
        "count: 4",
        "count: 5",
        SCENARIOS,
    ),
    Mutation(
        "'Not sure' about a high temperature counted as a full yes",
        "rules.yaml",
        "INFECTION-FEVER",
        "fever: yes",
        "fever: [yes, unsure]",
        SCENARIOS,
    ),
    Mutation(
        "new leg weakness dropped from cancer with neurological symptoms",
        "rules.yaml",
        "MSCC-CANCER-NEURO",
        "            - leg_weakness: yes\n",
        "",
        SCENARIOS,
    ),
    Mutation(
        "sweating no longer asked after 'Not sure' about breathlessness",
        "questions.yaml",
        "sweating",
        "- breathless: [yes, unsure]",
        "- breathless: yes",
        SKIP_LOGIC,
    ),
    Mutation(
        "a heart rule demoted where another emergency rule always fires with it",
        "rules.yaml",
        "INFECTION-VERY-UNWELL",
        "triage: emergency",
        "triage: urgent",
        LEVELS,
    ),
]


def findings(kb: KnowledgeBase, check: str) -> list[str]:
    cases = [load_scenario(path) for path in scenario_files()]
    match check:
        case "scenarios":
            found = [guard.scenario_problem(kb, case) for case in cases]
            return [problem for problem in found if problem]
        case "levels":
            return guard.exact_level_gaps(kb, cases)
        case "signs":
            return guard.sign_gaps(kb, cases)
        case "thresholds":
            return guard.threshold_gaps(kb, cases)
        case _:
            return guard.reachability_gaps(kb)


def mutated(tmp_path: Path, mutation: Mutation) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    path = directory / mutation.file
    text = path.read_text(encoding="utf-8")
    start, end = _block(text, mutation.item)
    block = text[start:end]
    if not mutation.old and not mutation.new:
        changed = ""
    elif not mutation.old:
        assert "    when:" not in block, f"{mutation.item} already has a 'when'"
        changed = block.rstrip("\n") + "\n" + mutation.new + "\n"
    else:
        assert block.count(mutation.old) == 1, f"{mutation.old!r} is not once in {mutation.item}"
        changed = block.replace(mutation.old, mutation.new)
    path.write_text(text[:start] + changed + text[end:], encoding="utf-8")
    return directory


def _block(text: str, item: str) -> tuple[int, int]:
    """Where the YAML entry `- id: item` starts and ends (up to the next entry or comment)."""
    start = text.index(f"  - id: {item}\n")
    ends = [text.find(marker, start + 1) for marker in ("\n  - id: ", "\n\n  #", "\n  # ")]
    end = min((e for e in ends if e != -1), default=len(text))
    return start, end + 1


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_a_clinical_mistake_is_caught(tmp_path: Path, mutation: Mutation) -> None:
    kb = knowledge.load(mutated(tmp_path, mutation))
    assert findings(kb, mutation.caught_by), f"not caught by the {mutation.caught_by} check"
    assert snapshot.render(kb) != snapshot.PATH.read_text(encoding="utf-8")


def test_the_unchanged_rules_pass_every_check(kb) -> None:
    for check in (SCENARIOS, LEVELS, SIGNS, THRESHOLDS, SKIP_LOGIC):
        assert findings(kb, check) == [], check
