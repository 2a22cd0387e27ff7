"""What the screen shows, end to end: the quiz in a pseudo-terminal (pexpect), its output drawn
by a terminal emulator (pyte) and read back row by row, as a person sees it. Few and robust:
each step waits for its screen to be drawn before typing (keys typed earlier are thrown away
by design)."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

from triage import prompts, quiz
from triage import session as sessions
from triage.knowledge import KnowledgeBase

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")

DOWN, UP, ENTER, ESC, SPACE = "\x1b[B", "\x1b[A", "\r", "\x1b", " "
TIMEOUT = 60
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")
KEYS = {  # the self-care story of tests/test_quiz_pty.py
    "respondent": DOWN + ENTER,  # the first choice: myself
    "age": "34" + ENTER,
    "location": "c" + ENTER,  # C on the drawing: the lower back
    "radiation": UP + SPACE + ENTER,  # the last line: none of these
    "duration": DOWN + ENTER,
    "trigger": DOWN * 2 + ENTER,
    "pain_pattern": "\x1b[C" * 2 + DOWN + "\x1b[C" + ENTER,
    "intensity": "4" + ENTER,
}


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


class Terminal:
    """The program in a pseudo-terminal of `columns` x `rows`, drawn on a pyte screen."""

    def __init__(self, tmp_path: Path, *args: str, columns: int = 80, rows: int = 24) -> None:
        env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
        env["COLUMNS"], env["LINES"] = str(columns), str(rows)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "triage", *args],
            cwd=str(tmp_path),
            env=env,
            dimensions=(rows, columns),
            encoding="utf-8",
            timeout=TIMEOUT,
        )
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.Stream(self.screen)
        self.raw = ""
        self.mark = 0  # what was already waited for

    def read(self) -> None:
        with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
            new = self.child.read_nonblocking(65536, timeout=0.2)
            self.raw += new
            self.stream.feed(new)

    def wait(self, *texts: str) -> int:
        """Read until one of `texts` was drawn since the last wait, or is on the screen (a line
        that did not change is not drawn again); which one."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            fresh = squashed(ANSI.sub("", self.raw[self.mark :]))
            for index, text in enumerate(texts):
                if squashed(text) in fresh or self.shows(text):
                    self.read()  # the rest of the screen
                    self.mark = len(self.raw)
                    return index
            assert time.monotonic() < deadline, f"{texts!r} not drawn; got {self.rows()!r}"
            self.read()

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]

    def shows(self, text: str) -> bool:
        return squashed(text) in squashed("".join(self.rows()))

    def close(self) -> int | None:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


def title(plan: quiz.PagePlan) -> str:
    return " ".join((plan.title or plan.questions[0].text).split())[:30]


def answer_until(terminal: Terminal, kb: KnowledgeBase, last: str | None) -> None:
    """Start, then answer every page of the self-care story up to the page `last` (left
    unanswered, on screen) or, with None, up to the review."""
    terminal.wait(sessions.READY)
    terminal.send(ENTER)
    plans = {plan.id: plan for plan in quiz.pages(kb)}
    pending = dict(plans)
    while True:
        ids = list(pending)
        found = terminal.wait(*[title(pending[pid]) for pid in ids], prompts.REVIEW_TITLE)
        if found == len(ids):
            assert last is None
            return
        page_id = ids[found]
        del pending[page_id]
        if page_id == last:
            return
        terminal.send(KEYS.get(page_id, "n" * 10 + ENTER))


def test_nothing_of_the_welcome_above_the_first_question(kb, tmp_path) -> None:
    terminal = Terminal(tmp_path, "quiz")
    answer_until(terminal, kb, quiz.pages(kb)[0].id)
    rows = terminal.rows()
    assert rows[0] == "" and rows[1].startswith("Question 1 of about"), rows
    terminal.child.sendcontrol("c")
    terminal.close()


def test_going_back_with_esc_leaves_no_stale_answered_line(kb, tmp_path) -> None:
    duration = kb.questions_by_id["duration"]
    labels = [choice.label for choice in duration.choices]
    terminal = Terminal(tmp_path, "quiz")
    answer_until(terminal, kb, "duration")
    terminal.send(DOWN * 2 + ENTER)  # the second choice
    terminal.wait(kb.questions_by_id["trigger"].text[:30])
    assert terminal.shows(f"{prompts.DONE_MARK}{duration.short}: {labels[1]}")
    terminal.send(ESC)  # back to the duration: its answered line goes
    terminal.wait(duration.text[:30])
    terminal.send(DOWN + ENTER)  # the third choice instead
    terminal.wait(kb.questions_by_id["trigger"].text[:30])
    ticked = [
        row for row in terminal.rows() if row.startswith(f"{prompts.DONE_MARK}{duration.short}")
    ]
    assert len(ticked) == 1 and labels[2].split()[0] in ticked[0], terminal.rows()
    terminal.child.sendcontrol("c")
    terminal.close()


def test_a_question_below_the_fold_is_announced_and_brought_into_view(kb, tmp_path) -> None:
    (plan,) = [plan for plan in quiz.pages(kb) if plan.id == "warning_heart"]  # six signs
    terminal = Terminal(tmp_path, "quiz", rows=16)
    answer_until(terminal, kb, plan.id)
    assert terminal.shows(prompts.MORE_QUESTIONS_BELOW), terminal.rows()
    count = len(plan.questions)
    terminal.send("n" * (count - 1) + UP * count)  # all but the last; then up to the first
    terminal.wait(prompts.MORE_QUESTIONS_BELOW)
    terminal.send(ENTER)  # one still open: it comes into view, marked
    terminal.wait("1 still open")
    last = plan.questions[-1]
    rows = terminal.rows()
    marked = [row for row in rows if row.startswith(prompts.OPEN_MARK)]
    assert marked and last.text.split()[0] in marked[0], rows
    assert f"(marked {prompts.OPEN_MARK})" in " ".join(rows)
    terminal.child.sendcontrol("c")
    terminal.close()


def test_finishing_without_saving_asks_first(kb, tmp_path) -> None:
    terminal = Terminal(tmp_path, "quiz")
    answer_until(terminal, kb, None)
    terminal.send(ENTER)  # show my result
    terminal.wait("What next?")
    terminal.send("q")
    terminal.wait(sessions.REALLY_QUIT)
    terminal.send("n")  # no: the menu again, the result still counts
    terminal.wait("What next?")
    assert list(tmp_path.iterdir()) == []
    terminal.send("q")
    terminal.wait(sessions.REALLY_QUIT)
    terminal.send("y")
    terminal.wait(sessions.NOT_SAVED)
    assert terminal.close() == 0
    assert list(tmp_path.iterdir()) == []


def test_the_letters_of_the_drawing_tick_its_areas(kb, tmp_path) -> None:
    terminal = Terminal(tmp_path, "quiz")
    answer_until(terminal, kb, "location")
    terminal.send("c")
    terminal.wait("Chosen: C")
    terminal.send("C")  # again: unticked
    terminal.wait("Nothing chosen yet")
    terminal.child.sendcontrol("c")
    terminal.close()


def test_assess_on_a_terminal_shows_the_first_screen_and_pages_the_details(kb, tmp_path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text('{"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}')
    terminal = Terminal(tmp_path, "assess", str(answers))
    terminal.wait("-- Enter: the details")
    rows = terminal.rows()
    assert rows[0].startswith("=== SELF-CARE") and not terminal.shows("Details:"), rows
    terminal.send(ENTER)  # the details, a page at a time
    terminal.wait("-- Enter: the next page")
    assert terminal.shows("Details:")
    terminal.send("q" + ENTER)
    assert terminal.close() == 0
