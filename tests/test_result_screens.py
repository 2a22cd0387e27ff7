"""The result's headline on a real screen: every scenario's result (and every emergency stop),
in English and German, drawn by the real session and prompt code into a terminal emulator
(pyte) of 80x24, below a screen already full of earlier lines, as a person sees it once a
menu key has been pressed (so the first screen and the menu fit with a line to spare). Each
distinct first screen is drawn once (many scenarios share one)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pyte
import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from tests.conftest import load_scenario, scenario_files
from triage import i18n, knowledge, outcome, render
from triage.knowledge import KnowledgeBase
from triage.models import Answers, Level
from triage.prompts import PromptAsker
from triage.session import Session, menu_letters


class Terminal:
    """A pyte screen as a text stream: what the program writes is drawn on it."""

    def __init__(self, columns: int, rows: int) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.screen.set_mode(pyte.modes.LNM)  # a newline also returns the carriage, as a tty
        self.stream = pyte.Stream(self.screen)
        self.encoding = "utf-8"
        self.size = Size(rows=rows, columns=columns)

    def write(self, text: str) -> int:
        self.stream.feed(text)
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False  # no cursor position reports asked for (nothing would answer them)

    def text(self) -> str:
        """The words on the screen, as one line (a headline may wrap)."""
        return " ".join(" ".join(self.screen.display).split())

    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]


@pytest.fixture(params=["en", "de"])
def language(request: pytest.FixtureRequest) -> Iterator[tuple[str, KnowledgeBase]]:
    i18n.use(request.param)
    try:
        yield request.param, knowledge.load(None, request.param)
    finally:
        i18n.use(i18n.ENGLISH)


def shown_after_the_menu(
    kb: KnowledgeBase, answers: dict[str, Any], keys: str, size: tuple[int, int] = (80, 24)
) -> Terminal:
    """Draw the result of `answers` (an emergency stop when they are not complete) as the quiz
    does, under a screen full of earlier lines; `keys` are pressed (the last goes back)."""
    columns, rows = size
    terminal = Terminal(columns, rows)
    terminal.write("".join(f"an earlier line {n}\n" for n in range(rows + 5)))
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        output = Vt100_Output(terminal, lambda: terminal.size, term="xterm")  # type: ignore[arg-type]
        asker = PromptAsker(kb, input=pipe, output=output, stream=terminal)  # type: ignore[arg-type]
        session = Session(kb, asker, answers=answers, screen=lambda: size, trail=("earlier",))
        complete = "age" in answers
        ending = session.finish() if complete else session.stop_for_emergency()
        assert ending is None  # went back to the questions, as the last key asked
    return terminal


def distinct_results(kb: KnowledgeBase) -> dict[str, dict[str, Any]]:
    """Answers for each distinct first screen: every scenario's, and each emergency sign alone
    (an emergency stop before age, place and duration are known)."""
    found: dict[str, dict[str, Any]] = {}
    for path in scenario_files():
        answers = load_scenario(path)["answers"]
        result = outcome.assess(Answers.model_validate(answers), kb)
        found.setdefault(render.first_screen(result, kb, 79), answers)
    for question in kb.questions:
        if question.kind == "symptom":
            partial = {"symptoms": {question.id: "yes"}}
            result = outcome.assess_partial(kb, partial)
            if result.triage is Level.EMERGENCY:
                found.setdefault("stop " + render.first_screen(result, kb, 79), partial)
    return found


def test_every_result_shows_its_headline_and_menu_on_an_80x24_screen(language) -> None:
    _code, kb = language
    back = menu_letters()["b"]
    results = distinct_results(kb)
    assert len(results) > 20
    for screen, answers in results.items():
        terminal = shown_after_the_menu(kb, answers, back)
        headline = " ".join(screen.removeprefix("stop ").split("\n\n")[0].split("\n")[0].split())
        rows = terminal.rows()
        assert rows[0] == headline, rows  # its first line, at the top of a fresh screen
        last = max(index for index, row in enumerate(rows) if row)
        assert rows[last].startswith("> ") and last < len(rows) - 1, rows  # the key pressed
        assert "[" + back + "]" in terminal.text()


def test_a_small_screen_pages_the_result_and_repeats_the_headline_above_the_menu(
    language,
) -> None:
    _code, kb = language
    back = menu_letters()["b"]
    results = distinct_results(kb)
    complete = max(results.values(), key=lambda a: len(str(a)))
    stop = next(answers for screen, answers in results.items() if screen.startswith("stop "))
    for answers in (complete, stop):
        if "age" in answers:
            result = outcome.assess(Answers.model_validate(answers), kb)
        else:
            result = outcome.assess_partial(kb, answers)
        for size in [(60, 20), (50, 12)]:
            terminal = shown_after_the_menu(kb, answers, " " * 5 + back, size)
            flat = " ".join(result.headline.split())
            assert flat in terminal.text(), terminal.rows()  # "In short: ...", above the menu


def test_the_terminal_stand_in_draws_what_a_program_prints() -> None:
    terminal = Terminal(20, 3)
    print("one\ntwo\nthree\nfour", file=io.TextIOWrapper(io.BytesIO()))  # nothing drawn
    terminal.write("one\ntwo\nthree\nfour\n")
    assert terminal.rows() == ["three", "four", ""]
