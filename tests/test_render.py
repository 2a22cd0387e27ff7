"""Rendering: the fast one-line JSON equals the plain JSON, and colour is never the only signal."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_scenario, scenario_files
from triage import outcome, render
from triage.models import Answers


@pytest.mark.parametrize("path", scenario_files()[::3], ids=lambda p: p.stem)
def test_json_line_is_the_result_object_on_one_line(path, kb) -> None:
    result = outcome.assess(Answers.model_validate(load_scenario(path)["answers"]), kb)
    first, again = render.to_json_line(result), render.to_json_line(result)  # cold, then cached
    assert "\n" not in first and first == again
    assert json.loads(first) == json.loads(render.to_json(result))


def test_coloured_text_still_names_the_level_in_words(kb) -> None:
    answers = Answers.model_validate(
        {
            "age": 40,
            "location": ["lower_back"],
            "duration": "under_1_week",
            "symptoms": {"chest_pain": "yes"},
        }
    )
    result = outcome.assess(answers, kb)
    coloured = render.to_text(result, kb, colour=True)
    assert "\033[" in coloured and "EMERGENCY" in coloured
    assert "\033[" not in render.to_text(result, kb, colour=False)


def test_no_color_turns_colour_off(monkeypatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert render.use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not render.use_colour(Terminal())
