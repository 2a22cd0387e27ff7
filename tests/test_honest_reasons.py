"""What a reason shows is true, over every scenario (and every scenario with each "Yes" answered
"Not sure" instead, and every scenario cut short as at an early emergency stop):

- no reason's evidence shows a question that was not answered as an answer: a missing answer is
  named as what it is (not asked, skipped, "Don't know");
- a rule that fires only on "Not sure" shows none of its own advice (written for its full
  level), only texts of the level shown, and shows what to do if the sign is really there;
- the causes shown start with what the main reason is about, definite before "Not sure".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import load_scenario, scenario_files

from triage import outcome, render
from triage.knowledge import KnowledgeBase
from triage.models import OPTIONAL_FIELDS, SYMPTOMS, Answers, Missing, Result
from triage.wording import MISSING_WORDS


def scenario_data() -> list[dict[str, Any]]:
    return [load_scenario(path)["answers"] for path in scenario_files()]


def unsure_variants(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The scenario with each "Yes" answered "Not sure" instead, one at a time."""
    symptoms = data.get("symptoms", {})
    for name, answer in symptoms.items():
        if answer in ("yes", True):
            yield {**data, "symptoms": {**symptoms, name: "unsure"}}


def cut_short(data: dict[str, Any]) -> dict[str, Any]:
    """As at an emergency stop after the first screens: the age and the warning signs, nothing
    about the pain's pattern."""
    return {"age": data["age"], "symptoms": data.get("symptoms", {})}


def all_cases(kb: KnowledgeBase) -> Iterator[tuple[dict[str, Any], Result]]:
    for data in scenario_data():
        for case in (data, *unsure_variants(data)):
            yield case, outcome.assess(Answers.model_validate(case), kb)
        partial = cut_short(data)
        yield partial, outcome.assess_partial(kb, partial)


@pytest.fixture(scope="module")
def cases(kb: KnowledgeBase) -> list[tuple[dict[str, Any], Result]]:
    found = list(all_cases(kb))
    assert len(found) > 2 * len(scenario_files())
    return found


def answered(data: dict[str, Any], field: str) -> bool:
    if field in SYMPTOMS:
        return (data.get("symptoms") or {}).get(field) is not None
    return data.get(field) not in (None, [])


def test_no_reason_shows_a_missing_answer_as_an_answer(cases) -> None:
    checked = 0
    for data, result in cases:
        for reason in result.reasons:
            for evidence in reason.answers:
                if answered(data, evidence.field):
                    assert evidence.value not in list(Missing), (reason.rule, evidence)
                    continue
                checked += 1
                # only the optional single answers can be missing and still count
                assert evidence.field in OPTIONAL_FIELDS, (reason.rule, evidence)
                assert evidence.value is Missing.NOT_ASKED, (reason.rule, evidence)
                assert f": {MISSING_WORDS[Missing.NOT_ASKED]} (" in evidence.text
    assert checked > 0, "some reason rests on a question that was not asked"


def test_a_rule_on_not_sure_shows_only_texts_of_the_level_and_the_if_sure_step(
    cases, kb: KnowledgeBase
) -> None:
    steps_checked = 0
    for _data, result in cases:
        shown = {item.id: item for item in result.advice}
        definite = [reason for reason in result.reasons if not reason.unsure]
        allowed = set(kb.info.levels[result.triage].advice) | set(kb.info.unsure_advice)
        allowed |= {a for reason in definite for a in kb.rules_by_id[reason.rule].advice}
        allowed |= set(kb.info.unsure_steps.values())
        for item in result.advice:
            # every text is the level's, a definite reason's, or about "Not sure"
            assert item.kind == "self_help" or item.id in allowed, (item.id, result.triage)
        for reason in result.reasons:
            if not reason.unsure:
                continue
            rule = kb.rules_by_id[reason.rule]
            assert reason.triage.rank < rule.triage.rank  # lowered
            step = shown[kb.info.unsure_steps[rule.triage]]
            assert "If you are sure you have it, or it gets worse" in step.text
            for evidence in reason.answers:
                if evidence.value == "unsure":
                    assert kb.questions_by_id[evidence.field].short in step.text
            steps_checked += 1
    assert steps_checked > 50


def test_the_causes_begin_with_the_main_reason_definite_before_not_sure(cases) -> None:
    for _data, result in cases:
        definite, rule_out = render.causes_shown(result)
        assert definite == [c for c in definite if c in result.suspected]
        assert not set(definite) & set(rule_out)
        if not result.reasons:
            continue
        main = result.reasons[0]
        first = (rule_out if main.unsure else definite)[:1]
        if main.suspected and first:
            assert first[0] in main.suspected
        # at the main reason's level, a reason on definite answers comes before one on "Not sure"
        same_level = [r for r in result.reasons if r.triage is main.triage]
        assert [r.unsure for r in same_level] == sorted(r.unsure for r in same_level)


def test_a_fall_on_steroids_comes_before_an_unsure_night_pain(kb: KnowledgeBase) -> None:
    """The issue's example: No to cancer, a minor fall while on steroids, "Not sure" about pain
    at night. The fracture is the main reason and the first cause; cancer is one to rule out."""
    answers = Answers.model_validate(
        {
            "age": 58,
            "location": ["lower_back"],
            "duration": "under_1_week",
            "trigger": "minor_injury",
            "symptoms": {"cancer_history": "no", "steroids": "yes", "night_pain": "unsure"},
        }
    )
    result = outcome.assess(answers, kb)
    main = result.reasons[0]
    assert not main.unsure and "fracture" in main.suspected
    definite, rule_out = render.causes_shown(result)
    assert definite[0] == "fracture" and "cancer" in rule_out and "cancer" not in definite
    text = render.pain_type(result, kb)
    assert text.index(kb.info.causes[definite[0]]) < text.index(kb.info.causes[rule_out[0]])
