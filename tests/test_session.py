"""The quiz session (welcome, result, emergency stop, way back, saving, resume files, every way
out), driven by a scripted asker."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import signal
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from tests.quiz_script import BASICS, CLOCK
from tests.session_script import SessionScript, loop_without_trail
from triage import cli, files, inputs, outcome, quiz, render, signals
from triage import session as sessions
from triage.errors import InputError, UsageError
from triage.knowledge import KnowledgeBase, Question
from triage.models import Level
from triage.prompts import PromptAsker
from triage.session import Ending, Session

COMMAND = "/opt/venv/bin/triage"


def session(kb: KnowledgeBase, script: SessionScript, tmp_path: Path, **options: Any) -> Session:
    options.setdefault("screen", lambda: (80, 24))
    return Session(kb, script, directory=tmp_path, clock=lambda: CLOCK, command=COMMAND, **options)


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def first_emergency_question(kb: KnowledgeBase) -> Question:
    first = next(q for q in kb.questions if q.section == "emergency")  # after "Who ...?"
    assert quiz.emergency_rules(kb, {"symptoms": {first.id: "yes"}}), "an emergency sign"
    return first


def resume_data(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    assert data["resume"] == 1 and private(path)
    return data


# ---------------------------------------------------------------------------------------------
# The result: first screen, details on request, saving with the summary for the doctor


def test_the_result_comes_as_a_first_screen_then_a_choice(kb, tmp_path) -> None:
    script = SessionScript({"intensity": 7}, keys=[], confirms=[])
    assert session(kb, script, tmp_path).run() is Ending.INTERRUPTED  # keys ran out: end of input
    answers = quiz.complete(quiz.prune(kb, {**BASICS, "intensity": 7}))
    assert answers is not None
    result = outcome.assess(answers, kb)
    screen = render.first_screen(result, kb, 79)
    assert screen in script.screens[0]
    assert script.offered[0][0][0] == "d"  # Enter shows the details
    assert [key for key, _ in script.offered[0]] == ["d", "b", "s", "q"]


def test_details_come_on_request_and_the_headline_follows_them(kb, tmp_path) -> None:
    story = {"radiation": ["below_knee"]}
    script = SessionScript(story, keys=["d", "q"])
    assert session(kb, script, tmp_path).run() is Ending.COMPLETED
    first, more = script.screens
    assert script.skippable == [False, True]  # the first screen is read whole; details may not be
    result = outcome.assess(quiz.complete(quiz.prune(kb, {**BASICS, **story})), kb)
    assert result.reasons and result.pain_type.value == "specific"
    flat = " ".join(more.split())
    for reason in result.reasons:
        assert reason.title in flat and reason.rule in flat
    for item in result.advice:
        assert " ".join(item.text.split()) in flat
    assert " ".join(result.disclaimer.split()) in flat
    assert script.shown[script.shown.index(more) + 1] == f"\nIn short: {result.headline}"
    assert "Not saved." in script.shown and list(tmp_path.iterdir()) == []


def test_saving_writes_the_document_and_the_summary_for_the_doctor(kb, tmp_path) -> None:
    script = SessionScript({"intensity": 7}, keys=["s"], confirms=[True])
    assert session(kb, script, tmp_path).run() is Ending.COMPLETED
    saved, summary = tmp_path / "back-pain-2026-11-21.json", tmp_path / "back-pain-2026-11-21.md"
    assert names(tmp_path) == [saved.name, summary.name]
    assert private(saved) and private(summary)
    answers, document = inputs.load_answers(str(saved))
    assert answers.intensity == 7 and document is not None
    again = outcome.assess(answers, kb)
    assert document.result["triage"] == again.triage.value == Level.SELF_CARE.value
    text = summary.read_text()
    assert text.startswith("# ") and again.headline in text.replace("\\", "")
    assert script.messages[0].startswith("File name")
    assert "summary for your doctor" in script.messages[1]
    assert f"{COMMAND} assess {saved.resolve()}" in script.text
    assert str(summary.resolve()) in script.text


def test_the_summary_never_replaces_a_file_without_a_yes(kb, tmp_path) -> None:
    (tmp_path / "mine.md").write_text("notes")
    script = SessionScript(
        keys=["s"], confirms=[True, False], names=[str(tmp_path / "for-doctor.md")]
    )
    session(kb, script, tmp_path, save_to=tmp_path / "mine.json").run()
    assert (tmp_path / "mine.md").read_text() == "notes"
    assert (tmp_path / "for-doctor.md").read_text().startswith("# ")
    assert "already exists" in script.messages[1]


def test_the_default_name_never_replaces_an_existing_file(kb, tmp_path) -> None:
    (tmp_path / "back-pain-2026-11-21.json").write_text("mine")
    session(kb, SessionScript(keys=["s"], confirms=[False]), tmp_path).run()
    assert (tmp_path / "back-pain-2026-11-21.json").read_text() == "mine"
    assert (tmp_path / "back-pain-2026-11-21-2.json").exists()


def test_save_to_writes_without_asking_a_name(kb, tmp_path) -> None:
    target = tmp_path / "mine.json"
    script = SessionScript(keys=["s"], confirms=[False])
    session(kb, script, tmp_path, save_to=target).run()
    assert private(target) and inputs.load_answers(str(target))[0].age == 40
    assert not any(message.startswith("File name") for message in script.messages)


def test_an_existing_file_is_replaced_only_after_a_yes(kb, tmp_path) -> None:
    target = tmp_path / "mine.json"
    target.write_text("old")
    declined = SessionScript(
        keys=["s"], confirms=[False, False], names=[str(tmp_path / "other.json")]
    )
    session(kb, declined, tmp_path, save_to=target).run()
    assert target.read_text() == "old" and (tmp_path / "other.json").exists()
    assert "already exists" in declined.messages[0]

    accepted = SessionScript(keys=["s"], confirms=[True, False])
    session(kb, accepted, tmp_path, save_to=target).run()
    assert inputs.load_answers(str(target))[0].age == 40 and private(target)


def test_finishing_without_saving_writes_nothing(kb, tmp_path) -> None:
    script = SessionScript(keys=["q"])
    assert session(kb, script, tmp_path).run() is Ending.COMPLETED
    assert list(tmp_path.iterdir()) == [] and "Not saved." in script.shown


def test_finishing_without_saving_is_asked_once_and_no_goes_back_to_the_menu(kb, tmp_path) -> None:
    script = SessionScript(keys=["q", "q"], confirms=[False, True])
    assert session(kb, script, tmp_path).run() is Ending.COMPLETED
    assert script.messages.count(sessions._(sessions.REALLY_QUIT)) == 2
    assert len(script.offered) == 2  # the menu again after the "no"
    assert list(tmp_path.iterdir()) == [] and "Not saved." in script.shown
    script = SessionScript(keys=["q"], confirms=[False])  # "no", then the input ends
    assert session(kb, script, tmp_path).run() is Ending.INTERRUPTED


def test_an_empty_file_name_goes_back_to_the_menu(kb, tmp_path) -> None:
    script = SessionScript(keys=["s", "s"], confirms=[False], names=["", str(tmp_path / "a.json")])
    assert session(kb, script, tmp_path).run() is Ending.COMPLETED
    assert len(script.offered) == 2 and (tmp_path / "a.json").exists()
    headline = kb.info.levels[Level.SELF_CARE].headline
    assert any(text.strip().startswith("In short:") and headline in text for text in script.shown)


def test_an_unwritable_place_asks_for_another_name(kb, tmp_path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    script = SessionScript(keys=["s"], confirms=[False], names=[str(tmp_path / "ok.json")])
    session(kb, script, tmp_path, save_to=folder).run()
    assert (tmp_path / "ok.json").exists()
    assert "Could not save" in script.text


# ---------------------------------------------------------------------------------------------
# The emergency stop


def test_an_emergency_stop_shows_what_to_do_now_before_any_question(kb, tmp_path) -> None:
    first = first_emergency_question(kb)
    script = SessionScript({first.id: "yes"}, keys=["q"])
    assert session(kb, script, tmp_path).run() is Ending.EMERGENCY
    (screen,) = script.screens
    flat = " ".join(screen.split())
    # the headline first, then why the quiz stopped
    assert flat.index(kb.info.levels[Level.EMERGENCY].headline) < flat.index(sessions.STOPPED_HERE)
    now = kb.advice["now-emergency" + render.BRIEF]
    assert " ".join(now.text.split()) in flat
    for rule in quiz.emergency_rules(kb, {"symptoms": {first.id: "yes"}})[:1]:
        assert rule.title in flat
    start = quiz.pages(kb)[0].id  # "Who are you answering for?"
    assert script.page_ids == [start, quiz.page_of(kb, first.id)]
    assert list(tmp_path.iterdir()) == []


def test_an_emergency_stop_saves_a_resume_file_under_a_resume_name(kb, tmp_path) -> None:
    first = first_emergency_question(kb)
    script = SessionScript({first.id: "yes"}, keys=["s"], confirms=[False])
    assert session(kb, script, tmp_path).run() is Ending.EMERGENCY
    (path,) = tmp_path.iterdir()
    assert path.name == "triage-resume-2026-11-21-093005.json"
    data = resume_data(path)
    symptoms = data["answers"]["symptoms"]
    assert symptoms[first.id] == "yes" and set(symptoms.values()) <= {"yes", "no"}
    assert (
        data["metadata"]["stopped"] == "emergency"
        and "not an assessment" in data["metadata"]["note"]
    )
    assert "not a complete assessment" in script.text
    assert kb.questions_by_id["age"].short.lower() in script.text
    assert f"{COMMAND} quiz --resume {path.resolve()}" in script.text


def test_an_emergency_stop_with_save_to_writes_there_and_says_it_is_incomplete(
    kb, tmp_path
) -> None:
    first = first_emergency_question(kb)
    target = tmp_path / "mine.json"
    script = SessionScript({first.id: "yes"}, keys=["s"], confirms=[False])
    session(kb, script, tmp_path / "elsewhere", save_to=target).run()
    # no file name asked for: only whether to add the summary (declined here)
    assert names(tmp_path) == ["mine.json"]
    assert script.messages == ["Also save a one-page summary for your doctor (Markdown)?"]
    data = resume_data(target)
    assert data["metadata"]["stopped"] == "emergency"
    with pytest.raises(InputError):  # `triage assess` refuses it
        inputs.load_answers(str(target))


def test_an_emergency_stop_on_the_first_screen_offers_the_summary_beside_the_resume_file(
    kb, tmp_path
) -> None:
    first = first_emergency_question(kb)
    script = SessionScript({first.id: "yes"}, keys=["s"], confirms=[True])
    assert session(kb, script, tmp_path).run() is Ending.EMERGENCY
    assert names(tmp_path) == [
        "triage-resume-2026-11-21-093005.json",
        "triage-resume-2026-11-21-093005.md",
    ]
    summary = (tmp_path / "triage-resume-2026-11-21-093005.md").read_text(encoding="utf-8")
    assert summary.startswith("# Back pain: summary for the doctor\n\n**Incomplete.**")
    flat = " ".join(summary.replace("\\", "").split())
    assert f"**Present:** {first.short}" in flat
    assert "**Age:** not asked" in flat and "**Course:** not asked" in flat
    for rule in quiz.emergency_rules(kb, {"symptoms": {first.id: "yes"}}):
        assert rule.title in flat
    # the course rules do not count before the basics are known: no reason rests on nothing
    assert "not asked (counted" not in flat
    assert str((tmp_path / "triage-resume-2026-11-21-093005.md").resolve()) in script.text


def test_an_emergency_found_after_the_basics_is_saved_as_an_assessment(
    kb, tmp_path, capsys
) -> None:
    story = {"location": ["upper_back"], "radiation": ["chest"]}
    follow_up = [
        q
        for q in kb.questions
        if q.section == "follow_up"
        and q.kind == "symptom"
        and quiz.emergency_rules(kb, {**BASICS, **story, "symptoms": {q.id: "yes"}})
    ]
    assert follow_up, "some follow-up answer is an emergency for pain spreading to the chest"
    script = SessionScript({**story, follow_up[0].id: "yes"}, keys=["s"], confirms=[True])
    assert session(kb, script, tmp_path).run() is Ending.EMERGENCY
    assert script.page_ids[-1] == quiz.page_of(kb, follow_up[0].id) and script.reviews == []
    summary = (tmp_path / "back-pain-2026-11-21.md").read_text(encoding="utf-8")
    assert "**Incomplete.**" in summary  # the questions after the stop were not asked
    saved = tmp_path / "back-pain-2026-11-21.json"
    assert json.loads(saved.read_text())["metadata"]["stopped"] == "emergency"
    assert cli.main(["assess", str(saved), "--format", "markdown"]) == 0
    assert "**Incomplete.**" in capsys.readouterr().out  # and so it stays, made again later
    answers, document = inputs.load_answers(str(saved))
    assert document is not None and document.result["triage"] == Level.EMERGENCY.value
    assert outcome.assess(answers, kb).triage is Level.EMERGENCY


# ---------------------------------------------------------------------------------------------
# The way back (the question loop's trail)


def test_going_back_from_the_emergency_stop_asks_that_question_again(kb, tmp_path) -> None:
    first = first_emergency_question(kb)
    script = SessionScript({first.id: "yes"}, keys=["b", "q"], later={first.id: ["no"]})
    ending = session(kb, script, tmp_path).run()
    assert ending is Ending.COMPLETED
    assert ("b", "go back and change my answer") in script.offered[0]
    page = quiz.page_of(kb, first.id)
    assert script.page_ids[:3] == [quiz.pages(kb)[0].id, page, page]
    assert script.currents[2][0] == page
    assert script.currents[2][1][first.id] == "yes"  # shown with the answer given selected
    assert script.reviews, "the quiz went on to the end"


def test_going_back_from_the_result_before_saving_opens_the_review_again(kb, tmp_path) -> None:
    script = SessionScript(keys=["b", "s"], confirms=[False])
    ending = session(kb, script, tmp_path).run()
    assert ending is Ending.COMPLETED
    assert len(script.reviews) == 2  # the review, where any page can be changed
    assert [key for key, _ in script.offered[0]] == ["d", "b", "s", "q"]
    assert len(script.screens) == 2  # the result, shown again after the review
    assert (tmp_path / "back-pain-2026-11-21.json").exists()


def test_the_loop_keeps_a_trail_of_the_pages_answered_in_order(kb) -> None:
    script = SessionScript(stop_at="duration")
    ending = quiz.run(kb, script)
    assert isinstance(ending, quiz.Interrupted)
    assert list(ending.trail) == script.page_ids[:-1]  # not the page it stopped at
    assert script.page_ids[-1] == quiz.page_of(kb, "duration")
    plans = {plan.id: plan for plan in quiz.pages(kb)}
    asked = {q.id for q in quiz.relevant(kb, ending.answers)}
    for page in ending.trail:
        shown = [q for q in plans[page].questions if q.id in asked]
        assert shown and all(quiz.is_answered(ending.answers, q) for q in shown)


def test_going_back_asks_the_last_question_again_with_its_answer_selected(kb) -> None:
    first = first_emergency_question(kb)
    script = SessionScript({first.id: "yes"})
    stopped = quiz.run(kb, script)
    page = quiz.page_of(kb, first.id)
    assert isinstance(stopped, quiz.Stopped) and stopped.trail == (quiz.pages(kb)[0].id, page)
    script.answers[first.id] = "no"
    again = quiz.run(kb, script, stopped.answers, trail=stopped.trail, back=True)
    assert isinstance(again, quiz.Finished)
    assert script.currents[2][0] == page and script.currents[2][1][first.id] == "yes"
    assert again.trail[1] == page
    assert again.answers["symptoms"][first.id] == "no"


def test_a_trail_keeps_only_pages_that_exist(kb) -> None:
    script = SessionScript(stop_at="duration")
    age = quiz.page_of(kb, "age")
    ending = quiz.run(kb, script, {"age": 40}, trail=("no-such-page", age))
    assert ending.trail[0] == age and "no-such-page" not in ending.trail
    assert quiz.page_of(kb, "duration") not in ending.trail  # stopped there: not answered


def test_going_back_from_the_result_and_changing_the_answer_changes_the_result(
    kb, tmp_path
) -> None:
    last = "struggling_to_cope"
    script = SessionScript(keys=["b", "s"], confirms=[False], later={last: ["yes"]})
    assert session(kb, script, tmp_path).run() is Ending.COMPLETED
    page = quiz.page_of(kb, last)
    assert script.currents[-1][0] == page and script.currents[-1][1][last] == "no"
    assert script.page_ids.count(page) == 2 and len(script.reviews) == 3
    before, after = script.screens
    assert "SELF-CARE" in before and "SELF-CARE" not in after
    answers, saved = inputs.load_answers(str(tmp_path / "back-pain-2026-11-21.json"))
    assert saved is not None and saved.result["triage"] == Level.SOON.value


def test_without_a_trail_there_is_no_way_back_to_offer(kb, tmp_path) -> None:
    first = first_emergency_question(kb)
    script = SessionScript({first.id: "yes"}, keys=["q"])
    session(kb, script, tmp_path, loop=loop_without_trail).run()
    assert "b" not in [key for key, _ in script.offered[0]]


# ---------------------------------------------------------------------------------------------
# Every other way out keeps the answers


def test_ctrl_c_keeps_the_answers_in_a_resume_file(kb, tmp_path) -> None:
    script = SessionScript(stop_at="duration")
    assert session(kb, script, tmp_path).run() is Ending.INTERRUPTED
    (path,) = tmp_path.iterdir()
    assert path.name == "triage-resume-2026-11-21-093005.json"
    data = resume_data(path)
    assert data["answers"]["location"] == ["lower_back"]
    assert data["metadata"]["ruleset"] == kb.label and data["metadata"]["stopped"] == "interrupted"
    assert f"Continue with: {COMMAND} quiz --resume FILE" in data["metadata"]["note"]
    assert f"{COMMAND} quiz --resume {path.resolve()}" in script.text


def test_ctrl_c_with_save_to_keeps_the_answers_there(kb, tmp_path) -> None:
    target = tmp_path / "mine.json"
    script = SessionScript(stop_at="duration")
    session(kb, script, tmp_path / "x", save_to=target).run()
    assert names(tmp_path) == ["mine.json"] and resume_data(target)["answers"]["age"] == 40
    assert f"--resume {target.resolve()} --save {target.resolve()}" in script.text


def test_ctrl_c_never_replaces_another_file_at_save_to(kb, tmp_path) -> None:
    target = tmp_path / "mine.json"
    target.write_text("an older assessment")
    session(kb, SessionScript(stop_at="duration"), tmp_path, save_to=target).run()
    assert target.read_text() == "an older assessment"
    assert names(tmp_path) == ["mine.json", "triage-resume-2026-11-21-093005.json"]


def test_ctrl_c_at_the_result_with_save_to_saves_the_assessment(kb, tmp_path) -> None:
    target = tmp_path / "mine.json"
    script = SessionScript(keys=[])  # the keys run out at the result: end of input
    assert session(kb, script, tmp_path, save_to=target).run() is Ending.INTERRUPTED
    answers, document = inputs.load_answers(str(target))
    assert document is not None and answers.age == 40


def test_interrupting_before_any_answer_saves_nothing(kb, tmp_path) -> None:
    script = SessionScript(stop_at=kb.questions[0].id)
    assert session(kb, script, tmp_path).run() is Ending.INTERRUPTED
    assert list(tmp_path.iterdir()) == [] and "nothing was saved" in script.text


def test_resume_file_round_trip_and_removal_after_saving(kb, tmp_path) -> None:
    session(kb, SessionScript(stop_at="duration"), tmp_path).run()
    (path,) = tmp_path.iterdir()
    resumed = sessions.load_resume(str(path), kb)
    assert resumed.answers["age"] == 40 and "duration" not in resumed.answers
    assert resumed.set_aside == {}

    again = SessionScript(stop_at="fever")
    session(kb, again, tmp_path, answers=resumed.answers, resume_from=path).run()
    assert again.asked[0] == "duration"
    assert list(tmp_path.iterdir()) == [path]  # brought up to date in place
    assert sessions.load_resume(str(path), kb).answers["duration"] == "1_to_4_weeks"

    finished = SessionScript(keys=["s"], confirms=[False])
    answers = sessions.load_resume(str(path), kb).answers
    session(kb, finished, tmp_path, answers=answers, resume_from=path).run()
    assert finished.asked[0] == "fever"
    assert not path.exists() and names(tmp_path) == ["back-pain-2026-11-21.json"]
    assert "Removed the resume file" in finished.text


class Crashing(SessionScript):
    """A prompt that fails (as a real one did in a 5-column terminal) on the page of one
    question."""

    def __init__(self, at: str, **options: Any) -> None:
        super().__init__(**options)
        self.at = at

    def ask(self, page: quiz.Page) -> Any:
        if self.at in {question.id for question in page.questions}:
            raise ValueError("invalid width 0 (must be > 0)")
        return super().ask(page)


def test_an_error_inside_a_prompt_keeps_the_answers_then_reports_it(kb, tmp_path) -> None:
    script = Crashing("duration")
    quiz_session = session(kb, script, tmp_path)
    assert quiz_session.run() is Ending.FAILED
    assert isinstance(quiz_session.error, ValueError)
    (path,) = tmp_path.iterdir()
    data = resume_data(path)
    assert data["answers"]["age"] == 40 and data["metadata"]["stopped"] == "error"
    assert "internal error" in script.text and f"--resume {path.resolve()}" in script.text


def test_an_error_outside_the_questions_keeps_the_answers(kb, tmp_path, monkeypatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("the renderer failed")

    monkeypatch.setattr(render, "first_screen", broken)
    script = SessionScript()
    quiz_session = session(kb, script, tmp_path)
    assert quiz_session.run() is Ending.FAILED
    (path,) = tmp_path.iterdir()
    answers = sessions.load_resume(str(path), kb).answers
    assert quiz.complete(answers) is not None  # every answer, ready for the result


def test_an_error_while_keeping_the_answers_still_shows_them(kb, tmp_path, monkeypatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("the resume format failed")

    monkeypatch.setattr(sessions.resume, "to_text", broken)
    script = SessionScript(stop_at="duration")
    quiz_session = session(kb, script, tmp_path)
    assert quiz_session.run() is Ending.FAILED and list(tmp_path.iterdir()) == []
    assert json.loads(script.shown[-1])["location"] == ["lower_back"]


@pytest.mark.parametrize(
    ("number", "ending"), [(signal.SIGTERM, Ending.TERMINATED), (signal.SIGHUP, Ending.CLOSED)]
)
def test_sigterm_and_sighup_during_a_question_keep_the_answers(
    kb, tmp_path, number, ending
) -> None:
    class Signalled(SessionScript):
        def ask(self, page: quiz.Page) -> Any:
            if "duration" in {question.id for question in page.questions}:
                os.kill(os.getpid(), number)  # the handler raises at once, as in a prompt
            return super().ask(page)

    script = Signalled()
    with signals.handled():
        assert session(kb, script, tmp_path).run() is ending
    (path,) = tmp_path.iterdir()
    data = resume_data(path)
    assert data["answers"]["age"] == 40 and data["metadata"]["stopped"] == ending.value
    assert signal.getsignal(number) is signal.SIG_DFL  # handlers restored afterwards


def test_ctrl_c_again_while_saving_cannot_stop_the_save(kb, tmp_path, monkeypatch) -> None:
    real = files.write_atomic
    pressed = []

    def impatient(path: Path, text: str, **options: Any) -> Path:
        for number in (signal.SIGINT, signal.SIGINT, signal.SIGTERM):
            os.kill(os.getpid(), number)  # Ctrl-C twice and a SIGTERM during the save
            pressed.append(number)
        return real(path, text, **options)

    monkeypatch.setattr(files, "write_atomic", impatient)
    script = SessionScript(stop_at="duration")
    with signals.handled():
        ending = session(kb, script, tmp_path).run()
    assert len(pressed) == 3 and ending is Ending.TERMINATED
    (path,) = tmp_path.iterdir()
    assert resume_data(path)["answers"]["age"] == 40


def test_a_folder_that_cannot_be_written_falls_back_to_the_state_folder(
    kb, tmp_path, monkeypatch
) -> None:
    here, state = tmp_path / "here", tmp_path / "state"
    here.mkdir()
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    real = files.write_atomic

    def full_here(path: Path, text: str, **options: Any) -> Path:
        if Path(path).parent == here:
            raise UsageError(f"{path}: cannot write: No space left on device")
        return real(path, text, **options)

    monkeypatch.setattr(files, "write_atomic", full_here)
    script = SessionScript(stop_at="duration")
    assert session(kb, script, here).run() is Ending.INTERRUPTED
    (path,) = (state / "triage").iterdir()
    assert resume_data(path)["answers"]["age"] == 40
    assert stat.S_IMODE((state / "triage").stat().st_mode) == 0o700
    assert "No space left on device" in script.text and str(path.resolve()) in script.text
    assert "back-pain-" not in script.text


def test_when_nothing_can_be_written_the_answers_are_printed_to_copy(
    kb, tmp_path, monkeypatch
) -> None:
    def full(path: Path, text: str, **options: Any) -> Path:
        raise UsageError(f"{path}: cannot write: No space left on device")

    monkeypatch.setattr(files, "write_atomic", full)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    script = SessionScript(stop_at="duration")
    assert session(kb, script, tmp_path).run() is Ending.INTERRUPTED
    shown = "\n".join(script.shown)
    copied = re.search(r"copy from the next line -+\n(.*)\n-+ copy up to", shown, re.DOTALL)
    assert copied is not None
    data = json.loads(copied.group(1))
    assert data["resume"] == 1 and data["answers"]["age"] == 40
    assert data["answers"]["location"] == ["lower_back"]


# ---------------------------------------------------------------------------------------------
# Resuming says what it set aside, and keeps it until the person lets it go


@pytest.fixture
def stale_resume_file(kb, tmp_path) -> tuple[Path, Question]:
    """A resume file with an answer to a question that is not asked for the places chosen."""
    asked = {q.id for q in quiz.relevant(kb, {**BASICS, "symptoms": {}})}
    stale = next(q for q in kb.questions if q.kind == "symptom" and q.id not in asked)
    path = tmp_path / "resume.json"
    answers = {**BASICS, "symptoms": {kb.questions[1].id: "no", stale.id: "no"}}
    path.write_text(json.dumps({"resume": 1, "answers": answers}))
    return path, stale


def test_resuming_names_the_answers_set_aside_and_why(kb, tmp_path, stale_resume_file) -> None:
    path, stale = stale_resume_file
    resumed = sessions.load_resume(str(path), kb)
    assert resumed.set_aside == {"symptoms": {stale.id: "no"}}
    assert stale.id not in resumed.answers["symptoms"]
    script = SessionScript(stop_at=kb.questions[2].id, confirms=[False])
    options = {"answers": resumed.answers, "set_aside": resumed.set_aside, "resume_from": path}
    session(kb, script, tmp_path, **options).run()
    note = script.text
    assert f"{stale.short}: No (asked only for some answers about" in note
    assert note.index(stale.short) < note.index("Stopped")
    assert "Let them go" in script.messages[0]
    assert resume_data(path)["answers"]["symptoms"][stale.id] == "no"  # kept without a yes


def test_set_aside_answers_go_only_after_a_yes(kb, tmp_path, stale_resume_file) -> None:
    path, stale = stale_resume_file
    resumed = sessions.load_resume(str(path), kb)
    script = SessionScript(stop_at=kb.questions[2].id, confirms=[True])
    options = {"answers": resumed.answers, "set_aside": resumed.set_aside, "resume_from": path}
    session(kb, script, tmp_path, **options).run()
    assert stale.id not in resume_data(path)["answers"]["symptoms"]


def test_a_resume_file_with_set_aside_answers_is_kept_after_saving(
    kb, tmp_path, stale_resume_file
) -> None:
    path, _ = stale_resume_file
    resumed = sessions.load_resume(str(path), kb)
    script = SessionScript(keys=["s"], confirms=[False, False])
    options = {"answers": resumed.answers, "set_aside": resumed.set_aside, "resume_from": path}
    session(kb, script, tmp_path, **options).run()
    assert path.exists() and (tmp_path / "back-pain-2026-11-21.json").exists()
    assert "still holds answers that no longer applied" in script.text


# ---------------------------------------------------------------------------------------------
# Any width


@pytest.mark.parametrize("columns", [1, 2, 5, 20, 60, 300])
def test_every_screen_works_at_any_width(kb, tmp_path, columns) -> None:
    first = first_emergency_question(kb)
    stopped = SessionScript({first.id: "yes"}, keys=["d", "s"], confirms=[True])
    options = {"screen": lambda: (columns, 24)}
    (tmp_path / "a").mkdir()
    assert session(kb, stopped, tmp_path / "a", **options).run() is Ending.EMERGENCY
    finished = SessionScript(keys=["d", "q"])
    assert session(kb, finished, tmp_path, **options).run() is Ending.COMPLETED
    interrupted = SessionScript(stop_at="duration")
    assert session(kb, interrupted, tmp_path, **options).run() is Ending.INTERRUPTED
    width = render.text_width(columns)
    loop_titles = set(getattr(quiz, "SECTION_TITLES", {}).values())  # the question loop's own
    for text in stopped.shown + finished.shown + interrupted.shown:
        if text.strip() in loop_titles:
            continue
        for line in text.split("\n"):
            if len(line) > width and not line.startswith("  "):
                assert " " not in line.strip(), f"a line that could have been wrapped: {line!r}"


# ---------------------------------------------------------------------------------------------
# Resume files that are not right


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "invalid JSON"),
        (
            '{"age": 40, "location": ["lower_back"], "duration": "under_1_week"}',
            "not a resume file",
        ),
        ('{"resume": 2, "answers": {}}', "field 'resume'"),
        ('{"resume": 1, "answers": {"age": 300}}', "field 'answers.age': 300 is not allowed"),
        ('{"resume": 1, "answers": {"symptoms": {"fevre": "yes"}}}', "did you mean 'fever'"),
        ('{"resume": 1, "answers": {"age": null}}', "field 'answers.age'"),
        ('{"resume": 1, "answers": {}, "extra": 1}', "field 'extra'"),
    ],
)
def test_a_bad_resume_file_is_an_input_error_naming_the_field(
    kb, tmp_path, content, expected
) -> None:
    path = tmp_path / "resume.json"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        sessions.load_resume(str(path), kb)
    assert expected in caught.value.message() and str(path) in caught.value.message()


def test_a_missing_resume_file_is_an_input_error(kb, tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        sessions.load_resume(str(tmp_path / "gone.json"), kb)


# ---------------------------------------------------------------------------------------------
# The command printed for later is the command as it was started


class MainModule:
    __spec__ = None


def test_the_printed_command_is_the_program_as_started(tmp_path, monkeypatch) -> None:
    program = tmp_path / "venv dir" / "bin" / "triage"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    monkeypatch.setattr(cli.sys, "argv", [str(program), "quiz"])
    monkeypatch.setitem(cli.sys.modules, "__main__", MainModule())
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # not activated: another or no `triage` on PATH
    assert cli.command_as_started() == shlex.quote(str(program.resolve()))
    monkeypatch.setenv("PATH", str(program.parent))  # activated: this very program on PATH
    program.chmod(0o755)
    assert cli.command_as_started() == "triage"
    rules = tmp_path / "my rules"
    assert cli.command_as_started(rules) == f"triage --rules {shlex.quote(str(rules.resolve()))}"


def test_the_printed_command_keeps_a_language_chosen_with_lang(monkeypatch) -> None:
    """`triage --lang de quiz` in an English environment: the command printed for later must
    show the result in German again; a language the environment gives needs no option."""
    from triage import i18n

    monkeypatch.setitem(cli.sys.modules, "__main__", MainModule())
    monkeypatch.setattr(cli.sys, "argv", ["triage", "quiz"])
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    try:
        i18n.use("de")
        assert cli.command_as_started().endswith(" --lang de")
        monkeypatch.setenv("LANG", "de_DE.UTF-8")
        assert "--lang" not in cli.command_as_started()
    finally:
        i18n.use("en")
    assert cli.command_as_started().endswith(" --lang en")  # English chosen, German around
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "--lang" not in cli.command_as_started()


def test_the_printed_command_of_python_m_triage_names_the_interpreter(monkeypatch) -> None:
    class Module:
        class __spec__:  # noqa: N801 - the attribute Python sets
            name = "triage.__main__"

    monkeypatch.setitem(cli.sys.modules, "__main__", Module())
    assert cli.command_as_started() == f"{shlex.quote(cli.sys.executable)} -m triage"


# ---------------------------------------------------------------------------------------------
# The real prompts of these screens (PromptAsker.choose and .page), through a prompt_toolkit pipe


def prompt_asker(kb, keys: str, stream: io.StringIO, call: str, *args: Any, **kwargs: Any) -> Any:
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        # A short script ends the input instead of waiting forever; after a lone Esc, once the
        # prompt has had time to tell it from the start of an arrow key.
        closing = threading.Timer(1.0 if keys.endswith("\x1b") else 0, pipe.close)
        closing.start()
        asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=stream)
        return getattr(asker, call)(*args, **kwargs)


OPTIONS = list(sessions.RESULT_OPTIONS.items())


@pytest.mark.parametrize(
    ("keys", "expected"), [("b", "b"), ("S", "s"), ("x" + "q", "q"), ("\r", "d"), ("zz\r", "d")]
)
def test_one_key_chooses_and_enter_takes_the_first(kb, keys, expected) -> None:
    shown = io.StringIO()
    assert prompt_asker(kb, keys, shown, "choose", sessions.WHAT_NEXT, OPTIONS) == expected
    assert f"> {sessions.RESULT_OPTIONS[expected]}" in shown.getvalue()


@pytest.mark.parametrize("keys", ["\x03", ""], ids=["ctrl-c", "end-of-input"])
def test_a_choice_stops_like_any_prompt(kb, keys) -> None:
    with pytest.raises(quiz.QuizInterrupted):
        prompt_asker(kb, keys, io.StringIO(), "choose", sessions.WHAT_NEXT, OPTIONS)


def test_a_long_text_comes_a_screen_at_a_time(kb, monkeypatch) -> None:
    monkeypatch.setenv("LINES", "10")  # 6 lines a page: 4 are kept for the prompt after it
    text = "\n".join(f"line {number}" for number in range(1, 15))
    shown = io.StringIO()
    prompt_asker(kb, " \r", shown, "page", text)
    assert shown.getvalue().split() == text.split()  # every line, in order, in 3 pages
    skipped = io.StringIO()  # Esc skips the rest; not q, the key that finishes in the menu
    prompt_asker(kb, "q\x1b", skipped, "page", text)
    assert skipped.getvalue().split("\n")[:6] == text.split("\n")[:6]
    assert "line 7" not in skipped.getvalue()
    whole = io.StringIO()  # the first screen of a result cannot be skipped: Esc does nothing
    prompt_asker(kb, "\x1b \r", whole, "page", text, skippable=False)
    assert whole.getvalue().split() == text.split()


def test_the_welcome_waits_for_enter_before_the_first_question(kb, tmp_path) -> None:
    script = SessionScript(keys=["q"])
    session(kb, script, tmp_path).run()
    assert script.readied == [sessions._(sessions.READY)]
    welcome = next(text for text in script.shown if kb.info.disclaimer.split()[0] in text)
    assert script.shown.index(welcome) == 0  # the welcome and disclaimer, then the prompt


def test_a_resumed_quiz_goes_on_without_the_prompt_to_start(kb, tmp_path) -> None:
    resume = tmp_path / "resume.json"
    resume.write_text(json.dumps({"resume": 1, "answers": {"age": 40}}))
    script = SessionScript(keys=["q"])
    session(kb, script, tmp_path, resume_from=resume).run()
    assert script.readied == [] and script.pages


def test_the_prompt_to_start_throws_away_keys_typed_before_it(kb) -> None:
    with create_pipe_input() as pipe:
        pipe.send_text("\r\r\r")  # Enter pressed while the program starts: thrown away
        asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
        asker.on_ready = pipe.close  # nothing typed once it is drawn: the input ends
        with pytest.raises(quiz.QuizInterrupted):
            asker.ready(sessions.READY)
    with create_pipe_input() as pipe:
        asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
        asker.on_ready = lambda: pipe.send_text("\r")  # Enter once it is drawn: start
        asker.ready(sessions.READY)


def test_a_file_name_with_spaces_is_never_broken_across_lines(kb, tmp_path) -> None:
    folder = tmp_path / "my saved answers from the doctor visit"
    folder.mkdir()
    resume = folder / "triage resume file with a long name.json"
    resume.write_text(json.dumps({"resume": 1, "answers": {"age": 40}}))
    script = SessionScript(keys=[])
    session(kb, script, tmp_path, resume_from=resume, screen=lambda: (40, 24)).run()
    shown = "\n".join(script.shown)
    named = [
        line for line in shown.splitlines() if "triage resume" in line or "doctor visit" in line
    ]
    assert len(named) >= 2 and all(str(resume) in line for line in named), named
    assert "\u00a0" not in shown and "\\xa0" not in shown
