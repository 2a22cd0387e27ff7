"""The session's scripted asker (tests/quiz_script.py's Script, plus the screens around the
questions: choices and pages) and a stand-in for the question loop's way back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _FinishedOnTrail(quiz.Finished):
    trail: tuple[str, ...] = ()


@dataclass(frozen=True)
class _StoppedOnTrail(quiz.Stopped):
    trail: tuple[str, ...] = ()


@dataclass(frozen=True)
class _InterruptedOnTrail(quiz.Interrupted):
    trail: tuple[str, ...] = ()


def loop_with_trail(
    kb: KnowledgeBase,
    asker: Any,
    answers: Mapping[str, Any] | None = None,
    *,
    trail: Sequence[Any] = (),
    back: bool = False,
) -> quiz.Finished | quiz.Stopped | quiz.Interrupted:
    """A stand-in for the question loop's way back (`quiz.run(..., trail=, back=)`, the quiz
    helper's interface), built on today's loop: the trail is the ids of the questions answered,
    in order, and back=True asks the last of them again with its answer as `current`."""
    current = quiz.prune(kb, {"symptoms": {}, **(answers or {})})
    steps = list(trail)
    selected: dict[str, Any] = {}
    if back and steps:
        last = kb.questions_by_id[steps.pop()]
        selected[last.id] = quiz.answer_of(current, last)
        current = quiz.without(current, [last])
    start = len(asker.asked)
    ending = quiz.run(kb, _Selecting(asker, selected), current)
    steps += [
        name
        for name in asker.asked[start:]
        if quiz.is_answered(ending.answers, kb.questions_by_id[name])
    ]
    match ending:
        case quiz.Stopped():
            return _StoppedOnTrail(ending.answers, ending.rules, tuple(steps))
        case quiz.Finished():
            return _FinishedOnTrail(ending.answers, tuple(steps))
        case _:
            return _InterruptedOnTrail(ending.answers, tuple(steps))


class _Selecting:
    """Passes the answer given before as `current` to a question asked again after going back."""

    def __init__(self, asker: Any, selected: dict[str, Any]) -> None:
        self.asker, self.selected = asker, selected

    def __getattr__(self, name: str) -> Any:
        return getattr(self.asker, name)

    def ask(self, question: Question, current: Any) -> Any:
        return self.asker.ask(question, self.selected.pop(question.id, current))
