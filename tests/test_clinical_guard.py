"""Clinical changes fail loudly: every rule's level, every threshold and every question a rule
reads is pinned by scenarios or checked over the answer space (see tests/clinical_guard.py).

When one of these fails after a change to rules/, the message names the rule and what is
missing: add the scenario it asks for (tests/scenarios/, prefix 'e' for a rule's exact level,
'b' for the two sides of a threshold), or fix the skip logic (questions.yaml `when`) or the
rule's condition so that the quiz asks every question the rule reads. "Part 2.1" is the first
test inside the second part of a rule's condition, as listed in tests/rules-snapshot.txt.
"""

from __future__ import annotations

import io

import pytest

from tests import clinical_guard as guard
from tests.conftest import load_scenario, scenario_files
from triage import outcome, quiz


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return [load_scenario(path) for path in scenario_files()]


def test_every_rule_has_a_scenario_at_exactly_its_level(kb, cases) -> None:
    gaps = guard.exact_level_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_every_sign_in_every_rule_is_pinned_by_a_scenario(kb, cases) -> None:
    gaps = guard.sign_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_every_threshold_has_scenarios_on_both_sides(kb, cases) -> None:
    gaps = guard.threshold_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_skip_logic_never_silences_a_rule(kb) -> None:
    gaps = guard.reachability_gaps(kb)
    assert not gaps, "\n".join(gaps)


def test_every_threshold_of_the_rules_is_found(kb) -> None:
    # The threshold walk must see nested thresholds, band edges and counts, or the check above
    # would pass by looking at nothing.
    found = {(t.rule, t.what.split(" (part")[0]) for t in guard.thresholds(kb)}
    assert {
        ("AORTA-ABDOMEN-OLDER", "age gte 60"),
        ("FRACTURE-OLDER-AGE", "age gte 70"),
        ("INFLAMMATORY", "at least 4 of 5"),
        ("INFLAMMATORY", "duration from over_12_weeks"),
        ("NOT-IMPROVING", "duration from 4_to_12_weeks"),
        ("CHILD", "age lt 16"),
    } <= found


def test_a_threshold_scenario_must_sit_next_to_the_boundary(kb, cases) -> None:
    # A scenario far from the threshold (age 75 for ">= 60") does not count as "just inside".
    far = [c for c in cases if c["id"] != "B27" and "AORTA-ABDOMEN-OLDER" not in str(c["expect"])]
    near = next(c for c in cases if c["id"] == "B27")
    moved = {**near, "answers": {**near["answers"], "age": 75}}
    gaps = guard.threshold_gaps(kb, [*far, moved])
    assert any(g.startswith("AORTA-ABDOMEN-OLDER age gte 60") and "inside" in g for g in gaps)


def test_every_value_of_every_multi_value_test_is_pinned(kb, cases) -> None:
    gaps = guard.value_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_every_part_of_every_all_is_pinned_by_a_scenario_that_lacks_only_it(kb, cases) -> None:
    gaps = guard.all_part_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_the_advice_of_every_rule_and_level_is_pinned_by_a_scenario(kb, cases) -> None:
    gaps = guard.advice_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_no_result_shows_self_help_when_urgent_nsaids_to_a_child_or_an_unsuspected_cause(
    kb, cases
) -> None:
    problems = guard.property_problems(kb, cases)
    assert not problems, "\n".join(problems)


def test_the_property_check_sees_each_kind_of_problem(kb) -> None:
    # The answer space reaches what the properties forbid, so the check cannot pass by looking
    # at nothing: emergencies, children at self-care or soon, and infos naming causes.
    sample = list(guard.sampled_answers(3000))
    levels = {outcome.assess(a, kb).triage.value for a in sample[:1000]}
    assert {"emergency", "urgent", "soon", "self_care"} <= levels
    young = [a for a in sample if a.age < 16]
    assert any(
        item.id == "self-help-pain-relief-child"
        for a in young[:300]
        for item in outcome.assess(a, kb).advice
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_choice_label_says_what_its_code_means(language) -> None:
    from triage import knowledge

    problems = guard.label_problems(knowledge.load(language=language))
    assert not problems, "\n".join(problems)
    assert set(guard.CHOICE_MEANINGS) == set(guard.CHOICE_MEANINGS_DE)


@pytest.mark.parametrize("question_id", sorted({q for q, _ in guard.CHOICE_MEANINGS}))
def test_each_label_played_through_the_quiz_stores_its_code(kb, question_id) -> None:
    # The choice is picked the way a person does it, by its label on the screen (arrow keys and
    # Enter or Space in the real form); what the quiz stores must be the code that label means.
    question = kb.questions_by_id[question_id]
    for position, choice in enumerate(question.choices):
        stored = _choose_by_keys(kb, question, position)
        words = guard.CHOICE_MEANINGS[(question_id, stored)]
        assert any(word in choice.label.lower() for word in words), (choice.label, stored)


def _choose_by_keys(kb, question, position: int) -> str:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from tests.test_prompts import DOWN, ENTER, RIGHT, SPACE, Typist
    from triage.prompts import PromptAsker

    page = quiz.make_page(kb, quiz.page_of(kb, question.id), _before(kb, question), given={})
    if question.kind == "multi":
        keys = DOWN * position + SPACE + ENTER  # the cursor starts on the first
    elif len(page.questions) > 1:  # a row of choices per question on a shared screen
        rows = page.shown({})
        keys = DOWN.join(RIGHT * ((position if q.id == question.id else 0) + 1) for q in rows)
        keys += ENTER
    else:
        keys = DOWN * (position + 1) + ENTER
    with create_pipe_input() as pipe:
        asker = PromptAsker(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
        asker.on_ready = Typist(pipe, [keys])
        chosen = asker.ask(page)
    assert isinstance(chosen, dict), chosen
    value = chosen[question.id]
    return value[0] if isinstance(value, list) else value


def _before(kb, question) -> dict:
    """Answers that make the question asked (an age over 60 for the one about earlier bouts)."""
    return {"age": 70, "location": ["lower_back"], "duration": "under_1_week", "symptoms": {}}
