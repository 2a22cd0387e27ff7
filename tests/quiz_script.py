"""A scripted asker for the quiz tests: answers by question id, no terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from triage.models import Answers
from triage.quiz import GO_BACK, GoBack, Page, QuizInterrupted, ReviewRow

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


def answer_page(page: Page, answer: Any) -> dict[str, Any]:
    """Answer every question the page shows with `answer(question)`, the way a person works
    down a screen: a question that appears after an earlier answer is answered too."""
    chosen: dict[str, Any] = {}
    while True:
        shown = page.shown(chosen)
        missing = [q for q in shown if q.id not in chosen]
        if not missing:
            return {q.id: chosen[q.id] for q in shown}
        chosen[missing[0].id] = answer(missing[0])


class Script:
    """A scripted asker: answers by question id ("no" to every other symptom), pages to go back
    from, changes to make on the review screen, and replies to yes/no and file-name questions.

    backs:   page ids; the first time each is asked (in this order), the script chooses its
             answers there and then goes back instead of confirming them (a page id may be
             listed more than once).
    changes: (question id, new value) pairs: on each review, change the next one.
    """

    def __init__(
        self,
        answers: dict[str, Any] | None = None,
        *,
        changes: Sequence[tuple[str, Any]] = (),
        confirms: Sequence[bool] = (),
        names: Sequence[str] = (),
        stop_at: str | None = None,
        backs: Sequence[str] = (),
        review_back: int = 0,
    ) -> None:
        self.answers = {**BASICS, **(answers or {})}
        self.changes = list(changes)
        self.confirms, self.names = list(confirms), list(names)
        self.stop_at = stop_at
        self.backs = list(backs)
        self.review_back = review_back
        self.asked: list[str] = []  # question ids, in the order they were shown
        self.pages: list[Page] = []  # every page asked, in order
        self.reviews: list[list[ReviewRow]] = []
        self.messages: list[str] = []
        self.shown: list[str] = []
        self.readied: list[str] = []  # the prompts to start, before the first question
        self.warned: list[list[str]] = []  # per page: the questions warned about as it was left

    def show(self, text: str) -> None:
        self.shown.append(text)

    def ready(self, message: str) -> None:
        self.readied.append(message)

    def value(self, question: Any) -> Any:
        if question.id == self.stop_at:
            raise QuizInterrupted
        default = "no" if question.kind == "symptom" else [] if question.kind == "multi" else None
        return self.answers.get(question.id, default)

    def ask(self, page: Page) -> dict[str, Any] | GoBack:
        self.pages.append(page)
        if self.backs and self.backs[0] == page.id:
            self.backs.pop(0)
            return GoBack(answer_page(page, self.value))  # chose, then went back
        chosen = answer_page(page, self.value)
        self.asked += list(chosen)
        self.warned.append(page.stopping(chosen))
        return chosen

    def review(self, rows: Sequence[ReviewRow]) -> str | GoBack | None:
        self.reviews.append(list(rows))
        if self.review_back:
            self.review_back -= 1
            return GO_BACK
        if not self.changes:
            return None
        question_id, value = self.changes.pop(0)
        self.answers[question_id] = value
        return next(p.id for p in self.pages if question_id in {q.id for q in p.questions})

    def confirm(self, message: str, default: bool) -> bool:
        self.messages.append(message)
        return self.confirms.pop(0)

    def file_name(self, message: str, default: str) -> str:
        self.messages.append(message)
        return self.names.pop(0) if self.names else default

    @property
    def page_ids(self) -> list[str]:
        return [page.id for page in self.pages]

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.shown).split())


SILENT: dict[str, Any] = {"radiation": [], "onset": None, "trigger": None, "intensity": None}
SILENT["course"] = None


def answered_from(answers: Answers) -> dict[str, Any]:
    """An answers file in the script's form: symptoms flattened beside the other fields, and
    what the file leaves out skipped ("no" for a symptom, none or skip for the others)."""
    data = answers.model_dump(mode="json", exclude={"schema_version", "symptoms"})
    symptoms = answers.model_dump(mode="json")["symptoms"]
    given = {name: value for name, value in symptoms.items() if value is not None}
    return {**SILENT, **{k: v for k, v in data.items() if v is not None}, **given}
