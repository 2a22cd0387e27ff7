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
from triage.i18n import _
from triage.knowledge import KnowledgeBase, Question
from triage.safe_text import one_line

RESOURCE = "QuestionnaireResponse"
# R4 QuestionnaireResponse.status. A response entered in error holds no one's answers; any other
# status is read: an unfinished form still holds answers, and its warning signs still count.
STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
REFUSED_STATUS = "entered-in-error"
SHOWN = 60  # at most this many characters of a value from the response are repeated

# The keys of R4 QuestionnaireResponse, its items, their answers and Codings. Any other key is
# refused with its path, as in an answers file: a misspelt `answers` would otherwise read as
# unanswered, and a warning sign as "no". `contained` (resources inside the response) and
# `modifierExtension` (anywhere: FHIR says a modifier that is not understood must be refused)
# are not read, so they are refused too. `_name` holds the extensions of a primitive `name`.
BASE = ("id", "extension")
RESPONSE_KEYS = (
    "resourceType", "meta", "implicitRules", "language", "text", "identifier", "basedOn",
    "partOf", "questionnaire", "status", "subject", "encounter", "authored", "author",
    "source", "item", *BASE,
)  # fmt: skip
ITEM_KEYS = ("linkId", "definition", "text", "answer", "item", *BASE)
VALUES = (
    "valueBoolean", "valueDecimal", "valueInteger", "valueDate", "valueDateTime", "valueTime",
    "valueString", "valueUri", "valueAttachment", "valueCoding", "valueQuantity",
    "valueReference",
)  # fmt: skip
ANSWER_KEYS = (*VALUES, "item", *BASE)
CODING_KEYS = ("system", "version", "code", "display", "userSelected", *BASE)
PRIMITIVES = {
    "implicitRules", "language", "questionnaire", "status", "authored", "linkId", "definition",
    "text", "system", "version", "code", "display", "userSelected", *VALUES,
}  # fmt: skip
# Keys of an answers file, or near misses, that a did-you-mean by spelling would not find
MEANT = {"answers": ("answer", "item"), "items": ("item",), "symptoms": ("item",)}
MODIFIER = "modifierExtension"


def answers_from_response(data: Mapping[str, Any], kb: KnowledgeBase, name: str) -> dict[str, Any]:
    """The answers mapping (answers-file shape) in a QuestionnaireResponse to `kb`'s
    Questionnaire; an InputError naming the linkId and the allowed codes on any problem."""
    _refuse_modifiers(data, name)
    _check_keys(data, RESPONSE_KEYS, "", name)
    _check_resource(data, kb, name)
    answers: dict[str, Any] = {}
    symptoms: dict[str, Any] = {}
    seen: set[str] = set()
    for item in _items(data, name):
        question = _question(item, kb, name)
        if question is None:
            continue  # a group or display item: its children are read on their own
        if question.id in seen:
            raise InputError(name, _("appears twice; answer each question once"), question.id)
        seen.add(question.id)
        values = _values(item, kb, question, name)
        if values is None:
            _note_absent(item, question, answers, name)
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


def _refuse_modifiers(data: Mapping[str, Any], name: str) -> None:
    """Refuse a modifierExtension at any depth (a loop, not recursion)."""
    pending: list[tuple[Any, str]] = [(data, "")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, dict):
            if MODIFIER in value:
                problem = _(
                    "a modifierExtension changes what the answers mean, and this tool does not "
                    "know it: refused"
                )
                raise InputError(name, problem, _joined(path, MODIFIER))
            pending.extend((v, _joined(path, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            pending.extend((v, f"{path}[{i}]") for i, v in enumerate(value))


def _check_keys(owner: Mapping[str, Any], allowed: tuple[str, ...], path: str, name: str) -> None:
    """Refuse a key that is not one of `allowed` (nor `_` and one of them for a primitive),
    naming its path, with a did-you-mean."""
    for key in owner:
        known = key in allowed or (key[:1] == "_" and key[1:] in allowed and key[1:] in PRIMITIVES)
        if known:
            continue
        if key == "contained":
            problem = _("resources contained in the response are not read: refused")
            raise InputError(name, problem, _joined(path, key))
        meant = [k for k in MEANT.get(str(key).lower(), ()) if k in allowed][:1]
        close = [k for k in allowed if k.lower() == str(key).lower()] or (
            meant or difflib.get_close_matches(str(key), allowed, n=1)
        )
        hint = _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""
        problem = _("unknown key{hint}; allowed here: {allowed}").format(
            hint=hint, allowed=", ".join(allowed)
        )
        raise InputError(name, problem, _joined(path, one_line(str(key), SHOWN)))


def _joined(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_resource(data: Mapping[str, Any], kb: KnowledgeBase, name: str) -> None:
    kind = data.get("resourceType")
    if kind != RESOURCE:
        problem = _(
            "a FHIR {kind} is not an answers file; expected a {resource} to {questionnaire}, or "
            "answers in the answers-file format"
        ).format(kind=_shown(kind), resource=RESOURCE, questionnaire=fhir.canonical(kb))
        raise InputError(name, problem, "resourceType")
    _check_questionnaire(data.get("questionnaire"), kb, name)
    status = data.get("status")
    if status not in STATUSES:
        allowed = ", ".join(s for s in STATUSES if s != REFUSED_STATUS)
        problem = _("{value} is not allowed; allowed: {allowed}")
        raise InputError(name, problem.format(value=_shown(status), allowed=allowed), "status")
    if status == REFUSED_STATUS:
        problem = _("the response was entered in error: it holds no answers")
        raise InputError(name, problem, "status")


def _check_questionnaire(reference: Any, kb: KnowledgeBase, name: str) -> None:
    """The response must answer this rule set's Questionnaire, in this version."""
    expected = fhir.canonical(kb)
    if not isinstance(reference, str) or not reference:
        problem = _("missing: say which questionnaire this answers ({questionnaire})")
        raise InputError(name, problem.format(questionnaire=expected), "questionnaire")
    url, _bar, version = reference.partition("|")
    if url != fhir.questionnaire_url(kb):
        problem = _(
            "{value} is another questionnaire; this tool reads responses to {questionnaire}"
        )
        problem = problem.format(value=_shown(reference), questionnaire=expected)
        raise InputError(name, problem, "questionnaire")
    if version != kb.info.version:
        given = (
            _("answers version {version} of the questionnaire").format(version=_shown(version))
            if version
            else _("does not say which version of the questionnaire it answers")
        )
        problem = _(
            "{given}; this rule set ({ruleset}) reads only responses to version {version} "
            "({questionnaire}): fill in the current questionnaire ('triage fhir --questionnaire')"
        ).format(given=given, ruleset=kb.label, version=kb.info.version, questionnaire=expected)
        raise InputError(name, problem, "questionnaire")


def _items(data: Mapping[str, Any], name: str) -> Iterator[Mapping[str, Any]]:
    """Every item at any depth, in document order (a loop, not recursion: a hostile response
    may be nested about a thousand deep)."""
    top = _list(data, "item", name, "item")
    pending = [(item, f"item[{i}]") for i, item in reversed(list(enumerate(top)))]
    while pending:
        item, path = pending.pop()
        if not isinstance(item, dict):
            problem = _("{value} is not allowed; expected an item object")
            raise InputError(name, problem.format(value=_shown(item)), path)
        _check_keys(item, ITEM_KEYS, path, name)
        where = _link_id(item, name)
        children = [
            (c, f"{path}.item[{i}]") for i, c in enumerate(_list(item, "item", name, where))
        ]
        for number, answer in enumerate(_list(item, "answer", name, where)):
            if isinstance(answer, dict):
                at = f"{path}.answer[{number}]"
                _check_keys(answer, ANSWER_KEYS, at, name)
                coding = answer.get("valueCoding")
                if isinstance(coding, dict):
                    _check_keys(coding, CODING_KEYS, f"{at}.valueCoding", name)
                nested = _list(answer, "item", name, where)
                children += [(c, f"{at}.item[{i}]") for i, c in enumerate(nested)]
        pending.extend(reversed(children))
        yield item


def _list(owner: Mapping[str, Any], key: str, name: str, where: str) -> list[Any]:
    value = owner.get(key, [])
    if not isinstance(value, list):
        problem = _("'{key}' must be a list, got {value}").format(key=key, value=_shown(value))
        raise InputError(name, problem, where)
    return value


def _link_id(item: Mapping[str, Any], name: str) -> str:
    link_id = item.get("linkId")
    if not isinstance(link_id, str) or not link_id:
        problem = _("an item has no linkId (got {value})").format(value=_shown(link_id))
        raise InputError(name, problem, "item")
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
        hint = _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""
        problem = _("unknown linkId{hint}; the questionnaire's linkIds are: {known}")
        raise InputError(
            name, problem.format(hint=hint, known=", ".join(known)), one_line(link_id, SHOWN)
        )
    return question


def _note_absent(
    item: Mapping[str, Any], question: Question, answers: dict[str, Any], name: str
) -> None:
    """An item without an answer whose data-absent-reason says "asked, unknown" (or "asked,
    declined") is named in `dont_know` (or `skipped`), as fhir.response_items writes it."""
    for extension in _list(item, "extension", name, question.id):
        if isinstance(extension, dict) and extension.get("url") == fhir.DATA_ABSENT_REASON:
            kinds = {code: kind for kind, code in fhir.ABSENT_CODES.items()}
            kind = kinds.get(str(extension.get("valueCode")))
            if kind is not None and question.kind != "symptom":
                answers.setdefault(kind.value, []).append(question.id)


def _values(
    item: Mapping[str, Any], kb: KnowledgeBase, question: Question, name: str
) -> Any | None:
    """The answer in contract form: an int, a code, or a list of codes (None: unanswered)."""
    answers = _list(item, "answer", name, question.id)
    if not answers:
        return None
    if len(answers) > 1 and question.kind != "multi":
        problem = _("{count} answers given; this question takes one").format(count=len(answers))
        raise InputError(name, problem, question.id)
    values = [_value(answer, kb, question, name) for answer in answers]
    return values if question.kind == "multi" else values[0]


def _value(answer: Any, kb: KnowledgeBase, question: Question, name: str) -> Any:
    if not isinstance(answer, dict):
        problem = _("{value} is not an answer object").format(value=_shown(answer))
        raise InputError(name, problem, question.id)
    given = [key for key in answer if key.startswith("value")]
    expected = "valueInteger" if question.kind == "number" else "valueCoding"
    if given != [expected]:
        what = _(" and ").join(_shown(key) for key in given) or _("no value")
        problem = _("{given} given; expected one {expected}{codes}")
        problem = problem.format(given=what, expected=expected, codes=_codes(kb, question))
        raise InputError(name, problem, question.id)
    value = answer[expected]
    if question.kind == "number":
        if not isinstance(value, int) or isinstance(value, bool):
            problem = _("{value} is not a whole number").format(value=_shown(value))
            raise InputError(name, problem, question.id)
        return value
    return _code(value, kb, question, name)


def _code(coding: Any, kb: KnowledgeBase, question: Question, name: str) -> str:
    if not isinstance(coding, dict):
        problem = _("{value} is not a Coding{codes}")
        problem = problem.format(value=_shown(coding), codes=_codes(kb, question))
        raise InputError(name, problem, question.id)
    system, code = coding.get("system"), coding.get("code")
    # A coding without a system is read in the question's own code system, as the
    # Questionnaire offers no other; a coding from another system may mean anything.
    if system is not None and system != fhir.code_system(question):
        problem = _("code system {system} is not the question's; expected {expected}{codes}")
        problem = problem.format(
            system=_shown(system), expected=fhir.code_system(question), codes=_codes(kb, question)
        )
        raise InputError(name, problem, question.id)
    if code not in fhir.codes(kb, question):
        problem = _("code {code} is not allowed{codes}")
        problem = problem.format(code=_shown(code), codes=_codes(kb, question))
        raise InputError(name, problem, question.id)
    return str(code)


def _codes(kb: KnowledgeBase, question: Question) -> str:
    if question.kind == "number":
        return ""
    return _("; allowed codes: {codes}").format(codes=", ".join(fhir.codes(kb, question)))


def _shown(value: Any) -> str:
    return one_line(repr(value) if not isinstance(value, str) else f"'{value}'", SHOWN)
