"""Terminal prompts for the quiz: the only module that imports questionary (and prompt_toolkit).

`PromptAsker` turns a question of the knowledge base into a questionary prompt and the answer
back into contract form. Ctrl-C and end of input both become `QuizInterrupted`: prompts are
run with `unsafe_ask()`, because `ask()` swallows Ctrl-C into None and does not catch EOF.

Help texts (which explain medical words) are shown under the question while it is open, and
disappear once it is answered, so the screen keeps one line per answer.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import IO, Any

import questionary
from questionary import Choice, Separator

from triage.knowledge import KnowledgeBase, Question
from triage.models import NUMBER_FIELDS, REQUIRED_FIELDS, Answer
from triage.quiz import QuizInterrupted, ReviewRow
from triage.wording import choice_words

SKIP, DONE = "__skip__", "__done__"
SYMPTOM_VALUES = tuple(answer.value for answer in Answer)  # yes, no, unsure: the contract's order
# Generic interface wording; every clinical word comes from the knowledge base.
SKIP_LABEL = "Don't know / skip this question"
SELECT_KEYS = "(arrow keys to move, Enter to choose)"
NUMBER_SKIP = "(press Enter without a number to skip this question)"
CHECKBOX_KEYS = "(arrow keys to move, space bar to tick or untick, Enter when done)"
REVIEW_TITLE = "Review your answers"
REVIEW_HELP = (
    "Check your answers. To change one, move to it and press Enter. "
    "When they are right, choose the first line."
)
REVIEW_DONE = "These answers are right: show my result"
AT_LEAST_ONE = "Choose at least one (move to it and press the space bar), then press Enter."


def number_rule(question: Question) -> str:
    low, high = NUMBER_FIELDS[question.id]
    skip = "" if question.id in REQUIRED_FIELDS else ", or leave it empty to skip"
    return f"Type a whole number from {low} to {high}{skip}."


def check_number(question: Question) -> Callable[[str], bool | str]:
    """A validator run as the person types: True, or what is allowed."""
    low, high = NUMBER_FIELDS[question.id]
    optional = question.id not in REQUIRED_FIELDS

    def validate(text: str) -> bool | str:
        text = text.strip()
        if not text and optional:
            return True
        if text.isdigit() and low <= int(text) <= high:
            return True
        return number_rule(question)

    return validate


class PromptAsker:
    """The quiz's asker for a real terminal (or, in tests, a pipe and a dummy output)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        input: Any = None,  # noqa: A002 - prompt_toolkit's name, passed through
        output: Any = None,
        stream: IO[str] | None = None,
    ) -> None:
        self.kb = kb
        pairs = (("input", input), ("output", output))
        self.io = {key: value for key, value in pairs if value is not None}
        self.stream = stream

    # -- the Asker interface ---------------------------------------------------------------

    def show(self, text: str) -> None:
        print(text, file=self.stream or sys.stdout, flush=True)

    def ask(self, question: Question, current: Any) -> Any:
        match question.kind:
            case "symptom":
                return self._symptom(question, current)
            case "number":
                return self._number(question, current)
            case "multi":
                return self._multi(question, current)
            case "single":
                return self._single(question, current)
        raise ValueError(f"unknown question kind {question.kind!r}")

    def review(self, rows: Sequence[ReviewRow]) -> str | None:
        width = max(len(row.question.short) for row in rows) + 2
        choices: list[Choice | Separator] = [Choice(REVIEW_DONE, value=DONE), Separator()]
        choices += [
            Choice(f"{row.question.short:<{width}}{row.words}", value=row.question.id)
            for row in rows
        ]
        chosen = self._run(
            questionary.select(
                REVIEW_TITLE,
                choices=choices,
                instruction=self._instruction(REVIEW_HELP, SELECT_KEYS),
                **self.io,
            )
        )
        return None if chosen == DONE else chosen

    def confirm(self, message: str, default: bool) -> bool:
        return bool(self._run(questionary.confirm(message, default=default, **self.io)))

    def file_name(self, message: str, default: str) -> str:
        return str(self._run(questionary.text(message, default=default, **self.io)))

    # -- one prompt per kind of question ---------------------------------------------------

    def _symptom(self, question: Question, current: Any) -> str:
        choices = [
            Choice(choice_words(self.kb, question, value), value=value) for value in SYMPTOM_VALUES
        ]
        return str(self._select(question, choices, current))

    def _single(self, question: Question, current: Any) -> str | None:
        choices: list[Choice | Separator] = [
            Choice(c.label, value=c.value, description=c.help) for c in question.choices
        ]
        if question.id not in REQUIRED_FIELDS:
            choices += [Separator(), Choice(SKIP_LABEL, value=SKIP)]
        chosen = self._select(question, choices, current)
        return None if chosen == SKIP else str(chosen)

    def _multi(self, question: Question, current: Any) -> list[str]:
        ticked = set(current or ())
        choices = [
            Choice(c.label, value=c.value, description=c.help, checked=c.value in ticked)
            for c in question.choices
        ]
        at_least_one = question.id in REQUIRED_FIELDS
        chosen = self._run(
            questionary.checkbox(
                self._message(question.text),
                choices=choices,
                validate=lambda values: bool(values) or not at_least_one or AT_LEAST_ONE,
                instruction=self._instruction(question.help, CHECKBOX_KEYS),
                **self.io,
            )
        )
        return [str(value) for value in chosen]

    def _number(self, question: Question, current: Any) -> int | None:
        keys = "" if question.id in REQUIRED_FIELDS else NUMBER_SKIP
        text = self._run(
            questionary.text(
                self._message(question.text),
                default="" if current is None else str(current),
                validate=check_number(question),
                instruction=self._instruction(question.help or number_rule(question), keys)
                + "\n  >",
                **self.io,
            )
        )
        text = str(text).strip()
        return int(text) if text else None

    def _select(self, question: Question, choices: list[Any], current: Any) -> Any:
        values = [c.value for c in choices if isinstance(c, Choice)]
        return self._run(
            questionary.select(
                self._message(question.text),
                choices=choices,
                default=current if current in values else None,
                instruction=self._instruction(question.help, SELECT_KEYS),
                **self.io,
            )
        )

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _width() -> int:
        return min(shutil.get_terminal_size((80, 24)).columns, 100) - 4

    def _message(self, text: str) -> str:
        """The question, wrapped by hand: prompt_toolkit cuts a long first line off."""
        return textwrap.fill(" ".join(text.split()), self._width() - 2, subsequent_indent="  ")

    def _instruction(self, help_text: str | None, keys: str) -> str:
        """Help and key hints on their own lines under the question, wrapped to the terminal."""
        width = self._width()
        lines = [textwrap.fill(" ".join(help_text.split()), width)] if help_text else []
        lines += [keys] if keys else []
        return "".join("\n" + textwrap.indent(line, "  ") for line in lines)

    @staticmethod
    def _run(prompt: questionary.Question) -> Any:
        try:
            return prompt.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise QuizInterrupted from None

    # -- the screens around the questions (triage.session) ---------------------------------

    def choose(self, message: str, options: Sequence[tuple[str, str]]) -> str:
        """One key pressed once, from the keys shown; Enter chooses the first."""
        width = self._screen_width()
        listed = "  ".join(f"[{key}] {label}" for key, label in options)
        text = "\n" + self._fill(f"{message} {listed}", width)  # a blank line above
        key = self._key(text, {key: key for key, _ in options}, enter=options[0][0])
        self.show(self._fill(f"> {dict(options)[key]}", width))
        return key

    def page(self, text: str, *, skippable: bool = True) -> None:
        """Print a screenful at a time (a few lines spare for the prompt that follows), each
        next one on Enter or the space bar; q skips the rest when `skippable`."""
        lines = text.rstrip("\n").split("\n")
        room = max(shutil.get_terminal_size((80, 24)).lines - self.PAGE_SPARE, 1)
        more = self.PAGE_MORE if skippable else self.PAGE_MORE_ALL
        while len(lines) > room:
            self.show("\n".join(lines[:room]))
            lines = lines[room:]
            keys = {"q": "stop"} if skippable else {}
            pressed = self._key(
                self._fill(more, self._screen_width()), keys, enter="more", erase=True
            )
            if pressed == "stop":
                return
        self.show("\n".join(lines))

    def _key(self, message: str, keys: dict[str, str], *, enter: str, erase: bool = False) -> str:
        """A prompt that takes one key: a key of `keys` (either case), Enter (and, for "more",
        the space bar); other keys do nothing. Ctrl-C and Ctrl-D stop the quiz as elsewhere."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
        from prompt_toolkit.keys import Keys

        bindings = KeyBindings()

        def answer(value: str) -> Callable[[KeyPressEvent], None]:
            return lambda event: event.app.exit(result=value)

        for key, value in keys.items():
            for pressed in dict.fromkeys((key.lower(), key.upper())):
                bindings.add(pressed, eager=True)(answer(value))
        bindings.add(Keys.Enter, eager=True)(answer(enter))
        if enter == "more":
            bindings.add(" ", eager=True)(answer(enter))

        @bindings.add(Keys.ControlC, eager=True)
        def _interrupt(event: KeyPressEvent) -> None:
            event.app.exit(exception=KeyboardInterrupt)

        @bindings.add(Keys.ControlD, eager=True)
        def _end(event: KeyPressEvent) -> None:
            event.app.exit(exception=EOFError)

        bindings.add(Keys.Any)(lambda event: None)  # nothing is typed into this prompt
        prompt: PromptSession[str] = PromptSession(
            message + " ", key_bindings=bindings, erase_when_done=erase, **self.io
        )
        return str(self._run(questionary.Question(prompt.app)))

    # Generic interface wording for the pages of a long text.
    PAGE_MORE = "-- more: Enter or the space bar for the next page, q to skip the rest --"
    PAGE_MORE_ALL = "-- more: Enter or the space bar for the next page --"
    PAGE_SPARE = 4  # lines kept free under a page, for the prompt that follows it

    @staticmethod
    def _screen_width() -> int:
        """Any terminal width, down to 1 column (one column spare, at most 100)."""
        return max(1, min(shutil.get_terminal_size((80, 24)).columns, 100) - 1)

    @staticmethod
    def _fill(text: str, width: int) -> str:
        return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
