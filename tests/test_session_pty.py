"""Every way a quiz can end, in a real pseudo-terminal (pexpect), keeps the answers: the terminal
closed (SIGHUP), SIGTERM (also in the middle of a save), a crash inside a prompt, a 1-column
terminal, a full disk; and the first result screen at 80x24 and 60x20 (tmux, which keeps a
screen to read back).

Faults that cannot be made real from outside are patched in by a small wrapper script that
imports triage, patches one function, and calls the command line (nothing in the product reads
a test switch).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.conftest import load_scenario, scenario_files
from triage import outcome, quiz, render
from triage import session as sessions
from triage.knowledge import KnowledgeBase

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")

DOWN, ENTER = "\x1b[B", "\r"
ALL_NO = "n" * 10 + ENTER  # every Yes / No / Not sure question of a page: No, then go on
TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    # No cursor-position requests: a real terminal answers them, pexpect does not.
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.update(XDG_STATE_HOME=str(tmp_path / "state"), PYTHONPATH=str(ROOT))
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env.update(extra)
    return env


def spawn(
    tmp_path: Path,
    *args: str,
    wrapper: str | None = None,
    dimensions: tuple[int, int] = (40, 120),
    cwd: Path | None = None,
    **env: str,
) -> pexpect.spawn:
    """`python -m triage ARGS`, or a wrapper script that patches one thing first."""
    if wrapper is None:
        program = ["-m", "triage", *args]
    else:
        script = tmp_path / "wrapper.py"
        script.write_text(
            "import sys\n"
            + textwrap.dedent(wrapper)
            + "\nfrom triage.cli import main\nsys.exit(main(sys.argv[1:]))\n"
        )
        program = [str(script), *args]
    return pexpect.spawn(
        sys.executable,
        program,
        cwd=str(cwd or tmp_path),
        env=environment(tmp_path, **env),
        dimensions=dimensions,
        encoding="utf-8",
        timeout=TIMEOUT,
    )


def pattern(text: str) -> str:
    return re.escape(" ".join(text.split())[:40])


def page_pattern(plan: quiz.PagePlan) -> str:
    """What a page shows first: its title, or its one question."""
    return pattern(plan.title or plan.questions[0].text)


def start(child: pexpect.spawn) -> None:
    """The prompt to start, after the welcome: wait for it, press Enter, then answer the first
    page, "Who are you answering for?", with "Myself"."""
    child.expect(pattern(sessions.READY))
    child.send(ENTER)
    child.expect(pattern("Who are you answering for?"))
    child.send(DOWN + ENTER)


def warning_pages(kb: KnowledgeBase) -> tuple[quiz.PagePlan, ...]:
    """The pages from the first warning signs on (after "Who are you answering for?")."""
    return quiz.pages(kb)[1:]


def answer_no(child: pexpect.spawn, kb: KnowledgeBase, how_many: int) -> list[str]:
    """Answer "No" to every question of the first pages (warning signs); return the ids of
    those questions, then wait for the next page to be on screen."""
    plans = warning_pages(kb)
    asked = [question.id for plan in plans[:how_many] for question in plan.questions]
    assert all(kb.questions_by_id[name].kind == "symptom" for name in asked)
    start(child)
    for plan in plans[:how_many]:
        child.expect(page_pattern(plan))
        child.send(ALL_NO)
    child.expect(page_pattern(plans[how_many]))
    return asked


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus is None, "ended by a signal: nothing handled it"
    return int(child.exitstatus)


def resume_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders if folder.exists() for p in folder.glob("*.json"))


def no_leftovers(*folders: Path) -> None:
    for folder in folders:
        if folder.exists():
            assert not list(folder.glob(".*.tmp")), f"a temporary file was left in {folder}"


def saved_answers(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    assert data["resume"] == 1 and path.stat().st_mode & 0o777 == 0o600
    return data


# ---------------------------------------------------------------------------------------------
# The terminal closes, the process is asked to end


def test_closing_the_terminal_keeps_the_answers(kb, tmp_path) -> None:
    child = spawn(tmp_path, "quiz")
    asked = answer_no(child, kb, 2)
    os.close(child.child_fd)  # the terminal window is closed: the kernel sends SIGHUP
    _, status = os.waitpid(child.pid, 0)
    child.closed = True
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 129
    (path,) = resume_files(tmp_path)
    data = saved_answers(path)
    assert data["answers"]["symptoms"] == {name: "no" for name in asked}
    assert data["metadata"]["stopped"] == "terminal_closed"
    no_leftovers(tmp_path)


@pytest.mark.parametrize(
    ("number", "code", "said"),
    [
        (signal.SIGTERM, 143, "asked to end"),
        (signal.SIGHUP, 129, "terminal was closed"),
        (signal.SIGINT, 130, "Stopped"),  # `kill -INT`, as Ctrl-C (was ignored)
    ],
)
def test_a_signal_during_a_question_keeps_the_answers(kb, tmp_path, number, code, said) -> None:
    child = spawn(tmp_path, "quiz")
    asked = answer_no(child, kb, 2)
    child.kill(number)
    child.expect(said)
    child.expect(r"--resume (\S+\.json)")
    path = Path(child.match.group(1))
    assert finish(child) == code
    assert saved_answers(path)["answers"]["symptoms"] == {name: "no" for name in asked}
    no_leftovers(tmp_path)


SLOW_SAVE = """
import os, sys, time
real_fsync = os.fsync
def slow_fsync(descriptor):
    print("SAVING-NOW", file=sys.stderr, flush=True)
    time.sleep(3)
    real_fsync(descriptor)
os.fsync = slow_fsync
"""


@pytest.mark.parametrize(
    ("number", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)]
)
def test_a_signal_during_the_save_finishes_it_and_leaves_no_temporary_file(
    kb, tmp_path, number, code
) -> None:
    child = spawn(tmp_path, "quiz", wrapper=SLOW_SAVE)
    asked = answer_no(child, kb, 2)
    child.sendcontrol("c")  # Ctrl-C: the answers are being saved ...
    child.expect("SAVING-NOW")
    child.kill(number)  # ... when a signal (or Ctrl-C again) arrives
    child.sendcontrol("c")
    child.expect(r"--resume (\S+\.json)")
    path = Path(child.match.group(1))
    assert finish(child) == code
    assert "QuizInterrupted" not in child.before and "Traceback" not in child.before
    assert saved_answers(path)["answers"]["symptoms"] == {name: "no" for name in asked}
    no_leftovers(tmp_path)


# ---------------------------------------------------------------------------------------------
# A crash inside a prompt, a 1-column terminal


CRASH_AT_FOURTH_PROMPT = """
from prompt_toolkit.application import Application
real_run = Application.run
prompts = []
def failing_run(self, *args, **kwargs):
    prompts.append(1)
    if len(prompts) == 4:
        raise RuntimeError("the prompt broke")
    return real_run(self, *args, **kwargs)
Application.run = failing_run
"""


def test_a_crash_inside_a_prompt_keeps_the_answers_then_reports_it(kb, tmp_path) -> None:
    child = spawn(tmp_path, "quiz", wrapper=CRASH_AT_FOURTH_PROMPT)
    plans = warning_pages(kb)
    asked = [question.id for plan in plans[:1] for question in plan.questions]
    start(child)  # the first prompt, and the second: "Who are you answering for?"
    for plan in plans[:1]:  # one more page answered; the fourth prompt breaks
        child.expect(page_pattern(plan))
        child.send(ALL_NO)
    child.expect(r"--resume (\S+\.json)")
    path = Path(child.match.group(1))
    child.expect("internal error: RuntimeError: the prompt broke")
    child.expect("your answers were kept first, in")
    assert finish(child) == 70
    assert "Traceback" not in child.before
    data = saved_answers(path)
    assert data["answers"]["symptoms"] == {name: "no" for name in asked}
    assert data["metadata"]["stopped"] == "error"


def complete_answers(kb: KnowledgeBase) -> dict[str, Any]:
    """A self-care story with every question the quiz asks answered."""
    answers: dict[str, Any] = {
        "respondent": "self",
        "age": 35,
        "location": ["lower_back"],
        "radiation": [],
        "duration": "under_1_week",
        "onset": "gradual",
        "trigger": "none",
        "intensity": 3,
        "course": "improving",
        "symptoms": {},
    }
    for question in quiz.relevant(kb, answers):
        if question.kind == "symptom":
            answers["symptoms"][question.id] = "no"
    for _ in range(5):  # follow-up questions brought in by follow-up answers
        for question in quiz.relevant(kb, answers):
            if question.kind == "symptom" and not quiz.is_answered(answers, question):
                answers["symptoms"][question.id] = "no"
    assert quiz.complete(answers) is not None and quiz.next_question(kb, answers) is None
    return answers


@pytest.mark.parametrize(
    ("dimensions", "env"),
    [((24, 1), {}), ((24, 80), {"COLUMNS": "5"}), ((24, 6), {})],
    ids=["1-column", "COLUMNS=5", "6-columns"],
)
def test_a_narrow_terminal_never_loses_the_answers(kb, tmp_path, dimensions, env) -> None:
    resume = tmp_path / "resume.json"
    resume.write_text(json.dumps({"resume": 1, "answers": complete_answers(kb)}))
    child = spawn(
        tmp_path,
        "quiz",
        "--resume",
        "resume.json",
        "--save",
        "done.json",
        dimensions=dimensions,
        **env,
    )
    # The review, the result (page by page), save, no summary; a prompt that cannot be drawn
    # so narrow ends the quiz with the answers kept instead; if the keys go astray, Ctrl-C.
    replies = {r"Review": ENTER, r"more:": " ", r"next\?": "s", r"doctor": "n"}
    for _ in range(60):
        try:
            index = child.expect([*replies, pexpect.EOF], timeout=5)
        except pexpect.TIMEOUT:
            child.sendcontrol("c")
            continue
        if index == len(replies):
            break
        child.send(list(replies.values())[index])
    code = finish(child)
    assert code in (0, 70, 130), child.before
    assert "Traceback" not in child.before
    if code == 0:
        assert json.loads((tmp_path / "done.json").read_text())["answers"]["age"] == 35
    else:  # the answers are back in the resume file (or in --save's file), every one
        kept = tmp_path / "done.json" if (tmp_path / "done.json").exists() else resume
        answers = json.loads(kept.read_text())["answers"]
        given = {name: value for name, value in answers["symptoms"].items() if value is not None}
        assert answers["age"] == 35 and given == complete_answers(kb)["symptoms"]
    no_leftovers(tmp_path)


# ---------------------------------------------------------------------------------------------
# A full disk


@contextlib.contextmanager
def full_folder(tmp_path: Path, how: str) -> Iterator[tuple[Path, str | None]]:
    """A folder for a full disk: a small tmpfs (where `mount` works, as root) for `fill`, or a
    patch (for the wrapper script) that makes every write under the folder fail with ENOSPC."""
    folder = tmp_path / "full"
    folder.mkdir()
    if how == "patched":
        yield folder, FULL_DISK_PATCH.replace("FOLDER", repr(str(folder)))
        return
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("a tmpfs needs `mount` and root; the patched writer covers this case")
    mounting = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)]
    done = subprocess.run(mounting, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder, None
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


FULL_DISK_PATCH = """
import errno, os, tempfile
real_mkstemp = tempfile.mkstemp
def mkstemp_on_a_full_disk(*args, dir=None, **kwargs):
    if dir is not None and os.path.abspath(dir).startswith(FOLDER):
        raise OSError(errno.ENOSPC, "No space left on device")
    return real_mkstemp(*args, dir=dir, **kwargs)
tempfile.mkstemp = mkstemp_on_a_full_disk
"""


def fill(folder: Path) -> None:
    """Fill a small tmpfs to the last byte (never call it on a real disk)."""
    assert subprocess.run(["mountpoint", "-q", str(folder)]).returncode == 0
    with contextlib.suppress(OSError), (folder / "filler").open("wb") as stream:
        while True:
            stream.write(b"x" * 4096)
            stream.flush()
            os.fsync(stream.fileno())


@pytest.mark.parametrize("how", ["tmpfs", "patched"])
def test_a_full_disk_during_a_resumed_quiz_saves_in_the_fallback_folder(kb, tmp_path, how) -> None:
    plans = warning_pages(kb)
    first = {question.id: "no" for question in plans[0].questions}
    resume = tmp_path / "full" / "resume.json"
    content = json.dumps({"resume": 1, "answers": {"respondent": "self", "symptoms": first}})
    with full_folder(tmp_path, how) as (folder, patch):
        resume.write_text(content)  # written before the disk filled up
        if patch is None:
            fill(folder)
        child = spawn(tmp_path, "quiz", "--resume", str(resume), wrapper=patch, cwd=folder)
        second = {question.id: "no" for question in plans[1].questions}
        child.expect(page_pattern(plans[1]))
        child.send(ALL_NO)
        child.expect(page_pattern(plans[2]))
        for _ in range(3):  # Ctrl-C, and again, and again while it saves
            child.sendcontrol("c")
        child.expect("No space left on device")
        child.expect(r"--resume (\S+\.json)")
        kept = Path(child.match.group(1))
        assert finish(child) == 130
        shown = child.before
        assert "back-pain-" not in shown and "QuizInterrupted" not in shown
        assert kept.parent == tmp_path / "state" / "triage"
        symptoms = saved_answers(kept)["answers"]["symptoms"]
        assert symptoms == {**first, **second}
        assert json.loads(resume.read_text())["answers"]["symptoms"] == first
        no_leftovers(folder, kept.parent)


def test_when_every_folder_is_full_the_answers_are_printed_to_copy(kb, tmp_path) -> None:
    # Every folder, the temporary folder too (which a real full disk rarely is): patched.
    every_write_fails = FULL_DISK_PATCH.replace("FOLDER", repr("/"))
    child = spawn(tmp_path, "quiz", wrapper=every_write_fails)
    asked = answer_no(child, kb, 2)
    child.sendcontrol("c")
    child.expect("could not be saved anywhere")
    child.expect("copy from the next line -+\r\n")
    child.expect("-+ copy up to the line above")
    copied = json.loads(child.before.replace("\r\n", "\n"))
    assert finish(child) == 130
    assert copied["resume"] == 1
    assert copied["answers"]["symptoms"] == {name: "no" for name in asked}
    assert list(tmp_path.glob("*.json")) == []


# ---------------------------------------------------------------------------------------------
# The first result screen, read back from a real screen (tmux)


def longest_first_screen(kb: KnowledgeBase) -> dict[str, Any]:
    """The scenario whose result has the longest first screen at 80 columns, as the quiz would
    have the answers (those to questions it would not ask dropped)."""
    stories = []
    for path in scenario_files():
        answers = quiz.prune(kb, {"symptoms": {}, **load_scenario(path)["answers"]})
        valid = quiz.complete(answers)
        if valid is None or quiz.emergency_rules(kb, answers):
            continue
        for _ in range(5):  # every question the quiz asks answered ("no"), or skipped
            for question in quiz.relevant(kb, answers):
                if not quiz.is_answered(answers, question):
                    answers = quiz.with_answer(
                        answers, question, "no" if question.kind == "symptom" else None
                    )
        if quiz.complete(answers) is None:  # the quiz would not finish on these answers
            continue
        result = outcome.assess(quiz.complete(answers) or valid, kb)
        lines = render.first_screen(result, kb, render.text_width(80)).count("\n")
        stories.append((lines, answers))
    return max(stories, key=lambda story: story[0])[1]


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], capture_output=True, text=True, check=True, timeout=TIMEOUT
    ).stdout


def screen_until(session: str, text: str) -> str:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        shown = tmux("capture-pane", "-p", "-t", session)
        if text in shown:
            return shown
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared; the screen:\n{shown}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
def test_the_first_result_screen_shows_the_headline_with_the_prompt(kb, tmp_path, size) -> None:
    answers = longest_first_screen(kb)
    result = outcome.assess(quiz.complete(answers), kb)  # type: ignore[arg-type]
    (tmp_path / "resume.json").write_text(json.dumps({"resume": 1, "answers": answers}))
    session = f"triage-test-{os.getpid()}-{size[0]}"
    env = environment(tmp_path)
    command = [
        "env",
        "-u",
        "COLUMNS",
        "-u",
        "LINES",  # the tmux server's own environment may hold a size from elsewhere
        *(f"{key}={env[key]}" for key in ("TERM", "NO_COLOR", "PROMPT_TOOLKIT_NO_CPR")),
        f"PYTHONPATH={ROOT}",
        sys.executable,
        "-m",
        "triage",
        "quiz",
        "--resume",
        "resume.json",
    ]
    columns, rows = size
    tmux(
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        str(columns),
        "-y",
        str(rows),
        "-c",
        str(tmp_path),
        " ".join(command),
    )
    try:
        screen_until(session, "Review your answers")
        tmux("send-keys", "-t", session, "Enter")
        headline = render.headline(result, render.text_width(columns)).split("\n")[0]
        if (columns, rows) == (80, 24):  # the whole first screen and the prompt, at once
            shown = screen_until(session, "What next?")
            assert headline in shown.split("\n")
            for words in ("What to do now:", "Main reason:", "[s] save"):
                assert words in shown
        else:  # longer than the screen: a page at a time, the headline first
            shown = screen_until(session, "-- more")
            assert headline in shown.split("\n")
            tmux("send-keys", "-t", session, "Space")
            shown = screen_until(session, "What next?")
        tmux("send-keys", "-t", session, "q")
        time.sleep(1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert result.headline


# ---------------------------------------------------------------------------------------------
# Printed commands work as printed


@pytest.mark.parametrize("started", ["module", "script"])
def test_the_printed_command_works_as_printed(kb, tmp_path, started) -> None:
    script = Path(sys.executable).parent / "triage"
    if started == "script" and not script.exists():
        pytest.skip(f"no console script beside {sys.executable}")
    (tmp_path / "resume.json").write_text(
        json.dumps({"resume": 1, "answers": complete_answers(kb)})
    )
    args = ["quiz", "--resume", "resume.json", "--save", "done.json"]
    if started == "module":
        child = spawn(tmp_path, *args)
    else:
        child = pexpect.spawn(
            str(script),
            args,
            cwd=str(tmp_path),
            env=environment(tmp_path),
            dimensions=(40, 120),
            encoding="utf-8",
            timeout=TIMEOUT,
        )
    child.expect("Review your answers")
    child.send(ENTER)
    child.expect(r"What next\?")
    child.send("s")
    child.expect("summary for your doctor")
    child.send("y")
    child.expect(r"To see the result again:\r\n  (.+?)\r\n")
    command = child.match.group(1)
    assert finish(child) == 0
    if started == "module":
        program = f"{shlex.quote(sys.executable)} -m triage"
    else:  # bare `triage` only when that is this very program on PATH
        on_path = shutil.which("triage", path=environment(tmp_path)["PATH"])
        same = on_path is not None and Path(on_path).resolve() == script.resolve()
        program = "triage" if same else shlex.quote(str(script.resolve()))
    assert command == f"{program} assess {shlex.quote(str((tmp_path / 'done.json').resolve()))}"
    # Elsewhere, with nothing but the system's folders on PATH: it still works.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        command,
        shell=True,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    headline = outcome.assess(quiz.complete(complete_answers(kb)), kb).headline  # type: ignore[arg-type]
    assert done.stdout.startswith(f"=== {headline}")
    summary = tmp_path / "done.md"
    assert summary.read_text().startswith("# ") and summary.stat().st_mode & 0o777 == 0o600


# ---------------------------------------------------------------------------------------------
# The way back from the emergency stop


def test_going_back_from_the_emergency_stop_in_a_real_terminal(kb, tmp_path) -> None:
    plans = warning_pages(kb)
    first = plans[0].questions[0]
    assert quiz.emergency_rules(kb, {"symptoms": {first.id: "yes"}}), "an emergency sign"
    child = spawn(tmp_path, "quiz")
    start(child)
    child.expect(page_pattern(plans[0]))
    child.send("y")  # Yes to the first question: the page says what it means ...
    child.expect("told to call the emergency number")
    child.send("nn" + ENTER)  # ... No to the others, and go on: the emergency stop
    child.expect(r"\[b\] go back")
    child.send("b")
    child.expect(page_pattern(plans[0]))  # the same page again, "Yes" still selected
    child.expect("told to call the emergency number")
    child.send("n" + ENTER)  # the page opens on that answer: n changes it, Enter goes on
    child.expect(page_pattern(plans[1]))
    child.sendintr()
    child.expect(r"--resume (\S+\.json)")
    path = Path(child.match.group(1))
    assert finish(child) == 130
    assert saved_answers(path)["answers"]["symptoms"] == {q.id: "no" for q in plans[0].questions}
