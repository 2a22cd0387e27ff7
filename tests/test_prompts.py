"""The real terminal screens, fed keystrokes through a prompt_toolkit pipe.

Keys are sent per screen, when that screen is drawn and ready (`PromptAsker(on_ready=...)`),
as a person would type them; keys sent before are "typed too early". Every pipe is used inside
`with` and closed after the last screen's keys: a script that runs short then ends with the end
of input (QuizInterrupted) instead of waiting forever. What a screen shows is checked on its
`Form` (the same lines the terminal gets), at every width from 1 to 300 columns.
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from tests.quiz_script import BASICS
from triage import prompts, quiz
from triage.knowledge import Question
from triage.prompts import NumberForm, PageForm, PromptAsker, ReviewForm, TicksForm
from triage.quiz import GO_BACK, Finished, GoBack, QuizInterrupted, ReviewRow, Stopped

DOWN, UP, LEFT, RIGHT = "\x1b[B", "\x1b[A", "\x1b[D", "\x1b[C"
ENTER, SPACE, BACKSPACE, CTRL_C, ESC = "\r", " ", "\x7f", "\x03", "\x1b"


class Typist:
    """Sends the keys for each screen when it is ready; closes the pipe after the last keys, or
    when a screen waits for keys that never come (a wrong script ends quickly, never hangs)."""

    WAIT = 10.0  # seconds a screen may take before the pipe is closed under it

    def __init__(self, pipe: Any, screens: Sequence[str]) -> None:
        self.pipe, self.screens, self.ready = pipe, list(screens), 0
        self.watchdog: threading.Timer | None = None

    def __call__(self) -> None:
        self.ready += 1
        if self.watchdog is not None:
            self.watchdog.cancel()
        keys = self.screens.pop(0) if self.screens else ""
        if not self.screens and keys.endswith(ESC):
            keys += "\x00"  # an unbound key, so that a last lone Esc is not taken for a prefix
        self.pipe.send_text(keys)
        if not self.screens:
            self.pipe.close()
        else:
            self.watchdog = threading.Timer(self.WAIT, self.pipe.close)
            self.watchdog.daemon = True
            self.watchdog.start()


def sized(columns: int, rows: int = 24) -> Vt100_Output:
    return Vt100_Output(io.StringIO(), lambda: Size(rows=rows, columns=columns), term="xterm")


def typed(kb, screens: Sequence[str], call: str, *args: Any, early: str = "", output=None):
    """Run one asker call with keys per screen (and `early` keys typed before the first)."""
    with create_pipe_input() as pipe:
        if early:
            pipe.send_text(early)
        typist = Typist(pipe, screens)
        asker = PromptAsker(
            kb,
            input=pipe,
            output=output or DummyOutput(),
            stream=io.StringIO(),
            on_ready=typist,
        )
        return getattr(asker, call)(*args)


def page(kb, page_id: str, answers: dict | None = None, **kw: Any) -> quiz.Page:
    return quiz.make_page(kb, page_id, {"symptoms": {}, **(answers or {})}, **kw)


def lone(kb, question_id: str) -> quiz.Page:
    """A page holding one question alone (as questions.yaml may define)."""
    question = kb.questions_by_id[question_id]
    return quiz.Page(
        id=question_id,
        title=None,
        help=None,
        questions=(question,),
        given={},
        number=1,
        total=1,
        can_go_back=True,
        shown=lambda chosen: [question],
        stopping=lambda chosen: [],
    )


def first(kb) -> quiz.Page:
    return page(kb, quiz.pages(kb)[1].id, can_go_back=False)


def text(lines: list) -> str:
    return "\n".join("".join(fragment[1] for fragment in line) for line in lines)


def shown(form: prompts.Form, width: int = 80) -> str:
    lines, _ = form.draw(width)
    return text(lines) + "\n" + text(form.footer(width))


def press(form: prompts.Form, *names: str) -> prompts.Reply | None:
    reply = None
    for name in names:
        reply = form.key(name)
    return reply


# ---------------------------------------------------------------------------------------------
# Nothing is answered by accident


def test_keys_typed_before_a_screen_is_drawn_are_thrown_away(kb) -> None:
    # Enter, "y" and Enter typed during start-up would have answered the first warning sign
    answers = typed(kb, ["nnn" + ENTER], "ask", first(kb), early=ENTER + "y" + ENTER + "yyy")
    assert answers == {q.id: "no" for q in first(kb).questions}


def test_early_keys_alone_answer_nothing(kb) -> None:
    with pytest.raises(QuizInterrupted):  # nothing typed once the screen is there: end of input
        typed(kb, [""], "ask", first(kb), early="yyy" + ENTER)


def test_a_warning_sign_has_no_answer_until_one_is_chosen(kb) -> None:
    form = PageForm(kb, first(kb))
    assert "(\u2022)" not in shown(form)  # nothing selected
    assert press(form, "enter") is None
    assert "3 still open" in shown(form)
    # a warning sign alone on a screen lists Yes / No / Not sure, none of them chosen
    alone = PageForm(kb, lone(kb, "fever"))
    assert alone.vertical and "(\u2022)" not in shown(alone)
    assert press(alone, "enter") is None and prompts.ANSWER_BY_LETTER in shown(alone)
    assert press(alone, "down", "up") is None  # a stray arrow key answers nothing
    assert "(\u2022)" not in shown(alone) and prompts.ANSWER_BY_LETTER in shown(alone)
    assert press(alone, "enter") is None and prompts.ANSWER_BY_LETTER in shown(alone)
    reply = press(alone, "y", "down", "enter")  # answered with a letter, changed with an arrow
    assert reply is not None and reply.value == {"fever": "no"}


def test_a_stray_arrow_key_never_answers_a_warning_sign(kb) -> None:
    form = PageForm(kb, first(kb))
    press(form, "right", "left", "right")
    assert form.chosen == {} and prompts.ANSWER_BY_LETTER in shown(form)


def test_enter_on_an_unanswered_warning_sign_does_nothing(kb) -> None:
    keys = ENTER + ENTER + "n" + "n" + ENTER + "n" + ENTER
    answers = typed(kb, [keys], "ask", first(kb))
    assert answers == {q.id: "no" for q in first(kb).questions}
    with pytest.raises(QuizInterrupted):  # Enter alone never answers: the pipe runs dry
        typed(kb, [ENTER * 5], "ask", first(kb))


def test_a_grouped_screen_with_one_question_unanswered_cannot_be_confirmed(kb) -> None:
    form = PageForm(kb, first(kb))
    assert press(form, "n", "n", "enter") is None
    last = form.questions[-1]
    assert form.focused is last and "1 still open" in shown(form)
    reply = press(form, "n", "enter")
    assert reply is not None and reply.value == {q.id: "no" for q in form.questions}
    with pytest.raises(QuizInterrupted):
        typed(kb, ["nn" + ENTER], "ask", first(kb))


def test_each_question_of_a_group_takes_its_own_answer(kb) -> None:
    questions = first(kb).questions
    keys = "n" + "?" + "n" + RIGHT + ENTER  # no, not sure, no -> not sure with an arrow
    answers = typed(kb, [keys], "ask", first(kb))
    assert answers == {
        questions[0].id: "no",
        questions[1].id: "unsure",
        questions[2].id: "unsure",
    }
    keys = "y" + "?" + "n" + UP + LEFT + ENTER  # yes, not sure, no; then not sure -> no
    answers = typed(kb, [keys], "ask", first(kb))
    assert answers == {questions[0].id: "yes", questions[1].id: "no", questions[2].id: "no"}


# ---------------------------------------------------------------------------------------------
# The inline emergency warning


def test_a_yes_that_stops_the_quiz_is_named_on_the_screen_and_backspace_takes_it_back(kb):
    form = PageForm(kb, first(kb))
    press(form, "y")
    screen = shown(form)
    assert prompts.EMERGENCY_WARNING in " ".join(screen.split())
    assert "press Backspace" in " ".join(screen.split())
    # the warning sits under the question it is about; the focus moves on as after any answer
    before_warning = screen.split("!")[0]
    assert " ".join(form.questions[0].text.split())[:30] in " ".join(before_warning.split())
    assert form.focused is form.questions[1]
    press(form, "backspace")  # one key: the Yes is taken back, the question open and in focus
    assert form.chosen == {} and form.focused is form.questions[0]
    assert prompts.EMERGENCY_WARNING not in " ".join(shown(form).split())
    press(form, "n")
    assert form.chosen == {form.questions[0].id: "no"} and form.focused is form.questions[1]


def test_a_quick_y_then_n_answers_two_questions_never_undoes_the_yes(kb) -> None:
    """A person typing y for the first question and n for the second, quickly: the Yes stays."""
    questions = first(kb).questions
    answers = typed(kb, ["yn" + ENTER], "ask", first(kb))
    assert answers == {questions[0].id: "yes", questions[1].id: "no"}


def test_backspace_without_an_answer_to_take_back_goes_back(kb) -> None:
    heart = page(kb, quiz.pages(kb)[1].id)
    form = PageForm(kb, heart)
    press(form, "n")
    reply = press(form, "backspace")
    assert reply is not None and reply.back


def test_not_sure_is_never_warned_about(kb) -> None:
    form = PageForm(kb, first(kb))
    press(form, "?", "?", "?")
    assert prompts.EMERGENCY_WARNING not in " ".join(shown(form).split())


def test_a_yes_is_confirmed_only_with_enter_and_then_stops_the_quiz(kb) -> None:
    questions = first(kb).questions
    answers = typed(kb, ["y" + BACKSPACE + "nnn" + ENTER], "ask", first(kb))
    assert set(answers.values()) == {"no"}  # y, taken back, then No
    answers = typed(kb, ["y" + DOWN + "nn" + ENTER], "ask", first(kb))
    assert answers[questions[0].id] == "yes"


def test_enter_confirms_an_answer_that_stops_the_quiz_without_the_questions_left(kb) -> None:
    """A person who says Yes to chest pain is told to press Enter if it is right; Enter then
    leads to the emergency advice at once, not to five more questions."""
    heart = page(kb, quiz.page_of(kb, "chest_pain"))
    form = PageForm(kb, heart)
    press(form, "y")  # Yes to the first question; the others are still open
    assert form.warned() == {"chest_pain"} and form.focused.id == "breathless"
    reply = press(form, "enter")
    assert reply is not None and not reply.back
    assert reply.value == {"chest_pain": "yes"}
    answers = typed(kb, ["y" + ENTER], "ask", heart)  # the same through the real screen
    assert answers == {"chest_pain": "yes"}


def test_enter_still_asks_for_the_questions_left_when_nothing_stops_the_quiz(kb) -> None:
    form = PageForm(kb, page(kb, quiz.page_of(kb, "chest_pain")))
    press(form, "n")
    assert press(form, "enter") is None and "still open" in form.message


def test_a_quiz_stops_at_once_on_a_page_left_half_answered_by_an_emergency(kb) -> None:
    warning_pages = quiz.pages(kb)[:3]  # "Who are you answering for?" and two of warning signs
    with create_pipe_input() as pipe:
        typist = Typist(pipe, [DOWN + ENTER, "nnn" + ENTER, "y" + ENTER])
        asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
        asker.on_ready = typist
        ending = quiz.run(kb, asker)
    assert isinstance(ending, Stopped)
    assert ending.trail == tuple(plan.id for plan in warning_pages)
    assert ending.answers["symptoms"]["chest_pain"] == "yes"
    assert "breathless" not in ending.answers["symptoms"]  # left open, never read as an answer


def test_a_pattern_of_two_answers_is_named_on_both(kb) -> None:
    heart = page(kb, quiz.page_of(kb, "breathless"))
    form = PageForm(kb, heart)
    ids = [q.id for q in form.questions]
    form.focus = ids.index("breathless")
    press(form, "y")
    assert prompts.EMERGENCY_WARNING not in " ".join(shown(form).split())  # urgent only
    form.focus = ids.index("collapse")
    press(form, "y")
    assert " ".join(shown(form).split()).count(prompts.EMERGENCY_WARNING) == 2


def test_a_choice_that_stops_the_quiz_is_named_too(kb) -> None:
    trigger = page(kb, "trigger", BASICS, given={})
    form = PageForm(kb, trigger)
    values = [value for value, _, _ in form.choices(trigger.questions[0])]
    for _ in range(values.index("major_injury") + 1):
        press(form, "down")
    assert form.chosen["trigger"] == "major_injury"
    assert prompts.EMERGENCY_WARNING in " ".join(shown(form).split())
    assert prompts.CHANGE_BY_CHOICE in " ".join(shown(form).split())
    press(form, "up")
    assert prompts.EMERGENCY_WARNING not in " ".join(shown(form).split())


# ---------------------------------------------------------------------------------------------
# Going back


def test_esc_goes_back_with_what_was_chosen(kb) -> None:
    second = page(kb, quiz.pages(kb)[1].id)
    reply = typed(kb, ["n" + ESC], "ask", second)
    assert isinstance(reply, GoBack) and reply.chosen == {second.questions[0].id: "no"}
    assert isinstance(typed(kb, [BACKSPACE], "ask", second), GoBack)


def test_the_first_screen_has_nothing_to_go_back_to(kb) -> None:
    form = PageForm(kb, first(kb))
    assert press(form, "back") is None
    assert prompts.FIRST_SCREEN in shown(form)
    assert "Esc" not in text(form.footer(80))
    answers = typed(kb, [ESC + "nnn" + ENTER], "ask", first(kb))
    assert answers == {q.id: "no" for q in first(kb).questions}


def test_the_previous_answers_are_selected_when_a_screen_comes_back(kb) -> None:
    given = {q.id: "no" for q in first(kb).questions}
    again = page(kb, quiz.pages(kb)[1].id, {"symptoms": given}, can_go_back=False)
    assert typed(kb, [ENTER], "ask", again) == given
    age = page(kb, "age", {"age": 52})
    assert typed(kb, [ENTER], "ask", age) == {"age": 52}
    location = page(kb, "location", {"location": ["middle_back"]})
    assert typed(kb, [ENTER], "ask", location) == {"location": ["middle_back"]}
    radiation = page(kb, "radiation", {"radiation": []})
    assert typed(kb, [ENTER], "ask", radiation) == {"radiation": []}


def _screens_of_a_quiz(kb, backs: dict[int, str]) -> list[str]:
    """Keys for an ordinary quiz (34, lower back, under a week, improving), screen by screen,
    with keys inserted at some screens (by position) before the usual ones."""
    keys = {
        "respondent": DOWN + ENTER,  # Myself
        "warning_nerves": "nnn" + ENTER,
        "warning_heart": "n" * 6 + ENTER,
        "age": "34" + ENTER,
        "location": DOWN * 2 + SPACE + ENTER,
        "radiation": UP + SPACE + ENTER,  # the last line: none of these
        "duration": DOWN + ENTER,
        "trigger": DOWN * 2 + ENTER,
        "pain_pattern": RIGHT * 2 + DOWN + RIGHT + ENTER,
        "intensity": "4" + ENTER,
    }
    order = [plan.id for plan in quiz.pages(kb)]
    screens = [keys.get(pid, "n" * 8 + ENTER) for pid in order]
    for position, extra in sorted(backs.items()):
        screens.insert(position, extra)
    return screens


def test_going_back_across_groups_keeps_every_answer(kb) -> None:
    # back from the third screen (age) to the second (a group), confirm it again, then on
    screens = _screens_of_a_quiz(kb, {3: ESC, 4: ENTER})
    screens = [s for s in screens if s] + [ENTER]  # the review: show my result
    with create_pipe_input() as pipe:
        typist = Typist(pipe, screens)
        asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
        asker.on_ready = typist
        asked: list[quiz.Page] = []
        original = asker.ask

        def recording(p: quiz.Page) -> Any:
            asked.append(p)
            return original(p)

        asker.ask = recording  # type: ignore[method-assign]
        ending = quiz.run(kb, asker)
    assert isinstance(ending, Finished), ending
    ids = [p.id for p in asked]
    assert ids[:6] == [
        "respondent",
        "warning_nerves",
        "warning_heart",
        "age",
        "warning_heart",
        "age",
    ]
    assert asked[4].given == {q.id: "no" for q in asked[2].questions}
    assert ending.answers["age"] == 34 and ending.answers["location"] == ["lower_back"]
    assert ending.trail[-1] == quiz.REVIEW


def test_review_chooses_a_page_goes_back_or_shows_the_result(kb) -> None:
    rows = [ReviewRow("age", "Age", "40"), ReviewRow("warning_nerves", "Warning signs", "No")]
    assert typed(kb, [ENTER], "review", rows) is None
    assert typed(kb, [DOWN + ENTER], "review", rows) == "age"
    assert typed(kb, [DOWN * 5 + ENTER], "review", rows) == "warning_nerves"
    assert typed(kb, [ESC + DOWN], "review", rows) == GO_BACK


# ---------------------------------------------------------------------------------------------
# Numbers, lists and ticks


def test_age_is_checked_when_enter_is_pressed(kb) -> None:
    form = NumberForm(kb, page(kb, "age"))
    assert press(form, "1", "3", "0", "enter") is None  # 130 is out of range
    assert "from 0 to 120" in shown(form)
    reply = press(form, "backspace", "backspace", "backspace", "4", "5", "enter")
    assert reply is not None and reply.value == 45
    assert typed(kb, ["x" + ENTER + "45" + ENTER], "ask", page(kb, "age")) == {"age": 45}


def test_age_is_required_but_the_pain_score_may_be_unknown(kb) -> None:
    assert press(NumberForm(kb, page(kb, "age")), "?", "enter") is None
    assert typed(kb, [ENTER + "?"], "ask", page(kb, "intensity")) == {"intensity": None}
    assert typed(kb, ["11" + ENTER + BACKSPACE + ENTER], "ask", page(kb, "intensity")) == {
        "intensity": 1
    }


def test_a_pain_score_that_stops_the_quiz_is_named(kb) -> None:
    # very dizzy now with severe pain (7 or more) is the picture of a burst aneurysm
    answers = {**BASICS, "symptoms": {"dizzy": "yes"}}  # felt very dizzy, a gradual start
    form = NumberForm(kb, page(kb, "intensity", answers, given={}))
    press(form, "5")
    assert prompts.EMERGENCY_WARNING not in " ".join(shown(form).split())
    press(form, "backspace", "8")
    assert prompts.EMERGENCY_WARNING in " ".join(shown(form).split())


def test_single_choice_lists_start_with_nothing_chosen(kb) -> None:
    duration = kb.questions_by_id["duration"]
    with pytest.raises(QuizInterrupted):
        typed(kb, [ENTER], "ask", page(kb, "duration"))
    assert typed(kb, [DOWN + ENTER], "ask", page(kb, "duration")) == {
        "duration": duration.choices[0].value
    }
    assert typed(kb, [DOWN * 9 + ENTER], "ask", page(kb, "duration")) == {
        "duration": duration.choices[-1].value
    }
    # an optional question ends with "Don't know", which skips it
    assert typed(kb, [DOWN * 9 + ENTER], "ask", page(kb, "trigger", BASICS)) == {"trigger": None}


def test_where_it_hurts_needs_at_least_one_area_and_shows_what_was_chosen(kb) -> None:
    form = TicksForm(kb, page(kb, "location"))
    assert press(form, "enter") is None and prompts.TICK_ONE in shown(form)
    press(form, "down", "down", "space", "down", "down", "space")
    screen = " ".join(shown(form).split())
    lower, leg = (kb.questions_by_id["location"].label_of(v) for v in ("lower_back", "leg"))
    assert f"Chosen: C {lower}, E {leg}" in screen
    reply = press(form, "enter")
    assert reply is not None and reply.value == ["lower_back", "leg"]
    summary = " ".join(text(form.summary(80)).split())
    assert lower in summary and leg in summary and "selections" not in summary


def test_where_it_spreads_needs_a_tick_or_none_of_these(kb) -> None:
    radiation = page(kb, "radiation", BASICS, given={})
    with pytest.raises(QuizInterrupted):  # Enter alone is not "it does not spread"
        typed(kb, [ENTER], "ask", radiation)
    assert typed(kb, [UP + SPACE + ENTER], "ask", radiation) == {"radiation": []}
    form = TicksForm(kb, radiation)
    press(form, "space", "down", "space")  # two areas, then "None of these" clears them
    assert form.answer() == ["buttock_or_thigh", "below_knee"]
    press(form, *["down"] * 5, "space")
    assert "Chosen: Nowhere" in " ".join(shown(form).split())  # its none_label
    reply = press(form, "enter")
    assert reply is not None and reply.value == []


def test_the_drawing_of_the_back_fits_60_columns_and_reads_at_40(kb) -> None:
    location = kb.questions_by_id["location"]
    assert location.picture is not None
    for width in (40, 60, 80):
        lines, _ = TicksForm(kb, page(kb, "location")).draw(width)
        drawn = text(lines)
        assert all(len(line) <= width for line in drawn.splitlines())
        for letter in "ABCDE":
            assert f"{letter} " in drawn
        assert "seen from behind" in drawn
    narrow = text(TicksForm(kb, page(kb, "location")).draw(20)[0])
    assert "seen from behind" not in narrow  # too narrow for the drawing: the list only


# ---------------------------------------------------------------------------------------------
# Any width


def _every_form(kb) -> list[prompts.Form]:
    answers = {"symptoms": {}, **BASICS}
    forms: list[prompts.Form] = []
    for plan in quiz.pages(kb):
        forms.append(prompts.form_for(kb, page(kb, plan.id, answers)))
    warned = PageForm(kb, first(kb))
    press(warned, "y")
    forms += [warned, ReviewForm(quiz.review_rows(kb, answers))]
    return forms


def test_every_screen_draws_at_every_width_from_1_to_300_columns(kb) -> None:
    forms = _every_form(kb)
    for width in [*range(1, 41), 59, 60, 61, 79, 80, 81, 120, 200, 300]:
        for form in forms:
            lines, focus = form.draw(width)
            footer = form.footer(width)
            assert 0 <= focus < len(lines)
            for line in text(lines + footer).splitlines():
                assert len(line) <= max(width, 1), (type(form).__name__, width, line)


def test_a_whole_quiz_runs_in_a_one_column_and_a_60_column_terminal(kb) -> None:
    for columns in (1, 5, 6, 60):
        screens = _screens_of_a_quiz(kb, {}) + [ENTER]
        with create_pipe_input() as pipe:
            asker = PromptAsker(
                kb,
                input=pipe,
                output=sized(columns, rows=20),
                stream=io.StringIO(),
                on_ready=Typist(pipe, screens),
            )
            ending = quiz.run(kb, asker)
        assert isinstance(ending, Finished), (columns, ending)
        assert ending.answers["age"] == 34


def test_the_review_lists_answers_in_words_and_escapes_them(kb) -> None:
    rows = [ReviewRow("age", "Age", "40"), ReviewRow("x", "Title \x1b[31m", "No \x07")]
    screen = shown(ReviewForm(rows))
    assert "\x1b" not in screen and "\x07" not in screen
    assert "\\x1b[31m" in screen and "\\x07" in screen
    assert "Age: 40" in screen and prompts.REVIEW_DONE in screen


def test_texts_from_the_knowledge_base_are_escaped(kb) -> None:
    plan = quiz.pages(kb)[1]
    evil = Question.model_validate(
        {**plan.questions[0].model_dump(), "text": "Red \x1b[31m flag", "help": "Bell\x07"}
    )
    hostile = quiz.Page(
        id=plan.id,
        title="Title\x1b]0;pwned\x07",
        help=None,
        questions=(evil,),
        given={},
        number=1,
        total=1,
        can_go_back=False,
        shown=lambda chosen: [evil],
        stopping=lambda chosen: [],
    )
    screen = shown(PageForm(kb, hostile))
    assert "\x1b" not in screen and "\x07" not in screen and "\\x1b[31m" in screen


# ---------------------------------------------------------------------------------------------
# Ending a screen


@pytest.mark.parametrize("page_id", ["warning_nerves", "age", "location", "duration"])
def test_ctrl_c_and_end_of_input_become_quiz_interrupted(kb, page_id) -> None:
    with pytest.raises(QuizInterrupted):
        typed(kb, [CTRL_C], "ask", page(kb, page_id))
    with pytest.raises(QuizInterrupted):
        typed(kb, [""], "ask", page(kb, page_id))  # the pipe is closed: end of input


def test_an_answered_screen_leaves_one_line_with_the_answer(kb) -> None:
    form = PageForm(kb, first(kb))
    press(form, "n", "n", "n", "enter")
    summary = text(form.summary(80))
    assert summary.startswith(prompts.DONE_MARK) and "No to all 3" in summary
    back = PageForm(kb, page(kb, quiz.pages(kb)[1].id))
    press(back, "back")
    assert back.summary(80) == []  # going back leaves nothing behind


def test_a_stopped_quiz_through_the_real_screens(kb) -> None:
    with create_pipe_input() as pipe:
        typist = Typist(pipe, [DOWN + ENTER, "y" + DOWN + "nn" + ENTER])
        asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
        asker.on_ready = typist
        ending = quiz.run(kb, asker)
    assert isinstance(ending, Stopped)
    assert ending.trail == (quiz.pages(kb)[0].id, quiz.pages(kb)[1].id)


def test_confirm_and_file_name(kb) -> None:
    def answer(keys: str, call: str, *args: Any) -> Any:
        with create_pipe_input() as pipe:
            pipe.send_text(keys)
            pipe.close()
            asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
            return getattr(asker, call)(*args)

    assert answer("n", "confirm", "Save?", True) is False
    assert answer(ENTER, "confirm", "Save?", True) is True
    assert answer(ENTER, "file_name", "File name:", "back-pain.json") == "back-pain.json"
    typed_name = BACKSPACE * len("back-pain.json") + "mine.json" + ENTER
    assert answer(typed_name, "file_name", "File name:", "back-pain.json") == "mine.json"


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


def test_scroll_marks_only_when_something_is_hidden_and_they_say_what(kb) -> None:
    def drawn(page_id: str, keys: str, rows: int) -> str:
        screen = io.StringIO()
        output = Vt100_Output(screen, lambda: Size(rows=rows, columns=80), term="xterm")
        typed(kb, [keys], "ask", page(kb, page_id, BASICS), output=output)
        return screen.getvalue()

    below, above = prompts.MORE_QUESTIONS_BELOW, prompts.MORE_ABOVE
    emergency = first(kb).id  # the first page of warning signs (question 1 is who it is for)
    short = drawn(emergency, "nnn" + ENTER, rows=60)
    assert below not in short and above not in short, "nothing hidden: no marks"
    long = drawn(emergency, "nnn" + ENTER, rows=10)
    assert below in long, "a page taller than 10 rows says that more questions are below"
    assert above in long, "once the focus moved down, it says that more is above"


def test_the_whole_focused_question_is_kept_in_view_on_a_small_screen(kb) -> None:
    """The cursor (which the terminal keeps in view) sits on the last line of the focused
    question, its answers and its warning; `focus_span` keeps the lines above it in view too:
    a question is never shown without its answers at 50 or 30 columns."""
    form = PageForm(kb, first(kb))
    for width in (30, 50, 80):
        for keys in ((), ("n",), ("n", "n"), ("y",)):
            form = PageForm(kb, first(kb))
            press(form, *keys)
            lines, cursor = form.draw(width)
            block = text(lines[cursor - form.focus_span + 1 : cursor + 1])
            words = " ".join(block.split())
            assert " ".join(form.focused.text.split())[:20] in words, (width, keys)
            assert "( ) Yes" in words or "(\u2022) Yes" in words, (width, keys)
    form = PageForm(kb, first(kb))
    press(form, "y", "up")  # back on the Yes that stops the quiz: its warning is in the block
    lines, cursor = form.draw(30)
    assert "!" in text(lines[cursor - form.focus_span + 1 : cursor + 1])


def test_in_german_j_answers_yes_and_the_screens_name_it(kb) -> None:
    """German speakers press j for Ja; y keeps working (the keys help names j)."""
    from triage import i18n

    questions = first(kb).questions
    i18n.use("de")
    try:
        assert prompts.own_yes_key() == "j"
        answers = typed(kb, ["j" + BACKSPACE + "nnn" + ENTER], "ask", first(kb))
        assert set(answers.values()) == {"no"}  # j gave a Yes (taken back by Backspace)
        answers = typed(kb, ["jyn" + ENTER], "ask", first(kb))
        assert answers == {questions[0].id: "yes", questions[1].id: "yes", questions[2].id: "no"}
        form = PageForm(kb, first(kb))
        assert "j n ?" in shown(form) and "y n ?" not in shown(form)
        with create_pipe_input() as pipe:
            pipe.send_text("j")
            asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
            assert asker.confirm("Speichern?", False) is True
    finally:
        i18n.use("en")
    assert prompts.own_yes_key() is None
    with pytest.raises(QuizInterrupted):  # in English j means nothing: the page stays open
        typed(kb, ["jjj" + ENTER], "ask", first(kb))


def test_the_letters_of_the_drawing_tick_its_areas(kb) -> None:
    form = TicksForm(kb, lone(kb, "location"))
    assert form.question.picture and "A-" in form.keys  # the keys help names the letters
    press(form, "c")
    assert form.answer() == [form.values[2]] and form.pointer == 2
    press(form, "A", "c")  # either case; a second press unticks
    assert form.answer() == [form.values[0]]
    assert press(form, "z") is None and form.answer() == [form.values[0]]  # no area Z
    assert "Chosen: A " in text(form.draw(80)[0])


def test_a_list_of_choices_shows_no_cursor_before_the_first_arrow_key_chooses(kb) -> None:
    """No cursor before anything is chosen: the first arrow key chooses the first line, and a
    cursor drawn there before it made people press Down once too often (a walk-through)."""
    given = {key: value for key, value in BASICS.items() if key != "duration"}
    form = PageForm(kb, page(kb, "duration", given))
    lines = text(form.draw(80)[0]).splitlines()
    choices = [line for line in lines if "( )" in line or "(\u2022)" in line]
    assert all(c.startswith("  ( ) ") for c in choices)
    assert form.answers() == {}  # Enter still asks for a choice
    press(form, "enter")
    assert form.message and form.answers() == {}
    press(form, "down")  # the first arrow key chooses the first line
    assert text(form.draw(80)[0]).count("> (\u2022) ") == 1 and len(form.answers()) == 1


def test_who_the_answers_are_for_offers_no_dont_know(kb) -> None:
    """Question 1 words every other question: it has no "Don't know" (only the optional
    questions of one answer have one)."""
    respondent = page(kb, "respondent", can_go_back=False)
    form = PageForm(kb, respondent)
    choices = form.choices(respondent.questions[0])
    assert [value for value, _, _ in choices] == ["self", "someone_else", "child"]
    assert str(prompts.SKIP_LABEL) not in [label for _, label, _ in choices]
    assert "Don't know" not in shown(form)
    onset = page(kb, "pain_pattern", BASICS)
    assert PageForm(kb, onset).choices(kb.questions_by_id["onset"])[-1][0] is None  # kept there
