"""The real questionary prompts, fed keystrokes through a prompt_toolkit pipe.

Every pipe is used inside `with` and closed after the keys are sent: if a script runs short,
the prompt then sees the end of input (QuizInterrupted) instead of waiting forever.
"""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from triage.models import NUMBER_FIELDS
from triage.prompts import PromptAsker, check_number
from triage.quiz import QuizInterrupted, ReviewRow

DOWN, UP, ENTER, SPACE, BACKSPACE, CTRL_C = "\x1b[B", "\x1b[A", "\r", " ", "\x7f", "\x03"


def answer(kb, keys: str, call: str, *args: Any) -> Any:
    """Run one prompt of a PromptAsker with these keys and return its answer."""
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
        return getattr(asker, call)(*args)


def ask(kb, question_id: str, keys: str, current: Any = None) -> Any:
    return answer(kb, keys, "ask", kb.questions_by_id[question_id], current)


@pytest.mark.parametrize(
    ("keys", "expected"), [(ENTER, "yes"), (DOWN + ENTER, "no"), (DOWN * 2 + ENTER, "unsure")]
)
def test_symptom_questions_offer_yes_no_and_not_sure(kb, keys, expected) -> None:
    assert ask(kb, "fever", keys) == expected


def test_a_symptom_question_starts_on_the_earlier_answer(kb) -> None:
    assert ask(kb, "fever", ENTER, current="unsure") == "unsure"
    assert ask(kb, "fever", UP + ENTER, current="unsure") == "no"


def test_age_refuses_out_of_range_and_non_numbers_until_corrected(kb) -> None:
    keys = "abc" + ENTER + BACKSPACE * 3 + "130" + ENTER + BACKSPACE * 3 + "45" + ENTER
    assert ask(kb, "age", keys) == 45


def test_age_is_required_but_intensity_may_be_skipped(kb) -> None:
    assert ask(kb, "age", ENTER + "7" + ENTER) == 7
    assert ask(kb, "intensity", ENTER) is None
    assert ask(kb, "intensity", "11" + ENTER + BACKSPACE + ENTER) == 1


def test_number_messages_say_what_is_allowed(kb) -> None:
    for field, (low, high) in NUMBER_FIELDS.items():
        validate = check_number(kb.questions_by_id[field])
        message = validate(str(high + 1))
        assert isinstance(message, str) and f"from {low} to {high}" in message
        assert validate(str(low)) is True and validate(str(high)) is True
        assert validate("-1") is not True and validate("4.5") is not True
    assert check_number(kb.questions_by_id["age"])("") is not True
    assert check_number(kb.questions_by_id["intensity"])("") is True


def test_location_needs_at_least_one_area(kb) -> None:
    assert ask(kb, "location", ENTER + SPACE + ENTER) == ["upper_back"]
    assert ask(kb, "location", DOWN * 2 + SPACE + DOWN + SPACE + ENTER) == ["lower_back", "flank"]


def test_radiation_may_be_empty(kb) -> None:
    assert ask(kb, "radiation", ENTER) == []


def test_a_multi_choice_question_starts_with_the_earlier_answer_ticked(kb) -> None:
    assert ask(kb, "location", ENTER, current=["middle_back"]) == ["middle_back"]


def test_optional_single_choice_can_be_skipped_required_cannot(kb) -> None:
    onset = kb.questions_by_id["onset"]
    assert ask(kb, "onset", ENTER) == onset.choices[0].value
    assert ask(kb, "onset", UP + ENTER) is None  # the last line: "Don't know / skip"
    duration = kb.questions_by_id["duration"]
    assert ask(kb, "duration", UP + ENTER) == duration.choices[-1].value


def test_review_returns_the_question_to_change_or_none(kb) -> None:
    rows = [
        ReviewRow(kb.questions_by_id["age"], "40"),
        ReviewRow(kb.questions_by_id["fever"], "No"),
    ]
    assert answer(kb, ENTER, "review", rows) is None
    assert answer(kb, DOWN + ENTER, "review", rows) == "age"
    assert answer(kb, UP + ENTER, "review", rows) == "fever"


def test_confirm_and_file_name(kb) -> None:
    assert answer(kb, "n", "confirm", "Save?", True) is False
    assert answer(kb, ENTER, "confirm", "Save?", True) is True
    assert answer(kb, ENTER, "file_name", "File name:", "back-pain.json") == "back-pain.json"
    typed = BACKSPACE * len("back-pain.json") + "mine.json" + ENTER
    assert answer(kb, typed, "file_name", "File name:", "back-pain.json") == "mine.json"


@pytest.mark.parametrize("question_id", ["fever", "age", "location", "onset"])
def test_ctrl_c_and_end_of_input_become_quiz_interrupted(kb, question_id) -> None:
    with pytest.raises(QuizInterrupted):
        ask(kb, question_id, CTRL_C)
    with pytest.raises(QuizInterrupted):
        ask(kb, question_id, "")  # the pipe is closed: end of input


def test_show_writes_to_the_stream(kb) -> None:
    stream = io.StringIO()
    PromptAsker(kb, stream=stream).show("hello")
    assert stream.getvalue() == "hello\n"


def test_assess_never_loads_the_prompt_library(tmp_path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text('{"age": 40, "location": ["lower_back"], "duration": "under_1_week"}')
    code = (
        "import sys; from triage.cli import main; "
        f"code = main(['assess', {str(answers)!r}, '--json']); "
        "sys.exit(3 if 'questionary' in sys.modules or 'prompt_toolkit' in sys.modules else code)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
