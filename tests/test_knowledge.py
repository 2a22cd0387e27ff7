"""Integrity of the knowledge in rules/: loops over every rule, question, advice and source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import load_scenario, scenario_files
from triage import conditions, knowledge, outcome, render
from triage.models import SYMPTOMS, Answers, Cause, Level


def test_the_shipped_rules_have_no_problems() -> None:
    assert knowledge.check(knowledge.default_directory()) == []


def test_every_rule_has_id_title_level_condition_and_a_known_source(kb) -> None:
    for rule in kb.rules:
        assert rule.id and rule.title and rule.triage in Level
        assert f"rule:{rule.id}" in kb.conditions
        assert rule.sources and all(s in kb.sources for s in rule.sources), rule.id


def test_every_advice_id_resolves_and_every_advice_text_is_used(kb) -> None:
    referenced = {a for rule in kb.rules for a in rule.advice}
    referenced |= {a for info in kb.info.levels.values() for a in info.advice}
    referenced |= set(kb.info.unsure_advice) | set(kb.info.unsure_steps.values())
    assert referenced <= set(kb.advice)
    referenced |= {
        a + render.BRIEF for a in referenced if a + render.BRIEF in kb.advice
    }  # short forms
    self_help = {a.id for a in kb.advice.values() if a.kind == "self_help"}
    assert set(kb.advice) - referenced == self_help, "info/now/safety-net texts must be used"


def test_every_level_has_what_to_do_now_and_a_safety_net(kb) -> None:
    for level, info in kb.info.levels.items():
        kinds = {kb.advice[a].kind for a in info.advice}
        assert {"now", "safety_net"} <= kinds, level


def test_every_question_is_used_by_a_rule(kb) -> None:
    used = {
        leaf.field
        for key, condition in kb.conditions.items()
        if key.startswith("rule:")
        for leaf in conditions.leaves(condition)
    }
    unused = [q.id for q in kb.questions if q.id not in used]
    # Where, how it started and the spreading pattern all feed rules; every symptom must too.
    assert unused == [], f"questions no rule reads: {unused}"


def test_every_contract_symptom_and_field_has_one_question(kb) -> None:
    ids = [q.id for q in kb.questions]
    assert len(ids) == len(set(ids))
    assert set(SYMPTOMS) <= set(ids)
    assert {
        "age",
        "location",
        "radiation",
        "duration",
        "onset",
        "trigger",
        "intensity",
        "course",
    } <= set(ids)


def test_emergency_questions_come_first_and_are_always_asked(kb) -> None:
    sections = [q.section for q in kb.questions]
    first_other = next(i for i, s in enumerate(sections) if s != "emergency")
    assert "emergency" not in sections[first_other:]
    assert all(q.when is None for q in kb.questions if q.section == "emergency")


def test_every_cause_has_plain_words_and_is_suspected_by_some_rule(kb) -> None:
    suspected = {cause for rule in kb.rules for cause in rule.suspected}
    assert suspected == set(Cause)
    assert set(kb.info.causes) == set(Cause)


def _fired_by_scenarios(kb) -> set[str]:
    fired: set[str] = set()
    for path in scenario_files():
        result = outcome.assess(Answers.model_validate(load_scenario(path)["answers"]), kb)
        fired |= {reason.rule for reason in result.reasons if not reason.unsure}
    return fired


def test_every_rule_is_fired_by_some_scenario(kb) -> None:
    missing = {rule.id for rule in kb.rules} - _fired_by_scenarios(kb)
    assert not missing, f"rules no scenario fires: {sorted(missing)}"


def test_every_emergency_rule_is_fired_by_a_scenario_that_ends_in_emergency(kb) -> None:
    emergency = {rule.id for rule in kb.rules if rule.triage is Level.EMERGENCY}
    covered: set[str] = set()
    for path in scenario_files():
        result = outcome.assess(Answers.model_validate(load_scenario(path)["answers"]), kb)
        if result.triage is Level.EMERGENCY:
            covered |= {r.rule for r in result.reasons if r.triage is Level.EMERGENCY}
    assert emergency <= covered, sorted(emergency - covered)


def test_yes_and_no_are_words_in_rule_files(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("a: yes\nb: no\nc: true\nd: unsure\n")
    assert knowledge.read_yaml(tmp_path / "x.yaml") == {
        "a": "yes",
        "b": "no",
        "c": True,
        "d": "unsure",
    }


def test_a_rule_testing_for_no_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    text = (directory / "rules.yaml").read_text()
    (directory / "rules.yaml").write_text(
        text.replace("bladder_bowel: yes", "bladder_bowel: [yes, no]", 1)
    )
    problems = knowledge.check(directory)
    assert any(p.item == "CES-BLADDER-BOWEL" and "'no'" in p.text for p in problems)


def test_problems_name_file_and_id(tmp_path: Path) -> None:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    text = (directory / "rules.yaml").read_text()
    text = text.replace(
        "sources: [NHS-BACK-PAIN, BASS-2018, CES-CARDS, NICE-CKS-RED-FLAGS]", "sources: [NOPE]"
    )
    text = text.replace(
        "triage: urgent\n    suspected: [cancer]\n    when:\n      weight_loss",
        "triage: later\n    suspected: [cancer]\n    when:\n      weight_loss",
    )
    text = text.replace("back_shape_change: yes", "back_shap_change: yes")
    (directory / "rules.yaml").write_text(text)
    problems = [str(p) for p in knowledge.check(directory)]
    assert any("CES-BLADDER-BOWEL" in p and "NOPE" in p for p in problems), problems
    assert any("CANCER-WEIGHT-LOSS" in p and "triage" in p for p in problems), problems
    assert any(
        "DEFORMITY" in p and "back_shap_change" in p and "known fields" in p for p in problems
    ), problems
    with pytest.raises(knowledge.KnowledgeError):
        knowledge.load(directory)
