"""Answers in words: the one place that turns a stored answer into the words the person chose.

Used by every printer of answers: the quiz's review screen, the reasons of a result, the
summary for a doctor and the displays of FHIR codings. The words come from the knowledge base
(`symptom_choices` in ruleset.yaml and each question's choice labels).
"""

from __future__ import annotations

from typing import Any

from triage.conditions import NOT_ANSWERED as NOT_ANSWERED_CODE
from triage.i18n import N_, _
from triage.knowledge import KnowledgeBase, Question
from triage.models import Missing
from triage.safe_text import prose

NOT_ANSWERED, NONE_CHOSEN = N_("not answered"), N_("none")  # translated where used
# What a missing answer was, in words (translated where used).
MISSING_WORDS = {
    Missing.DONT_KNOW: N_("Don't know"),
    Missing.SKIPPED: N_("skipped"),
    Missing.NOT_ASKED: N_("not asked"),
}


def choice_words(kb: KnowledgeBase, question: Question, code: str) -> str:
    """The label of one choice: "Yes" / "No" / "Not sure" for a symptom, else the choice's."""
    if question.kind == "symptom":
        labels: dict[str, str] = {str(key): text for key, text in kb.info.symptom_choices.items()}
        return labels.get(code, code)
    return question.label_of(code)


def answer_words(kb: KnowledgeBase, question: Question, value: Any) -> str:
    """A stored answer (a number, a code, a list of codes, a `Missing` kind, or None) in words."""
    if isinstance(value, Missing):
        return _(MISSING_WORDS[value])
    if value is None or value == NOT_ANSWERED_CODE:  # a reason can rest on a question left open
        return _(NOT_ANSWERED)
    match question.kind:
        case "multi":
            chosen = ", ".join(choice_words(kb, question, str(v)) for v in value)
            return chosen or prose(question.none_label or _(NONE_CHOSEN))
        case "symptom" | "single":
            return choice_words(kb, question, str(value))
        case _:
            return str(value)


def given_words(kb: KnowledgeBase, question: Question, value: Any) -> str:
    """The words of an answer the person gave in the quiz, where an optional question answered
    "Don't know" (or `?`) is kept as None."""
    if value is None and question.kind != "symptom":
        return answer_words(kb, question, Missing.DONT_KNOW)
    return answer_words(kb, question, value)
