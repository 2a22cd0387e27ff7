"""Properties that hold over the whole answer space, checked with hypothesis.

Every valid answers file gives exactly one result, always the same one; more warning signs never
make the result less urgent; "Not sure" is never treated as less than "no", and counts as "yes"
one level lower (the policy rules/ruleset.yaml names, defined by triage.unsure); the result
explains itself consistently.
"""

from __future__ import annotations

import json
from typing import Any

import reference_evaluator as reference
from hypothesis import given, settings
from hypothesis import strategies as st

from triage import outcome, render, unsure
from triage.inputs import answers_from_data, parse_json
from triage.models import SYMPTOMS, Answers, Level, PainType, Result

REFERENCE = reference.load(reference.default_rules())
ANSWERS = reference.answers_data(REFERENCE)
SYMPTOM = st.sampled_from(sorted(SYMPTOMS))
EXAMPLES = settings(max_examples=300, deadline=None)


def assess(kb, data: dict[str, Any]) -> Result:
    return outcome.assess(Answers.model_validate(data), kb)


def with_symptom(data: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    return {**data, "symptoms": {**data.get("symptoms", {}), name: value}}


def answer_to(data: dict[str, Any], name: str) -> str:
    value = data.get("symptoms", {}).get(name, "no")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


@EXAMPLES
@given(data=ANSWERS)
def test_every_valid_answers_file_gives_exactly_one_result(kb, data) -> None:
    text = json.dumps(data)
    answers, document = answers_from_data(parse_json(text, "answers.json"), "answers.json")
    assert document is None
    result = outcome.assess(answers, kb)
    assert isinstance(result, Result) and result.triage in Level
    printed = json.loads(render.to_json(result))  # one JSON object, which renders and parses back
    assert printed["triage"] == result.triage.value
    assert render.to_text(result, kb, colour=False).strip()


@EXAMPLES
@given(data=ANSWERS)
def test_the_same_answers_always_give_the_same_result(kb, data) -> None:
    first, second = assess(kb, data), assess(kb, json.loads(json.dumps(data)))
    assert first == second
    assert render.to_json(first) == render.to_json(second)


@EXAMPLES
@given(data=ANSWERS, name=SYMPTOM)
def test_a_yes_never_lowers_the_level(kb, data, name) -> None:
    before = assess(kb, data).triage
    after = assess(kb, with_symptom(data, name, "yes")).triage
    assert after.rank >= before.rank, f"{name}=yes lowered {before} to {after}"


@EXAMPLES
@given(data=ANSWERS, name=SYMPTOM)
def test_turning_a_no_into_unsure_never_lowers_the_level(kb, data, name) -> None:
    as_no = with_symptom(data, name, "no")
    as_unsure = with_symptom(data, name, "unsure")
    assert assess(kb, as_unsure).triage.rank >= assess(kb, as_no).triage.rank


@EXAMPLES
@given(data=ANSWERS, name=SYMPTOM)
def test_unsure_counts_as_yes_one_level_lower(kb, data, name) -> None:
    """The policy: "Not sure" counts as "yes" at the policy's level. So unsure gives at least
    what the policy makes of the "yes" level, and never more than yes."""
    sure = assess(kb, with_symptom(data, name, "yes")).triage
    as_unsure = assess(kb, with_symptom(data, name, "unsure")).triage
    floor = unsure.unsure_level(sure, kb.info.unsure_policy) or Level.SELF_CARE
    assert as_unsure.rank >= floor.rank, f"{name}: yes gives {sure}, unsure {as_unsure}"
    assert as_unsure.rank <= sure.rank


def test_the_shipped_policy_is_one_level_lower_and_never_self_care(kb) -> None:
    """ruleset.yaml names one_level_lower: an emergency sign answered "Not sure" is urgent, an
    urgent one soon, and a sign that matters only at "soon" does not fire on "Not sure"."""
    assert kb.info.unsure_policy == "one_level_lower"
    policy = kb.info.unsure_policy
    assert unsure.unsure_level(Level.EMERGENCY, policy) is Level.URGENT
    assert unsure.unsure_level(Level.URGENT, policy) is Level.SOON
    assert unsure.unsure_level(Level.SOON, policy) is None
    assert unsure.unsure_level(Level.SELF_CARE, policy) is None


@EXAMPLES
@given(data=ANSWERS)
def test_pain_is_specific_exactly_when_a_cause_is_suspected(kb, data) -> None:
    result = assess(kb, data)
    assert (result.pain_type is PainType.SPECIFIC) == bool(result.suspected)
    causes = {cause for reason in result.reasons if not reason.unsure for cause in reason.suspected}
    assert set(result.suspected) == causes


@EXAMPLES
@given(data=ANSWERS)
def test_every_reason_names_a_rule_that_exists_at_its_level(kb, data) -> None:
    result = assess(kb, data)
    for reason in result.reasons:
        rule = kb.rules_by_id.get(reason.rule)
        assert rule is not None, f"reason {reason.rule!r} names no rule"
        policy_level = unsure.unsure_level(rule.triage, kb.info.unsure_policy)
        assert reason.triage is (policy_level if reason.unsure else rule.triage)
        assert reason.title == rule.title and reason.sources
        assert {s.id for s in reason.sources} == set(rule.sources)
    assert len({reason.rule for reason in result.reasons}) == len(result.reasons)
    top = max((reason.triage.rank for reason in result.reasons), default=Level.SELF_CARE.rank)
    assert result.triage.rank == top


@EXAMPLES
@given(data=ANSWERS)
def test_the_level_is_what_the_reference_evaluator_computes(kb, data) -> None:
    assert assess(kb, data).triage.value == reference.expected_level(REFERENCE, data)


@EXAMPLES
@given(data=ANSWERS)
def test_every_reason_shows_the_answers_behind_it(kb, data) -> None:
    """Each reason carries at least one answer that made it fire, as given."""
    for reason in assess(kb, data).reasons:
        assert reason.answers, f"{reason.rule} fired without evidence"
        for evidence in reason.answers:
            if evidence.field in SYMPTOMS:
                assert answer_to(data, evidence.field) == evidence.value
