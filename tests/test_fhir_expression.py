"""The FHIRPath skip logic of the Questionnaire (`fhir.expression`, exported as the SDC
enableWhenExpression where enableWhen cannot be exact) is true exactly when the engine's own
skip logic asks the question.

Evaluated with fhirpathpy (a FHIRPath engine independent of ours) on the responses to quizzes
walked with random answers: for today's questions, and for random skip logic drawn by
hypothesis with the nesting that enableWhen cannot express (`any` in `all`, `at_least` ...).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import fhirpathpy
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir_support import STYLES, items_by_link, put, random_answer, walk_quiz, with_whens
from fhirpathpy.models import models
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from triage import fhir, outcome
from triage.conditions import NOT_ANSWERED
from triage.knowledge import KnowledgeBase, Question
from triage.models import NUMBER_FIELDS, REQUIRED_FIELDS

R4 = models["r4"]  # without the R4 model, `answer.value` would not find valueCoding
Compiled = Callable[[Any, Any], list[Any]]


def expressions(kb: KnowledgeBase) -> dict[str, str]:
    """The FHIRPath condition of every question with a `when`."""
    return {
        q.id: fhir.expression(kb, kb.conditions[f"question:{q.id}"])
        for q in kb.questions
        if f"question:{q.id}" in kb.conditions
    }


def exported(kb: KnowledgeBase) -> dict[str, str]:
    """The enableWhenExpressions as the Questionnaire carries them."""
    found = {}
    for link_id, item in items_by_link(fhir.questionnaire(kb)).items():
        for extension in item.get("extension", []):
            if extension["url"] == fhir.ENABLE_WHEN_EXPRESSION:
                assert extension["valueExpression"]["language"] == "text/fhirpath"
                found[link_id] = extension["valueExpression"]["expression"]
    return found


def response(kb: KnowledgeBase, answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": fhir.canonical(kb),
        "status": "in-progress",
        "item": fhir.response_items(kb, answers),
    }


def enabled(compiled: Compiled, resource: dict[str, Any]) -> bool:
    value = compiled(resource, {"resource": resource})
    assert value in ([True], [False]), value  # a boolean, never empty or anything else
    return bool(value[0])


def check_agreement(kb: KnowledgeBase, compiled: dict[str, Compiled], answers: dict[str, Any]):
    """Each expression holds exactly for the questions the engine's skip logic asks."""
    asked = outcome.questions_to_ask(kb, answers)
    resource = response(kb, answers)
    for question_id, expression in compiled.items():
        assert enabled(expression, resource) == (question_id in asked), (question_id, answers)
    return asked


def compile_all(found: dict[str, str]) -> dict[str, Compiled]:
    return {question_id: fhirpathpy.compile(text, R4) for question_id, text in found.items()}


def test_todays_skip_logic_in_fhirpath_agrees_with_the_engine(kb) -> None:
    compiled = compile_all(expressions(kb))
    assert len(compiled) >= 10
    rng = random.Random(20251203)
    seen_asked: set[str] = set()
    seen_skipped: set[str] = set()
    for walk in range(45):
        asked = check_agreement(kb, compiled, walk_quiz(kb, rng, STYLES[walk % len(STYLES)]))
        seen_asked |= asked
        seen_skipped |= set(compiled) - asked
    # Every condition was seen both ways, so no expression passed by being constant.
    assert seen_asked == seen_skipped == set(compiled), (
        f"never asked: {set(compiled) - seen_asked}, never skipped: {set(compiled) - seen_skipped}"
        " (a rare condition: walk more quizzes)"
    )


# ---- Random skip logic --------------------------------------------------------------------------


def leaf(question: Question) -> st.SearchStrategy[dict[str, Any]]:
    """One test on an earlier question, as rules/questions.yaml would write it."""
    if question.id in NUMBER_FIELDS:
        low, high = NUMBER_FIELDS[question.id]
        bounds = st.dictionaries(
            st.sampled_from(["gte", "gt", "lte", "lt"]), st.integers(low, high), min_size=1
        )
        return bounds.map(lambda b: {question.id: b})
    if question.kind == "symptom":
        values: list[str] = ["yes", "unsure"]
    else:
        values = [choice.value for choice in question.choices]
        if question.kind == "single" and question.id not in REQUIRED_FIELDS:
            values.append(NOT_ANSWERED)
    chosen = st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)
    return chosen.map(lambda v: {question.id: v if len(v) > 1 else v[0]})


def condition(earlier: list[Question]) -> st.SearchStrategy[dict[str, Any]]:
    """A random `when` over earlier questions, nested up to a few levels."""
    leaves = st.sampled_from(earlier).flatmap(leaf)

    def nest(parts: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        several = st.lists(parts, min_size=1, max_size=3)
        at_least = st.lists(parts, min_size=2, max_size=4).flatmap(
            lambda of: st.integers(1, len(of)).map(lambda k: {"at_least": {"count": k, "of": of}})
        )
        return st.one_of(
            several.map(lambda p: {"all": p}), several.map(lambda p: {"any": p}), at_least
        )

    return st.recursive(leaves, nest, max_leaves=6)


@st.composite
def skip_logic(draw: st.DrawFn, kb: KnowledgeBase) -> dict[str, dict[str, Any]]:
    """New `when`s for a few questions, each over the questions asked before it."""
    optional = [i for i, q in enumerate(kb.questions) if i > 0 and q.id not in REQUIRED_FIELDS]
    targets = draw(st.lists(st.sampled_from(optional), min_size=1, max_size=4, unique=True))
    return {kb.questions[i].id: draw(condition(list(kb.questions[:i]))) for i in targets}


def engine_compiles(kb: KnowledgeBase) -> bool:
    """Whether durable-rules takes the skip logic: it allows at most 32 tests in one compiled
    condition ("error code: 113"), and `at_least` grows combinatorially when compiled. Such a
    `when` has no engine to compare with (and would not load in the quiz either)."""
    try:
        outcome.questions_to_ask(kb, {})
    except Exception as error:  # durable-rules' own exception type; the engine hides its module
        if "error code: 113" in str(error):
            return False
        raise
    return True


@settings(max_examples=25, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32))
def test_random_skip_logic_in_fhirpath_agrees_with_the_engine(kb, data, seed) -> None:
    whens = data.draw(skip_logic(kb))
    changed = with_whens(kb, whens)
    assume(engine_compiles(changed))
    every = expressions(changed)
    shown = exported(changed)
    # Exported exactly where enableWhen cannot say it, and then the same expression.
    inexact = {q for q in every if not fhir.is_exact(changed, changed.conditions[f"question:{q}"])}
    assert set(shown) == inexact
    assert all(shown[q] == every[q] for q in shown)
    Questionnaire.model_validate(fhir.questionnaire(changed))
    compiled = compile_all({q: every[q] for q in whens})
    rng = random.Random(seed)
    for style in STYLES * 2:  # answers as the quiz would collect them
        check_agreement(changed, compiled, walk_quiz(changed, rng, style))
    for _ in range(3):  # and any answers at all (the condition alone)
        answers: dict[str, Any] = {}
        for question in changed.questions:
            put(answers, changed, question.id, random_answer(rng, question.id))
        check_agreement(changed, compiled, answers)


def test_text_in_a_literal_is_escaped() -> None:
    assert fhir._literal("it's a \\ test") == "'it\\'s a \\\\ test'"
    compiled = fhirpathpy.compile(f"{fhir._literal('it' + chr(39) + 's')} = 'it\\'s'", R4)
    assert compiled({}, {}) == [True]
