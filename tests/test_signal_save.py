"""A signal while a file is being saved (issue #18): the file is complete, the quiz says it
was saved, it is not overwritten by a resume file, and the quiz ends as the signal says (TERM:
143, HUP: 129), the signal acting once."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.quiz_script import CLOCK
from tests.session_script import SessionScript
from triage import files, inputs, signals
from triage.session import Ending, Session


@pytest.mark.parametrize(
    ("number", "ending"), [(signal.SIGTERM, Ending.TERMINATED), (signal.SIGHUP, Ending.CLOSED)]
)
def test_a_signal_during_the_save_ends_the_quiz_once_with_the_file_saved(
    kb, tmp_path, monkeypatch, number, ending
) -> None:
    real = files._write_atomic

    def signalled(path: Path, text: str, overwrite: bool) -> Path:
        os.kill(os.getpid(), number)  # arrives while the file is written (held)
        return real(path, text, overwrite)

    monkeypatch.setattr(files, "_write_atomic", signalled)
    target = tmp_path / "out.json"
    script = SessionScript(keys=["s"], confirms=[False])
    quiz = Session(
        kb, script, directory=tmp_path, clock=lambda: CLOCK, command="triage",
        screen=lambda: (80, 24), save_to=target,
    )  # fmt: skip
    with signals.handled():
        assert quiz.run() is ending
    assert [path.name for path in tmp_path.iterdir()] == ["out.json"]
    answers, document = inputs.load_answers(str(target))
    assert document is not None and answers.age == 40  # the assessment, not a resume file
    assert quiz.saved == target
    assert "nothing was saved" not in script.text.lower()
