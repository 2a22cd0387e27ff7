"""A scripted asker for the quiz tests: answers by question id, no terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from triage.knowledge import Question
from triage.quiz import QuizInterrupted, ReviewRow

SECTIONS = ["emergency", "basics", "follow_up"]
BASICS: dict[str, Any] = {
    "age": 40,
    "location": ["lower_back"],
    "radiation": [],
    "duration": "1_to_4_weeks",
    "onset": "gradual",
    "trigger": "none",
    "intensity": 3,
    "course": "improving",
}
CLOCK = datetime(2026, 11, 21, 9, 30, 5)


class Script:
    """A scripted asker: answers by question id ("no" to every other symptom), changes to make
    on the review screen, and replies to yes/no and file-name questions."""

    def __init__(
        self,
        answers: dict[str, Any] | None = None,
        *,
        changes: Sequence[tuple[str, Any]] = (),
        confirms: Sequence[bool] = (),
        names: Sequence[str] = (),
        stop_at: str | None = None,
    ) -> None:
        self.answers = {**BASICS, **(answers or {})}
        self.changes = list(changes)
        self.confirms, self.names = list(confirms), list(names)
        self.stop_at = stop_at
        self.asked: list[str] = []
        self.reviews: list[list[ReviewRow]] = []
        self.messages: list[str] = []
        self.shown: list[str] = []

    def show(self, text: str) -> None:
        self.shown.append(text)

    def ask(self, question: Question, current: Any) -> Any:
        self.asked.append(question.id)
        if question.id == self.stop_at:
            raise QuizInterrupted
        return self.answers.get(question.id, "no" if question.kind == "symptom" else None)

    def review(self, rows: Sequence[ReviewRow]) -> str | None:
        self.reviews.append(list(rows))
        if not self.changes:
            return None
        question_id, value = self.changes.pop(0)
        self.answers[question_id] = value
        return question_id

    def confirm(self, message: str, default: bool) -> bool:
        self.messages.append(message)
        return self.confirms.pop(0)

    def file_name(self, message: str, default: str) -> str:
        self.messages.append(message)
        return self.names.pop(0) if self.names else default

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.shown).split())
