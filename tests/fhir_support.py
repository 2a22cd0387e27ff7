"""Helpers shared by the FHIR tests: walking items, knowledge bases with other skip logic, and
quizzes walked with random answers."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

from triage import conditions, quiz
from triage.knowledge import KnowledgeBase
from triage.models import CHOICE_FIELDS, LIST_FIELDS, NUMBER_FIELDS


def items_by_link(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every item of a Questionnaire (or response) at any depth, by linkId."""
    found = {}
    stack = list(resource["item"])
    while stack:
        item = stack.pop()
        found[item["linkId"]] = item
        stack.extend(item.get("item", []))
        for answer in item.get("answer", []):
            stack.extend(answer.get("item", []))
    return found


def with_whens(kb: KnowledgeBase, whens: dict[str, dict[str, Any] | None]) -> KnowledgeBase:
    """The knowledge base with other `when`s (skip logic) for some questions."""
    questions = tuple(
        q.model_copy(update={"when": whens[q.id]}) if q.id in whens else q for q in kb.questions
    )
    found = dict(kb.conditions)
    for question_id, when in whens.items():
        found.pop(f"question:{question_id}", None)
        if when is not None:
            found[f"question:{question_id}"] = conditions.parse(when)
    return dataclasses.replace(kb, questions=questions, conditions=found)


@dataclass(frozen=True)
class Style:
    """How a random person answers: how often they skip an optional question, how often they
    answer a warning sign yes or not sure, and how many places they tick at most."""

    skip: float = 0.25
    yes: float = 0.8
    places: int = 2


# Several kinds of people, so that every condition is seen both holding and not holding.
STYLES = (Style(), Style(skip=0.6, yes=0.05, places=1), Style(skip=0.1, yes=0.4, places=3))


def random_answer(rng: random.Random, field: str, style: Style = STYLES[0]) -> Any:
    """A random answer in contract form (None: skipped)."""
    if rng.random() < style.skip:
        return None
    if field in NUMBER_FIELDS:
        low, high = NUMBER_FIELDS[field]
        return rng.randint(low, high)
    if field in LIST_FIELDS:
        return rng.sample([str(v) for v in LIST_FIELDS[field]], rng.randint(1, style.places))
    if field in CHOICE_FIELDS:
        return rng.choice([str(v) for v in CHOICE_FIELDS[field]])
    if rng.random() < style.yes:
        return rng.choice(["yes", "unsure"])
    return "no"


def put(answers: dict[str, Any], kb: KnowledgeBase, field: str, value: Any) -> None:
    """Record an answer in the answers-file shape (symptoms nested); None records nothing."""
    if value is None:
        return
    if kb.questions_by_id[field].kind == "symptom":
        answers.setdefault("symptoms", {})[field] = value
    else:
        answers[field] = value


def walk_quiz(kb: KnowledgeBase, rng: random.Random, style: Style = STYLES[0]) -> dict[str, Any]:
    """Answers as a person would give them in the quiz: the first question the engine's skip
    logic asks that is still open, again and again, with random answers (some skipped)."""
    answers: dict[str, Any] = {}
    done: set[str] = set()
    while True:
        open_ = [q for q in quiz.relevant(kb, answers) if q.id not in done]
        if not open_:
            return answers
        done.add(open_[0].id)
        put(answers, kb, open_[0].id, random_answer(rng, open_[0].id, style))
