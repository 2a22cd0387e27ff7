"""The durable-rules adapter: every matching rule fires, typed records come back, the one
long-lived session stays clean, failures are loud."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from triage import engine, outcome
from triage.engine import Fired, Kind
from triage.errors import EngineError
from triage.models import Answers, Level

BASE: dict[str, Any] = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def answers(**symptoms: str) -> Answers:
    return Answers.model_validate({**BASE, "symptoms": symptoms})


def fire(kb, **symptoms: str) -> frozenset[Fired]:
    return engine.for_knowledge(kb).fire({**BASE, "symptoms": symptoms})


def test_all_matching_rules_fire_not_just_the_first(kb) -> None:
    fired = fire(kb, cancer_history="yes", leg_weakness="yes")
    expected = {"MSCC-CANCER-NEURO", "CANCER-HISTORY", "NEURO-LEG-WEAKNESS"}
    assert {Fired(Kind.RULE, rule_id) for rule_id in expected} <= fired


def test_records_say_what_fired_and_whether_on_not_sure(kb) -> None:
    sure, unsure = fire(kb, saddle_numbness="yes"), fire(kb, saddle_numbness="unsure")
    assert Fired(Kind.RULE, "CES-SADDLE") in sure
    assert Fired(Kind.RULE, "CES-SADDLE", unsure=True) in sure  # "yes" also satisfies it
    assert Fired(Kind.RULE, "CES-SADDLE") not in unsure
    assert Fired(Kind.RULE, "CES-SADDLE", unsure=True) in unsure
    self_help = {item.id for item in kb.advice.values() if item.when is not None}
    assert {f.id for f in fire(kb) if f.kind is Kind.ADVICE} <= self_help
    assert all(isinstance(f, Fired) and f.kind in Kind for f in sure | unsure)


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
    fact = engine.to_fact(BASE)
    assert "intensity" not in fact
    fired = engine.for_knowledge(kb).fire(BASE)
    assert Fired(Kind.RULE, "SEVERE-PAIN") not in fired
    assert Fired(Kind.RULE, "SEVERE-PAIN") in engine.for_knowledge(kb).fire(
        {**BASE, "intensity": 9}
    )


def test_the_same_fact_again_and_again_in_one_session(kb) -> None:
    """The session is long-lived: each assessment retracts its fact, so asserting the very
    same answers again is a new assessment, not a duplicate durable-rules would ignore."""
    eng = engine.for_knowledge(kb)
    first = eng.fire({**BASE, "symptoms": {"fever": "yes"}})
    for _ in range(50):
        assert eng.fire({**BASE, "symptoms": {"fever": "yes"}}) == first
        assert Fired(Kind.RULE, "INFECTION-FEVER") not in eng.fire(BASE)


def test_skip_logic_runs_through_the_engine(kb) -> None:
    ask = engine.for_knowledge(kb).questions_to_ask
    assert "pain_in_waves" in ask({"location": ["flank"]})
    assert "pain_in_waves" not in ask({"location": ["upper_back"]})
    assert "morning_stiffness" in ask({"duration": "over_12_weeks"})


def test_equal_knowledge_bases_share_one_registered_ruleset(kb) -> None:
    from triage import knowledge

    again = knowledge.load()
    assert again is not kb
    assert (
        engine.for_knowledge(again)._decisions.ruleset
        is engine.for_knowledge(kb)._decisions.ruleset
    )


class _FailingCore:
    """durable-rules' C core with one call failing as the C core fails (a bare Exception)."""

    def __init__(self, real: Any, failing: str) -> None:
        self.real, self.failing = real, failing

    def __getattr__(self, name: str) -> Any:
        if name == self.failing:

            def fail(*args: Any) -> Any:
                raise self.real.error(f"Could not {name}, error code: 999")

            return fail
        return getattr(self.real, name)


@pytest.mark.parametrize(
    "failing",
    ["assert_fact", "start_action_for_state", "complete_and_start_action", "retract_fact"],
)
def test_an_error_inside_durable_rules_is_an_error_not_a_silent_result(
    kb, monkeypatch, failing
) -> None:
    eng = engine.for_knowledge(kb)
    expected = eng.fire({**BASE, "symptoms": {"fever": "yes", "rash": "yes"}})
    with monkeypatch.context() as patch:
        patch.setattr(engine, "core", _FailingCore(engine.core, failing))
        with pytest.raises(EngineError, match="error code: 999"):
            eng.fire({**BASE, "symptoms": {"fever": "yes", "rash": "yes"}})
    # the failed session was dropped: the next assessments are right again
    assert eng.fire({**BASE, "symptoms": {"fever": "yes", "rash": "yes"}}) == expected
    assert outcome.assess(answers(fever="yes"), kb).triage is Level.URGENT


def test_an_unexpected_status_from_durable_rules_is_an_error(kb, monkeypatch) -> None:
    eng = engine.for_knowledge(kb)
    real = engine.core

    class Observed(_FailingCore):
        def __getattr__(self, name: str) -> Any:
            if name == "assert_fact":
                return lambda handle, fact: (2, 0)  # "already observed"
            return getattr(self.real, name)

    with monkeypatch.context() as patch:
        patch.setattr(engine, "core", Observed(real, ""))
        with pytest.raises(EngineError, match="did not take the answers"):
            eng.fire(BASE)
    assert eng.fire(BASE) == eng.fire(BASE)


def test_the_catch_all_must_fire(kb, monkeypatch) -> None:
    """If durable-rules ever reported no catch-all, nothing firing must not pass for self-care."""
    eng = engine.for_knowledge(kb)
    ruleset = eng._decisions.ruleset
    monkeypatch.setattr(ruleset, "_run", lambda fact: [])
    with pytest.raises(EngineError, match="did not evaluate"):
        eng.fire({**BASE, "symptoms": {"bladder_bowel": "yes"}})


def test_the_compiled_ruleset_is_plain_json_with_the_catch_all(kb) -> None:
    program = engine.decisions(kb)
    definition = json.loads(program.text())
    assert definition[engine.CATCH_ALL] == {"all": [{"m": {"kind": engine.FACT_KIND}}]}
    meanings = {fired for entry in program.entries.values() for fired in entry.meaning}
    assert {Fired(Kind.RULE, rule.id) for rule in kb.rules} <= meanings
    assert set(definition) == {engine.CATCH_ALL, *program.entries}


def test_the_shipped_rules_are_within_the_engine_limits(kb) -> None:
    assert engine.compile_problems(kb) == []


def test_only_the_engine_module_imports_durable() -> None:
    package = Path(engine.__file__).parent
    importers = [
        p.name
        for p in package.glob("*.py")
        if "import durable" in p.read_text() or "from durable" in p.read_text()
    ]
    assert importers == ["engine.py"]


def test_a_not_sure_firing_the_policy_does_not_count_is_left_out(kb) -> None:
    """The engine compiles no "Not sure" form of a rule at "soon" (one lower is self-care);
    should such a record ever come back, the outcome must not show it at the rule's level."""
    soon = next(rule for rule in kb.rules if rule.triage is Level.SOON)
    urgent = next(rule for rule in kb.rules if rule.triage is Level.URGENT)
    fired = frozenset({Fired(Kind.RULE, soon.id, unsure=True), Fired(Kind.RULE, urgent.id, True)})
    firings = outcome._firings(kb, fired)
    assert [(f.rule.id, f.level, f.unsure) for f in firings] == [(urgent.id, Level.SOON, True)]
