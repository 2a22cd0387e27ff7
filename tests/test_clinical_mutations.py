"""Deliberate clinical mistakes, each applied to a copy of rules/, must be caught by the scenario
checks or the skip-logic check (tests/clinical_guard.py), not only by the snapshot.

The list holds the three changes that once passed the whole suite (issue 9) and a few more of
the kinds a reviewer fears most: a red flag removed, a threshold moved, "Not sure" counted as
"yes", a warning sign dropped from a rule, skip logic that ignores "Not sure"; then the seven
changes of issue 20 that a review made unnoticed (a place taken from a multi-value test, advice
swapped, "[yes, unsure]" narrowed, a part of an `all` taken out, labels swapped, the age
condition of the painkiller advice removed, self-help at an emergency) with new ones of each
kind. None may be caught only by the snapshot (docs/clinical-safety.md).
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
VALUES, PARTS, ADVICE = "values", "parts of an all", "advice"
PROPERTIES, LABELS = "properties", "labels"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    item: str | None  # the id of the rule, question or advice changed (None: the whole file)
    old: str  # text inside that item's block ("" with new="": remove the item)
    new: str
    caught_by: str
    more: tuple[tuple[str, str], ...] = ()  # further (old, new) changes in the same block


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


ISSUE_20 = [
    Mutation(
        "the upper back taken from the areas of the thoracic cord rule",
        "rules.yaml",
        "CORD-THORACIC",
        "        - location: [upper_back, middle_back]\n        - any:",
        "        - location: middle_back\n        - any:",
        SCENARIOS,
    ),
    Mutation(
        "the cauda equina advice swapped for the sciatica advice",
        "rules.yaml",
        "CES-BLADDER-BOWEL",
        "advice: [info-cauda-equina]",
        "advice: [info-sciatica]",
        SCENARIOS,
    ),
    Mutation(
        "the sciatica advice shown for cauda equina (the property)",
        "rules.yaml",
        "CES-SADDLE",
        "advice: [info-cauda-equina]",
        "advice: [info-sciatica]",
        PROPERTIES,
    ),
    Mutation(
        "'Not sure' about a weak leg no longer counted for walking difficulty",
        "rules.yaml",
        "WALKING-DIFFICULTY",
        "- leg_weakness: [yes, unsure]",
        "- leg_weakness: yes",
        SCENARIOS,
    ),
    Mutation(
        "the sudden start taken out of an aorta rule",
        "rules.yaml",
        "AORTA-SUDDEN-ABDOMEN",
        "        - onset: sudden\n",
        "",
        SCENARIOS,
    ),
    Mutation(
        "the labels of a minor fall and a serious accident swapped",
        "questions.yaml",
        "trigger",
        "label: A minor fall or knock, or a cough or sneeze",
        "label: A serious accident",
        LABELS,
        more=(
            ("label: A serious accident\n", "label: A minor fall or knock, or a cough or sneeze\n"),
        ),
    ),
    Mutation(
        "the German labels of a minor fall and a serious accident swapped",
        "de/questions.yaml",
        None,
        "label: Ein leichter Sturz oder Stoß, Husten oder Niesen",
        "label: Ein schwerer Unfall",
        LABELS,
        more=(
            (
                "label: Ein schwerer Unfall",
                "label: Ein leichter Sturz oder Stoß, Husten oder Niesen",
            ),
        ),
    ),
    Mutation(
        "the age condition of the painkiller advice removed",
        "advice.yaml",
        "self-help-pain-relief",
        "    when:\n      age: {gte: 16}\n",
        "",
        PROPERTIES,
    ),
    Mutation(
        "self-help switched on for an emergency",
        "ruleset.yaml",
        None,
        "    advice: [now-emergency, safety-net-emergency]\n    self_help: false",
        "    advice: [now-emergency, safety-net-emergency]\n    self_help: true",
        PROPERTIES,
    ),
    # ---- new ones of each kind
    Mutation(
        "the arm or jaw taken from the spreading heart rule",
        "rules.yaml",
        "HEART-SPREADING-PAIN",
        "- radiation: [chest, arm_or_jaw]",
        "- radiation: chest",
        SCENARIOS,
    ),
    Mutation(
        "'Not sure' about breathlessness no longer the context of a clot with a calf",
        "rules.yaml",
        "LUNG-CLOT-CALF",
        "- breathless: [yes, unsure]",
        "- breathless: yes",
        SCENARIOS,
    ),
    Mutation(
        "'Not sure' about a temperature no longer the context of a lung infection",
        "rules.yaml",
        "LUNG-INFECTION",
        "            - fever: [yes, unsure]\n        - any:",
        "            - fever: yes\n        - any:",
        SCENARIOS,
    ),
    Mutation(
        "the pain in the side taken out of kidney pain with fever",
        "rules.yaml",
        "KIDNEY-FEVER",
        "        - location: flank\n",
        "",
        SCENARIOS,
    ),
    Mutation(
        "the age taken out of the first episode over 60",
        "rules.yaml",
        "FIRST-EPISODE-OLDER",
        "        - age: {gt: 60}\n",
        "",
        SCENARIOS,
    ),
    Mutation(
        "the labels of less than a week and 1 to 4 weeks swapped",
        "questions.yaml",
        "duration",
        "label: Less than a week (up to 6 days)",
        "label: 1 week or more, but less than 4 weeks",
        LABELS,
        more=(
            (
                "label: 1 week or more, but less than 4 weeks\n      - value: 4_to",
                "label: Less than a week (up to 6 days)\n      - value: 4_to",
            ),
        ),
    ),
    Mutation(
        "the thoracic cord advice swapped for the sciatica advice",
        "rules.yaml",
        "CORD-THORACIC",
        "advice: [info-cord]",
        "advice: [info-sciatica]",
        SCENARIOS,
    ),
    Mutation(
        "the advice for older people swapped in a rule at 'soon'",
        "rules.yaml",
        "OLDER-NOT-IMPROVING",
        "advice: [info-older]",
        "advice: [info-persistent]",
        SCENARIOS,
    ),
    Mutation(
        "the painkiller advice from 12 instead of 16",
        "advice.yaml",
        "self-help-pain-relief",
        "      age: {gte: 16}",
        "      age: {gte: 12}",
        PROPERTIES,
    ),
    Mutation(
        "self-help switched on for 'see a doctor today'",
        "ruleset.yaml",
        None,
        "    advice: [now-urgent, safety-net-urgent]\n    self_help: false",
        "    advice: [now-urgent, safety-net-urgent]\n    self_help: true",
        PROPERTIES,
    ),
    Mutation(
        "a young child checked the same day only under 5",
        "rules.yaml",
        "CHILD-YOUNG",
        "age: {lt: 6}",
        "age: {lt: 5}",
        SCENARIOS,
    ),
    Mutation(
        "shingles antivirals only from 60",
        "rules.yaml",
        "SHINGLES-ANTIVIRAL",
        "age: {gte: 50}",
        "age: {gte: 60}",
        SCENARIOS,
    ),
    Mutation(
        "an unanswered first-episode question read as 'before'",
        "rules.yaml",
        "FIRST-EPISODE-OLDER",
        "episode: not_answered",
        "episode: recurrent",
        SCENARIOS,
    ),
    Mutation(
        "an unanswered first-episode question read as a first episode whatever the trigger",
        "rules.yaml",
        "FIRST-EPISODE-OLDER",
        "trigger: [none, not_answered]",
        "trigger: [none, not_answered, lifting_or_strain, posture, minor_injury, major_injury]",
        SCENARIOS,
    ),
    Mutation(
        "the advice for a young child dropped",
        "rules.yaml",
        "CHILD-YOUNG",
        "advice: [info-child-young, info-child]",
        "advice: [info-child]",
        SCENARIOS,
    ),
    Mutation(
        "a part of the heart rule's 'all' taken out",
        "rules.yaml",
        "HEART-THORACIC-SWEAT",
        "        - location: [upper_back, middle_back]\n",
        "",
        SCENARIOS,
    ),
    Mutation(
        "advice added to a rule without a scenario that expects it (the pin check)",
        "rules.yaml",
        "CES-SADDLE",
        "advice: [info-cauda-equina]",
        "advice: [info-cauda-equina, info-walking]",
        ADVICE,
    ),
    Mutation(
        "a part added to an 'all' without a scenario that lacks only it (the pin check)",
        "rules.yaml",
        "KIDNEY-FEVER",
        "        - fever: yes\n",
        "        - fever: yes\n        - duration: [under_1_week, 1_to_4_weeks]\n",
        PARTS,
    ),
    Mutation(
        "a value taken from a multi-value test (the pin check)",
        "rules.yaml",
        "LUNG-CLOT-CALF",
        "            - radiation: chest\n",
        "            - radiation: [chest, abdomen]\n",
        VALUES,
    ),
]
MUTATIONS += ISSUE_20


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
        case "values":
            return guard.value_gaps(kb, cases)
        case "parts of an all":
            return guard.all_part_gaps(kb, cases)
        case "advice":
            return guard.advice_gaps(kb, cases)
        case "properties":
            return guard.property_problems(kb, cases)
        case "labels":
            return guard.label_problems(kb)
        case _:
            return guard.reachability_gaps(kb)


def mutated(tmp_path: Path, mutation: Mutation) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    path = directory / mutation.file
    text = path.read_text(encoding="utf-8")
    if mutation.item is None:  # the whole file; `more` changes the text as it was (a swap)
        assert text.count(mutation.old) == 1, f"{mutation.old!r} is not once in {mutation.file}"
        text = text.replace(mutation.old, "\x00")
        for old, new in mutation.more:
            assert text.count(old) == 1, f"{old!r} is not once in {mutation.file}"
            text = text.replace(old, new)
        path.write_text(text.replace("\x00", mutation.new), encoding="utf-8")
        return directory
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
        for old, new in mutation.more:
            assert block.count(old) == 1, f"{old!r} is not once in {mutation.item}"
            at = block.index(old)  # in the block as it was, before the first change
            changed = (
                changed[: changed.index(old, at - len(mutation.old) - 1)]
                + new
                + changed[changed.index(old, at - len(mutation.old) - 1) + len(old) :]
            )
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
    language = mutation.file.split("/")[0] if "/" in mutation.file else "en"
    kb = knowledge.load(mutated(tmp_path, mutation), language=language)
    assert findings(kb, mutation.caught_by), f"not caught by the {mutation.caught_by} check"
    assert snapshot.render(kb) != snapshot.PATH.read_text(encoding="utf-8")


def test_the_unchanged_rules_pass_every_check(kb) -> None:
    for check in (SCENARIOS, LEVELS, SIGNS, THRESHOLDS, SKIP_LOGIC, VALUES, PARTS, ADVICE):
        assert findings(kb, check) == [], check
    assert findings(kb, PROPERTIES) == [] and findings(kb, LABELS) == []


def test_every_mutation_of_issue_20_is_caught_by_a_clinical_check_not_the_snapshot() -> None:
    kinds = {mutation.caught_by for mutation in ISSUE_20}
    assert {SCENARIOS, PROPERTIES, LABELS, ADVICE, PARTS, VALUES} <= kinds
