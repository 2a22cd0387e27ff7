"""The question loop: which question comes next, when to stop early, review and change.

The loop knows nothing of the terminal. It talks to an "asker" (see `Asker`): the real one in
`triage.prompts` draws prompts; tests pass a scripted one. Answers so far are kept as a partial
answers mapping in the shape of the contract (symptoms nested under "symptoms"). A question is
"answered" when its key is present; an optional question the person skipped is stored as None.

Order: the questions of rules/questions.yaml, in file order, each asked only while its `when`
holds for the answers so far (questions without `when` are always asked). After every answer
the rules are fired on the answers so far; an emergency that does not rest on a "Not sure"
answer stops the quiz at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from triage import outcome
from triage.knowledge import KnowledgeBase, Question, Rule
from triage.models import REQUIRED_FIELDS, Answers, Level, Result
from triage.wording import answer_words

Partial = dict[str, Any]
# Generic interface wording; every clinical word comes from the knowledge base.
SECTION_TITLES = {
    "emergency": "Part 1 of 3: warning signs that need help at once",
    "basics": "Part 2 of 3: about your back pain",
    "follow_up": "Part 3 of 3: a few more questions",
}


class QuizInterrupted(Exception):
    """Raised by an asker when the person stops the quiz (Ctrl-C or end of input)."""


@dataclass(frozen=True)
class ReviewRow:
    """One line of the review screen: a question and its answer in words."""

    question: Question
    words: str


class Asker(Protocol):
    """What the quiz needs from a user interface."""

    def show(self, text: str) -> None: ...

    def ask(self, question: Question, current: Any) -> Any:
        """The answer in contract form (int, str, list, "yes"/"no"/"unsure"), or None when an
        optional question is skipped. `current` is the answer given before, if any."""

    def review(self, rows: Sequence[ReviewRow]) -> str | None:
        """The id of a question to change, or None to go on to the result."""

    def confirm(self, message: str, default: bool) -> bool: ...

    def file_name(self, message: str, default: str) -> str:
        """A file name typed by the person (empty: do not save)."""

    # -- the screens around the questions (triage.session) -----------------------------------

    def choose(self, message: str, options: Sequence[tuple[str, str]]) -> str:
        """One of the keys of `options` ((key, what it does) pairs, all shown), pressed once;
        Enter chooses the first."""

    def page(self, text: str, *, skippable: bool = True) -> None:
        """Show a long text a screenful at a time, so that its first lines are read first;
        the rest can be skipped when `skippable`."""


# ---------------------------------------------------------------------------------------------
# Answers so far


def is_answered(answers: Mapping[str, Any], question: Question) -> bool:
    if question.kind == "symptom":
        return question.id in answers.get("symptoms", {})
    return question.id in answers


def answer_of(answers: Mapping[str, Any], question: Question) -> Any:
    if question.kind == "symptom":
        return answers.get("symptoms", {}).get(question.id)
    return answers.get(question.id)


def with_answer(answers: Mapping[str, Any], question: Question, value: Any) -> Partial:
    changed = {**answers, "symptoms": dict(answers.get("symptoms", {}))}
    if question.kind == "symptom":
        changed["symptoms"][question.id] = value
    else:
        changed[question.id] = value
    return changed


def without(answers: Mapping[str, Any], questions: Sequence[Question]) -> Partial:
    ids = {question.id for question in questions}
    kept = {key: value for key, value in answers.items() if key not in ids}
    kept["symptoms"] = {k: v for k, v in answers.get("symptoms", {}).items() if k not in ids}
    return kept


def count(answers: Mapping[str, Any]) -> int:
    return len([key for key in answers if key != "symptoms"]) + len(answers.get("symptoms", {}))


def complete(answers: Mapping[str, Any]) -> Answers | None:
    """The answers as a valid Answers object, or None while a required one is missing."""
    if any(answers.get(name) is None for name in REQUIRED_FIELDS):
        return None
    try:
        return Answers.model_validate(dict(answers))
    except ValidationError:
        return None


# ---------------------------------------------------------------------------------------------
# Skip logic and the early stop


def relevant(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[Question]:
    """The questions to ask for these answers, in the order of questions.yaml."""
    conditional = outcome.questions_to_ask(kb, answers)
    return [q for q in kb.questions if q.when is None or q.id in conditional]


def prune(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Partial:
    """Drop answers to questions that are no longer asked (after an answer was changed).
    Repeated, because dropping one answer can make another question irrelevant in turn."""
    current = dict(answers)
    while True:
        asked = {q.id for q in relevant(kb, current)}
        stale = [q for q in kb.questions if q.id not in asked and is_answered(current, q)]
        if not stale:
            return current
        current = without(current, stale)


def next_question(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Question | None:
    return next((q for q in relevant(kb, answers) if not is_answered(answers, q)), None)


def emergency_rules(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[Rule]:
    """Rules that make these answers an emergency ("Not sure" answers alone never stop the quiz)."""
    return [
        rule
        for rule, level, unsure in outcome.fired_rules(kb, answers)
        if level is Level.EMERGENCY and not unsure
    ]


def partial_result(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Result:
    """The result the answers so far lead to (used when the quiz stops early)."""
    return outcome.assess_partial(kb, answers)


def review_rows(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[ReviewRow]:
    return [
        ReviewRow(q, answer_words(kb, q, answer_of(answers, q)))
        for q in relevant(kb, answers)
        if is_answered(answers, q)
    ]


# ---------------------------------------------------------------------------------------------
# The question loop


@dataclass(frozen=True)
class Finished:
    answers: Partial


@dataclass(frozen=True)
class Stopped:
    """An emergency answer stopped the quiz; `rules` are the emergency rules that fired."""

    answers: Partial
    rules: list[Rule]


@dataclass(frozen=True)
class Interrupted:
    answers: Partial


def run(
    kb: KnowledgeBase, asker: Asker, answers: Mapping[str, Any] | None = None
) -> Finished | Stopped | Interrupted:
    """Ask until every relevant question is answered and the person accepts the review, or an
    emergency answer stops the quiz, or the person interrupts it."""
    current = prune(kb, {"symptoms": {}, **(answers or {})})
    reviewing, section = False, None
    try:
        while True:
            if rules := emergency_rules(kb, current):
                return Stopped(current, rules)
            question = next_question(kb, current)
            if question is None:
                reviewing = True
                question = _chosen_for_change(kb, asker, current)
                if question is None:
                    return Finished(current)
            elif not reviewing and question.section != section:
                section = question.section
                asker.show(f"\n{SECTION_TITLES[question.section]}")
            value = asker.ask(question, answer_of(current, question))
            current = prune(kb, with_answer(current, question, value))
    except (QuizInterrupted, KeyboardInterrupt):
        return Interrupted(current)


def _chosen_for_change(kb: KnowledgeBase, asker: Asker, answers: Partial) -> Question | None:
    chosen = asker.review(review_rows(kb, answers))
    return kb.questions_by_id[chosen] if chosen is not None else None
