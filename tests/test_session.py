"""The quiz session (welcome, result, saving, resume files), driven by a scripted asker."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.quiz_script import BASICS, CLOCK, Script
from triage import inputs, outcome, quiz
from triage import session as sessions
from triage.errors import InputError
from triage.knowledge import KnowledgeBase
from triage.models import Level
from triage.session import Ending, Session


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
    answers = sessions.load_resume(str(path), kb)
    assert answers["age"] == 40 and "duration" not in answers

    stopped_again = Script(stop_at="fever")
    session(kb, stopped_again, tmp_path, answers=answers, resume_from=path).run()
    assert stopped_again.asked[0] == "duration"
    assert list(tmp_path.iterdir()) == [path]  # brought up to date in place
    assert sessions.load_resume(str(path), kb)["duration"] == "1_to_4_weeks"

    finished = Script(confirms=[True])
    answers = sessions.load_resume(str(path), kb)
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
    assert script.page_ids[-1] == quiz.page_of(kb, follow_up[0].id) and script.reviews == []
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
        sessions.load_resume(str(path), kb)
    assert expected in caught.value.message() and str(path) in caught.value.message()


def test_a_missing_resume_file_is_an_input_error(kb, tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        sessions.load_resume(str(tmp_path / "gone.json"), kb)
