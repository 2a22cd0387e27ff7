"""The quiz end to end in a pseudo-terminal (pexpect), as a person would use it.

Kept few and robust: each test waits for stable text (question texts and headlines taken from
the knowledge base), with generous timeouts. prompt_toolkit draws a question again once it is
answered, so the helper waits only for questions that have not been answered yet.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from triage import quiz
from triage.knowledge import KnowledgeBase
from triage.models import Level
from triage.prompts import REVIEW_TITLE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")

DOWN, ENTER = "\x1b[B", "\r"
TIMEOUT = 60
# A self-care story: 35 years old, lower back, under a week, gradual, no trigger, mild, better.
KEYS = {
    "age": "35" + ENTER,
    "location": DOWN * 2 + " " + ENTER,  # the third area: lower back
    "radiation": ENTER,
    "duration": ENTER,
    "onset": DOWN + ENTER,
    "trigger": ENTER,
    "intensity": "3" + ENTER,
    "course": ENTER,
}
NO = DOWN + ENTER  # Yes / No / Not sure: "No" is one line down


def spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    # No cursor-position requests: a real terminal answers them, pexpect does not (each unanswered
    # request costs prompt_toolkit a wait).
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "triage", *args],
        cwd=str(tmp_path),
        env=env,
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=TIMEOUT,
    )


def pattern(text: str) -> str:
    return re.escape(" ".join(text.split())[:50])


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def answer_questions(child: pexpect.spawn, kb: KnowledgeBase, answered: set[str]) -> list[str]:
    """Answer every question that appears (the self-care story, "No" to every symptom) until
    the review screen; return the ids in the order they were asked."""
    pending = {q.id: pattern(q.text) for q in kb.questions if q.id not in answered}
    assert len(set(pending.values())) == len(pending), "question texts must differ in 50 chars"
    asked = []
    while True:
        ids = list(pending)
        index = child.expect([pending[qid] for qid in ids] + [re.escape(REVIEW_TITLE)])
        if index == len(ids):
            return asked
        question_id = ids[index]
        del pending[question_id]
        asked.append(question_id)
        child.send(KEYS.get(question_id, NO))


def test_an_emergency_answer_stops_the_quiz_with_the_emergency_advice(kb, tmp_path) -> None:
    first = kb.questions[0]
    rules = quiz.emergency_rules(kb, {"symptoms": {first.id: "yes"}})
    assert rules, "the first question is an emergency sign"
    child = spawn(tmp_path)  # bare `triage` starts the quiz
    child.expect(pattern(first.text))
    child.send(ENTER)  # "Yes" is the first line
    child.expect(pattern(kb.info.levels[Level.EMERGENCY].headline))
    shown = child.before + child.after
    child.expect(re.escape("What next?"))  # the session's choice after what to do now
    shown += child.before
    assert " ".join(rules[0].title.split())[:20] in " ".join(shown.split())
    now = kb.advice[kb.info.levels[Level.EMERGENCY].advice[0] + "-brief"].text
    assert " ".join(now.split())[:40] in " ".join(shown.split())
    assert pattern(kb.questions[1].text) not in shown
    child.send("q")  # finish without saving
    assert finish(child) == 0
    assert list(tmp_path.iterdir()) == []


def test_a_self_care_quiz_saved_with_save_is_reassessed_the_same(kb, tmp_path) -> None:
    child = spawn(tmp_path, "quiz", "--save", "mine.json")
    asked = answer_questions(child, kb, set())
    sections = [kb.questions_by_id[qid].section for qid in asked]
    assert sections[0] == "emergency" and sections[-1] == "follow_up"
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
    assert document["answers"]["age"] == 35 and document["answers"]["location"] == ["lower_back"]
    again = subprocess.run(
        [sys.executable, "-m", "triage", "assess", str(saved), "--json"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    for key in ("triage", "pain_type", "suspected"):
        assert result[key] == document["result"][key]
    assert [r["rule"] for r in result["reasons"]] == [
        r["rule"] for r in document["result"]["reasons"]
    ]
    assert result["triage"] == Level.SELF_CARE.value


def test_ctrl_c_keeps_the_answers_and_resume_finishes_the_quiz(kb, tmp_path) -> None:
    first, second, third = kb.questions[:3]
    child = spawn(tmp_path, "quiz")
    child.expect(pattern(first.text))
    child.send(NO)
    child.expect(pattern(second.text))
    child.send(NO)
    child.expect(pattern(third.text))
    child.sendcontrol("c")
    child.expect(r"--resume (\S+\.json)")
    resume = tmp_path / child.match.group(1)
    assert finish(child) == 130
    saved = json.loads(resume.read_text())
    assert saved["resume"] == 1
    assert saved["answers"]["symptoms"] == {first.id: "no", second.id: "no"}

    child = spawn(tmp_path, "quiz", "--resume", resume.name, "--save", "done.json")
    asked = answer_questions(child, kb, {first.id, second.id})
    assert asked[0] == third.id
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
    assert done["answers"]["symptoms"][first.id] == "no" and done["answers"]["age"] == 35


def test_a_bad_resume_file_exits_2_naming_the_field(tmp_path) -> None:
    (tmp_path / "bad.json").write_text('{"resume": 1, "answers": {"age": 300}}')
    child = spawn(tmp_path, "quiz", "--resume", "bad.json")
    child.expect("triage: error: bad.json: field 'answers.age'")
    assert finish(child) == 2
    assert "Traceback" not in child.before


@pytest.mark.parametrize("args", [["quiz"], []])
def test_without_a_terminal_the_quiz_points_to_assess(tmp_path, args) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "triage", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "not a terminal" in done.stderr and "triage assess" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.count("\n") == 1
