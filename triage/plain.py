"""The plain quiz: the same questions as plain lines, for screen readers, braille displays, old
terminals and scripts (`triage quiz --plain`, TRIAGE_PLAIN=1, TERM=dumb, or standard input that
is not a terminal; see docs/plain.md).

`PlainAsker` is an asker for the question loop (`triage.quiz.Asker`), as `triage.prompts` is
for the full screen, but it only reads lines and writes lines: no cursor movement, nothing
redrawn, no colour, no box or drawing (the areas of the back are the choices' words). Each
question is printed once, with its number, its help and its choices numbered (or y / n / ?);
the person types an answer and Enter. Every prompt names its question, says what can be typed
and that b goes back, so that the last line alone is enough to answer. A mistake gets one line
saying what is allowed, then the prompt again. Text is wrapped at word boundaries to the width
given (the terminal's, or 80 columns when unknown).

When the input is not a terminal (answers piped in, one per line), each answer read is written
after its prompt, so that the output is a readable transcript. The end of the input stops the
quiz like Ctrl-C: the session keeps the answers in a resume file.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import IO, Any

from triage.i18n import N_, _, pgettext
from triage.knowledge import KnowledgeBase, Question
from triage.models import NUMBER_FIELDS, OPTIONAL_FIELDS, REQUIRED_FIELDS, Missing
from triage.output import OutputClosed, discard, text_width
from triage.quiz import GO_BACK, GoBack, Page, QuizInterrupted, ReviewRow
from triage.safe_text import one_line, prose
from triage.session import KEYS_HELP as FULL_SCREEN_KEYS  # replaced by KEYS_HELP here
from triage.wording import MISSING_WORDS, choice_words, given_words

BACK = "b"
SYMPTOM_VALUES = ("yes", "no", "unsure")

# Generic interface wording (translated where shown); every clinical word comes from the
# knowledge base. The same msgids as the full-screen quiz where the words are the same.
ANNOUNCE = N_(
    "Plain mode is on: each question is printed once as plain text, with its choices "
    "numbered. Type your answer and press Enter."
)
KEYS_HELP = N_(
    "Answer warning signs with y (Yes), n (No) or ? (Not sure), other questions with the "
    "number of a choice; where several answers are allowed, type their numbers separated by "
    "spaces or commas. b goes back one question. Before the result you can check and change "
    "every answer. Ctrl-C or Ctrl-D stops at any time and keeps your answers up to the last one "
    "you confirmed with Enter (on a page of several questions, those of pages already finished), "
    "so that you can continue later."
)
PROGRESS = N_("Question {number} of about {total}")
PART = N_("Part {part} of {parts}")
SKIP_LABEL = MISSING_WORDS[Missing.DONT_KNOW]
NONE_LABEL = N_("None of these")
NO_DRAWING = N_("Plain mode shows no drawing: the areas are the numbered choices, in words.")
GIVEN = N_("Your answer before: {answer}. Enter alone keeps it.")
# Prompts: "<question> (question 3b): <what to type>, b back:"
PROMPT = N_("{name} (question {number}): {allowed}, b back:")
PROMPT_FIRST = N_("{name} (question {number}): {allowed}:")
PROMPT_SHORT = N_("{name}: {allowed}, b back:")  # where the other is too long for the line
PROMPT_FIRST_SHORT = N_("{name}: {allowed}:")
ALLOWED_SIGN = N_("{yes}, n or ?")
ALLOWED_ONE = N_("1 to {last}")
ALLOWED_SEVERAL = N_("one or more of 1 to {last}")
ALLOWED_NUMBER = N_("a number from {low} to {high}")
ALLOWED_NUMBER_SKIP = N_("{low} to {high}, ? if not known")
NOT_AN_ANSWER = N_("Not an answer to {name}. Type {allowed}, or b to go back.")
NOT_AN_ANSWER_FIRST = N_("Not an answer to {name}. Type {allowed}.")
NONE_ALONE = N_('"{none}" ({number}) cannot be chosen together with other answers.')
FIRST_QUESTION = N_("This is the first question: there is nothing to go back to.")
EMERGENCY_WARNING = N_("This answer means you will be told to call the emergency number now.")
CONFIRM_STOP = N_("{name}: {answer}. Right? Enter: yes, n: change it:")
CONFIRM_STOP_SHORT = N_("{name}: {answer}? Enter: yes, n: change:")
REVIEW_TITLE = N_("Review your answers")
REVIEW_HELP = N_("Check your answers. To change one, type its number.")
REVIEW_PROMPT = N_("Review: Enter shows the result, 1 to {last} changes that answer, b back:")
REVIEW_PROMPT_SHORT = N_("Review: Enter or 1 to {last}, b back:")
REVIEW_WRONG = N_("Press Enter for your result, or type a number from 1 to {last}, or b.")
WHAT_NEXT = N_("What next? Type {keys} (Enter alone: {first}):")
NOT_OFFERED = N_("Type one of {keys}, or Enter alone for {first}.")
CONFIRM_YES = N_("(y or n; Enter: yes)")
CONFIRM_NO = N_("(y or n; Enter: no)")
YES_OR_NO = N_("Type y for yes or n for no.")
FILE_NAME = N_("File name: Enter alone saves as {default}; type another name, or - not to save:")
FILE_NAME_NONE = N_("File name (Enter alone: do not save):")
RESULT = N_("Result: {headline}")
ANSWERS_FILE = N_(
    "This looks like an answers file, not answers typed one per line: to triage a file use "
    "'triage assess FILE' ('triage assess -' for standard input)."
)
OR_WORD = N_("{items} or {last}")
AND = N_("and")  # between the numbers of several answers: "3 and 5"

# The result's headline, which opens its paragraph (what the level means may follow on the
# lines under it).
_HEADLINE = re.compile(r"^=== (.*?) ===(?: (.*))?$", re.DOTALL)
_RULE_LINE = re.compile(r"^-{3,}$")  # the underline under a title


def own_yes_key() -> str:
    """The letter that answers Yes: y, and in German j (as on the full screen)."""
    # TRANSLATORS: the one key that answers Yes, as people of your language expect it (j for Ja)
    own = pgettext("key", "y")
    return own if len(own) == 1 and own.isalpha() else "y"


def plain_width(columns: int | None = None) -> int:
    """The width to wrap to: the terminal's (one column spare), 80 columns when unknown."""
    if columns is None:
        columns = shutil.get_terminal_size((80, 24)).columns
    return text_width(columns)


class PlainAsker:
    """The quiz as plain lines read from `input` and written to `output` (see the module)."""

    # A screen reader or braille display user reads the last lines first: the session repeats
    # the result's headline just above the menu (as the full screen does where it scrolled).
    last_lines_first = True

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        input: IO[str] | None = None,  # noqa: A002 - as PromptAsker's
        output: IO[str] | None = None,
        width: int | None = None,
        echo: bool | None = None,
    ) -> None:
        self.kb = kb
        self.input = input if input is not None else sys.stdin
        self.output = output if output is not None else sys.stdout
        self.width = max(20, width if width is not None else plain_width())
        self.echo = not _is_terminal(self.input) if echo is None else echo
        self._changing = False  # the next page was chosen in the review
        self._read_before = False

    # -- writing and reading -----------------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Running text, wrapped at word boundaries (an empty text: a blank line)."""
        self._write(self._wrapped(text) + "\n")

    def _wrapped(self, text: str, width: int | None = None) -> str:
        lines = textwrap.wrap(
            prose(text), width or self.width, break_long_words=False, break_on_hyphens=False
        )
        return "\n".join(lines or [""])

    def _write(self, text: str) -> None:
        """Write at once. Output that cannot be written (the reader went away, `| head`; a full
        disk) stops the quiz as the end of input does: the answers are kept in a resume file."""
        try:
            self.output.write(text)
            self.output.flush()
        except (OSError, ValueError):
            discard(self.output)
            raise QuizInterrupted from None

    def read(self, prompt: str) -> str:
        """Print the prompt (wrapped; the answer is typed after its last line) and read one
        line. The end of the input stops the quiz (QuizInterrupted)."""
        lines = self._wrapped(prompt, self.width - 1).split("\n")  # room for the space after it
        self._write("\n".join(lines) + " ")
        try:
            line = self.input.readline()
        except BaseException:  # Ctrl-C (or an error): the next words start on a line of their own
            self._write("\n")
            raise
        if not line:
            self._write("\n")
            raise QuizInterrupted
        answer = line.rstrip("\r\n")
        if self.echo:
            shown = one_line(answer, 40)
            fits = len(lines[-1]) + 1 + len(shown) <= self.width
            self._write((shown if fits else "\n" + shown) + "\n")
            if not self._read_before and answer.lstrip().startswith(("{", "[")):
                self.say(_(ANSWERS_FILE))  # `triage < answers.json`: not typed answers
                raise QuizInterrupted
        self._read_before = True
        return answer.strip()

    # -- the Asker interface -----------------------------------------------------------------

    def show(self, text: str) -> None:
        self._write(self.plain(text) + "\n")

    def ask(self, page: Page) -> dict[str, Any] | GoBack:
        """Each question of the page in turn (a question that appears after an earlier answer
        is asked too). b on the first question of the page goes back to the previous page.
        A page come back to (b, or back from the result) opens at its last answer, one
        question back; a page chosen in the review opens at its first question."""
        changing, self._changing = self._changing, False
        self.say()
        self.say(_(PROGRESS).format(number=page.number, total=page.total))
        if page.title:
            self.say(page.title)
        if page.help:
            self.say(page.help)
        chosen = {} if changing else self._kept_before_last(page)
        order = list(chosen)
        earlier: dict[str, Any] = dict(page.given)  # offered again: Enter alone keeps it
        while True:
            shown = page.shown(chosen)
            missing = [q for q in shown if q.id not in chosen]
            if not missing:
                return {q.id: chosen[q.id] for q in shown}
            question = missing[0]
            part = (shown.index(question), len(shown)) if len(page.questions) > 1 else None
            first = not order and not page.can_go_back
            value = self.question(question, page, part, first, earlier.get(question.id, _UNSET))
            if value is _BACK:
                if order:
                    previous = order.pop()
                    earlier[previous] = chosen.pop(previous)
                    continue
                return GoBack({k: v for k, v in chosen.items() if k in {q.id for q in shown}})
            chosen[question.id] = value
            order.append(question.id)
            kept = {q.id: chosen[q.id] for q in page.shown(chosen) if q.id in chosen}
            if question.id in page.stopping(kept):
                if self._stop_confirmed(question, value, page, part):
                    return kept
                chosen.pop(question.id)
                order.pop()

    @staticmethod
    def _kept_before_last(page: Page) -> dict[str, Any]:
        """The answers given before on a page, up to its last one (asked again): going back
        goes back one question. An answer that stops the quiz is never kept this way: the
        page opens at it."""
        chosen: dict[str, Any] = {}
        while True:
            missing = [q for q in page.shown(chosen) if q.id not in chosen]
            if not missing or missing[0].id not in page.given:
                return chosen
            trial = {**chosen, missing[0].id: page.given[missing[0].id]}
            after = [q for q in page.shown(trial) if q.id not in trial]
            if not after or after[0].id not in page.given or page.stopping(trial):
                return chosen
            chosen = trial

    def review(self, rows: Sequence[ReviewRow]) -> str | GoBack | None:
        self.say()
        self.say(_(REVIEW_TITLE))
        self.say(_(REVIEW_HELP))
        for number, row in enumerate(rows, start=1):
            self._item(number, f"{row.title}: {row.words}")
        last = len(rows)
        while True:
            typed = self.read(self._fitting(REVIEW_PROMPT, REVIEW_PROMPT_SHORT, last=str(last)))
            if typed in ("", "0"):
                return None
            if typed.lower() == BACK:
                return GO_BACK
            if typed.isdigit() and 1 <= int(typed) <= last:
                self._changing = True
                return rows[int(typed) - 1].page
            self.say(_(REVIEW_WRONG).format(last=last))

    def confirm(self, message: str, default: bool) -> bool:
        hint = _(CONFIRM_YES if default else CONFIRM_NO)
        yes = own_yes_key()
        while True:
            typed = self.read(f"{message} {hint}").lower()
            if typed == "":
                return default
            if typed in ("y", yes, pgettext("answer", "Yes").lower()):
                return True
            if typed in ("n", pgettext("answer", "No").lower()):
                return False
            self.say(_(YES_OR_NO))

    def file_name(self, message: str, default: str) -> str:
        if not default:
            return self.read(_(FILE_NAME_NONE))
        typed = self.read(_(FILE_NAME).format(default=one_line(default)))
        if typed == "-":
            return ""
        return typed or default

    def ready(self, message: str) -> None:
        """Wait for Enter before the first question, at a terminal; piped answers start at once
        (the first line piped in answers the first question)."""
        if not self.echo:
            self.read(message)

    def choose(self, message: str, options: Sequence[tuple[str, str]]) -> str:
        keys = [key for key, _label in options]
        for key, label in options:
            self.say(f"{key}: {label}")
        listed = _or(keys)
        while True:
            typed = self.read(_(WHAT_NEXT).format(keys=listed, first=keys[0])).lower()
            if typed == "":
                return keys[0]
            if typed in keys:
                return typed
            self.say(_(NOT_OFFERED).format(keys=listed, first=keys[0]))

    def page(self, text: str, *, skippable: bool = True) -> None:
        """The whole text at once: a screen reader or braille display reads on at its own pace,
        and a transcript keeps it all. A blank line above it."""
        self._write("\n")
        self.show(text)

    # -- one question ------------------------------------------------------------------------

    def question(
        self,
        question: Question,
        page: Page,
        part: tuple[int, int] | None,
        first: bool,
        given: Any,
    ) -> Any:
        """Print the question once, then read until the answer is allowed. Returns its value,
        or _BACK."""
        number = f"{page.number}{_letter(part[0])}" if part else str(page.number)
        self.say()
        if part:
            self.say(_(PART).format(part=part[0] + 1, parts=part[1]))
        self.say(question.text)
        if question.help:
            self.say(question.help)
        if question.picture:
            self.say(_(NO_DRAWING))
        choices = self.choices(question)
        if question.kind == "symptom":  # y, n, ? (the numbers 1 to 3 work too)
            letters = (own_yes_key(), "n", "?")
            self.say(
                ", ".join(
                    f"{key}: {label}" for key, (_v, label) in zip(letters, choices, strict=True)
                )
            )
        else:
            for index, (_value, label) in enumerate(choices, start=1):
                self._item(index, label)
        if given is not _UNSET:
            self.say(_(GIVEN).format(answer=given_words(self.kb, question, given)))
        allowed = self.allowed(question, len(choices))
        name = prose(question.short)
        prompt = self.prompt(name, number, allowed, first)
        while True:
            typed = self.read(prompt)
            if typed.lower() == BACK:
                if not first:
                    return _BACK
                self.say(_(FIRST_QUESTION))
                continue
            if typed == "" and given is not _UNSET:
                return given
            value = self.parse(question, choices, typed)
            if value is not _WRONG:
                return value
            if self._none_mixed(question, choices, typed):
                continue
            wrong = NOT_AN_ANSWER_FIRST if first else NOT_AN_ANSWER
            self.say(_(wrong).format(name=name, allowed=allowed))

    def prompt(self, name: str, number: str, allowed: str, first: bool) -> str:
        """The question's prompt: its name, number and what can be typed, on one line (the
        number is left out where the line would be too long, so the name is on the line the
        answer is typed on)."""
        templates = (PROMPT_FIRST, PROMPT_FIRST_SHORT) if first else (PROMPT, PROMPT_SHORT)
        return self._fitting(*templates, name=name, number=number, allowed=allowed)

    def _fitting(self, *templates: str, **values: str) -> str:
        """The first of the templates (translated, filled in) that fits one line, else the last."""
        texts = [_(template).format(**values) for template in templates]
        return next((text for text in texts if len(text) < self.width), texts[-1])

    def choices(self, question: Question) -> list[tuple[Any, str]]:
        """The numbered choices: (value, words). Yes / No / Not sure for a warning sign; a
        question that may be left open ends with "Don't know" (one answer) or "None of these"
        (several); a number question has none."""
        if question.kind == "symptom":
            return [(v, choice_words(self.kb, question, v)) for v in SYMPTOM_VALUES]
        if question.kind == "number":
            return []
        found: list[tuple[Any, str]] = [(c.value, prose(c.label)) for c in question.choices]
        if question.kind == "multi" and question.id not in REQUIRED_FIELDS:
            # the question's own words for choosing none where it has them ("Nowhere")
            none = prose(question.none_label) if question.none_label else _(NONE_LABEL)
            found.append((None, none))
        elif question.id in OPTIONAL_FIELDS:  # not who the answers are for
            found.append((None, _(SKIP_LABEL)))
        return found

    def allowed(self, question: Question, count: int) -> str:
        match question.kind:
            case "symptom":
                return _(ALLOWED_SIGN).format(yes=own_yes_key())
            case "number":
                low, high = NUMBER_FIELDS[question.id]
                skip = question.id not in REQUIRED_FIELDS
                return _(ALLOWED_NUMBER_SKIP if skip else ALLOWED_NUMBER).format(low=low, high=high)
            case "multi":
                return _(ALLOWED_SEVERAL).format(last=count)
            case _:
                return _(ALLOWED_ONE).format(last=count)

    def parse(self, question: Question, choices: list[tuple[Any, str]], typed: str) -> Any:
        """The value typed, or _WRONG."""
        text = typed.strip().lower()
        match question.kind:
            case "symptom":
                letters = {"y": "yes", own_yes_key(): "yes", "n": "no", "?": "unsure"}
                words = {label.lower(): value for value, label in choices}
                if text in letters:
                    return letters[text]
                if text in words:
                    return words[text]
                return _numbered(choices, text)
            case "number":
                low, high = NUMBER_FIELDS[question.id]
                if text == "?" and question.id not in REQUIRED_FIELDS:
                    return None
                number = re.fullmatch(r"(\d+)(\s*[^\W\d_]+\.?)?", text)  # "72" or "72 years"
                if number and low <= int(number.group(1)) <= high:
                    return int(number.group(1))
                return _WRONG
            case "multi":
                return self._several(choices, text)
            case _:
                return _numbered(choices, text)

    def _several(self, choices: list[tuple[Any, str]], text: str) -> Any:
        joining = {"&", "and", _(AND).lower()}  # "3 and 5" as "3 5"
        parts = [part for part in re.split(r"[\s,;]+", text) if part and part not in joining]
        if not parts or not all(p.isdigit() and 1 <= int(p) <= len(choices) for p in parts):
            return _WRONG
        values = [choices[int(p) - 1][0] for p in dict.fromkeys(parts)]
        if None in values:
            return [] if len(values) == 1 else _WRONG
        order = [value for value, _label in choices]
        return sorted(values, key=order.index)

    def _none_mixed(self, question: Question, choices: list[tuple[Any, str]], typed: str) -> bool:
        """Say so when "None of these" was typed with other numbers (True: said)."""
        if question.kind != "multi" or not choices or choices[-1][0] is not None:
            return False
        parts = [part for part in re.split(r"[\s,;]+", typed) if part]
        last = str(len(choices))
        if last in parts and len(set(parts)) > 1 and all(p.isdigit() for p in parts):
            self.say(_(NONE_ALONE).format(none=choices[-1][1], number=last))
            return True
        return False

    def _stop_confirmed(
        self, question: Question, value: Any, page: Page, part: tuple[int, int] | None
    ) -> bool:
        """An answer that stops the quiz as an emergency: say what it means, then ask whether
        it is right (Enter or y: yes; n: the question is asked again)."""
        name = prose(question.short)
        answer = given_words(self.kb, question, value)
        self.say(f"! {_(EMERGENCY_WARNING)}")
        yes = own_yes_key()
        while True:
            typed = self.read(
                self._fitting(CONFIRM_STOP, CONFIRM_STOP_SHORT, name=name, answer=answer)
            )
            typed = typed.lower()
            if typed in ("", "y", yes):
                return True
            if typed in ("n", BACK):
                return False
            self.say(_(YES_OR_NO))

    def _item(self, number: int, text: str) -> None:
        """A numbered line; its later lines indented under its text."""
        marker = f"{number}. "
        lines = textwrap.wrap(
            prose(text),
            self.width,
            initial_indent=marker,
            subsequent_indent=" " * len(marker),
            break_long_words=False,
            break_on_hyphens=False,
        )
        self._write("\n".join(lines or [marker]) + "\n")

    # -- the session's texts, made plain -------------------------------------------------------

    def plain(self, text: str) -> str:
        """A text of the session (welcome, result, messages) without what a screen reader
        stumbles on: the result's headline becomes "Result: ...", title underlines go, and the
        full screen's key help is replaced by this mode's. Lines indented by two spaces (file
        names and commands to copy) are kept whole."""
        paragraphs = []
        for paragraph in text.split("\n\n"):
            lines = [line for line in paragraph.split("\n") if not _RULE_LINE.match(line.strip())]
            joined = " ".join(" ".join(lines).split())
            headline = _HEADLINE.match(joined)
            if headline:
                paragraphs.append(self._wrapped(_(RESULT).format(headline=headline.group(1))))
                if headline.group(2):
                    paragraphs.append(self._wrapped(headline.group(2)))
            elif joined == " ".join(_(FULL_SCREEN_KEYS).split()):
                paragraphs.append(self._wrapped(_(KEYS_HELP)))
            else:
                paragraphs.append("\n".join(self._rewrapped(lines)))
        return "\n\n".join(paragraphs)

    def _rewrapped(self, lines: list[str]) -> list[str]:
        """Lines wrapped by the session to its width: wrapped again to this one where longer
        (commands and file names, indented by two spaces, are left whole)."""
        out: list[str] = []
        for line in lines:
            if len(line) <= self.width or line.startswith("  "):
                out.append(line)
            else:
                indent = line[: len(line) - len(line.lstrip())]
                out += textwrap.wrap(
                    line,
                    self.width,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
        return out


_UNSET, _BACK, _WRONG = object(), object(), object()


def _numbered(choices: list[tuple[Any, str]], text: str) -> Any:
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1][0]
    return _WRONG


def _letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else f".{index + 1}"


def _or(keys: Sequence[str]) -> str:
    if len(keys) == 1:
        return keys[0]
    return _(OR_WORD).format(items=", ".join(keys[:-1]), last=keys[-1])


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def announce(output: IO[str] | None = None, width: int | None = None) -> None:
    """Say that plain mode is on: the first thing printed, before the welcome."""
    text = textwrap.wrap(
        _(ANNOUNCE), width or plain_width(), break_long_words=False, break_on_hyphens=False
    )
    stream = output if output is not None else sys.stdout
    try:
        stream.write("\n".join(text) + "\n\n")
        stream.flush()
    except (OSError, ValueError):  # the reader went away at once: nothing asked, nothing lost
        raise OutputClosed from None
