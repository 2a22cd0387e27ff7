"""Read a FHIR R4 QuestionnaireResponse to our Questionnaire back as an answers mapping.

A form renderer (LHC-Forms, a clinic's web portal) fills in the Questionnaire of
`triage fhir --questionnaire` and hands back a QuestionnaireResponse. This module turns it into
the plain answers mapping of the contract, which then goes through the same validation as an
answers file (`triage.inputs`).

Matching is by linkId (= the answers field or symptom name) and by the answer's code in our code
systems, at any depth: renderers nest items in groups (`item.item`) or under an answer
(`answer.item`). Whatever cannot be read with certainty is refused with the linkId and the
allowed codes, because a misread warning sign must never become "no". A response to another
questionnaire, or to another version of ours, is refused too: its codes may mean something else.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from triage import fhir
from triage.errors import InputError
from triage.knowledge import KnowledgeBase, Question
from triage.safe_text import one_line

RESOURCE = "QuestionnaireResponse"
# R4 QuestionnaireResponse.status. A response entered in error holds no one's answers; any other
# status is read: an unfinished form still holds answers, and its warning signs still count.
STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
REFUSED_STATUS = "entered-in-error"
SHOWN = 60  # at most this many characters of a value from the response are repeated


def answers_from_response(data: Mapping[str, Any], kb: KnowledgeBase, name: str) -> dict[str, Any]:
    """The answers mapping (answers-file shape) in a QuestionnaireResponse to `kb`'s
    Questionnaire; an InputError naming the linkId and the allowed codes on any problem."""
    _check_resource(data, kb, name)
    answers: dict[str, Any] = {}
    symptoms: dict[str, Any] = {}
    seen: set[str] = set()
    for item in _items(data, name):
        question = _question(item, kb, name)
        if question is None:
            continue  # a group or display item: its children are read on their own
        if question.id in seen:
            raise InputError(name, "appears twice; answer each question once", question.id)
        seen.add(question.id)
        values = _values(item, kb, question, name)
        if values is None:
            continue  # not answered
        (symptoms if question.kind == "symptom" else answers)[question.id] = values
    if symptoms:
        answers["symptoms"] = symptoms
    return answers


@cache
def built_in() -> KnowledgeBase:
    """The built-in knowledge base, for readers that are not given one (loaded once)."""
    from triage import knowledge

    return knowledge.load()


# ---------------------------------------------------------------------------------------------
# The resource as a whole


def _check_resource(data: Mapping[str, Any], kb: KnowledgeBase, name: str) -> None:
    kind = data.get("resourceType")
    if kind != RESOURCE:
        raise InputError(
            name,
            f"a FHIR {_shown(kind)} is not an answers file; expected a {RESOURCE} to "
            f"{fhir.canonical(kb)}, or answers in the answers-file format",
            "resourceType",
        )
    _check_questionnaire(data.get("questionnaire"), kb, name)
    status = data.get("status")
    if status not in STATUSES:
        allowed = ", ".join(s for s in STATUSES if s != REFUSED_STATUS)
        raise InputError(name, f"{_shown(status)} is not allowed; allowed: {allowed}", "status")
    if status == REFUSED_STATUS:
        raise InputError(name, "the response was entered in error: it holds no answers", "status")


def _check_questionnaire(reference: Any, kb: KnowledgeBase, name: str) -> None:
    """The response must answer this rule set's Questionnaire, in this version."""
    expected = fhir.canonical(kb)
    if not isinstance(reference, str) or not reference:
        raise InputError(
            name, f"missing: say which questionnaire this answers ({expected})", "questionnaire"
        )
    url, _, version = reference.partition("|")
    if url != fhir.questionnaire_url(kb):
        raise InputError(
            name,
            f"{_shown(reference)} is another questionnaire; this tool reads responses to "
            f"{expected}",
            "questionnaire",
        )
    if version != kb.info.version:
        given = (
            f"answers version {_shown(version)} of the questionnaire"
            if version
            else "does not say which version of the questionnaire it answers"
        )
        raise InputError(
            name,
            f"{given}; this rule set ({kb.label}) reads only responses to version "
            f"{kb.info.version} ({expected}): fill in the current questionnaire "
            "('triage fhir --questionnaire')",
            "questionnaire",
        )


def _items(data: Mapping[str, Any], name: str) -> Iterator[Mapping[str, Any]]:
    """Every item at any depth, in document order (a loop, not recursion: a hostile response
    may be nested about a thousand deep)."""
    pending = list(reversed(_list(data, "item", name, "item")))
    while pending:
        item = pending.pop()
        if not isinstance(item, dict):
            raise InputError(
                name, f"{_shown(item)} is not allowed; expected an item object", "item"
            )
        where = _link_id(item, name)
        children = list(_list(item, "item", name, where))
        for answer in _list(item, "answer", name, where):
            if isinstance(answer, dict):
                children += _list(answer, "item", name, where)
        pending.extend(reversed(children))
        yield item


def _list(owner: Mapping[str, Any], key: str, name: str, where: str) -> list[Any]:
    value = owner.get(key, [])
    if not isinstance(value, list):
        raise InputError(name, f"'{key}' must be a list, got {_shown(value)}", where)
    return value


def _link_id(item: Mapping[str, Any], name: str) -> str:
    link_id = item.get("linkId")
    if not isinstance(link_id, str) or not link_id:
        raise InputError(name, f"an item has no linkId (got {_shown(link_id)})", "item")
    return link_id


# ---------------------------------------------------------------------------------------------
# One item


def _question(item: Mapping[str, Any], kb: KnowledgeBase, name: str) -> Question | None:
    """The question an item answers; None for an item that only holds other items."""
    link_id = _link_id(item, name)
    question = kb.questions_by_id.get(link_id)
    if question is None and item.get("answer"):
        known = [q.id for q in kb.questions]
        close = difflib.get_close_matches(link_id, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise InputError(
            name,
            f"unknown linkId{hint}; the questionnaire's linkIds are: {', '.join(known)}",
            one_line(link_id, SHOWN),
        )
    return question


def _values(
    item: Mapping[str, Any], kb: KnowledgeBase, question: Question, name: str
) -> Any | None:
    """The answer in contract form: an int, a code, or a list of codes (None: unanswered)."""
    answers = _list(item, "answer", name, question.id)
    if not answers:
        return None
    if len(answers) > 1 and question.kind != "multi":
        raise InputError(
            name, f"{len(answers)} answers given; this question takes one", question.id
        )
    values = [_value(answer, kb, question, name) for answer in answers]
    return values if question.kind == "multi" else values[0]


def _value(answer: Any, kb: KnowledgeBase, question: Question, name: str) -> Any:
    if not isinstance(answer, dict):
        raise InputError(name, f"{_shown(answer)} is not an answer object", question.id)
    given = [key for key in answer if key.startswith("value")]
    expected = "valueInteger" if question.kind == "number" else "valueCoding"
    if given != [expected]:
        what = " and ".join(_shown(key) for key in given) or "no value"
        raise InputError(
            name, f"{what} given; expected one {expected}{_codes(kb, question)}", question.id
        )
    value = answer[expected]
    if question.kind == "number":
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(name, f"{_shown(value)} is not a whole number", question.id)
        return value
    return _code(value, kb, question, name)


def _code(coding: Any, kb: KnowledgeBase, question: Question, name: str) -> str:
    if not isinstance(coding, dict):
        raise InputError(
            name, f"{_shown(coding)} is not a Coding{_codes(kb, question)}", question.id
        )
    system, code = coding.get("system"), coding.get("code")
    # A coding without a system is read in the question's own code system, as the
    # Questionnaire offers no other; a coding from another system may mean anything.
    if system is not None and system != fhir.code_system(question):
        raise InputError(
            name,
            f"code system {_shown(system)} is not the question's; expected "
            f"{fhir.code_system(question)}{_codes(kb, question)}",
            question.id,
        )
    if code not in fhir.codes(kb, question):
        raise InputError(
            name, f"code {_shown(code)} is not allowed{_codes(kb, question)}", question.id
        )
    return str(code)


def _codes(kb: KnowledgeBase, question: Question) -> str:
    if question.kind == "number":
        return ""
    return f"; allowed codes: {', '.join(fhir.codes(kb, question))}"


def _shown(value: Any) -> str:
    return one_line(repr(value) if not isinstance(value, str) else f"'{value}'", SHOWN)
