"""The durable-rules adapter: every matching rule fires, sessions are cleaned up, failures are
loud."""

from __future__ import annotations

import pytest

from triage import conditions, engine, outcome
from triage.errors import EngineError
from triage.models import Answers, Level

BASE = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def answers(**symptoms: str) -> Answers:
    return Answers.model_validate({**BASE, "symptoms": symptoms})


def test_all_matching_rules_fire_not_just_the_first(kb) -> None:
    fired = engine.for_knowledge(kb).fire(
        conditions.to_facts(
            answers(cancer_history="yes", leg_weakness="yes").model_dump(mode="json")
        )
    )
    assert {"rule:MSCC-CANCER-NEURO", "rule:CANCER-HISTORY", "rule:NEURO-LEG-WEAKNESS"} <= fired


def test_no_matching_rule_means_self_care_non_specific(kb) -> None:
    result = outcome.assess(answers(), kb)
    assert result.triage is Level.SELF_CARE
    assert result.reasons == [] and result.suspected == []
    assert result.pain_type.value == "non_specific"


def test_the_highest_level_wins_and_reasons_are_most_urgent_first(kb) -> None:
    result = outcome.assess(answers(fever="yes", struggling_to_cope="yes", chest_pain="yes"), kb)
    assert result.triage is Level.EMERGENCY
    ranks = [reason.triage.rank for reason in result.reasons]
    assert ranks == sorted(ranks, reverse=True)
    assert {"HEART-CHEST-PAIN", "INFECTION-FEVER", "COPING"} <= {r.rule for r in result.reasons}


def test_unsure_counts_as_yes_one_level_lower(kb) -> None:
    sure = outcome.assess(answers(saddle_numbness="yes"), kb)
    unsure = outcome.assess(answers(saddle_numbness="unsure"), kb)
    assert sure.triage is Level.EMERGENCY
    assert unsure.triage is Level.URGENT
    (reason,) = [r for r in unsure.reasons if r.rule == "CES-SADDLE"]
    assert reason.unsure and reason.triage is Level.URGENT
    assert unsure.suspected == []  # an unsure answer does not establish a cause
    assert set(kb.info.unsure_advice) <= {item.id for item in unsure.advice}
    assert not set(kb.info.unsure_advice) & {item.id for item in sure.advice}


def test_reasons_carry_the_answers_that_triggered_them(kb) -> None:
    result = outcome.assess(answers(cancer_history="yes", leg_numbness="yes"), kb)
    (reason,) = [r for r in result.reasons if r.rule == "MSCC-CANCER-NEURO"]
    assert [(e.field, e.value) for e in reason.answers] == [
        ("cancer_history", "yes"),
        ("leg_numbness", "yes"),
    ]
    assert all(e.text.endswith(": Yes") for e in reason.answers)
    assert reason.sources and all(s.title for s in reason.sources)


def test_missing_numbers_never_match_a_comparison(kb) -> None:
    facts = conditions.to_facts({**BASE})
    assert "intensity" not in facts
    assert "rule:SEVERE-PAIN" not in engine.for_knowledge(kb).fire(facts)


def test_thousands_of_assessments_in_one_process_do_not_exhaust_sessions(kb) -> None:
    # durable-rules keeps at most 1024 live sessions per ruleset: the engine must delete each.
    variants = [
        answers(),
        answers(fever="yes"),
        answers(bladder_bowel="unsure"),
        answers(rash="yes"),
    ]
    expected = [outcome.assess(a, kb).triage for a in variants]
    for i in range(2500):
        assert outcome.assess(variants[i % 4], kb).triage is expected[i % 4]


def test_skip_logic_runs_through_the_engine(kb) -> None:
    ask = engine.for_knowledge(kb).questions_to_ask
    assert "pain_in_waves" in ask(conditions.to_facts({"location": ["flank"]}))
    assert "pain_in_waves" not in ask(conditions.to_facts({"location": ["upper_back"]}))
    assert "morning_stiffness" in ask(conditions.to_facts({"duration": "over_12_weeks"}))


def test_an_exception_inside_an_action_is_an_error_not_a_silent_result(kb, monkeypatch) -> None:
    def broken_action(self, name):
        def action(context):
            raise RuntimeError("boom")

        return action

    monkeypatch.setattr(engine._Host, "get_action", broken_action)
    broken = engine.Engine(kb)  # actions are resolved when a ruleset is registered
    monkeypatch.undo()
    with pytest.raises(EngineError, match="boom"):
        broken.fire(conditions.to_facts(answers(fever="yes").model_dump(mode="json")))
    # the session was still cleaned up and the shared engine keeps working
    assert outcome.assess(answers(fever="yes"), kb).triage is Level.URGENT


def test_the_compiled_ruleset_is_plain_json_with_named_actions(kb) -> None:
    import json

    definition = engine.ruleset_definition(kb)
    json.dumps(definition)
    assert all(entry["run"] == name for name, entry in definition.items())
    assert {f"rule:{rule.id}" for rule in kb.rules} <= set(definition)


def test_only_the_engine_module_imports_durable() -> None:
    from pathlib import Path

    package = Path(engine.__file__).parent
    importers = [
        p.name
        for p in package.glob("*.py")
        if "import durable" in p.read_text() or "from durable" in p.read_text()
    ]
    assert importers == ["engine.py"]
