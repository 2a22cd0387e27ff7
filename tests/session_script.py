"""The session's scripted asker (tests/quiz_script.py's Script, plus the screens around the
questions: choices and pages) and a question loop without a trail (nowhere to go back to)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from tests.quiz_script import Script
from triage import quiz
from triage import session as sessions
from triage.i18n import _
from triage.knowledge import KnowledgeBase
from triage.quiz import GoBack, Page, QuizInterrupted, ReviewRow


class SessionScript(Script):
    """A Script that also answers the session's screens: `keys` are the keys pressed at each
    choice (when they run out, the input ends: QuizInterrupted), `later` gives a question new
    answers each time its page is asked again (after going back). Long texts shown a screenful
    at a time go to `screens`; choices offered to `offered`; what each page opened with (its
    id and the answers selected on it) to `currents`."""

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
        self.quits_confirmed = 0
        self.screens: list[str] = []
        self.skippable: list[bool] = []
        self.currents: list[tuple[str, dict[str, Any]]] = []

    def ask(self, page: Page) -> dict[str, Any] | GoBack:
        self.currents.append((page.id, dict(page.given)))
        for question in page.questions:
            if question.id in self.asked and self.later.get(question.id):
                self.answers[question.id] = self.later[question.id].pop(0)
        return super().ask(page)

    def review(self, rows: Sequence[ReviewRow]) -> str | GoBack | None:
        """As Script, but on a review after the first, a question given a `later` answer is
        changed from there (the way back from the result leads to the review)."""
        for question_id, values in self.later.items():
            if values and question_id in self.asked and self.reviews:
                self.changes.append((question_id, values[0]))
                self.later[question_id] = values[1:]
        return super().review(rows)

    def confirm(self, message: str, default: bool) -> bool:
        """As Script; "Finish without saving?" is answered yes unless a `confirms` answer is
        queued for it (a test of that question queues one)."""
        if message == _(sessions.REALLY_QUIT) and not self.confirms:
            self.messages.append(message)
            self.quits_confirmed += 1
            return True
        return super().confirm(message, default)

    def choose(self, message: str, options: Sequence[tuple[str, str]]) -> str:
        self.offered.append(list(options))
        if not self.keys:
            raise QuizInterrupted
        return self.keys.pop(0)

    def page(self, text: str, *, skippable: bool = True) -> None:
        self.screens.append(text)
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
