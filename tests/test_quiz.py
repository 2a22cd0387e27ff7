"""The question loop, driven by a scripted asker (no terminal)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import scenario_files
from tests.quiz_script import BASICS, SECTIONS, Script, answered_from
from triage import outcome, quiz
from triage.models import Answers, Level, Missing
from triage.quiz import REVIEW, Finished, Interrupted, Stopped


def symptoms(result: Finished | Stopped | Interrupted) -> dict[str, str]:
    return result.answers["symptoms"]


def start_page(kb) -> quiz.PagePlan:
    """The very first page: "Who are you answering for?"."""
    return quiz.pages(kb)[0]


def first_page(kb) -> quiz.PagePlan:
    """The first page of warning signs, right after "Who are you answering for?"."""
    return quiz.pages(kb)[1]


def first_sign(kb):
    """The first warning-sign question."""
    return next(q for q in kb.questions if q.section == "emergency")


# ---------------------------------------------------------------------------------------------
# Order, pages and skip logic


def test_questions_come_in_file_order_emergency_first_then_basics_then_follow_up(kb) -> None:
    script = Script()
    assert isinstance(quiz.run(kb, script), Finished)
    order = [q.id for q in kb.questions]
    assert script.asked == sorted(script.asked, key=order.index)
    assert script.asked[0] == "respondent"  # "Who are you answering for?" comes first
    sections = [kb.questions_by_id[qid].section for qid in script.asked[1:]]
    assert sections[0] == "emergency" and set(sections) == set(SECTIONS)
    assert "emergency" not in sections[sections.index("basics") :]


def test_questions_without_when_are_always_asked_and_never_twice(kb) -> None:
    script = Script()
    quiz.run(kb, script)
    assert {q.id for q in kb.questions if q.when is None} <= set(script.asked)
    assert len(script.asked) == len(set(script.asked))
    assert len(script.page_ids) == len(set(script.page_ids))


def test_the_quiz_asks_exactly_the_relevant_questions(kb) -> None:
    # grouping never changes what is asked: `relevant` alone decides
    for story in ({}, {"location": ["upper_back"], "duration": "over_12_weeks", "age": 72}):
        script = Script(story)
        result = quiz.run(kb, script)
        assert isinstance(result, Finished)
        assert set(script.asked) == {q.id for q in quiz.relevant(kb, result.answers)}


def test_neighbours_that_share_a_screen_are_asked_on_one_page(kb) -> None:
    script = Script()
    quiz.run(kb, script)
    shared = [page for page in script.pages if len(page.questions) > 1]
    assert shared, "questions.yaml groups questions on screens"
    for page in shared:
        screen = kb.screens_by_id[page.id]
        assert page.title == screen.title
        assert {q.screen for q in page.questions} == {screen.id}
    # every other page holds one question and is named after it
    assert all(p.id == p.questions[0].id for p in script.pages if len(p.questions) == 1)


def test_an_ordinary_case_needs_at_most_16_screens_and_says_how_far_it_is(kb) -> None:
    script = Script()
    quiz.run(kb, script)
    screens = 1 + len(script.pages) + len(script.reviews)  # the welcome waits for Enter too
    assert screens <= 16  # 15, and "Who are you answering for?"
    numbers = [page.number for page in script.pages]
    assert numbers == list(range(1, len(script.pages) + 1))
    assert all(page.total >= page.number for page in script.pages)
    assert script.pages[-1].total == len(script.pages)  # the estimate is exact by the end


def test_the_estimate_grows_when_an_answer_brings_in_a_page(kb) -> None:
    # a 12-week history brings in nothing new, but a later page of follow-ups keeps the total
    plain = Script()
    quiz.run(kb, plain)
    totals = [page.total for page in plain.pages]
    assert totals[0] <= totals[-1] and max(totals) == totals[-1]


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


def test_an_answer_can_bring_in_a_question_on_the_same_page(kb) -> None:
    # walking difficulty is asked with a newly weak leg, on the page of that question
    page_of = quiz.page_of(kb, "walking_difficulty")
    assert page_of == quiz.page_of(kb, "leg_weakness")
    plain, weak = Script(), Script({"leg_weakness": "unsure"})
    quiz.run(kb, plain)
    quiz.run(kb, weak)
    assert "walking_difficulty" not in plain.asked and "walking_difficulty" in weak.asked
    (page,) = [p for p in weak.pages if p.id == page_of]
    assert "walking_difficulty" not in [q.id for q in page.shown({})]
    assert "walking_difficulty" in [q.id for q in page.shown({"leg_weakness": "yes"})]


def test_dont_know_answers_are_kept_as_dont_know_and_the_answers_are_still_complete(kb) -> None:
    script = Script({"onset": None, "trigger": None, "intensity": None, "course": None})
    result = quiz.run(kb, script)
    assert isinstance(result, Finished)
    answers = quiz.complete(result.answers)
    assert answers is not None and answers.onset is None and answers.intensity is None
    # "Don't know" is recorded as such, not as a question never asked
    assert set(answers.dont_know) == {"onset", "trigger", "intensity", "course"}
    assert answers.missing("onset") is Missing.DONT_KNOW and answers.skipped == []
    rows = {row.page: row.words for row in script.reviews[0]}
    nowhere = kb.questions_by_id["radiation"].none_label  # what no choice means there
    assert rows["trigger"] == "Don't know" and rows["radiation"] == nowhere == "Nowhere"
    assert "Don't know" in rows["pain_pattern"] and "not answered" not in rows["pain_pattern"]


# ---------------------------------------------------------------------------------------------
# The early stop


def test_an_emergency_answer_stops_the_quiz_after_its_page(kb) -> None:
    first = first_sign(kb)
    script = Script({first.id: "yes"})
    result = quiz.run(kb, script)
    assert isinstance(result, Stopped)
    assert script.page_ids == [start_page(kb).id, first_page(kb).id] and script.reviews == []
    assert result.trail == (start_page(kb).id, first_page(kb).id)
    assert result.rules and all(rule.triage is Level.EMERGENCY for rule in result.rules)
    assert all(first.id in str(rule.when) for rule in result.rules)
    assert script.warned == [[], [first.id]]  # the page named the answer before it was confirmed


def test_the_page_names_only_the_answers_that_stop_the_quiz(kb) -> None:
    page = Script()
    quiz.run(kb, page)
    heart = next(p for p in page.pages if p.id == quiz.page_of(kb, "chest_pain"))
    assert heart.stopping({}) == []
    assert heart.stopping({"chest_pain": "yes", "breathless": "no"}) == ["chest_pain"]
    assert heart.stopping({"chest_pain": "unsure"}) == []  # "Not sure" never stops the quiz
    # breathless alone is urgent, with fainting it is an emergency: both are named
    assert heart.stopping({"breathless": "yes"}) == []
    both = heart.stopping({"breathless": "yes", "collapse": "yes"})
    assert set(both) == {"breathless", "collapse"}


def test_not_sure_about_an_emergency_sign_does_not_stop_the_quiz(kb) -> None:
    first = first_sign(kb)
    result = quiz.run(kb, Script({first.id: "unsure"}))
    assert isinstance(result, Finished)
    assert outcome.assess(quiz.complete(result.answers), kb).triage is Level.URGENT


def test_every_emergency_question_can_stop_the_quiz_alone_or_is_a_pattern(kb) -> None:
    stoppers = [
        q
        for q in kb.questions
        if q.section == "emergency" and quiz.emergency_rules(kb, {"symptoms": {q.id: "yes"}})
    ]
    assert len(stoppers) >= 3
    for question in stoppers:
        script = Script({question.id: "yes"})
        result = quiz.run(kb, script)
        assert isinstance(result, Stopped)
        assert result.trail[-1] == quiz.page_of(kb, question.id)
        assert question.id in script.asked


# ---------------------------------------------------------------------------------------------
# Going back


def test_going_back_returns_to_the_previous_page_with_its_answers(kb) -> None:
    pages = quiz.pages(kb)
    second, third = pages[1].id, pages[2].id
    script = Script({"chest_pain": "no"}, backs=[third])
    result = quiz.run(kb, script)
    assert isinstance(result, Finished)
    ids = script.page_ids
    assert ids[:4] == [pages[0].id, second, third, second]
    again = script.pages[3]
    assert again.given == {q.id: "no" for q in again.questions if q.when is None}
    assert ids[4] == third and again.number == 2
    assert ids.count(third) == 2 and result.trail[:3] == (pages[0].id, second, third)


def test_going_back_from_the_first_page_stays_there(kb) -> None:
    first = start_page(kb).id
    script = Script(backs=[first])
    assert isinstance(quiz.run(kb, script), Finished)
    assert script.page_ids[:2] == [first, first]
    assert script.pages[0].can_go_back is False and script.pages[2].can_go_back is True


def test_going_back_twice_then_forward_shows_each_page_again_with_its_answers(kb) -> None:
    a, b, c, d = (plan.id for plan in quiz.pages(kb)[:4])
    script = Script({"age": 61}, backs=[d, c])
    result = quiz.run(kb, script)
    assert isinstance(result, Finished)
    assert script.page_ids[:8] == [a, b, c, d, c, b, c, d]
    assert script.pages[6].given == script.pages[4].given  # the draft of the page left
    age_again = [p for p in script.pages if p.id == "age"]
    assert [p.given for p in age_again][1:] == [{"age": 61}] * (len(age_again) - 1)


def test_a_page_left_by_going_back_counts_for_nothing_until_confirmed(kb) -> None:
    # "Yes" chosen on the first page, then back: it is a draft, selected again, not an answer
    start, first, second = (plan.id for plan in quiz.pages(kb)[:3])
    story = Script({"chest_pain": "yes"}, backs=[second])
    result = quiz.run(kb, story)
    assert isinstance(result, Stopped)
    assert story.page_ids == [start, first, second, first, second]
    assert story.pages[4].given.get("chest_pain") == "yes"


def test_back_after_an_emergency_stop_reopens_its_page_with_the_answers_selected(kb) -> None:
    first = first_sign(kb)
    stopped = quiz.run(kb, Script({first.id: "yes"}))
    assert isinstance(stopped, Stopped)
    script = Script({first.id: "no"})
    result = quiz.run(kb, script, stopped.answers, trail=stopped.trail, back=True)
    assert isinstance(result, Finished)
    assert script.pages[0].id == stopped.trail[-1]
    assert script.pages[0].given[first.id] == "yes"
    assert symptoms(result)[first.id] == "no"


def test_back_after_an_emergency_stop_then_back_again_drops_the_stop(kb) -> None:
    story = {"location": ["upper_back"], "radiation": ["chest"], "sweating": "yes"}
    stopped = quiz.run(kb, Script(story))
    assert isinstance(stopped, Stopped) and stopped.trail[-1] == quiz.page_of(kb, "sweating")
    before = stopped.trail[-2]
    script = Script(story, backs=[stopped.trail[-1]])
    script.answers["sweating"] = "no"
    result = quiz.run(kb, script, stopped.answers, trail=stopped.trail, back=True)
    assert isinstance(result, Finished)
    assert script.page_ids[:3] == [stopped.trail[-1], before, stopped.trail[-1]]


def test_back_from_the_result_returns_to_the_review_and_then_to_the_last_page(kb) -> None:
    finished = quiz.run(kb, Script())
    assert isinstance(finished, Finished) and finished.trail[-1] == REVIEW
    script = Script(review_back=1)
    again = quiz.run(kb, script, finished.answers, trail=finished.trail, back=True)
    assert isinstance(again, Finished)
    assert len(script.reviews) == 2 and script.page_ids == [finished.trail[-2]]
    assert again.answers == finished.answers


def test_a_resumed_quiz_can_go_back_to_pages_answered_before(kb) -> None:
    first = first_page(kb)
    given = {"respondent": "self", "symptoms": {q.id: "no" for q in first.questions}}
    script = Script(backs=[quiz.pages(kb)[2].id])
    quiz.run(kb, script, given)
    assert script.page_ids[:3] == [quiz.pages(kb)[2].id, first.id, quiz.pages(kb)[2].id]


# ---------------------------------------------------------------------------------------------
# Review and change


def test_review_lists_every_page_in_order_with_answers_in_words(kb) -> None:
    script = Script()
    quiz.run(kb, script)
    (rows,) = script.reviews
    assert [row.page for row in rows] == script.page_ids
    words = {row.page: row.words for row in rows}
    assert words["age"] == "40"
    assert words["location"] == kb.questions_by_id["location"].label_of("lower_back")
    first = first_page(kb)
    no = kb.info.symptom_choices["no"]
    assert words[first.id] == f"{no} to all {len(first.questions)}"


def test_review_names_the_answers_that_are_not_no(kb) -> None:
    script = Script({"fever": "unsure"})
    finished = quiz.run(kb, script)
    page = quiz.page_of(kb, "fever")
    words = {row.page: row.words for row in script.reviews[0]}[page]
    assert words.startswith(f"{kb.info.symptom_choices['unsure']}: High temperature;")
    plan = next(plan for plan in quiz.pages(kb) if plan.id == page)
    others = sum(quiz.is_answered(finished.answers, q) for q in plan.questions) - 1
    assert others >= 2 and words.endswith(f"to the other {others}")


def test_changing_an_answer_drops_stale_answers_and_asks_new_questions(kb) -> None:
    script = Script(changes=[("location", ["upper_back"])])
    result = quiz.run(kb, script)
    assert isinstance(result, Finished) and len(script.reviews) == 2
    assert "pain_in_waves" not in symptoms(result)
    assert "sweating" in symptoms(result)
    assert script.asked.index("sweating") > script.asked.index("location", 5)
    assert result.answers["location"] == ["upper_back"]


def test_a_change_to_an_emergency_answer_stops_the_quiz(kb) -> None:
    first = first_sign(kb)
    script = Script(changes=[(first.id, "yes")])
    result = quiz.run(kb, script)
    assert isinstance(result, Stopped) and len(script.reviews) == 1
    assert result.trail[-1] == first_page(kb).id


def test_going_back_from_a_page_opened_on_the_review_changes_nothing(kb) -> None:
    script = Script(changes=[("age", 70)], backs=[])
    result = quiz.run(kb, script)
    assert isinstance(result, Finished) and result.answers["age"] == 70
    cancelled = Script(changes=[("age", 70)])
    cancelled.backs = []
    # open "age" from the review, then go back: the review again, the answer unchanged
    original = cancelled.ask

    def back_on_second_age(page):
        if page.id == "age" and [p.id for p in cancelled.pages].count("age") == 1:
            cancelled.pages.append(page)
            return quiz.GO_BACK
        return original(page)

    cancelled.ask = back_on_second_age  # type: ignore[method-assign]
    result = quiz.run(kb, cancelled)
    assert isinstance(result, Finished) and result.answers["age"] == BASICS["age"]
    assert len(cancelled.reviews) == 2


# ---------------------------------------------------------------------------------------------
# Interruption and resume


def test_an_interruption_returns_the_answers_so_far_and_the_trail(kb) -> None:
    script = Script(stop_at="location")
    result = quiz.run(kb, script)
    assert isinstance(result, Interrupted)
    assert result.answers["age"] == 40 and "location" not in result.answers
    assert set(symptoms(result)) == {q.id for q in kb.questions if q.section == "emergency"}
    assert result.trail[-1] == "age"


def test_an_interruption_keeps_answers_of_pages_left_by_going_back(kb) -> None:
    second = quiz.pages(kb)[1]
    script = Script({"age": 33}, backs=["location", "age"], stop_at="age")
    script.stop_at = None
    original = script.ask
    calls = {"n": 0}

    def stop_on_fifth(page):
        calls["n"] += 1
        if calls["n"] == 6:
            raise quiz.QuizInterrupted
        return original(page)

    script.ask = stop_on_fifth  # type: ignore[method-assign]
    result = quiz.run(kb, script)
    assert isinstance(result, Interrupted)
    assert result.answers["age"] == 33
    assert all(q.id in symptoms(result) for q in second.questions)


def test_a_resumed_quiz_continues_at_the_first_unanswered_question(kb) -> None:
    emergency = [q.id for q in kb.questions if q.section == "emergency"]
    given = {"symptoms": {qid: "no" for qid in emergency}, "age": 40, "respondent": "self"}
    script = Script()
    result = quiz.run(kb, script, given)
    assert isinstance(result, Finished)
    assert script.asked[0] == "location"
    assert not set(emergency) & set(script.asked) and "age" not in script.asked


def test_resume_drops_answers_to_questions_that_no_longer_apply(kb) -> None:
    given = {**BASICS, "symptoms": {"pain_in_waves": "no"}, "location": ["upper_back"]}
    assert "pain_in_waves" not in quiz.prune(kb, given)["symptoms"]


# ---------------------------------------------------------------------------------------------
# Every scenario gives the same result through the quiz as through `triage assess`


def _key(result):
    return (result.triage, result.pain_type, result.suspected, [r.rule for r in result.reasons])


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_the_quiz_answering_from_a_scenario_reaches_the_same_result(kb, path) -> None:
    answers = Answers.model_validate(json.loads(path.read_text(encoding="utf-8"))["answers"])
    expected = outcome.assess(answers, kb)
    ending = quiz.run(kb, Script(answered_from(answers)))
    if isinstance(ending, Stopped):  # an emergency stop ends early: the level must agree
        assert expected.triage is Level.EMERGENCY
        assert quiz.partial_result(kb, ending.answers).triage is Level.EMERGENCY
        return
    assert isinstance(ending, Finished)
    through_quiz = outcome.assess(quiz.complete(ending.answers), kb)
    assert _key(through_quiz) == _key(expected)


def test_a_page_of_other_questions_names_each_with_its_answer(kb) -> None:
    """Only Yes / No / Not sure answers are summed up; a page that also asks how the pain
    started and how it is going names those answers (not "Better: ...; Suddenly to the other
    one")."""
    plan = next(p for p in quiz.pages(kb) if {"onset", "course"} <= {q.id for q in p.questions})
    questions = [q for q in plan.questions if q.id in ("onset", "course")]
    onset, course = (kb.questions_by_id[name] for name in ("onset", "course"))
    words = quiz.page_words(kb, questions, {"onset": "sudden", "course": "improving"})
    assert words == (
        f"{onset.short}: {onset.label_of('sudden')}; {course.short}: {course.label_of('improving')}"
    )
    signs = [q for q in plan.questions if q.kind == "symptom"]
    chosen = {"onset": "gradual", "course": "worsening", **{q.id: "no" for q in signs}}
    words = quiz.page_words(kb, plan.questions, chosen)
    assert words.startswith(f"{onset.short}: ") and words.endswith(f"to all {len(signs)}")


# ---------------------------------------------------------------------------------------------
# Who the answers are about: every question worded for that person, child-appropriate advice


CHILD_WORDS = {"en": ("your child",), "de": ("Ihr Kind", "Ihres Kindes", "Ihrem Kind")}
OTHER_WORDS = {"en": ("they", "their"), "de": ("die Person", "der Person")}


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_question_is_worded_for_the_person_answered_for(language) -> None:
    from triage import knowledge

    kb = knowledge.load(language=language)
    for respondent, words in (("child", CHILD_WORDS), ("someone_else", OTHER_WORDS)):
        script = Script({"respondent": respondent, "age": 8 if respondent == "child" else 40})
        assert isinstance(quiz.run(kb, script), Finished)
        texts = [q.text for page in script.pages[1:] for q in page.shown({}) if q.person]
        assert len(texts) >= 25
        unworded = [text for text in texts if not any(w in text for w in words[language])]
        assert unworded == []
        if language == "en" and respondent == "someone_else":
            assert not [text for text in texts if " you " in f" {text} "]


def test_a_young_child_is_not_asked_about_injecting_drugs_but_a_young_person_is(kb) -> None:
    young = Script({"respondent": "child", "age": 8})
    quiz.run(kb, young)
    assert "injects_drugs" not in young.asked
    older = Script({"respondent": "child", "age": 14})
    quiz.run(kb, older)
    assert "injects_drugs" in older.asked


def test_a_child_gets_advice_for_a_child(kb) -> None:
    script = Script({"respondent": "child", "age": 8})
    result = quiz.run(kb, script)
    assert isinstance(result, Finished)
    advice = {item.id for item in outcome.assess(quiz.complete(result.answers), kb).advice}
    assert {"self-help-stay-active-child", "self-help-pain-relief-child", "info-child"} <= advice
    assert not {"self-help-stay-active", "self-help-pain-relief"} & advice  # work, NSAIDs


def test_the_first_page_asks_who_the_answers_are_for_and_the_saddle_help_fits_everyone(kb):
    script = Script()
    quiz.run(kb, script)
    assert script.pages[0].questions[0].id == "respondent"
    saddle = kb.questions_by_id["saddle_numbness"].help or ""
    assert "for women" in saddle and "for men" in saddle
