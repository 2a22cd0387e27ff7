"""When the rule engine fails: never a crash, never a lost batch, one line and exit 2.

The probe of issue #18 added 32 rules `at_least: {count: 1, of: [fever, another]}` to rules/:
`check` said OK, then `assess` with every symptom yes aborted the process (free(): invalid
pointer). durable-rules had returned error 303 (its stack of 64 tests was full); cleaning up
the broken session then freed memory twice. Now the facts are laid out so the stack holds
such rule sets, `check` models the stack and runs trial assessments in a child process, and
an engine error at run time leaves the process standing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import triage.engine
from triage import batch, knowledge
from triage.cli import main
from triage.models import SYMPTOMS

HOSTILE = Path(__file__).parent / "data" / "hostile"
ANSWERS = {"schema_version": 1, "age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def triage_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("TRIAGE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=120,
    )


def with_probe_rules(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    text = (HOSTILE / "probe-32-at-least.yaml").read_text(encoding="utf-8")
    rules = directory / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + text, encoding="utf-8")
    german = directory / "de" / "rules.yaml"
    titles = "".join(
        f"  {rule_id}:\n    title: Titel {rule_id}\n"
        for rule_id in re.findall(r"^  - id: (\S+)$", text, flags=re.MULTILINE)
    )
    german.write_text(german.read_text(encoding="utf-8") + titles, encoding="utf-8")
    return directory


def test_the_probes_32_counting_rules_pass_check_and_then_run(tmp_path) -> None:
    directory = with_probe_rules(tmp_path)
    checked = triage_cli("check", str(directory))
    assert checked.returncode == 0, checked.stderr
    every = triage_cli(
        "--rules", str(directory), "assess", str(HOSTILE / "every-symptom-yes.json"), "--json"
    )
    assert every.returncode == 0, every.stderr
    assert "PROBE-0" in {reason["rule"] for reason in json.loads(every.stdout)["reasons"]}
    lines = [{**ANSWERS, "symptoms": {name: "yes"}} for name in SYMPTOMS]
    lines += [{**ANSWERS, "symptoms": dict.fromkeys(SYMPTOMS, v)} for v in ("yes", "unsure")]
    lines += [{**ANSWERS, "symptoms": {"fever": "yes", name: "unsure"}} for name in SYMPTOMS]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    many = triage_cli("--rules", str(directory), "assess", "--batch", "-", stdin=stdin)
    assert many.returncode == 0, many.stderr
    results = [json.loads(line) for line in many.stdout.splitlines()]
    assert len(results) == len(lines) and not any("error" in result for result in results)


CHILD = """
import json, sys
from triage import engine
from triage.errors import EngineError
rules = {"seen": {"all": [{"m": {"kind": "answers"}}]}}
rules.update({f"r{i}": {"all": [{"m": {f"p{i}": 1}}]} for i in range(70)})
ruleset = engine._Ruleset(json.dumps(rules))
for attempt in range(3):
    try:
        ruleset.names({"kind": "answers", **{f"p{i}": 1 for i in range(70)}})
    except EngineError as error:
        print("refused:", error.message())
    print("then:", sorted(ruleset.names({"kind": "answers", "p1": 1})))
"""


def test_an_engine_error_leaves_the_process_standing() -> None:
    """70 tests that hold at once overflow durable-rules' stack (error 303). Deleting the
    session after that aborted the process; now the next assessment runs on a fresh one."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 6, lines
    assert all("error code: 303" in line for line in lines[0::2]), lines
    assert all(line == "then: ['r1', 'seen']" for line in lines[1::2]), lines


@pytest.fixture
def failing_on_fever(monkeypatch):
    """The C core failing (as it does on error 303) for every fact with fever yes."""
    real = triage.engine.core.assert_fact

    def assert_fact(handle: int, fact: str):
        if '"fever":"yes"' in fact:
            raise RuntimeError("Could not assert fact, error code: 303")
        return real(handle, fact)

    monkeypatch.setattr(triage.engine.core, "assert_fact", assert_fact)


def test_a_batch_goes_on_after_an_engine_error_on_one_line(failing_on_fever, kb) -> None:
    lines = [
        {**ANSWERS, "symptoms": {"cough": "yes"}},
        {**ANSWERS, "symptoms": {"fever": "yes"}},
        {**ANSWERS, "symptoms": {"bladder_bowel": "yes"}},
    ]

    class Sink:
        text = ""

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    out = Sink()
    tally = batch.assess_lines([json.dumps(line).encode() for line in lines], kb, out)
    results = [json.loads(line) for line in out.text.splitlines()]
    assert (tally.assessed, tally.failed) == (2, 1)
    assert results[1]["line"] == 2 and "error code: 303" in results[1]["error"]
    assert results[2]["triage"] == "emergency"  # the engine started afresh for line 3


def test_assess_reports_an_engine_error_in_one_line_with_exit_2(
    failing_on_fever, tmp_path, capsys
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({**ANSWERS, "symptoms": {"fever": "yes"}}))
    assert main(["assess", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error code: 303" in err and "Traceback" not in err


def test_the_quiz_keeps_the_answers_when_the_engine_fails(failing_on_fever, kb, tmp_path) -> None:
    """The engine fails once fever is yes: the answers so far are kept in a resume file, the
    quiz ends as failed with the engine error noted (the command line prints it in one line,
    exit 2), never a traceback or a loop."""
    from tests.quiz_script import BASICS, CLOCK
    from tests.session_script import SessionScript
    from triage.errors import EngineError
    from triage.session import Ending, Session

    script = SessionScript({**BASICS, "fever": "yes"}, keys=["s"])
    quiz = Session(
        kb, script, directory=tmp_path, clock=lambda: CLOCK, command="triage",
        screen=lambda: (80, 24),
    )  # fmt: skip
    assert quiz.run() is Ending.FAILED
    assert isinstance(quiz.error, EngineError) and "error code: 303" in quiz.error.message()
    (kept,) = tmp_path.iterdir()
    data = json.loads(kept.read_text())
    assert data["resume"] == 1 and data["answers"]["age"] == BASICS["age"]
    assert quiz.kept == kept


def test_check_reports_a_crash_of_its_trial_child_naming_the_answers(monkeypatch, tmp_path) -> None:
    """A child that dies (here: as after SIGABRT) is a problem naming the last answers it
    announced, not the end of `check`."""

    def died(*args, **kwargs):
        return subprocess.CompletedProcess(args, -6, "every symptom yes\nonly fever: yes\n", "")

    monkeypatch.setattr(triage.engine.subprocess, "run", died)
    (problem,) = triage.engine.trial_in_child(tmp_path)
    assert "crashed" in problem.text and "only fever: yes" in problem.text, problem


def test_the_trial_child_passes_the_shipped_rules() -> None:
    assert triage.engine.trial_in_child(knowledge.default_directory()) == []


@pytest.mark.parametrize("converted", [False, True], ids=["as-raised", "as-the-prompts-pass-it"])
def test_an_engine_error_inside_a_prompt_ends_the_quiz_with_the_answers_kept(
    failing_on_fever, kb, tmp_path, converted
) -> None:
    """The prompts call the page's callbacks on every key and redraw, inside the prompt
    library, which would print a traceback and "Press ENTER to continue..." for ever for an
    Exception: an engine error there is an EngineStopped (a KeyboardInterrupt) instead, and
    the quiz ends as failed with the error noted and the confirmed answers kept."""
    from tests.quiz_script import BASICS, CLOCK
    from tests.session_script import SessionScript
    from triage.errors import EngineError, EngineStopped
    from triage.quiz import QuizInterrupted
    from triage.session import Ending, Session

    class Prompting(SessionScript):
        def ask(self, page):
            if "fever" in {question.id for question in page.questions}:
                try:
                    page.stopping({"fever": "yes"})  # as the prompt does when Yes is chosen
                except EngineStopped:
                    if converted:  # prompts.py: `raise QuizInterrupted from None`
                        raise QuizInterrupted from None
                    raise
            return super().ask(page)

    script = Prompting(dict(BASICS))
    quiz = Session(
        kb, script, directory=tmp_path, clock=lambda: CLOCK, command="triage",
        screen=lambda: (80, 24),
    )  # fmt: skip
    assert quiz.run() is Ending.FAILED
    assert isinstance(quiz.error, EngineError) and "error code: 303" in quiz.error.message()
    (kept,) = tmp_path.iterdir()
    assert json.loads(kept.read_text())["answers"]["age"] == BASICS["age"]


def test_a_pages_callbacks_raise_an_engine_error_as_a_keyboard_interrupt(
    failing_on_fever, kb
) -> None:
    """What the prompt library lets through: a KeyboardInterrupt, never an Exception."""
    from triage import quiz
    from triage.errors import EngineStopped, engine_failure

    page = quiz.make_page(kb, quiz.page_of(kb, "fever"), {"age": 40})
    for callback in (page.stopping, page.shown):
        with pytest.raises(KeyboardInterrupt) as caught:
            callback({"fever": "yes"})
        assert isinstance(caught.value, EngineStopped)
        assert not isinstance(caught.value, Exception)
        failure = engine_failure(caught.value)
        assert failure is not None and "error code: 303" in failure.message()
