"""Rendering: the fast one-line JSON equals the plain JSON, colour is never the only signal, the
first screen fits 80x24, any width wraps without breaking words, and file text is escaped."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_scenario, scenario_files
from triage import markdown, outcome, render
from triage.models import Answers, Level, PainType, Result


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
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: only a non-empty value turns it off
    assert render.use_colour(Terminal())


# ---------------------------------------------------------------------------------------------
# The text result: a first screen that fits 80x24, details wrapped to any width


# Of 24 rows at 80 columns: 5 for the menu under the result, one for the key pressed there
# and one spare (tests/test_result_screens.py draws them in a terminal emulator).
SCREEN_LINES = 17


def results(kb) -> list[Result]:
    """Every scenario's result, and the result of each emergency sign answered alone (as at an
    emergency stop, before age, place and duration are known)."""
    found = [
        outcome.assess(Answers.model_validate(load_scenario(path)["answers"]), kb)
        for path in scenario_files()
    ]
    for question in kb.questions:
        if question.kind == "symptom":
            found.append(outcome.assess_partial(kb, {"symptoms": {question.id: "yes"}}))
    return found


def words(text: str) -> list[str]:
    """The words of a text, without bullets and underlines (narrow screens drop bullets)."""
    return [word for word in text.split() if set(word) not in ({"*"}, {"-"})]


def test_the_first_screen_fits_80x24_with_level_now_reason_and_safety_net(kb) -> None:
    width = render.text_width(80)
    for result in results(kb):
        note = "The quiz stopped here." if result.triage is Level.EMERGENCY else ""
        screen = render.first_screen(result, kb, width, note=note)
        lines = screen.rstrip("\n").split("\n")
        assert len(lines) <= SCREEN_LINES, (result.headline, len(lines))
        assert max(len(line) for line in lines) <= width
        flat = " ".join(screen.split())
        assert flat.startswith(f"=== {result.headline} ===")
        assert kb.info.levels[result.triage].summary in flat
        if not (result.reasons and result.reasons[0].unsure):
            assert render.pain_type(result, kb) not in flat  # it opens the details
        else:  # the causes to rule out come with the main reason on "Not sure"
            assert render.summary(result, kb, brief=True) in flat
        assert "What to do now: " in flat and "Main reason: " in flat
        if result.reasons:
            assert result.reasons[0].title in flat
        steps = {advice_id: level for level, advice_id in kb.info.unsure_steps.items()}
        for item in result.advice:
            if item.kind in ("now", "safety_net"):
                short = kb.advice.get(item.id + render.BRIEF, item)
                shown = " ".join(short.text.split()) in flat
                # the "if you are sure" steps are in the details; the main reason's, in brief,
                # follows the main reason
                if item.id in steps:
                    shown = " ".join(item.text.split()) in flat
                assert shown is (item.id not in steps), item.id
        main = result.reasons[0] if result.reasons else None
        if main is not None and main.unsure:
            step = kb.info.unsure_steps[kb.rules_by_id[main.rule].triage]
            brief = " ".join(kb.advice[step + render.BRIEF].text.split())
            assert f"Main reason: {main.title} (you were not sure). " in flat
            assert brief in flat.split("Main reason: ")[1]


def test_the_first_screen_ends_before_the_details_in_the_whole_text(kb) -> None:
    result = results(kb)[0]
    text = " ".join(render.to_text(result, kb, width=78).split())
    assert text.index(result.headline) < text.index(render.DETAILS_TITLE)
    assert text.count(result.headline) == 1


@pytest.mark.parametrize("width", [1, 2, 3, 10, 40, 60, 78, 79, 99, 100, 150, 300])
def test_any_width_wraps_without_breaking_a_word(kb, width) -> None:
    for result in results(kb)[::7]:
        text = render.to_text(result, kb, width=width)
        for line in text.split("\n"):
            if len(line) > width:  # only a word longer than the line may stick out (after a bullet)
                assert len(words(line)) == 1, line
        # No word is cut: the words of the whole text are the words of its parts.
        expected = words(render.first_screen(result, kb, 300)) + words(
            render.details(result, kb, 300)
        )
        assert words(text) == expected


def test_60_columns_keeps_hyphenated_words_whole(kb) -> None:
    result = next(r for r in results(kb) if r.triage is Level.SELF_CARE and r.advice)
    text = render.details(result, kb, 60)
    assert all(len(line) <= 60 for line in text.split("\n"))
    for word in ("self-help", "day-to-day"):
        if word in " ".join(render.details(result, kb, 300).split()):
            assert word in text
    assert not any(
        line.rstrip().endswith("-") and line.strip() != "-" * len(line.strip())
        for line in text.split("\n")
    )


def test_text_output_that_is_not_a_terminal_is_78_columns_wide() -> None:
    class Pipe:
        def isatty(self) -> bool:
            return False

    assert render.output_width(Pipe()) == render.WIDTH == 78


@pytest.mark.parametrize(("columns", "width"), [("1", 1), ("5", 4), ("60", 59), ("300", 100)])
def test_text_output_to_a_terminal_follows_its_width(monkeypatch, columns, width) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", columns)
    assert render.output_width(Terminal()) == width


def test_the_summary_never_disagrees_with_the_type_of_pain(kb) -> None:
    for result in results(kb):
        said = render.summary(result, kb)
        if result.pain_type is PainType.SPECIFIC:
            assert "non-specific" not in said
            assert all(kb.info.causes[cause] in said for cause in result.suspected)
        else:
            assert "non-specific" in said and "Possible cause" not in said
    # The one-page summary for a doctor (in the third person) names the very same causes.
    for path in scenario_files()[::9]:
        answers = Answers.model_validate(load_scenario(path)["answers"])
        result = outcome.assess(answers, kb)
        page = markdown.to_markdown(answers, result, kb, saved=None, made="now")
        (said,) = [line for line in page.splitlines() if "Type of pain: " in line]
        if result.pain_type is PainType.SPECIFIC:
            causes = "; ".join(kb.info.causes[cause] for cause in render.causes_shown(result)[0])
            assert f"(not a diagnosis): {causes}." in said.replace("\\", "")
        else:
            assert "non-specific" in said


def test_sciatica_at_self_care_is_not_called_non_specific(kb) -> None:
    answers = Answers.model_validate(
        {
            "age": 40,
            "location": ["lower_back"],
            "radiation": ["below_knee"],
            "duration": "1_to_4_weeks",
        }
    )
    result = outcome.assess(answers, kb)
    assert result.triage is Level.SELF_CARE and result.pain_type is PainType.SPECIFIC
    assert "non-specific" not in render.to_text(result, kb, width=78)


def test_every_brief_advice_shortens_an_advice_of_the_same_kind(kb) -> None:
    briefs = [item for item in kb.advice.values() if item.id.endswith(render.BRIEF)]
    assert briefs, "the first screen needs short forms"
    listed = {a for rule in kb.rules for a in rule.advice}
    listed |= {a for level in kb.info.levels.values() for a in level.advice}
    for brief in briefs:
        full = kb.advice[brief.id.removesuffix(render.BRIEF)]
        assert brief.kind == full.kind and set(brief.sources) <= set(full.sources), brief.id
        assert len(brief.text.split()) < len(full.text.split())
        assert brief.id not in listed, f"{brief.id} is only a short form"
    for level in kb.info.levels.values():  # every level's first screen has its short forms
        for advice_id in level.advice:
            assert advice_id + render.BRIEF in kb.advice


def test_text_from_the_rules_is_escaped_on_every_screen(kb) -> None:
    hostile = "\x1b[2J\x1b]0;owned\x07 title\nsecond line\u202e"
    result = results(kb)[0]
    reason = result.reasons[0] if result.reasons else None
    changed = result.model_copy(
        update={
            "headline": hostile,
            "disclaimer": hostile,
            "ruleset": hostile,
            "reasons": [reason.model_copy(update={"title": hostile, "rule": hostile})]
            if reason
            else [],
            "advice": [
                item.model_copy(update={"title": hostile, "text": hostile})
                for item in result.advice
            ],
        }
    )
    for width in (1, 60, 78):
        for colour in (False, True):
            text = render.to_text(changed, kb, colour=colour, width=width)
            without_ours = text.replace(render._BOLD, "").replace(render._RESET, "")
            for code in render._COLOURS.values():
                without_ours = without_ours.replace(code, "")
            assert "\x1b" not in without_ours and "\x07" not in without_ours
            assert "\u202e" not in without_ours
            assert "\\x1b[2J" in text
