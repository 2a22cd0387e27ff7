"""Cross-check the durable-rules engine against an independent evaluator of the `when:` language.

On thousands of answer sets both must fire exactly the same records (rules, their "Not sure"
variants, self-help advice, follow-up questions). A disagreement is a bug in the parser
(triage/conditions.py), the compiler or the facts (triage/engine.py), or durable-rules itself,
which the hand-written scenarios cannot find because they only look at a few answers each.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import reference_evaluator as reference
from hypothesis import given, settings

from triage import engine, knowledge, outcome
from triage.models import Answers

SETS = 4000  # answer sets per seeded run: about a second and a half of engine time


@pytest.fixture(scope="module")
def ref() -> reference.Knowledge:
    return reference.load(knowledge.default_directory())


def records(fired: frozenset[engine.Fired]) -> frozenset[reference.Firing]:
    return frozenset((item.kind, item.id, item.unsure) for item in fired)


def engine_names(kb: knowledge.KnowledgeBase, data: dict[str, Any]) -> frozenset[reference.Firing]:
    answers = Answers.model_validate(data)
    return records(engine.for_knowledge(kb).fire(answers.model_dump(mode="json")))


def generated(ref: reference.Knowledge, seed: int, count: int) -> list[dict[str, Any]]:
    """Random answer sets; three in four are bent towards one rule, advice or question
    condition (and then nudged at its edge), so that conditions with several parts fire too."""
    rng = random.Random(seed)
    targets = [
        *(condition for _id, _level, condition in ref.rules),
        *ref.advice_conditions.values(),
        *ref.question_conditions.values(),
    ]
    sets = []
    for _ in range(count):
        answers = reference.random_answers(ref, rng, symptom_share=rng.choice((0.0, 0.1, 0.3)))
        if rng.random() < 0.75:
            reference.satisfy(ref, rng.choice(targets), answers, rng)
            if rng.random() < 0.5:
                reference.perturb(ref, answers, rng)
        sets.append(answers)
    return sets


def describe(data: dict[str, Any], ours: frozenset[Any], theirs: frozenset[Any]) -> str:
    return (
        f"answers {data}\n  only the engine fired: {sorted(ours - theirs)}"
        f"\n  only the reference fired: {sorted(theirs - ours)}"
    )


def test_the_generated_answers_are_valid_and_exercise_every_rule(ref) -> None:
    """The cross-check below only means something if the answer sets reach every name."""
    sets = generated(ref, seed=5, count=SETS)
    seen: set[str] = set()
    for data in sets:
        Answers.model_validate(data)  # every generated set is a valid answers file
        seen |= reference.fired(ref, data)
    every_name = {("rule", rule_id, False) for rule_id, _level, _when in ref.rules}
    every_name |= {
        ("rule", rule_id, True)
        for rule_id, level, when in ref.rules
        if reference.has_unsure_variant(ref, when)
        and reference.level_if_unsure(ref, level) is not None
    }
    every_name |= {("advice", advice_id, False) for advice_id in ref.advice_conditions}
    assert every_name - seen == set(), "names no generated answer set fires"


@pytest.mark.parametrize("seed", [1, 2])
def test_engine_fires_exactly_what_the_reference_evaluator_says(kb, ref, seed) -> None:
    mismatches = []
    for data in generated(ref, seed, SETS // 2):
        ours, theirs = engine_names(kb, data), reference.fired(ref, data)
        if ours != theirs:
            mismatches.append(describe(data, ours, theirs))
    assert not mismatches, f"{len(mismatches)} disagreements, first: {mismatches[0]}"


def test_skip_logic_asks_exactly_the_questions_the_reference_says(kb, ref) -> None:
    """During the quiz the answers are partial (required fields still missing, symptoms given as
    JSON booleans or words): the skip logic and the early emergency check must still agree."""
    rng = random.Random(11)
    mismatches = []
    for data in generated(ref, seed=3, count=SETS // 2):
        so_far = reference.partial(ref, data, rng)
        asked = outcome.questions_to_ask(kb, so_far)
        expected = reference.questions_to_ask(ref, so_far)
        if asked != expected:
            mismatches.append(describe(so_far, asked, expected))
        ours = records(engine.for_knowledge(kb).fire(so_far))
        theirs = reference.fired(ref, so_far)
        if ours != theirs:
            mismatches.append(describe(so_far, ours, theirs))
    assert not mismatches, f"{len(mismatches)} disagreements, first: {mismatches[0]}"


def test_every_question_condition_is_reached_both_ways(ref) -> None:
    rng = random.Random(11)
    asked: set[str] = set()
    skipped: set[str] = set()
    for data in generated(ref, seed=3, count=SETS // 2):
        so_far = reference.partial(ref, data, rng)
        chosen = reference.questions_to_ask(ref, so_far)
        asked |= chosen
        skipped |= set(ref.question_conditions) - chosen
    assert asked == skipped == set(ref.question_conditions)


@settings(max_examples=300, deadline=None)
@given(data=reference.answers_data())
def test_engine_and_reference_agree_on_hypothesis_answers(kb, ref, data) -> None:
    ours, theirs = engine_names(kb, data), reference.fired(ref, data)
    assert ours == theirs, describe(data, ours, theirs)


def test_the_reference_evaluator_can_disagree(kb, ref) -> None:
    """Guard against a reference that mirrors the engine by accident: a changed condition in
    the reference's copy of the rules must make the two disagree."""
    data = {
        "age": 40,
        "location": ["lower_back"],
        "duration": "1_to_4_weeks",
        "symptoms": {"bladder_bowel": "yes"},
    }
    assert ("rule", "CES-BLADDER-BOWEL", False) in engine_names(kb, data) & reference.fired(
        ref, data
    )
    broken = reference.Knowledge(
        **{
            **ref.__dict__,
            "rules": tuple(
                (rule_id, level, {"fever": "yes"} if rule_id == "CES-BLADDER-BOWEL" else when)
                for rule_id, level, when in ref.rules
            ),
        }
    )
    assert engine_names(kb, data) != reference.fired(broken, data)
