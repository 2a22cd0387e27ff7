"""The quiz end to end in a pseudo-terminal (pexpect), as a person would use it.

Kept few and robust: each test waits for a screen to be drawn (its title or question, taken
from the knowledge base) before typing, as a person does: keys typed before a screen is drawn
are thrown away by design. Timeouts are generous.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from triage import prompts, quiz
from triage import session as sessions
from triage.knowledge import KnowledgeBase
from triage.models import Level

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")

DOWN, UP, RIGHT, ENTER, ESC, SPACE = "\x1b[B", "\x1b[A", "\x1b[C", "\r", "\x1b", " "
TIMEOUT = 60
# A self-care story: 34 years old, lower back, under a week after lifting, gradual, 4, better.
KEYS = {
    "respondent": DOWN + ENTER,  # the first choice: myself
    "age": "34" + ENTER,
    "location": DOWN * 2 + SPACE + ENTER,  # C: the lower back
    "radiation": UP + SPACE + ENTER,  # the last line: none of these
    "duration": DOWN + ENTER,  # the first choice: less than a week
    "trigger": DOWN * 2 + ENTER,  # lifting, bending, twisting or straining
    "pain_pattern": RIGHT * 2 + DOWN + RIGHT + ENTER,  # gradually; better
    "intensity": "4" + ENTER,
}
ALL_NO = "n" * 10 + ENTER  # every Yes / No / Not sure question of a page: No


def spawn(tmp_path: Path, *args: str, columns: int = 120, rows: int = 40) -> pexpect.spawn:
    # No cursor-position requests: a real terminal answers them, pexpect does not (each unanswered
    # request costs prompt_toolkit a wait).
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env["COLUMNS"], env["LINES"] = str(columns), str(rows)
    return pexpect.spawn(
        sys.executable,
        ["-m", "triage", *args],
        cwd=str(tmp_path),
        env=env,
        dimensions=(rows, columns),
        encoding="utf-8",
        timeout=TIMEOUT,
    )


def pattern(text: str, length: int = 30) -> str:
    return re.escape(" ".join(text.split())[:length])


def page_pattern(plan: quiz.PagePlan) -> str:
    """What a page shows first: its title, or its one question."""
    return pattern(plan.title or plan.questions[0].text)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def wait_for_text(child: pexpect.spawn, text: str, timeout: float = TIMEOUT) -> None:
    """Read until `text` was drawn, however the terminal's width broke it up: escape sequences
    and white space are left out before comparing."""
    seen = ""
    deadline = time.monotonic() + timeout
    while text not in re.sub(r"\s+", "", ANSI.sub("", seen)):
        assert time.monotonic() < deadline, f"{text!r} not drawn; got {seen[-300:]!r}"
        with contextlib.suppress(pexpect.TIMEOUT):
            seen += child.read_nonblocking(4096, timeout=0.5)


def start(child: pexpect.spawn) -> None:
    """The prompt to start, after the welcome: wait for it, then press Enter."""
    wait_for_text(child, "".join(sessions.READY.split()))
    child.send(ENTER)


def myself(child: pexpect.spawn, kb: KnowledgeBase) -> None:
    """Answer "Who are you answering for?" (the first page) with "Myself"."""
    child.expect(page_pattern(quiz.pages(kb)[0]))
    child.send(KEYS["respondent"])


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def answer_pages(child: pexpect.spawn, kb: KnowledgeBase, done: set[str] = frozenset()) -> list:
    """Answer every page that appears (the self-care story, "No" to every warning sign) until
    the review; return the page ids in the order they were asked."""
    pending = {plan.id: page_pattern(plan) for plan in quiz.pages(kb) if plan.id not in done}
    asked = []
    while True:
        ids = list(pending)
        index = child.expect([pending[pid] for pid in ids] + [re.escape(prompts.REVIEW_TITLE)])
        if index == len(ids):
            return asked
        page_id = ids[index]
        del pending[page_id]
        asked.append(page_id)
        child.send(KEYS.get(page_id, ALL_NO))


def test_an_ordinary_quiz_in_14_screens_saved_and_reassessed_the_same(kb, tmp_path) -> None:
    child = spawn(tmp_path, "quiz", "--save", "mine.json")
    start(child)
    asked = answer_pages(child, kb)
    assert len(asked) + 1 <= 16  # and the review; 15 before "Who are you answering for?"
    child.send(ENTER)  # the first line of the review: show my result
    child.expect(re.escape(kb.info.levels[Level.SELF_CARE].headline))
    child.expect(re.escape("What next?"))
    child.send("s")  # save (to --save FILE) ...
    child.expect("summary for your doctor")
    child.send("n")  # ... without the summary
    child.expect("Saved your answers and result in")
    assert finish(child) == 0

    saved = tmp_path / "mine.json"
    assert saved.stat().st_mode & 0o777 == 0o600
    document = json.loads(saved.read_text())
    answers = document["answers"]
    assert answers["age"] == 34 and answers["location"] == ["lower_back"]
    assert answers["radiation"] == [] and answers["trigger"] == "lifting_or_strain"
    assert answers["onset"] == "gradual" and answers["course"] == "improving"
    assert {v for v in answers["symptoms"].values() if v is not None} == {"no"}
    again = subprocess.run(
        [sys.executable, "-m", "triage", "assess", str(saved), "--json"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["triage"] == document["result"]["triage"] == Level.SELF_CARE.value


def test_dont_know_for_onset_and_the_pain_score_is_kept_as_dont_know(kb, tmp_path) -> None:
    """'Don't know' for how the pain started and ? for the pain score read "Don't know" on the
    answered line, in the review, in the saved answers, in the summary and in FHIR."""
    keys = {
        **KEYS,
        "pain_pattern": RIGHT * 3 + DOWN + RIGHT + ENTER,  # Don't know; better
        "intensity": "?",
    }
    child = spawn(tmp_path, "quiz", "--save", "mine.json")
    start(child)
    pending = {plan.id: page_pattern(plan) for plan in quiz.pages(kb)}
    answered_lines = {}
    while True:
        ids = list(pending)
        index = child.expect([pending[pid] for pid in ids] + [re.escape(prompts.REVIEW_TITLE)])
        if index == len(ids):
            break
        page_id = ids[index]
        del pending[page_id]
        child.send(keys.get(page_id, ALL_NO))
        if page_id in ("pain_pattern", "intensity"):
            title = kb.questions_by_id["intensity"].short if page_id == "intensity" else ""
            wait_for_text(child, "".join(f"{title}: Don't know".split()))  # the answered line
            answered_lines[page_id] = True
    assert set(answered_lines) == {"pain_pattern", "intensity"}
    # the review (drawn with its title, partly read already)
    review = child.after + child.buffer
    deadline = time.monotonic() + TIMEOUT
    while "Painscore:Don'tknow" not in re.sub(r"\s+", "", ANSI.sub("", review)):
        assert time.monotonic() < deadline, review[-300:]
        with contextlib.suppress(pexpect.TIMEOUT):
            review += child.read_nonblocking(4096, timeout=0.5)
    assert "Howitstarted:Don'tknow" in re.sub(r"\s+", "", ANSI.sub("", review))
    child.send(ENTER)  # the first line of the review: show my result
    child.expect(re.escape(kb.info.levels[Level.SELF_CARE].headline))
    child.expect(re.escape("What next?"))
    child.send("s")
    child.expect("summary for your doctor")
    child.send("y")
    child.expect("Saved your answers and result in")
    assert finish(child) == 0

    answers = json.loads((tmp_path / "mine.json").read_text())["answers"]
    assert answers["onset"] is None and answers["intensity"] is None
    assert sorted(answers["dont_know"]) == ["intensity", "onset"]
    summary = (tmp_path / "mine.md").read_text(encoding="utf-8").replace("\\", "")
    unknown = 'not known (answered "Don\'t know")'
    assert f"- **Onset:** {unknown}" in summary
    assert f"- **Severity (0 to 10):** {unknown}" in summary
    fhir = subprocess.run(
        [sys.executable, "-m", "triage", "fhir", str(tmp_path / "mine.json")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert fhir.returncode == 0, fhir.stderr
    items = {item["linkId"]: item for item in json.loads(fhir.stdout)["item"]}
    for name in ("onset", "intensity"):
        assert "answer" not in items[name]
        assert items[name]["extension"][0]["valueCode"] == "asked-unknown"


def test_a_stray_enter_during_start_up_answers_nothing(kb, tmp_path) -> None:
    first, warning = quiz.pages(kb)[:2]
    child = spawn(tmp_path)  # bare `triage` starts the quiz
    child.send(ENTER + "y" + ENTER)  # typed while the program starts
    wait_for_text(child, "".join(sessions.READY.split()))
    # the early Enter did not start the questions: the welcome stays until Enter is pressed now
    child.expect(pexpect.TIMEOUT, timeout=1.5)
    assert "Question 1" not in child.before
    child.send(ENTER)
    child.expect(page_pattern(first))
    child.expect(pexpect.TIMEOUT, timeout=1.5)  # let anything typed early take effect
    drawn = child.before
    assert "\u2022" not in drawn, "an early key chose an answer"
    assert "Question 2" not in drawn and "told to call the emergency number" not in drawn
    child.send(KEYS["respondent"])
    child.expect(page_pattern(warning))
    child.send(ENTER)  # Enter with nothing chosen: says what is open, stays
    child.expect("still open")
    child.send("nnn" + ENTER)
    child.expect(page_pattern(quiz.pages(kb)[2]))
    child.sendcontrol("c")
    child.expect(r"--resume (\S+\.json)")
    resume = json.loads((tmp_path / child.match.group(1)).read_text())
    assert resume["answers"]["symptoms"] == {q.id: "no" for q in warning.questions}
    assert finish(child) == 130


def test_a_yes_that_stops_the_quiz_is_named_first_and_can_be_taken_back(kb, tmp_path) -> None:
    first, second = quiz.pages(kb)[1:3]
    child = spawn(tmp_path, "quiz")
    start(child)
    myself(child, kb)
    child.expect(page_pattern(first))
    child.send("nnn" + ENTER)
    child.expect(page_pattern(second))
    child.send("y")  # the first question of the second page: chest pain, yes
    child.expect("told to call the emergency number")
    child.send(ESC)  # back to the first page, its answers selected
    child.expect(page_pattern(first))
    child.send(ENTER)
    child.expect(page_pattern(second))  # the Yes is still chosen, the warning shown again
    child.expect("told to call the emergency number")
    child.send("n" + "n" * 6 + ENTER)  # changed with one key, then the others
    child.expect(pattern(kb.questions_by_id["age"].text))
    child.sendcontrol("c")
    child.expect(r"--resume (\S+\.json)")
    saved = json.loads((tmp_path / child.match.group(1)).read_text())
    assert set(saved["answers"]["symptoms"].values()) == {"no"}
    assert finish(child) == 130


def test_a_confirmed_emergency_answer_stops_the_quiz_with_the_emergency_advice(kb, tmp_path):
    first = quiz.pages(kb)[1]  # after "Who are you answering for?"
    question = first.questions[0]
    rules = quiz.emergency_rules(kb, {"symptoms": {question.id: "yes"}})
    assert rules, "the first question is an emergency sign"
    child = spawn(tmp_path)
    start(child)
    myself(child, kb)
    child.expect(page_pattern(first))
    child.send("y")
    child.expect("told to call the emergency number")
    child.send(DOWN + "nn" + ENTER)
    child.expect(pattern(kb.info.levels[Level.EMERGENCY].headline))  # wrapped after 30
    shown = child.before + child.after
    child.expect(re.escape("What next?"))  # the session's choice after what to do now
    shown += child.before
    for rule in rules:
        assert " ".join(rule.title.split())[:20] in " ".join(shown.split())
    now = kb.advice[kb.info.levels[Level.EMERGENCY].advice[0] + "-brief"].text
    assert " ".join(now.split())[:40] in " ".join(shown.split())
    child.send("q")  # finish without saving ...
    child.expect(re.escape(sessions.REALLY_QUIT))
    child.send("y")  # ... asked once
    assert finish(child) == 0
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_keeps_the_answers_and_resume_finishes_the_quiz(kb, tmp_path) -> None:
    who, first, second = quiz.pages(kb)[:3]
    child = spawn(tmp_path, "quiz")
    start(child)
    myself(child, kb)
    child.expect(page_pattern(first))
    child.send("nnn" + ENTER)
    child.expect(page_pattern(second))
    child.sendcontrol("c")
    child.expect(r"--resume (\S+\.json)")
    resume = tmp_path / child.match.group(1)
    assert finish(child) == 130
    saved = json.loads(resume.read_text())
    assert saved["resume"] == 1
    assert saved["answers"]["symptoms"] == {q.id: "no" for q in first.questions}

    child = spawn(tmp_path, "quiz", "--resume", resume.name, "--save", "done.json")
    asked = answer_pages(child, kb, {who.id, first.id})
    assert asked[0] == second.id
    child.send(ENTER)
    child.expect(re.escape("What next?"))
    child.send("s")
    child.expect("summary for your doctor")
    child.send("n")
    child.expect("Saved your answers and result in")
    child.expect("Removed the resume file")
    assert finish(child) == 0
    assert not resume.exists()
    done = json.loads((tmp_path / "done.json").read_text())
    assert done["answers"]["symptoms"][first.questions[0].id] == "no"
    assert done["answers"]["age"] == 34


@pytest.mark.parametrize("columns", [1, 5, 6])
def test_a_narrow_terminal_draws_the_quiz_without_error(kb, tmp_path, columns) -> None:
    # So narrow that the help under the screen fills most of it: the page scrolls to the
    # question, and the keys still work.
    child = spawn(tmp_path, "quiz", columns=columns, rows=20)
    wait_for_text(child, "".join(kb.info.disclaimer.split())[-20:])
    child.expect(pexpect.TIMEOUT, timeout=1.5)  # the prompt to start (too narrow to read)
    child.send(ENTER)  # then the first page
    child.expect(pexpect.TIMEOUT, timeout=1.5)
    child.send(KEYS["respondent"])
    child.expect(pexpect.TIMEOUT, timeout=1.5)
    child.send("nnn" + ENTER)
    child.expect(pexpect.TIMEOUT, timeout=1.5)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    output = child.before
    assert "internal error" not in output and "Traceback" not in output
    assert child.exitstatus == 130
    (resume,) = tmp_path.iterdir()
    saved = json.loads(resume.read_text())
    assert set(saved["answers"]["symptoms"]) == {q.id for q in quiz.pages(kb)[1].questions}


def test_a_bad_resume_file_exits_2_naming_the_field(tmp_path) -> None:
    (tmp_path / "bad.json").write_text('{"resume": 1, "answers": {"age": 300}}')
    child = spawn(tmp_path, "quiz", "--resume", "bad.json")
    child.expect("triage: error: bad.json: field 'answers.age'")
    assert finish(child) == 2
    assert "Traceback" not in child.before


@pytest.mark.parametrize("args", [["quiz"], []])
def test_without_a_terminal_the_quiz_is_plain_and_an_empty_input_saves_nothing(
    tmp_path, args
) -> None:
    """Standard input that is not a terminal chooses the plain quiz (triage/plain.py, tested in
    tests/test_plain.py); an input that ends at once is the end of input, as Ctrl-D."""
    done = subprocess.run(
        [sys.executable, "-m", "triage", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=tmp_path,
    )
    assert done.returncode == 130
    assert done.stdout.startswith("Plain mode is on:")
    assert "No answers were given yet, so nothing was saved." in done.stdout
    assert "Traceback" not in done.stderr and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("language", "ready", "words"),
    [
        ("en", "".join(sessions.READY.split()), "hasyourchildhadnewtrouble"),
        ("de", "ummitdenFragenzubeginnen", "HatIhrKind,seitdieRückenschmerzen"),
    ],
)
def test_a_childs_quiz_reads_in_the_childs_person(tmp_path, language, ready, words) -> None:
    child = spawn(tmp_path, "--lang", language, "quiz")
    wait_for_text(child, ready)
    child.send(ENTER)
    child.expect(pexpect.TIMEOUT, timeout=1.0)
    child.send(DOWN * 3 + ENTER)  # the third choice: my child
    wait_for_text(child, words)
    child.sendcontrol("c")
    child.expect(r"--resume (\S+\.json)")
    saved = json.loads((tmp_path / child.match.group(1)).read_text())
    assert saved["answers"]["respondent"] == "child"
    assert finish(child) == 130
