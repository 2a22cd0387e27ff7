"""The question loop and the quiz session, driven by a scripted asker (no terminal)."""

from __future__ import annotations

import json
import stat
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from triage import inputs, outcome, quiz, wording
from triage.errors import InputError
from triage.knowledge import KnowledgeBase, Question
from triage.models import Level
from triage.quiz import Ending, Finished, Interrupted, QuizInterrupted, ReviewRow, Session, Stopped

SECTIONS = ["emergency", "basics", "follow_up"]
BASICS: dict[str, Any] = {
    "age": 40,
    "location": ["lower_back"],
    "radiation": [],
    "duration": "1_to_4_weeks",
    "onset": "gradual",
    "trigger": "none",
    "intensity": 3,
    "course": "improving",
}
CLOCK = datetime(2026, 11, 21, 9, 30, 5)


class Script:
    """A scripted asker: answers by question id ("no" to every other symptom), changes to make
    on the review screen, and replies to yes/no and file-name questions."""

    def __init__(
        self,
        answers: dict[str, Any] | None = None,
        *,
        changes: Sequence[tuple[str, Any]] = (),
        confirms: Sequence[bool] = (),
        names: Sequence[str] = (),
        stop_at: str | None = None,
    ) -> None:
        self.answers = {**BASICS, **(answers or {})}
        self.changes = list(changes)
        self.confirms, self.names = list(confirms), list(names)
        self.stop_at = stop_at
        self.asked: list[str] = []
        self.reviews: list[list[ReviewRow]] = []
        self.messages: list[str] = []
        self.shown: list[str] = []

    def show(self, text: str) -> None:
        self.shown.append(text)

    def ask(self, question: Question, current: Any) -> Any:
        self.asked.append(question.id)
        if question.id == self.stop_at:
            raise QuizInterrupted
        return self.answers.get(question.id, "no" if question.kind == "symptom" else None)

    def review(self, rows: Sequence[ReviewRow]) -> str | None:
        self.reviews.append(list(rows))
        if not self.changes:
            return None
        question_id, value = self.changes.pop(0)
        self.answers[question_id] = value
        return question_id

    def confirm(self, message: str, default: bool) -> bool:
        self.messages.append(message)
        return self.confirms.pop(0)

    def file_name(self, message: str, default: str) -> str:
        self.messages.append(message)
        return self.names.pop(0) if self.names else default

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.shown).split())


def symptoms(result: Finished | Stopped | Interrupted) -> dict[str, str]:
    return result.answers["symptoms"]


# ---------------------------------------------------------------------------------------------
# Order and skip logic


def test_questions_come_in_file_order_emergency_first_then_basics_then_follow_up(kb) -> None:
    script = Script()
    assert isinstance(quiz.run(kb, script), Finished)
    order = [q.id for q in kb.questions]
    assert script.asked == sorted(script.asked, key=order.index)
    sections = [kb.questions_by_id[qid].section for qid in script.asked]
    assert sections == sorted(sections, key=SECTIONS.index)
    assert set(sections) == set(SECTIONS)


def test_questions_without_when_are_always_asked_and_never_twice(kb) -> None:
    script = Script()
    quiz.run(kb, script)
    assert {q.id for q in kb.questions if q.when is None} <= set(script.asked)
    assert len(script.asked) == len(set(script.asked))


def test_follow_up_questions_depend_on_the_answers(kb) -> None:
    lower_back = Script()
    quiz.run(kb, lower_back)
    assert {"pain_in_waves", "urinary_symptoms", "rash"} <= set(lower_back.asked)
    assert not {"osteoporosis", "sweating", "morning_stiffness", "calf_swelling"} & set(
        lower_back.asked
    )

    older_long_upper = Script({"age": 72, "location": ["upper_back"], "duration": "over_12_weeks"})
    quiz.run(kb, older_long_upper)
    assert {"osteoporosis", "steroids", "sweating", "morning_stiffness"} <= set(
        older_long_upper.asked
    )
    assert not {"pain_in_waves", "rash"} & set(older_long_upper.asked)


def test_a_follow_up_answer_can_bring_in_a_later_question(kb) -> None:
    # sweating is asked for pain higher up; a "Not sure" about it brings in the sickness question
    plain = Script({"location": ["lower_back"]})
    quiz.run(kb, plain)
    breathless = Script({"location": ["lower_back"], "breathless": "unsure"})
    quiz.run(kb, breathless)
    assert "sweating" not in plain.asked and "calf_swelling" not in plain.asked
    assert {"sweating", "calf_swelling"} <= set(breathless.asked)


def test_optional_questions_can_be_skipped_and_the_answers_are_still_complete(kb) -> None:
    script = Script({"onset": None, "trigger": None, "intensity": None, "course": None})
    result = quiz.run(kb, script)
    assert isinstance(result, Finished)
    answers = quiz.complete(result.answers)
    assert answers is not None and answers.onset is None and answers.intensity is None
    rows = {row.question.id: row.words for row in script.reviews[0]}
    assert rows["onset"] == wording.NOT_ANSWERED and rows["radiation"] == wording.NONE_CHOSEN


# ---------------------------------------------------------------------------------------------
# The early stop


def test_an_emergency_answer_stops_the_quiz_at_once(kb) -> None:
    first = kb.questions[0]
    script = Script({first.id: "yes"})
    result = quiz.run(kb, script)
    assert isinstance(result, Stopped)
    assert script.asked == [first.id] and script.reviews == []
    assert result.rules and all(rule.triage is Level.EMERGENCY for rule in result.rules)
    assert all(first.id in str(rule.when) for rule in result.rules)


def test_not_sure_about_an_emergency_sign_does_not_stop_the_quiz(kb) -> None:
    first = kb.questions[0]
    result = quiz.run(kb, Script({first.id: "unsure"}))
    assert isinstance(result, Finished)
    assert outcome.assess(quiz.complete(result.answers), kb).triage is Level.URGENT


def test_every_emergency_question_can_stop_the_quiz_alone_or_is_a_pattern(kb) -> None:
    # at least the emergency-section questions whose "yes" alone is an emergency stop the quiz
    stoppers = [
        q
        for q in kb.questions
        if q.section == "emergency" and quiz.emergency_rules(kb, {"symptoms": {q.id: "yes"}})
    ]
    assert len(stoppers) >= 3
    for question in stoppers:
        script = Script({question.id: "yes"})
        assert isinstance(quiz.run(kb, script), Stopped)
        assert script.asked[-1] == question.id


# ---------------------------------------------------------------------------------------------
# Review and change


def test_review_lists_every_answer_in_question_order(kb) -> None:
    script = Script()
    quiz.run(kb, script)
    (rows,) = script.reviews
    assert [row.question.id for row in rows] == script.asked
    words = {row.question.id: row.words for row in rows}
    assert words["age"] == "40"
    assert words["location"] == kb.questions_by_id["location"].label_of("lower_back")
    assert words["fever"] == kb.info.symptom_choices["no"]


def test_changing_an_answer_drops_stale_answers_and_asks_new_questions(kb) -> None:
    script = Script(changes=[("location", ["upper_back"])])
    result = quiz.run(kb, script)
    assert isinstance(result, Finished) and len(script.reviews) == 2
    first, second = ({row.question.id for row in rows} for rows in script.reviews)
    assert "pain_in_waves" in first and "pain_in_waves" not in second
    assert "pain_in_waves" not in symptoms(result)
    assert "sweating" in second and "sweating" in symptoms(result)
    assert script.asked.index("sweating") > script.asked.index("location", 5)
    assert result.answers["location"] == ["upper_back"]


def test_a_change_to_an_emergency_answer_stops_the_quiz(kb) -> None:
    first = kb.questions[0]
    script = Script(changes=[(first.id, "yes")])
    result = quiz.run(kb, script)
    assert isinstance(result, Stopped) and len(script.reviews) == 1


# ---------------------------------------------------------------------------------------------
# Interruption and resume


def test_an_interruption_returns_the_answers_so_far(kb) -> None:
    script = Script(stop_at="location")
    result = quiz.run(kb, script)
    assert isinstance(result, Interrupted)
    assert result.answers["age"] == 40 and "location" not in result.answers
    assert set(symptoms(result)) == {q.id for q in kb.questions if q.section == "emergency"}


def test_a_resumed_quiz_continues_at_the_first_unanswered_question(kb) -> None:
    emergency = [q.id for q in kb.questions if q.section == "emergency"]
    given = {"symptoms": {qid: "no" for qid in emergency}, "age": 40}
    script = Script()
    result = quiz.run(kb, script, given)
    assert isinstance(result, Finished)
    assert script.asked[0] == "location"
    assert not set(emergency) & set(script.asked) and "age" not in script.asked


def test_resume_drops_answers_to_questions_that_no_longer_apply(kb) -> None:
    given = {**BASICS, "symptoms": {"pain_in_waves": "no"}, "location": ["upper_back"]}
    assert "pain_in_waves" not in quiz.prune(kb, given)["symptoms"]


# ---------------------------------------------------------------------------------------------
# Sessions: result, saving, resume files


def session(kb: KnowledgeBase, script: Script, tmp_path: Path, **options: Any) -> Session:
    return Session(kb, script, directory=tmp_path, clock=lambda: CLOCK, **options)


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_finished_quiz_shows_the_result_and_saves_a_document_assess_reads(kb, tmp_path) -> None:
    script = Script({"intensity": 7}, confirms=[True])
    assert session(kb, script, tmp_path).run() is Ending.COMPLETED
    saved = tmp_path / "back-pain-2026-11-21.json"
    assert private(saved)
    answers, document = inputs.load_answers(str(saved))
    assert answers.intensity == 7 and document is not None
    again = outcome.assess(answers, kb)
    assert document.result["triage"] == again.triage.value == Level.SELF_CARE.value
    assert kb.info.levels[again.triage].headline in script.text
    assert " ".join(kb.info.disclaimer.split()) in script.text
    assert str(saved.resolve()) in script.text


def test_the_default_name_never_replaces_an_existing_file(kb, tmp_path) -> None:
    (tmp_path / "back-pain-2026-11-21.json").write_text("mine")
    session(kb, Script(confirms=[True]), tmp_path).run()
    assert (tmp_path / "back-pain-2026-11-21.json").read_text() == "mine"
    assert (tmp_path / "back-pain-2026-11-21-2.json").exists()


def test_save_to_writes_without_asking(kb, tmp_path) -> None:
    target = tmp_path / "mine.json"
    script = Script()
    session(kb, script, tmp_path, save_to=target).run()
    assert script.messages == [] and private(target)
    assert inputs.load_answers(str(target))[0].age == 40


def test_an_existing_file_is_replaced_only_after_a_yes(kb, tmp_path) -> None:
    target = tmp_path / "mine.json"
    target.write_text("old")
    declined = Script(confirms=[False], names=[str(tmp_path / "other.json")])
    session(kb, declined, tmp_path, save_to=target).run()
    assert target.read_text() == "old" and (tmp_path / "other.json").exists()
    assert "already exists" in declined.messages[0]

    accepted = Script(confirms=[True])
    session(kb, accepted, tmp_path, save_to=target).run()
    assert inputs.load_answers(str(target))[0].age == 40 and private(target)


def test_declining_to_save_writes_nothing(kb, tmp_path) -> None:
    script = Script(confirms=[False])
    session(kb, script, tmp_path).run()
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_place_asks_for_another_name(kb, tmp_path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    script = Script(names=[str(tmp_path / "ok.json")])
    session(kb, script, tmp_path, save_to=folder).run()
    assert (tmp_path / "ok.json").exists()
    assert "Could not save" in script.text


def test_an_interrupted_quiz_keeps_its_answers_in_a_resume_file(kb, tmp_path) -> None:
    script = Script(stop_at="duration")
    assert session(kb, script, tmp_path).run() is Ending.INTERRUPTED
    (path,) = tmp_path.iterdir()
    assert path.name == "triage-resume-2026-11-21-093005.json" and private(path)
    data = json.loads(path.read_text())
    assert data["resume"] == 1 and data["answers"]["location"] == ["lower_back"]
    assert data["metadata"]["ruleset"] == kb.label
    assert f"triage quiz --resume {path}" in script.text


def test_interrupting_before_any_answer_saves_nothing(kb, tmp_path) -> None:
    script = Script(stop_at=kb.questions[0].id)
    assert session(kb, script, tmp_path).run() is Ending.INTERRUPTED
    assert list(tmp_path.iterdir()) == []


def test_resume_file_round_trip_and_removal_after_saving(kb, tmp_path) -> None:
    session(kb, Script(stop_at="duration"), tmp_path).run()
    (path,) = tmp_path.iterdir()
    answers = quiz.load_resume(str(path), kb)
    assert answers["age"] == 40 and "duration" not in answers

    stopped_again = Script(stop_at="fever")
    session(kb, stopped_again, tmp_path, answers=answers, resume_from=path).run()
    assert stopped_again.asked[0] == "duration"
    assert list(tmp_path.iterdir()) == [path]  # brought up to date in place
    assert quiz.load_resume(str(path), kb)["duration"] == "1_to_4_weeks"

    finished = Script(confirms=[True])
    answers = quiz.load_resume(str(path), kb)
    session(kb, finished, tmp_path, answers=answers, resume_from=path).run()
    assert finished.asked[0] == "fever"
    assert not path.exists() and (tmp_path / "back-pain-2026-11-21.json").exists()


def test_an_emergency_stop_shows_what_to_do_and_saves_a_resume_file(kb, tmp_path) -> None:
    first = kb.questions[0]
    script = Script({first.id: "yes"}, confirms=[True])
    assert session(kb, script, tmp_path).run() is Ending.EMERGENCY
    assert kb.info.levels[Level.EMERGENCY].headline in script.text
    for advice_id in kb.info.levels[Level.EMERGENCY].advice:
        assert " ".join(kb.advice[advice_id].text.split()) in script.text
    for rule in quiz.emergency_rules(kb, {"symptoms": {first.id: "yes"}}):
        assert rule.title in script.text
    (path,) = tmp_path.iterdir()
    assert json.loads(path.read_text())["resume"] == 1 and private(path)
    assert "not a complete assessment" in script.text
    assert kb.questions_by_id["age"].short.lower() in script.text


def test_an_emergency_found_after_the_basics_is_saved_as_an_assessment(kb, tmp_path) -> None:
    story = {"location": ["upper_back"], "radiation": ["chest"]}
    follow_up = [
        q
        for q in kb.questions
        if q.section == "follow_up"
        and q.kind == "symptom"
        and quiz.emergency_rules(kb, {**BASICS, **story, "symptoms": {q.id: "yes"}})
    ]
    assert follow_up, "some follow-up answer is an emergency for pain spreading to the chest"
    script = Script({**story, follow_up[0].id: "yes"}, confirms=[True])
    assert session(kb, script, tmp_path).run() is Ending.EMERGENCY
    assert script.asked[-1] == follow_up[0].id and script.reviews == []
    answers, document = inputs.load_answers(str(tmp_path / "back-pain-2026-11-21.json"))
    assert document is not None and document.result["triage"] == Level.EMERGENCY.value
    assert outcome.assess(answers, kb).triage is Level.EMERGENCY


def test_an_emergency_stop_with_save_to_writes_the_resume_file_beside_it(kb, tmp_path) -> None:
    first = kb.questions[0]
    script = Script({first.id: "yes"})
    session(kb, script, tmp_path / "x", save_to=tmp_path / "mine.json").run()
    assert not (tmp_path / "mine.json").exists() and script.messages == []
    (path,) = tmp_path.iterdir()
    assert path.name.startswith("triage-resume-")


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
        quiz.load_resume(str(path), kb)
    assert expected in caught.value.message() and str(path) in caught.value.message()


def test_a_missing_resume_file_is_an_input_error(kb, tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        quiz.load_resume(str(tmp_path / "gone.json"), kb)
