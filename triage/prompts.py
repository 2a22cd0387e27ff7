"""Terminal screens for the quiz: the only module that imports questionary and prompt_toolkit.

`PromptAsker` draws each page of the quiz (a `triage.quiz.Page`) as a small prompt_toolkit
application and returns the answers in contract form:

- a page of several questions (Yes / No / Not sure, or a few choices) shows a line of choices
  under each question. Nothing is chosen until the person chooses; every question needs its
  own answer, and Enter does nothing but say what is still open until then;
- a page of one question lists its choices one per line, again with nothing chosen at first;
- where several answers are allowed, the space bar ticks and the screen lists what is ticked
  (a question that may have no answer offers "None of these", so Enter alone answers nothing);
- numbers are typed and checked when Enter is pressed.

An answer that would stop the quiz as an emergency is named on the same screen, with what it
means and the key that changes it, before the person confirms the screen with Enter. Esc (and
Backspace outside a number) goes back to the previous screen. Keys typed before a screen is
drawn are thrown away, so a key pressed too early never answers a question. Everything is
wrapped to the terminal's width each time it is drawn (down to one column), and every text from
the knowledge base goes through `triage.safe_text`.

The screens are `Form`s (state and keys, no terminal: easy to test) drawn by `run_form`. Ctrl-C
and end of input both become `QuizInterrupted`. The session's yes/no and file-name questions use
questionary, run with `unsafe_ask()` because `ask()` swallows Ctrl-C into None and does not
catch EOF.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

import questionary
from prompt_toolkit.application import Application, get_app
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.input import Input
from prompt_toolkit.input.typeahead import clear_typeahead
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import FormattedTextControl, HSplit, Layout, Window
from prompt_toolkit.output import Output, create_output
from prompt_toolkit.output.vt100 import Vt100_Output
from prompt_toolkit.styles import Style

from triage.i18n import N_, _, pgettext
from triage.knowledge import KnowledgeBase, Question
from triage.models import NUMBER_FIELDS, OPTIONAL_FIELDS, REQUIRED_FIELDS, Answer, Missing
from triage.quiz import GO_BACK, GoBack, Page, QuizInterrupted, ReviewRow, page_words
from triage.safe_text import one_line, prose
from triage.wording import MISSING_WORDS, choice_words, given_words

try:  # POSIX: throw away keys typed before a screen is drawn
    import termios
except ImportError:  # pragma: no cover - not POSIX
    termios = None  # type: ignore[assignment]

Line = StyleAndTextTuples
SYMPTOM_VALUES = tuple(answer.value for answer in Answer)  # yes, no, unsure: the contract's order
SYMPTOM_KEYS = {"y": "yes", "n": "no", "?": "unsure"}


def own_yes_key() -> str | None:
    """The language's own letter for Yes where it is not y (German: j, for Ja), which answers
    Yes as y does; None in English. The screens name this letter."""
    # TRANSLATORS: the one key that answers Yes, as people of your language expect it (j for Ja)
    own = pgettext("key", "y")
    return own if own != "y" and len(own) == 1 and own.isalpha() else None


def yes_letter() -> str:
    return own_yes_key() or "y"


UNSET = object()  # nothing chosen yet (None is a choice: a skipped optional question)
ESCAPE_WAIT = 0.25  # seconds to tell a lone Esc from the start of an arrow key's sequence
MIN_INDENT_WIDTH = 12  # below this many columns nothing is indented
PICTURE_GAP = 3  # columns between a drawing and the choices beside it
MIN_CHOICE_WIDTH = 40  # the choices beside a drawing need this many columns
SCROLLBAR_FROM = 20  # a scroll bar beside long screens from this many columns
BAR_ROOM = 2  # columns kept free for it: the bar and a blank column between it and the text

# Generic interface wording; every clinical word comes from the knowledge base. Marked with N_
# (triage.i18n) and translated where shown, so the screen speaks the language chosen at start.
PROGRESS = N_("Question {number} of about {total}")
SKIP_LABEL = MISSING_WORDS[Missing.DONT_KNOW]
NONE_LABEL = N_("None of these")
CHOSEN = N_("Chosen: {}")
NOTHING_CHOSEN = N_("Nothing chosen yet.")
EMERGENCY_WARNING = N_("This answer means you will be told to call the emergency number now.")
CHANGE_BY_KEY = N_("To take it back, press Backspace.")
CHANGE_BY_CHOICE = N_("To change it, choose another answer.")
CONFIRM_EMERGENCY = N_("If it is right, press Enter.")
ANSWER_EVERY = N_("Answer every question first: {count} still open (marked {mark}).")
OPEN_MARK = "\u25cb"  # an open circle before each question still open (not ?, the Not sure key)
MORE_ABOVE = N_("^ more above (Up arrow)")
MORE_BELOW = N_("v more below (Down arrow)")
MORE_QUESTIONS_BELOW = N_("v more questions below (Down arrow)")
ANSWER_BY_LETTER = N_(
    "Answer with y (Yes), n (No) or ? (Not sure); the arrow keys change an answer."
)
ANSWER_ONE = N_("Choose an answer first (arrow keys), then press Enter.")
TICK_ONE = N_("Tick at least one line (move to it, press the space bar), then press Enter.")
TICK_ONE_OR_NONE = N_('Tick at least one line, or "{none}" (space bar), then press Enter.')
FIRST_SCREEN = N_("This is the first question: there is nothing to go back to.")
KEYS_ROWS = N_("Keys: Up/Down move, Left/Right choose, Enter go on")
KEYS_ROWS_LETTERS = N_("Keys: Up/Down move, Left/Right or {letters} choose, Enter go on")
KEYS_LIST = N_("Keys: Up/Down choose, Enter go on")
KEYS_SIGNS = N_("Keys: y n ? answer, Up/Down move, Left/Right change, Enter go on")
KEYS_SIGN = N_("Keys: y n ? answer, Up/Down change, Enter go on")
KEYS_LIST_LETTERS = N_("Keys: Up/Down or {letters} choose, Enter go on")
KEYS_TICKS = N_("Keys: Up/Down move, Space tick or untick, Enter go on")
KEYS_TICKS_LETTERS = N_("Keys: {letters} or Space tick or untick, Up/Down move, Enter go on")
KEYS_NUMBER = N_("Keys: type the number, Enter go on")
KEYS_NUMBER_SKIP = N_("Keys: type the number, Enter go on, ? don't know")
KEYS_REVIEW = N_("Keys: Up/Down move, Enter choose")
KEY_BACK = N_(", Esc back")
NUMBER_RULE = N_("Type a whole number from {low} to {high}.")
REVIEW_TITLE = N_("Review your answers")
REVIEW_HELP = N_(
    "Check your answers. To change one, move to it and press Enter. "
    "When they are right, choose the first line."
)
REVIEW_DONE = N_("These answers are right: show my result")
CONFIRM_YES = N_("(y: yes, n: no; Enter: yes)")
CONFIRM_NO = N_("(y: yes, n: no; Enter: no)")
DONE_MARK = "\u2713 "  # a tick before each screen once it is answered
RADIO = ("( ) ", "(\u2022) ")
TICK = ("[ ] ", "[x] ")
STYLE = Style.from_dict(
    {
        "progress": "italic",
        "title": "bold",
        "focus": "bold",
        "chosen": "reverse",
        "warning": "bold",
        "message": "bold",
        "keys": "italic",
    }
)


# ---------------------------------------------------------------------------------------------
# Text at any width


def wrap(text: str, width: int, indent: int = 0) -> list[str]:
    """Running text as lines of at most `width` columns (at least one), indented by `indent`
    spaces where the terminal leaves room for it; words are broken only when longer than a line."""
    width = max(1, width)
    pad = " " * indent if width - indent >= MIN_INDENT_WIDTH else ""
    wrapped = textwrap.wrap(
        prose(text), width, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False
    )
    return wrapped or [""]


def styled(style: str, lines: Sequence[str]) -> list[Line]:
    return [[(f"class:{style}" if style else "", line)] for line in lines]


def hanging(marker: str, text: str, width: int, style: str = "") -> list[Line]:
    """`marker` then text, later lines indented under the text (a choice or a question)."""
    if width - len(marker) < MIN_INDENT_WIDTH:
        return styled(style, wrap(marker + text, width))
    lines = wrap(text, width - len(marker))
    pad = " " * len(marker)
    return styled(style, [(marker if i == 0 else pad) + line for i, line in enumerate(lines)])


def flow(items: Sequence[tuple[str, bool]], width: int, indent: int) -> list[Line]:
    """Choices side by side, as many to a line as fit (one per line, wrapped, when narrow)."""
    pad = " " * indent if width - indent >= MIN_INDENT_WIDTH else ""
    out: list[Line] = []
    current: Line = [("", pad)]
    used = len(pad)
    for text, on in items:
        gap = 3 if used > len(pad) else 0
        if used + gap + len(text) > width and used > len(pad):
            out.append(current)
            current, used, gap = [("", pad)], len(pad), 0
        if len(pad) + len(text) > width:  # too long even alone: wrap it
            out += [[("class:chosen" if on else "", line)] for line in wrap(text, width)]
            current, used = [("", pad)], len(pad)
            continue
        current += [("", " " * gap), ("class:chosen" if on else "", text)]
        used += gap + len(text)
    if used > len(pad):
        out.append(current)
    return out


# ---------------------------------------------------------------------------------------------
# Forms: what a screen holds and how keys change it


class Reply:
    """How a screen ended: its answers, or going back (with what was chosen so far)."""

    def __init__(self, value: Any, *, back: bool = False) -> None:
        self.value, self.back = value, back


class Form:
    """A screen's state. `key(name)` changes it and returns a Reply when the screen ends;
    `draw(width)` gives the lines of the screen and the line that must stay in view; `footer`
    (help, message, keys) stays under it, in view however long the screen is; `summary` is
    what stays on the screen once it is answered."""

    keys = ""

    def __init__(self, can_go_back: bool) -> None:
        self.can_go_back = can_go_back
        self.message = ""
        self.answered = False
        # Lines from the top of the focused part to the line `draw` keeps in view: all of them
        # are kept in view (a question, its answers and its warning, never half of them).
        self.focus_span = 1
        # Where the screen has room, more above it is kept in view too (the page's title above
        # its first question): these many lines, from the largest that fits.
        self.wider_spans: tuple[int, ...] = ()
        self.kept_in_view = 1  # as many of those as the window has room for (see in_view)
        self.top = 0  # the first line in view when the screen is taller than the terminal
        self.more_below = MORE_BELOW

    def key(self, name: str) -> Reply | None:
        raise NotImplementedError

    def draw(self, width: int) -> tuple[list[Line], int]:
        raise NotImplementedError

    def help_lines(self, width: int) -> list[Line]:
        """What the focused question or choice means."""
        return []

    def summary(self, width: int) -> list[Line]:
        return []

    def footer(self, width: int) -> list[Line]:
        out: list[Line] = self.help_lines(width) + [[("", "")]]
        if self.message:
            out += styled("message", wrap(self.message, width))
        hint = self.keys + _(KEY_BACK) if self.can_go_back else self.keys
        return out + styled("keys", wrap(hint, width))

    def go_back(self, chosen: Any = None) -> Reply | None:
        if not self.can_go_back:
            self.message = _(FIRST_SCREEN)
            return None
        return Reply(chosen, back=True)

    def finish(self, value: Any) -> Reply:
        self.answered = True
        return Reply(value)


class PageForm(Form):
    """A page of questions, each answered by one choice: Yes / No / Not sure, or one of a few
    choices. A page of one question lists its choices one per line (Up/Down choose); a page of
    several shows a line of choices under each question (Up/Down move, Left/Right choose)."""

    def __init__(self, kb: KnowledgeBase, page: Page) -> None:
        super().__init__(page.can_go_back)
        self.kb, self.page = kb, page
        self.chosen: dict[str, Any] = dict(page.given)
        self.vertical = len(page.questions) == 1
        self.more_below = MORE_BELOW if self.vertical else MORE_QUESTIONS_BELOW
        self._taken_back: list[str] = []  # answers that stop the quiz, as given (Backspace)
        self._shown: tuple[Any, list[Question]] | None = None
        self._warned: tuple[Any, set[str]] | None = None
        self.focus = self._start()

    def _start(self) -> int:
        """Open on an answer that would stop the quiz (so that "n" changes it, as its warning
        says), else on the first question still open."""
        warned = self.warned()
        for index, question in enumerate(self.questions):
            if question.id in warned:
                return index
        return next((i for i, q in enumerate(self.questions) if q.id not in self.chosen), 0)

    # -- state -------------------------------------------------------------------------------

    @property
    def questions(self) -> list[Question]:
        """The questions shown for what is chosen so far (cached: asked on every key)."""
        key = _frozen(self.chosen)
        if self._shown is None or self._shown[0] != key:
            self._shown = (key, self.page.shown(self.chosen))
        return self._shown[1]

    @property
    def focused(self) -> Question:
        self.focus = min(self.focus, len(self.questions) - 1)
        return self.questions[self.focus]

    def answers(self) -> dict[str, Any]:
        return {q.id: self.chosen[q.id] for q in self.questions if q.id in self.chosen}

    def warned(self) -> set[str]:
        """The questions whose answer would stop the quiz (cached like `questions`)."""
        answers = self.answers()
        key = _frozen(answers)
        if self._warned is None or self._warned[0] != key:
            self._warned = (key, set(self.page.stopping(answers)))
        return self._warned[1]

    def choices(self, question: Question) -> list[tuple[Any, str, str | None]]:
        if question.kind == "symptom":
            return [(v, choice_words(self.kb, question, v), None) for v in SYMPTOM_VALUES]
        found: list[tuple[Any, str, str | None]] = [
            (c.value, c.label, c.help) for c in question.choices
        ]
        if question.id in OPTIONAL_FIELDS:  # not who the answers are for, nor a required one
            found.append((None, _(SKIP_LABEL), None))
        return found

    @property
    def keys(self) -> str:  # type: ignore[override]
        if self.focused.kind == "symptom":
            return _(KEYS_SIGN if self.vertical else KEYS_SIGNS)
        symptoms = any(q.kind == "symptom" for q in self.questions)
        if not symptoms:
            return _(KEYS_LIST if self.vertical else KEYS_ROWS)
        letters = " ".join([yes_letter(), "n", "?"])
        return _(KEYS_LIST_LETTERS if self.vertical else KEYS_ROWS_LETTERS).format(letters=letters)

    # -- keys --------------------------------------------------------------------------------

    def key(self, name: str) -> Reply | None:
        question = self.focused
        if name in ("up", "down") and self.vertical or name in ("left", "right"):
            self._step(question, -1 if name in ("up", "left") else 1)
        elif name in ("up", "down"):
            last = len(self.questions) - 1
            self.focus = min(max(self.focus + (-1 if name == "up" else 1), 0), last)
        elif name in SYMPTOM_KEYS and question.kind == "symptom":
            self._choose(question, SYMPTOM_KEYS[name])
            if question.id in self.warned():
                self._taken_back.append(question.id)
            self._to_next_open()  # as after any answer: a quick "y n" answers two questions
        elif name == "enter":
            return self._enter()
        elif name == "backspace" and self._take_back():
            return None
        elif name in ("back", "backspace"):
            return self.go_back(self.answers())
        return None

    def _take_back(self) -> bool:
        """Backspace: the last answer on this page that would stop the quiz is taken back (the
        question is open again, and in focus). False when there is none: Backspace goes back."""
        warned = self.warned()
        while self._taken_back:
            question_id = self._taken_back.pop()
            if question_id in warned:
                del self.chosen[question_id]
                self.focus = [q.id for q in self.questions].index(question_id)
                self.message = ""
                return True
        return False

    def _choose(self, question: Question, value: Any) -> None:
        self.chosen[question.id] = value
        self.message = ""

    def _step(self, question: Question, step: int) -> None:
        """Arrow keys choose: the first press the first choice, then the next or previous. A
        warning sign is first answered with a letter: a stray arrow key never answers it."""
        values = [value for value, _, _ in self.choices(question)]
        current = self.chosen.get(question.id, UNSET)
        if question.kind == "symptom" and current is UNSET:
            self.message = _(ANSWER_BY_LETTER)
            return
        index = 0 if current not in values else values.index(current) + step
        self._choose(question, values[min(max(index, 0), len(values) - 1)])

    def _to_next_open(self) -> None:
        """After a letter key, move on to the next question still open (if any)."""
        questions = self.questions
        later = range(self.focus + 1, len(questions))
        self.focus = next((i for i in later if questions[i].id not in self.chosen), self.focus)

    def _enter(self) -> Reply | None:
        still_open = [i for i, q in enumerate(self.questions) if q.id not in self.chosen]
        if still_open and not self.warned():
            # With an answer that stops the quiz chosen, Enter confirms it at once, as its
            # warning says: a person with an emergency is not held back by the questions left.
            self.focus = still_open[0]
            count = len(still_open)
            if not self.vertical:
                self.message = _(ANSWER_EVERY).format(count=count, mark=OPEN_MARK)
            elif self.focused.kind == "symptom":
                self.message = _(ANSWER_BY_LETTER)
            else:
                self.message = _(ANSWER_ONE)
            return None
        return self.finish(self.answers())

    # -- drawing -----------------------------------------------------------------------------

    def draw(self, width: int) -> tuple[list[Line], int]:
        """The cursor goes on the last line of the focused question (its answers, its warning),
        and `focus_span` keeps the lines above it in view: the whole question stays on screen."""
        focused, warned = self.focused, self.warned()
        out = header(self.page, width)
        start, end = 0, len(out)
        for question in self.questions:
            first = len(out)
            out += self._question(question, question is focused, width)
            out += self._choice_lines(question, width)
            if question.id in warned:
                out += warning(self.kb, question, width)
            if question is focused:
                start, end = first, len(out)
        self.focus_span = end - start
        # the first question: its page's title and help above it too, where they fit
        self.wider_spans = (end,) if focused is self.questions[0] else ()
        return out, end - 1

    def _question(self, question: Question, focused: bool, width: int) -> list[Line]:
        if self.vertical:
            return styled("title", wrap(question.text, width))
        is_open = question.id not in self.chosen
        marker = f"{OPEN_MARK} " if is_open and self.message else "> " if focused else "  "
        return hanging(marker, question.text, width, "focus" if focused else "")

    def _choice_lines(self, question: Question, width: int) -> list[Line]:
        current = self.chosen.get(question.id, UNSET)
        items = [
            (RADIO[value == current] + one_line(label), value == current)
            for value, label, _ in self.choices(question)
        ]
        if not self.vertical:
            return flow(items, width, indent=4)
        # Nothing chosen yet: no cursor. The first arrow key chooses the first line; a cursor
        # drawn there before it (tried) made people press Down once too often, expecting it to
        # move from the line it was on.
        out: list[Line] = []
        for text, on in items:
            cursor = on
            style = "chosen" if on else "focus" if cursor else ""
            out += hanging("> " if cursor else "  ", text, width, style)
        return out

    def help_lines(self, width: int) -> list[Line]:
        question = self.focused
        texts = [question.help] if question.help else []
        current = self.chosen.get(question.id, UNSET)
        texts += [h for value, _, h in self.choices(question) if value == current and h]
        return paragraph(texts, width)

    def summary(self, width: int) -> list[Line]:
        if not self.answered:
            return []
        questions = self.questions
        if self.vertical:
            (question,) = questions
            words = given_words(self.kb, question, self.chosen[question.id])
            return done(question.short, words, width)
        return done(self.page.title or "", page_words(self.kb, questions, self.chosen), width)


class TicksForm(Form):
    """One question where several answers may be ticked (where it hurts, where it spreads).
    A question that may have no answer offers "None of these", so that Enter alone never
    answers it; a drawing (if any) stands beside the choices, or above them when narrow."""

    @property
    def keys(self) -> str:  # type: ignore[override]
        if not self.question.picture:
            return _(KEYS_TICKS)
        letters = [self.letter(value) for value in self.values if value is not None]
        span = f"{letters[0]}-{letters[-1]}" if len(letters) > 2 else "/".join(letters)
        return _(KEYS_TICKS_LETTERS).format(letters=span)

    def __init__(self, kb: KnowledgeBase, page: Page) -> None:
        super().__init__(page.can_go_back)
        (self.question,) = page.questions
        self.kb, self.page = kb, page
        self.required = self.question.id in REQUIRED_FIELDS
        self.values: list[str | None] = [c.value for c in self.question.choices]
        if not self.required:
            self.values.append(None)  # "None of these": an answer of its own
        given = page.given.get(self.question.id)
        self.ticked: set[str | None] = set(given) if given else set()
        if given == [] and not self.required:
            self.ticked = {None}
        self.pointer = 0
        self._warned: tuple[Any, bool] | None = None

    def label(self, value: str | None) -> str:
        if value is None:
            return self.question.none_label or _(NONE_LABEL)
        text = self.question.label_of(value)
        if self.question.picture:  # the drawing marks the choices A, B, C ...
            text = f"{self.letter(value)} {text}"
        return text

    def letter(self, value: str) -> str:
        return chr(ord("A") + self.values.index(value))

    def by_letter(self, name: str) -> str | None:
        """The choice marked `name` on the drawing (a key a-z), if any."""
        if not self.question.picture or len(name) != 1 or not name.isalpha():
            return None
        index = ord(name.lower()) - ord("a")
        marked = [value for value in self.values if value is not None]
        return marked[index] if 0 <= index < len(marked) else None

    def answer(self) -> list[str]:
        return [v for v in self.values if v is not None and v in self.ticked]

    def key(self, name: str) -> Reply | None:
        if name in ("up", "down"):
            step = -1 if name == "up" else 1
            self.pointer = (self.pointer + step) % len(self.values)  # a list goes round
        elif name == "space":
            self._toggle(self.values[self.pointer])
        elif (marked := self.by_letter(name)) is not None:
            self.pointer = self.values.index(marked)  # a letter of the drawing ticks its area
            self._toggle(marked)
        elif name == "enter":
            if not self.ticked:
                none = _(NONE_LABEL)
                self.message = (
                    _(TICK_ONE) if self.required else _(TICK_ONE_OR_NONE).format(none=none)
                )
                return None
            return self.finish(self.answer())
        elif name in ("back", "backspace"):
            return self.go_back({self.question.id: self.answer()} if self.ticked else {})
        return None

    def _toggle(self, value: str | None) -> None:
        self.message = ""
        if value in self.ticked:
            self.ticked.discard(value)
        elif value is None:
            self.ticked = {None}  # "None of these" unticks the others
        else:
            self.ticked = (self.ticked - {None}) | {value}

    def warned(self) -> bool:
        answer = self.answer()
        if self._warned is None or self._warned[0] != answer:
            stops = bool(answer) and bool(self.page.stopping({self.question.id: answer}))
            self._warned = (answer, stops)
        return self._warned[1]

    def draw(self, width: int) -> tuple[list[Line], int]:
        out = header(self.page, width) + styled("title", wrap(self.question.text, width))
        picture = self.question.picture.splitlines() if self.question.picture else []
        side = max((len(line) for line in picture), default=0) + PICTURE_GAP
        beside = bool(picture) and width - side >= MIN_CHOICE_WIDTH
        if picture and not beside and width >= side - PICTURE_GAP:
            out += styled("", [one_line(line) for line in picture])
        choices, focus, span = self._choices(width - side if beside else width)
        focus_line = len(out) + focus + span - 1
        self.focus_span = span
        out += side_by_side(picture, side, choices) if beside else choices
        chosen = ", ".join(self.label(v) for v in self.values if v in self.ticked)
        out += [
            [("", "")],
            *styled("", wrap(_(CHOSEN).format(chosen) if chosen else _(NOTHING_CHOSEN), width)),
        ]
        if self.warned():
            out += styled(
                "warning",
                wrap(emergency_warning(_(CHANGE_BY_CHOICE)), width),
            )
        return out, focus_line

    def _choices(self, width: int) -> tuple[list[Line], int, int]:
        """The lines of the choices, the first line of the one in focus and its line count."""
        out: list[Line] = []
        focus, span = 0, 1
        for index, value in enumerate(self.values):
            marker = ("> " if index == self.pointer else "  ") + TICK[value in self.ticked]
            style = "focus" if index == self.pointer else ""
            lines = hanging(marker, self.label(value), width, style)
            if index == self.pointer:
                focus, span = len(out), len(lines)
            out += lines
        return out, focus, span

    def help_lines(self, width: int) -> list[Line]:
        value = self.values[self.pointer]
        texts = [self.question.help] if self.question.help else []
        choice = next((c for c in self.question.choices if c.value == value), None)
        texts += [choice.help] if choice is not None and choice.help else []
        return paragraph(texts, width)

    def summary(self, width: int) -> list[Line]:
        if not self.answered:
            return []
        words = given_words(self.kb, self.question, self.answer())
        return done(self.question.short, words, width)


class NumberForm(Form):
    """One question answered by a whole number (age, pain score), typed digit by digit."""

    def __init__(self, kb: KnowledgeBase, page: Page) -> None:
        super().__init__(page.can_go_back)
        (self.question,) = page.questions
        self.kb, self.page = kb, page
        self.low, self.high = NUMBER_FIELDS[self.question.id]
        self.optional = self.question.id not in REQUIRED_FIELDS
        given = page.given.get(self.question.id, UNSET)
        self.text = str(given) if isinstance(given, int) else ""
        self.keys = _(KEYS_NUMBER_SKIP if self.optional else KEYS_NUMBER)
        self._warned: tuple[Any, bool] | None = None

    def value(self) -> int | None:
        if self.text.isdigit() and self.low <= int(self.text) <= self.high:
            return int(self.text)
        return None

    def key(self, name: str) -> Reply | None:
        if name.isdigit() and len(self.text) < len(str(self.high)):
            self.text, self.message = self.text + name, ""
        elif name == "backspace":
            self.text, self.message = self.text[:-1], ""
        elif name == "?" and self.optional:
            self.text = ""
            return self.finish(None)
        elif name == "enter":
            return self._enter()
        elif name == "back":
            value = self.value()
            return self.go_back({} if value is None else {self.question.id: value})
        return None

    def _enter(self) -> Reply | None:
        value = self.value()
        if value is None:
            self.message = _(NUMBER_RULE).format(low=self.low, high=self.high)
            return None
        return self.finish(value)

    def warned(self) -> bool:
        value = self.value()
        if self._warned is None or self._warned[0] != value:
            stops = value is not None and bool(self.page.stopping({self.question.id: value}))
            self._warned = (value, stops)
        return self._warned[1]

    def draw(self, width: int) -> tuple[list[Line], int]:
        out = header(self.page, width) + styled("title", wrap(self.question.text, width))
        focus_line = len(out)
        field: Line = [
            ("", "> "),
            ("class:focus", self.text),
            ("[SetCursorPosition]", ""),
            ("", "_"),
        ]
        typed = self.text + "_"
        narrow = [typed[i : i + width] for i in range(0, len(typed), max(width, 1))]
        out += [field] if width >= len(typed) + 2 else styled("focus", narrow)
        if self.warned():
            out += styled(
                "warning",
                wrap(emergency_warning(_(CHANGE_BY_CHOICE)), width),
            )
        return out, focus_line

    def help_lines(self, width: int) -> list[Line]:
        return paragraph([self.question.help] if self.question.help else [], width)

    def summary(self, width: int) -> list[Line]:
        if not self.answered:
            return []
        return done(self.question.short, given_words(self.kb, self.question, self.value()), width)


class ReviewForm(Form):
    """The review: every page's answers; choose one to change it, or the first line."""

    @property
    def keys(self) -> str:  # type: ignore[override]
        return _(KEYS_REVIEW)

    def __init__(self, rows: Sequence[ReviewRow]) -> None:
        super().__init__(can_go_back=True)
        self.rows = list(rows)
        self.pointer = 0

    def key(self, name: str) -> Reply | None:
        if name in ("up", "down"):
            step = -1 if name == "up" else 1
            self.pointer = (self.pointer + step) % (len(self.rows) + 1)
        elif name == "enter":
            return self.finish(None if self.pointer == 0 else self.rows[self.pointer - 1].page)
        elif name in ("back", "backspace"):
            return self.go_back()
        return None

    def draw(self, width: int) -> tuple[list[Line], int]:
        out: list[Line] = [[("", "")], *styled("title", wrap(_(REVIEW_TITLE), width))]
        out += styled("", wrap(_(REVIEW_HELP), width)) + [[("", "")]]
        focus_line = len(out)
        texts = [_(REVIEW_DONE)] + [f"{row.title}: {row.words}" for row in self.rows]
        for index, text in enumerate(texts):
            marker = "> " if index == self.pointer else "  "
            lines = hanging(marker, text, width, "focus" if index == self.pointer else "")
            out += lines
            if index == self.pointer:  # the whole line in focus, however it wraps
                focus_line, self.focus_span = len(out) - 1, len(lines)
            if index == 0:
                out.append([("", "")])
        return out, focus_line


def paragraph(texts: Sequence[str], width: int) -> list[Line]:
    """Help texts under a screen, after a blank line (nothing when there is no help)."""
    lines = [line for text in texts for line in wrap(text, width)]
    out: list[Line] = [[("", "")], *styled("", lines)]
    return out if lines else []


def done(title: str, words: str, width: int) -> list[Line]:
    """What stays on the screen once a screen is answered: a tick, what was asked, the answer."""
    return styled("", wrap(f"{DONE_MARK}{title}: {words}", width))


def side_by_side(picture: list[str], side: int, right: list[Line]) -> list[Line]:
    """A drawing in a column of `side` characters, with the lines of `right` beside it."""
    out: list[Line] = []
    for index in range(max(len(picture), len(right))):
        left = one_line(picture[index]) if index < len(picture) else ""
        out.append([("", left.ljust(side)), *(right[index] if index < len(right) else [])])
    return out


def header(page: Page, width: int) -> list[Line]:
    progress = _(PROGRESS).format(number=page.number, total=page.total)
    out: list[Line] = [[("", "")], *styled("progress", wrap(progress, width))]
    if page.title:
        out += styled("title", wrap(page.title, width))
    if page.help:
        out += styled("", wrap(page.help, width))
    return out + [[("", "")]]


def warning(kb: KnowledgeBase, question: Question, width: int) -> list[Line]:
    """What an answer that stops the quiz means, and how to change it, under the question."""
    change = _(CHANGE_BY_KEY) if question.kind == "symptom" else _(CHANGE_BY_CHOICE)
    return styled("warning", wrap(emergency_warning(change), width, indent=4))


def emergency_warning(change: str) -> str:
    """The warning under an answer that stops the quiz: what it means, how to change it, how to
    confirm it."""
    return f"! {_(EMERGENCY_WARNING)} {change} {_(CONFIRM_EMERGENCY)}"


def form_for(kb: KnowledgeBase, page: Page) -> Form:
    if len(page.questions) == 1 and page.questions[0].kind == "multi":
        return TicksForm(kb, page)
    if len(page.questions) == 1 and page.questions[0].kind == "number":
        return NumberForm(kb, page)
    return PageForm(kb, page)


def _frozen(chosen: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in chosen.items()))


def _picture_width(picture: str) -> int:
    return max((len(line) for line in picture.splitlines()), default=0)


# ---------------------------------------------------------------------------------------------
# Drawing a form in the terminal

KEY_NAMES = {
    "up": "up",
    "down": "down",
    "left": "left",
    "right": "right",
    "enter": "enter",
    "space": "space",
    "backspace": "backspace",
    "escape": "back",
    **{char: char for char in "yn?0123456789"},
}


def discard_typeahead(terminal_input: Input) -> None:
    """Throw away every key typed before a screen is drawn: in the terminal's buffer, read but
    not yet used by prompt_toolkit, or waiting in a pipe (tests)."""
    if termios is not None:
        with contextlib.suppress(OSError, ValueError, termios.error):
            descriptor = terminal_input.fileno()
            if os.isatty(descriptor):
                termios.tcflush(descriptor, termios.TCIFLUSH)
    with contextlib.suppress(OSError, ValueError):
        while terminal_input.read_keys():
            pass
        terminal_input.flush_keys()
    clear_typeahead(terminal_input)


def _bindings(form: Form) -> KeyBindings:
    bindings = KeyBindings()

    def handler(name: str) -> Callable[[KeyPressEvent], None]:
        def handle(event: KeyPressEvent) -> None:
            reply = form.key(name)
            if reply is not None:
                event.app.exit(result=reply)

        return handle

    letters = isinstance(form, TicksForm) and bool(form.question.picture)
    for key, name in KEY_NAMES.items():
        if not (letters and key in "yn"):
            bindings.add(" " if key == "space" else key, eager=key == "escape")(handler(name))
    if (own := own_yes_key()) is not None and not letters:
        bindings.add(own)(handler("y"))
    if letters:  # the letters of the drawing (either case)
        for letter in "abcdefghijklmnopqrstuvwxyz":
            bindings.add(letter)(handler(letter))
            bindings.add(letter.upper())(handler(letter))

    @bindings.add("c-c")
    @bindings.add(Keys.SIGINT)  # `kill -INT`: the library turns the signal into this key
    def _interrupt(event: KeyPressEvent) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    return bindings


def _columns() -> int:
    return get_app().output.get_size().columns


def _screen(form: Form) -> StyleAndTextTuples:
    app = get_app()
    if app.is_done:
        return _joined(form.summary(_columns()), -1)
    columns = _columns()
    width = columns - (BAR_ROOM if columns >= SCROLLBAR_FROM else 0)
    lines, end = form.draw(width)
    size = app.output.get_size()
    room = size.rows - len(form.footer(size.columns)) - 1  # a line for the terminal's cursor
    visible, cursor = in_view(form, lines, end, room, width)
    return _joined(visible, cursor)


def in_view(
    form: Form, lines: list[Line], end: int, room: int, width: int
) -> tuple[list[Line], int]:
    """The lines of a screen that fit `room` lines, and where the cursor goes in them. When the
    screen is taller, the part in focus stays in view (all of it where it fits, else its
    beginning: the question), and a line above and below says what is hidden there ("more
    questions below"); nothing is said when nothing is hidden."""
    if len(lines) <= room:
        form.kept_in_view, form.top = form.focus_span, 0
        return lines, end
    height = max(room - 2, 1)  # a line for each mark
    span = next((wider for wider in form.wider_spans if wider <= height), form.focus_span)
    kept = max(1, min(span, height))
    last = end - span + kept  # the last line kept in view
    first = last - kept + 1
    top = min(form.top, first)
    top = max(top, last - height + 1)
    form.top = top = min(max(top, 0), max(len(lines) - height, 0))
    form.kept_in_view = kept
    above = _(MORE_ABOVE) if top > 0 else ""
    below = _(form.more_below) if top + height < len(lines) else ""
    marks_above = styled("keys", [above[:width]]) if room > 2 else []
    marks_below = styled("keys", [below[:width]]) if room > 2 else []
    visible = marks_above + lines[top : top + height] + marks_below
    return visible, len(marks_above) + last - top


def _footer(form: Form) -> StyleAndTextTuples:
    app = get_app()
    return [] if app.is_done else _joined(form.footer(app.output.get_size().columns), -1)


def _joined(lines: list[Line], focus: int) -> StyleAndTextTuples:
    """Lines as one list of fragments; the cursor (kept in view) at the start of `focus`."""
    fragments: StyleAndTextTuples = []
    for index, line in enumerate(lines):
        if index == focus:
            fragments.append(("[SetCursorPosition]", ""))
        fragments += line
        if index < len(lines) - 1:
            fragments.append(("", "\n"))
    return fragments


class PromptAsker:
    """The quiz's asker for a real terminal (or, in tests, a pipe and a dummy output).

    on_ready: called each time a screen is drawn and ready for keys (tests send keys then)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        input: Any = None,  # noqa: A002 - prompt_toolkit's name, passed through
        output: Any = None,
        stream: IO[str] | None = None,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.kb = kb
        pairs = (("input", input), ("output", output))
        self.io = {key: value for key, value in pairs if value is not None}
        self.stream = stream
        self.on_ready = on_ready
        # The lines each answered screen left on the terminal (its tick line), latest last, as
        # long as nothing else was printed below them: going back erases the last of them, and
        # a change chosen in the review all of them, so that no answer that no longer counts
        # stays on the screen.
        self.kept: list[int] = []
        self._terminal: Output | None = None

    # -- the Asker interface ---------------------------------------------------------------

    def show(self, text: str) -> None:
        self.kept = []
        print(text, file=self.stream or sys.stdout, flush=True)

    def ask(self, page: Page) -> dict[str, Any] | GoBack:
        form = form_for(self.kb, page)
        reply = self.run_form(form)
        if reply.back:
            return GoBack(reply.value or {})
        if isinstance(form, PageForm):
            return dict(reply.value)
        return {page.questions[0].id: reply.value}

    def review(self, rows: Sequence[ReviewRow]) -> str | GoBack | None:
        reply = self.run_form(ReviewForm(rows))
        if not reply.back and reply.value is not None:
            self.erase(sum(self.kept))  # the answer changed is asked on a clean screen
            self.kept = []
        return GO_BACK if reply.back else reply.value

    def confirm(self, message: str, default: bool) -> bool:
        """Yes or no with one key (y or n; Enter: the default), answered in words afterwards.
        (Not questionary's confirm: it prints its "(Y/n)" and "Yes" / "No" in English only.)"""
        width = self._screen_width()
        hint = _(CONFIRM_YES if default else CONFIRM_NO)
        chosen = self._key(
            self._fill(f"{message} {hint}", width),
            {"y": "y", "n": "n", **({own: "y"} if (own := own_yes_key()) else {})},
            enter=("y" if default else "n"),
        )
        said = pgettext("answer", "Yes") if chosen == "y" else pgettext("answer", "No")
        self.show(self._fill(f"> {said}", width))
        return chosen == "y"

    def file_name(self, message: str, default: str) -> str:
        return str(self._run(questionary.text(message, default=default, **self.io)))

    # -- helpers ---------------------------------------------------------------------------

    def run_form(self, form: Form) -> Reply:
        """Draw a form until it ends; keys typed before it is drawn are thrown away."""
        screen = FormattedTextControl(lambda: _screen(form), focusable=True, show_cursor=False)
        footer = FormattedTextControl(lambda: _footer(form), show_cursor=False)
        # The screen is cut to the terminal's height by `in_view`, which says what is hidden
        # above or below; the window itself never scrolls.
        main = Window(screen, wrap_lines=True, dont_extend_height=True)
        windows = [main, Window(footer, wrap_lines=True, dont_extend_height=True)]
        app: Application[Reply] = Application(
            layout=Layout(HSplit(windows), focused_element=main),
            key_bindings=_bindings(form),
            style=STYLE,
            full_screen=False,
            **self.io,
        )
        app.ttimeoutlen = ESCAPE_WAIT
        discard_typeahead(app.input)
        try:
            reply = app.run(pre_run=self.on_ready)
        except (KeyboardInterrupt, EOFError):
            raise QuizInterrupted from None
        # What the screen left: its tick line (or an empty line) and the footer's empty line.
        left = max(len(form.summary(app.output.get_size().columns)), 1) + 1
        if reply.back:  # the screen gone back to is asked again: its old tick line goes too
            self.erase(left + (self.kept.pop() if self.kept else 0))
        else:
            self.kept.append(left)
        return reply

    def terminal(self) -> Output | None:
        """Where the screens are drawn, when it is a terminal (or one given): None on a pipe,
        where nothing is erased."""
        if self._terminal is None:
            self._terminal = self.io.get("output") or create_output()
        return self._terminal if isinstance(self._terminal, Vt100_Output) else None

    def erase(self, lines: int) -> None:
        """Erase the last `lines` lines above the cursor (as many as the screen shows)."""
        output = self.terminal()
        if lines <= 0 or output is None:
            return
        output.cursor_up(min(lines, output.get_size().rows))
        output.write_raw("\r")
        output.erase_down()
        output.flush()

    def fresh_screen(self) -> None:
        """Start at the top of an empty screen; what was on it scrolls up into the terminal's
        history (nothing is lost). Nothing happens on a pipe."""
        output = self.terminal()
        if output is None:
            return
        rows = output.get_size().rows
        output.write_raw("\n" * rows)
        output.cursor_goto(0, 0)
        output.flush()
        self.kept = []

    @staticmethod
    def _run(prompt: questionary.Question) -> Any:
        try:
            return prompt.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise QuizInterrupted from None

    # -- the screens around the questions (triage.session) ---------------------------------

    def choose(self, message: str, options: Sequence[tuple[str, str]]) -> str:
        """One key pressed once, from the keys shown (one choice a line, the prompt under
        them); Enter chooses the first."""
        width = self._screen_width()
        listed = [self._hanging(f"  [{key}] ", label, width) for key, label in options]
        text = "\n".join([*listed, self._fill(message, width)])
        key = self._key(text, {key: key for key, _ in options}, enter=options[0][0])
        self.show(self._fill(f"> {dict(options)[key]}", width))
        return key

    def page(self, text: str, *, skippable: bool = True) -> None:
        """Print a screenful at a time (a few lines spare for the prompt that follows), each
        next one on Enter or the space bar; Esc skips the rest when `skippable` (not a letter,
        so that it is never the key of the menu that follows). A text that cannot be skipped
        (a result's first screen) starts at the top of a fresh screen."""
        if not skippable:
            self.fresh_screen()  # a result's first screen: its headline at the top
        lines = text.rstrip("\n").split("\n")
        room = max(shutil.get_terminal_size((80, 24)).lines - self.PAGE_SPARE, 1)
        more = _(self.PAGE_MORE if skippable else self.PAGE_MORE_ALL)
        while len(lines) > room:
            self.show("\n".join(lines[:room]))
            lines = lines[room:]
            keys = {"escape": "stop"} if skippable else {}
            pressed = self._key(
                self._fill(more, self._screen_width()), keys, enter="more", erase=True
            )
            if pressed == "stop":
                return
        self.show("\n".join(lines))

    def ready(self, message: str) -> None:
        """Wait for Enter before the first question, so that the welcome and the disclaimer
        are read before the questions push them off the screen. Keys typed before this prompt
        is drawn (a stray Enter while the program starts) are thrown away."""
        text = "\n" + self._fill(message, self._screen_width())  # a blank line above
        self._one_key(text, {}, enter="go", fresh=True)
        self.fresh_screen()  # the first question at the top, nothing of the welcome above it

    def _key(self, message: str, keys: dict[str, str], *, enter: str, erase: bool = False) -> str:
        """A prompt that takes one key: a key of `keys` (either case), Enter (and, for "more",
        the space bar); other keys do nothing. Ctrl-C and Ctrl-D stop the quiz as elsewhere."""
        return self._one_key(message, keys, enter=enter, erase=erase)

    def _one_key(
        self,
        message: str,
        keys: dict[str, str],
        *,
        enter: str,
        erase: bool = False,
        fresh: bool = False,
    ) -> str:
        """`_key`; with `fresh`, keys typed before it is drawn are thrown away, as on the
        question screens (and `on_ready` is called once it is drawn)."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.keys import Keys

        bindings = KeyBindings()

        def answer(value: str) -> Callable[[KeyPressEvent], None]:
            return lambda event: event.app.exit(result=value)

        for key, value in keys.items():
            if key == "escape":
                bindings.add(Keys.Escape, eager=True)(answer(value))
                continue
            for pressed in dict.fromkeys((key.lower(), key.upper())):
                bindings.add(pressed, eager=True)(answer(value))
        bindings.add(Keys.Enter, eager=True)(answer(enter))
        if enter == "more":
            bindings.add(" ", eager=True)(answer(enter))

        @bindings.add(Keys.ControlC, eager=True)
        @bindings.add(Keys.SIGINT, eager=True)
        def _interrupt(event: KeyPressEvent) -> None:
            event.app.exit(exception=KeyboardInterrupt)

        @bindings.add(Keys.ControlD, eager=True)
        def _end(event: KeyPressEvent) -> None:
            event.app.exit(exception=EOFError)

        bindings.add(Keys.Any)(lambda event: None)  # nothing is typed into this prompt
        prompt: PromptSession[str] = PromptSession(
            message + " ", key_bindings=bindings, erase_when_done=erase, **self.io
        )
        prompt.app.ttimeoutlen = ESCAPE_WAIT  # a lone Esc is Esc, soon
        if not fresh:
            return str(self._run(questionary.Question(prompt.app)))
        discard_typeahead(prompt.app.input)
        try:
            return str(prompt.app.run(pre_run=self.on_ready))
        except (KeyboardInterrupt, EOFError):
            raise QuizInterrupted from None

    # Generic interface wording for the pages of a long text.
    PAGE_MORE = N_("-- more: Enter or the space bar for the next page, Esc to skip the rest --")
    PAGE_MORE_ALL = N_("-- more: Enter or the space bar for the next page --")
    PAGE_SPARE = 4  # lines kept free under a page, for the prompt that follows it

    @staticmethod
    def _screen_width() -> int:
        """Any terminal width, down to 1 column (one column spare, at most 100)."""
        return max(1, min(shutil.get_terminal_size((80, 24)).columns, 100) - 1)

    @staticmethod
    def _hanging(marker: str, text: str, width: int) -> str:
        """`marker` then text, later lines indented under the text (a menu choice)."""
        return "\n".join(
            "".join(fragment[1] for fragment in line) for line in hanging(marker, text, width)
        )

    @staticmethod
    def _fill(text: str, width: int) -> str:
        """Wrapped without breaking a word, nor a file name (its spaces are no-break spaces
        until then: triage.session)."""
        filled = textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
        return filled.replace("\u00a0", " ")
