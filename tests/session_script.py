"""The session's scripted asker (tests/quiz_script.py's Script, plus the screens around the
questions: choices and pages) and a question loop without a trail (nowhere to go back to)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from tests.quiz_script import Script
from triage import quiz
from triage.knowledge import KnowledgeBase, Question
from triage.quiz import QuizInterrupted


class SessionScript(Script):
    """A Script that also answers the session's screens: `keys` are the keys pressed at each
    choice (when they run out, the input ends: QuizInterrupted), `later` gives a question new
    answers each time it is asked again (after going back). Pages and choices are recorded."""

    def __init__(
        self,
        answers: dict[str, Any] | None = None,
        *,
        keys: Sequence[str] = (),
        later: dict[str, list[Any]] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(answers, **options)
        self.keys = list(keys)
        self.later = {name: list(values) for name, values in (later or {}).items()}
        self.offered: list[list[tuple[str, str]]] = []
        self.pages: list[str] = []
        self.skippable: list[bool] = []
        self.currents: list[tuple[str, Any]] = []

    def ask(self, question: Question, current: Any) -> Any:
        self.currents.append((question.id, current))
        if question.id in self.asked and self.later.get(question.id):
            self.answers[question.id] = self.later[question.id].pop(0)
        return super().ask(question, current)

    def choose(self, message: str, options: Sequence[tuple[str, str]]) -> str:
        self.offered.append(list(options))
        if not self.keys:
            raise QuizInterrupted
        return self.keys.pop(0)

    def page(self, text: str, *, skippable: bool = True) -> None:
        self.pages.append(text)
        self.skippable.append(skippable)
        self.shown.append(text)


def loop_without_trail(
    kb: KnowledgeBase,
    asker: Any,
    answers: Mapping[str, Any] | None = None,
    *,
    trail: Sequence[str] = (),
    back: bool = False,
) -> quiz.Finished | quiz.Stopped | quiz.Interrupted:
    """The question loop as it was before it kept a trail: every ending without one."""
    return replace(quiz.run(kb, asker, answers), trail=())
