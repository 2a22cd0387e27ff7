"""The question loop, driven by a scripted asker (no terminal)."""

from __future__ import annotations

from tests.quiz_script import BASICS, SECTIONS, Script
from triage import outcome, quiz, wording
from triage.models import Level
from triage.quiz import Finished, Interrupted, Stopped


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
    assert {"pain_in_waves", "urinary_symptoms", "rash", "osteoporosis"} <= set(lower_back.asked)
    assert not {"sweating", "morning_stiffness", "calf_swelling"} & set(lower_back.asked)

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
