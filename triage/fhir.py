"""HL7 FHIR R4 export: the quiz as a `Questionnaire`, answers as a `QuestionnaireResponse`, and
the result as a `RiskAssessment` in a `Bundle` with the response it rests on.

All are plain dicts built from the knowledge base in rules/, so no FHIR library is needed at
run time (the tests validate every output with fhir.resources' R4B models). Reading a response
back in is `triage.fhir_in`.

Mapping:
- one item per question, linkId = question id (= the answers field or symptom name);
- number -> `integer` with minValue/maxValue; single -> `choice`; multi -> `choice` + `repeats`;
  yes/no/unsure symptoms -> `choice` with three codes (FHIR `boolean` has no "not sure");
  choices are shown as radio buttons or check boxes (itemControl), as the quiz lists them;
- codes live in code systems under CANONICAL_BASE: one per choice question, one for yes/no/unsure,
  one for the triage levels, one for the suspected causes, one for the rule ids;
- the question's help text is a nested `display` item with itemControl "help";
- the skip logic (`when`) becomes `enableWhen` + `enableBehavior` (see `enable_when`), and, where
  that cannot be exact, also the SDC `enableWhenExpression` in FHIRPath (see `expression`).

Skip logic: FHIR enableWhen is one flat list of tests joined by all or by any. A `when` that is
a single test, an `any` of tests, or an `all` of tests translates exactly:
- `field: value` (or a list of values) -> `=` with the value's coding, one test per value;
- `optional_field: not_answered` -> `exists false` (a question that was skipped has no answer);
- numbers: gte/gt/lte/lt -> `>=`, `>`, `<=`, `<` with answerInteger;
- a list field (several answers) holds when any answer equals the value (FHIR's rule for `=`).
Anything else (an `any` inside an `all`, an `all` inside an `any`, at_least) cannot be written
exactly. Then the item gets a wider enableWhen (tests are dropped, never added), so a renderer
without FHIRPath asks the question at least whenever the quiz would (asking more is safe;
skipping a warning sign is not), and the exact condition as an `enableWhenExpression`, which
a renderer with FHIRPath applies as well (LHC-Forms enables an item only when both hold; the
wider enableWhen never holds less often, so together they are exactly the quiz's condition).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.conditions import NOT_ANSWERED, AllOf, AnyOf, AtLeast, Condition, Leaf
from triage.i18n import _
from triage.knowledge import KnowledgeBase, Question
from triage.models import (
    NUMBER_FIELDS,
    REQUIRED_FIELDS,
    Answers,
    Cause,
    Level,
    Missing,
    Reason,
    Result,
    missing_kind,
)
from triage.wording import choice_words

# No server publishes these resources; a canonical URL only has to be stable and ours, and a
# `.invalid` host (RFC 2606) can never belong to anyone else. Change it here, in one place, if
# the project gets a home page.
CANONICAL_BASE = "https://triage.invalid/fhir"
SYMPTOM_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/yes-no-unsure"
LEVEL_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/triage-level"
CAUSE_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/suspected-cause"
RULE_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/rule"
# Extensions of ours on each reason of a RiskAssessment: the level the rule fired at, whether it
# fired only on a "Not sure" answer, and the guideline behind it.
RULE_LEVEL = f"{CANONICAL_BASE}/StructureDefinition/rule-level"
RULE_UNSURE = f"{CANONICAL_BASE}/StructureDefinition/rule-unsure"
RULE_SOURCE = f"{CANONICAL_BASE}/StructureDefinition/rule-source"
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
# "Asked, but unknown" and "asked, but declined" for an item without an answer: the standard
# extension, its code from http://terminology.hl7.org/CodeSystem/data-absent-reason.
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
DATA_ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ABSENT_CODES = {Missing.DONT_KNOW: "asked-unknown", Missing.SKIPPED: "asked-declined"}
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
# How each kind of choice is shown: the quiz lists every choice, so a form does too.
CONTROLS = {
    "single": ("radio-button", "Radio Button"),
    "symptom": ("radio-button", "Radio Button"),
    "multi": ("check-box", "Check-box"),
}


def questionnaire_url(kb: KnowledgeBase) -> str:
    return f"{CANONICAL_BASE}/Questionnaire/{kb.info.name}"


def canonical(kb: KnowledgeBase) -> str:
    """The versioned reference a QuestionnaireResponse uses: url|version."""
    return f"{questionnaire_url(kb)}|{kb.info.version}"


def code_system(question: Question) -> str:
    if question.kind == "symptom":
        return SYMPTOM_SYSTEM
    return f"{CANONICAL_BASE}/CodeSystem/{question.id}"


def coding(kb: KnowledgeBase, question: Question, code: str) -> dict[str, str]:
    display = choice_words(kb, question, code)
    return {"system": code_system(question), "code": code, "display": display}


def codes(kb: KnowledgeBase, question: Question) -> list[str]:
    if question.kind == "symptom":
        return list(kb.info.symptom_choices)
    return [choice.value for choice in question.choices]


# ---------------------------------------------------------------------------------------------
# Questionnaire


def questionnaire(kb: KnowledgeBase) -> dict[str, Any]:
    """The quiz as an R4 Questionnaire: every question, in order, with its skip logic."""
    return {
        "resourceType": "Questionnaire",
        "id": kb.info.name,
        "language": kb.language,
        "url": questionnaire_url(kb),
        "version": kb.info.version,
        "name": "".join(part.capitalize() for part in kb.info.name.replace("_", "-").split("-")),
        "title": kb.info.title or kb.info.name.replace("-", " ").replace("_", " ").capitalize(),
        "status": "active",
        "subjectType": ["Patient"],
        "description": " ".join(kb.info.description.split()),
        "item": [question_item(kb, question) for question in kb.questions],
    }


def question_item(kb: KnowledgeBase, question: Question) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": question.text}
    if question.kind == "number":
        low, high = NUMBER_FIELDS[question.id]
        item["type"] = "integer"
        item["extension"] = [
            {"url": MIN_VALUE, "valueInteger": low},
            {"url": MAX_VALUE, "valueInteger": high},
        ]
    else:
        item["type"] = "choice"
        item["extension"] = [_item_control(*CONTROLS[question.kind])]
        item["answerOption"] = [
            {"valueCoding": coding(kb, question, c)} for c in codes(kb, question)
        ]
    if question.kind == "multi":
        item["repeats"] = True
    if question.id in REQUIRED_FIELDS:
        item["required"] = True
    condition = kb.conditions.get(f"question:{question.id}")
    if condition is not None:
        item.update(enable_when(kb, condition))
        if not is_exact(kb, condition):
            item["extension"].append(_enable_when_expression(kb, question, condition))
    if question.help:
        item["item"] = [_help_item(question)]
    return item


def _item_control(code: str, display: str) -> dict[str, Any]:
    control = {"system": ITEM_CONTROL_SYSTEM, "code": code, "display": display}
    return {"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [control]}}


def _help_item(question: Question) -> dict[str, Any]:
    return {
        "linkId": f"{question.id}.help",
        "type": "display",
        "text": " ".join(question.help.split()) if question.help else "",
        "extension": [_item_control("help", "Help-Button")],
    }


def _enable_when_expression(
    kb: KnowledgeBase, question: Question, condition: Condition
) -> dict[str, Any]:
    return {
        "url": ENABLE_WHEN_EXPRESSION,
        "valueExpression": {
            "description": "The rule set's exact condition (enableWhen is wider: it cannot say "
            f"this): {json.dumps(question.when, ensure_ascii=False)}",
            "language": "text/fhirpath",
            "expression": expression(kb, condition),
        },
    }


# ---------------------------------------------------------------------------------------------
# Skip logic -> enableWhen


@dataclass(frozen=True)
class Tests:
    """enableWhen tests joined by `any` or `all`, and whether they mean exactly the condition
    (when not, they hold at least whenever it does). No tests: always enabled."""

    tests: tuple[dict[str, Any], ...]
    exact: bool


def enable_when(kb: KnowledgeBase, condition: Condition) -> dict[str, Any]:
    """`enableWhen` (+ `enableBehavior` when there are several tests) for a condition."""
    behaviour, found = _best_form(kb, condition)
    if not found.tests:
        return {}
    result: dict[str, Any] = {"enableWhen": list(found.tests)}
    if len(found.tests) > 1:
        result["enableBehavior"] = behaviour
    return result


def is_exact(kb: KnowledgeBase, condition: Condition) -> bool:
    return _best_form(kb, condition)[1].exact


def _best_form(kb: KnowledgeBase, condition: Condition) -> tuple[str, Tests]:
    """Try the form that suits the condition first; take an exact one, else the tighter one."""
    as_any, as_all = _any_form(kb, condition), _all_form(kb, condition)
    prefer_all = isinstance(condition, AllOf) or (isinstance(condition, Leaf) and condition.bounds)
    options = [("all", as_all), ("any", as_any)]
    if not prefer_all:
        options.reverse()
    usable = [(name, form) for name, form in options if form is not None]
    for name, form in usable:
        if form.exact:
            return name, form
    for name, form in usable:
        if form.tests:
            return name, form
    return "any", Tests((), exact=False)


def _any_form(kb: KnowledgeBase, condition: Condition) -> Tests | None:
    """Tests joined by `any` that hold whenever the condition does (None: no such tests)."""
    match condition:
        case Leaf(bounds=bounds) if bounds:
            return Tests(_bound_tests(condition)[:1], exact=len(bounds) == 1)
        case Leaf():
            return Tests(_value_tests(kb, condition), exact=True)
        case AnyOf(parts=parts) | AtLeast(count=1, parts=parts):
            forms = [_any_form(kb, part) for part in parts]
            if any(form is None for form in forms):
                return None
            return _joined(forms, exact=all(form.exact for form in forms if form))
        case AllOf(parts=parts) | AtLeast(parts=parts) if len(parts) == 1:
            return _any_form(kb, parts[0])
        case AtLeast(parts=parts):  # at least k of n (k > 1) implies at least one of them
            widened = _any_form(kb, AnyOf(parts))
            return Tests(widened.tests, exact=False) if widened else None
        case AllOf(parts=parts):  # a conjunction implies each of its parts: keep one of them
            found = [_any_form(kb, part) for part in parts]
            kept = [form for form in found if form is not None]
            if not kept:
                return None
            return Tests(min(kept, key=lambda form: len(form.tests)).tests, exact=False)
    raise AssertionError(f"unknown condition {condition!r}")


def _all_form(kb: KnowledgeBase, condition: Condition) -> Tests:
    """Tests joined by `all` that hold whenever the condition does (dropping tests widens)."""
    match condition:
        case Leaf(bounds=bounds) if bounds:
            return Tests(_bound_tests(condition), exact=True)
        case Leaf():
            tests = _value_tests(kb, condition)
            return Tests(tests, exact=True) if len(tests) == 1 else Tests((), exact=False)
        case AllOf(parts=parts):
            forms = [_all_form(kb, part) for part in parts]
            return _joined(forms, exact=all(form.exact for form in forms))
        case AtLeast(count=count, parts=parts) if count == len(parts):
            return _all_form(kb, AllOf(parts))
        case AnyOf(parts=parts) | AtLeast(parts=parts) if len(parts) == 1:
            return _all_form(kb, parts[0])
        case AnyOf() | AtLeast():
            return Tests((), exact=False)
    raise AssertionError(f"unknown condition {condition!r}")


def _joined(forms: list[Any], exact: bool) -> Tests:
    unique = {json.dumps(test, sort_keys=True): test for form in forms for test in form.tests}
    return Tests(tuple(unique.values()), exact=exact)


_OPERATORS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}


def _bound_tests(leaf: Leaf) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"question": leaf.field, "operator": _OPERATORS[op], "answerInteger": number}
        for op, number in leaf.bounds
    )


def _value_tests(kb: KnowledgeBase, leaf: Leaf) -> tuple[dict[str, Any], ...]:
    question = kb.questions_by_id[leaf.field]
    tests: list[dict[str, Any]] = []
    for value in leaf.values:
        # (The `when` language never tests a symptom for "no": an unasked symptom counts as no.)
        if value == NOT_ANSWERED:
            tests.append({"question": leaf.field, "operator": "exists", "answerBoolean": False})
        else:
            code = coding(kb, question, value)
            tests.append({"question": leaf.field, "operator": "=", "answerCoding": code})
    return tuple(tests)


# ---------------------------------------------------------------------------------------------
# Skip logic -> FHIRPath (the SDC enableWhenExpression)


def expression(kb: KnowledgeBase, condition: Condition) -> str:
    """The condition as FHIRPath on the response being filled in (`%resource`): true exactly when
    the quiz would ask the question. Every test ends in exists(), so `and`, `or` and iif() only
    ever see true or false, never an empty collection."""
    match condition:
        case Leaf(bounds=bounds) if bounds:
            tests = " and ".join(f"$this {_OPERATORS[op]} {number}" for op, number in bounds)
            return f"{_answers(condition.field)}.value.where({tests}).exists()"
        case Leaf():
            return _value_expression(kb, condition)
        case AllOf(parts=parts):
            return " and ".join(f"({expression(kb, part)})" for part in parts)
        case AnyOf(parts=parts):
            return " or ".join(f"({expression(kb, part)})" for part in parts)
        case AtLeast(count=count, parts=parts):
            counted = " + ".join(f"iif({expression(kb, part)}, 1, 0)" for part in parts)
            return f"({counted}) >= {count}"
    raise AssertionError(f"unknown condition {condition!r}")


def _answers(link_id: str) -> str:
    # The linkId at any depth of groups (item.item): a renderer may group the questions. Our
    # questions are never nested under an answer (answer.item), so that path is not searched
    # (fhirpathpy, which the tests use, evaluates `repeat(item | answer.item)...answer.value` to
    # nothing: the union loses the element types that resolve `value` to valueCoding).
    return f"%resource.repeat(item).where(linkId = {_literal(link_id)}).answer"


def _value_expression(kb: KnowledgeBase, leaf: Leaf) -> str:
    question = kb.questions_by_id[leaf.field]
    tests = []
    chosen = [value for value in leaf.values if value != NOT_ANSWERED]
    if chosen:
        codes = " or ".join(f"code = {_literal(value)}" for value in chosen)
        system = _literal(code_system(question))
        found = f"value.where(system = {system} and ({codes}))"
        tests.append(f"{_answers(leaf.field)}.{found}.exists()")
    if NOT_ANSWERED in leaf.values:
        tests.append(f"{_answers(leaf.field)}.exists().not()")
    return tests[0] if len(tests) == 1 else " or ".join(f"({test})" for test in tests)


def _literal(text: str) -> str:
    """A FHIRPath string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---------------------------------------------------------------------------------------------
# QuestionnaireResponse


def questionnaire_response(answers: Answers, kb: KnowledgeBase, authored: str) -> dict[str, Any]:
    """The answers as an R4 QuestionnaireResponse to `questionnaire(kb)`: one item per answered
    question, in the questionnaire's order. `authored` is a date-time with a time zone.

    Answers to questions the quiz would have skipped are kept: the rules read them."""
    return {
        "resourceType": "QuestionnaireResponse",
        "language": kb.language,
        "questionnaire": canonical(kb),
        "status": "completed",
        "authored": authored,
        "item": response_items(kb, answers.model_dump(mode="json", exclude_none=True)),
    }


def response_items(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The items of a response to an answers mapping (possibly partial, as during the quiz):
    one per answered question, in the questionnaire's order. A question answered "Don't know"
    (or skipped) is an item without an answer that says so (data-absent-reason)."""
    symptoms = answers.get("symptoms") or {}
    items: list[dict[str, Any]] = []
    for question in kb.questions:
        given = symptoms if question.kind == "symptom" else answers
        value = given.get(question.id)
        values = value if isinstance(value, list) else [] if value is None else [value]
        if values:
            answer = [_answer(kb, question, v) for v in values]
            items.append({"linkId": question.id, "text": question.text, "answer": answer})
        elif value is None and question.kind != "symptom":
            code = ABSENT_CODES.get(missing_kind(answers, question.id))
            if code is not None:
                absent = [{"url": DATA_ABSENT_REASON, "valueCode": code}]
                items.append({"extension": absent, "linkId": question.id, "text": question.text})
    return items


def _answer(kb: KnowledgeBase, question: Question, value: Any) -> dict[str, Any]:
    if question.kind == "number":
        return {"valueInteger": value}
    return {"valueCoding": coding(kb, question, str(value))}


# ---------------------------------------------------------------------------------------------
# The result: a RiskAssessment based on the response, both in one Bundle


def result_bundle(
    answers: Answers, result: Result, kb: KnowledgeBase, authored: str, made: str
) -> dict[str, Any]:
    """A `collection` Bundle: the QuestionnaireResponse to the answers and the RiskAssessment
    of the result, whose basis is that response. `made` is when the assessment was made."""
    response_url, assessment_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    assessment = risk_assessment(result, kb, response_url, made)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": made,
        "entry": [
            {"fullUrl": response_url, "resource": questionnaire_response(answers, kb, authored)},
            {"fullUrl": assessment_url, "resource": assessment},
        ],
    }


def risk_assessment(result: Result, kb: KnowledgeBase, basis: str, made: str) -> dict[str, Any]:
    """The result as an R4 RiskAssessment: the level (and each suspected cause) as a prediction,
    every rule that fired as a reason with its sources, what to do now as the mitigation, and
    the safety net and the disclaimer as notes."""
    levels = [{"outcome": {"coding": [level_coding(kb, result.triage)], "text": result.headline}}]
    causes = [{"outcome": {"coding": [cause_coding(kb, c)]}} for c in result.suspected]
    safety_net = [f"{a.title}: {a.text}" for a in result.advice if a.kind == "safety_net"]
    assessment: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "language": kb.language,
        "status": "final",
        "method": {"text": result.ruleset},
        # R4 requires a subject; the tool knows nobody's identity, only the answers.
        "subject": {"display": _("the person who answered the questionnaire")},
        "occurrenceDateTime": made,
        "basis": [{"reference": basis}],
        "prediction": levels + causes,
        "reasonCode": [_reason(kb, reason) for reason in result.reasons],
        "note": [{"text": " ".join(text.split())} for text in [*safety_net, result.disclaimer]],
    }
    now = [" ".join(a.text.split()) for a in result.advice if a.kind == "now"]
    if now:
        assessment["mitigation"] = " ".join(now)
    if not assessment["reasonCode"]:
        del assessment["reasonCode"]  # FHIR lists are never empty
    return assessment


def level_coding(kb: KnowledgeBase, level: Level) -> dict[str, str]:
    return {"system": LEVEL_SYSTEM, "code": level.value, "display": kb.info.levels[level].headline}


def cause_coding(kb: KnowledgeBase, cause: Cause) -> dict[str, str]:
    return {"system": CAUSE_SYSTEM, "code": cause.value, "display": kb.info.causes[cause]}


def _reason(kb: KnowledgeBase, reason: Reason) -> dict[str, Any]:
    rule = {"system": RULE_SYSTEM, "code": reason.rule, "display": reason.title}
    extensions: list[dict[str, Any]] = [
        {"url": RULE_LEVEL, "valueCoding": level_coding(kb, reason.triage)},
        {"url": RULE_UNSURE, "valueBoolean": reason.unsure},
    ]
    for source in reason.sources:
        citation = {"type": "citation", "label": source.id, "display": source.title}
        if source.url:
            citation["url"] = source.url
        extensions.append({"url": RULE_SOURCE, "valueRelatedArtifact": citation})
    return {"extension": extensions, "coding": [rule], "text": reason.title}


def to_json(resource: dict[str, Any]) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False)
