"""`triage fhir`: a Questionnaire and QuestionnaireResponses that fhir.resources (R4B) accepts,
that refer to each other correctly, and whose enableWhen asks at least what the quiz asks.

fhir.resources checks structure and types only, so the cross-references (linkIds, answer codes)
and the meaning of enableWhen are checked here, with a small evaluator of FHIR's enableWhen.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir_support import items_by_link, put, random_answer, with_whens

from triage import conditions, document, fhir, outcome
from triage.cli import main
from triage.conditions import AllOf, AnyOf, AtLeast, Condition, Leaf
from triage.knowledge import KnowledgeBase
from triage.models import NUMBER_FIELDS, REQUIRED_FIELDS, Answers

BASE = {"age": 38, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def questionnaire() -> dict[str, Any]:
    from triage import knowledge

    return fhir.questionnaire(knowledge.load())


# ---- Questionnaire -------------------------------------------------------------------------------


def test_questionnaire_from_cli_is_valid_r4b(capsys, kb) -> None:
    resource = run_cli(capsys, "fhir", "--questionnaire")
    Questionnaire.model_validate(resource)
    assert resource["resourceType"] == "Questionnaire"
    assert resource["version"] == kb.info.version and resource["status"] == "active"
    assert resource["url"].startswith("https://") and resource["title"]


def test_one_item_per_question_in_order_with_type_and_options(questionnaire, kb) -> None:
    items = questionnaire["item"]
    assert [item["linkId"] for item in items] == [q.id for q in kb.questions]
    for item, question in zip(items, kb.questions, strict=True):
        assert item["text"] == question.text
        assert item["type"] == ("integer" if question.kind == "number" else "choice"), item[
            "linkId"
        ]
        assert item.get("repeats", False) == (question.kind == "multi")
        assert item.get("required", False) == (question.id in REQUIRED_FIELDS)
        codes = [o["valueCoding"]["code"] for o in item.get("answerOption", [])]
        if question.kind == "symptom":
            assert codes == ["yes", "no", "unsure"]
        elif question.kind in ("single", "multi"):
            assert codes == [c.value for c in question.choices]
        for option in item.get("answerOption", []):
            assert option["valueCoding"]["system"].startswith(fhir.CANONICAL_BASE)
            assert option["valueCoding"]["display"]


def test_number_items_carry_the_contract_range(questionnaire) -> None:
    for field, (low, high) in NUMBER_FIELDS.items():
        item = items_by_link(questionnaire)[field]
        bounds = {e["url"]: e["valueInteger"] for e in item["extension"]}
        assert bounds == {fhir.MIN_VALUE: low, fhir.MAX_VALUE: high}


def test_every_conditional_question_has_enable_when_on_earlier_items(questionnaire, kb) -> None:
    seen: set[str] = set()
    for item, question in zip(questionnaire["item"], kb.questions, strict=True):
        if question.when is not None:
            assert item["enableWhen"], question.id
            assert len(item["enableWhen"]) == 1 or item["enableBehavior"] in ("any", "all")
            assert {test["question"] for test in item["enableWhen"]} <= seen
        else:
            assert "enableWhen" not in item
        seen.add(question.id)


# ---- enableWhen means what `when` means ----------------------------------------------------


def answer_values(partial: dict[str, Any], link_id: str) -> list[Any]:
    """An answer as the list of FHIR answer values (codes or integers) a response would hold."""
    value = partial.get("symptoms", {}).get(link_id, partial.get(link_id))
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def fhir_test_holds(test: dict[str, Any], values: list[Any]) -> bool:
    """One enableWhen test, as FHIR R4 defines it (no answer: only `exists false` holds)."""
    operator = test["operator"]
    if operator == "exists":
        return bool(values) == test["answerBoolean"]
    target = test["answerCoding"]["code"] if "answerCoding" in test else test["answerInteger"]
    compare = {
        "=": lambda v: v == target,
        "!=": lambda v: v != target,
        ">": lambda v: v > target,
        ">=": lambda v: v >= target,
        "<": lambda v: v < target,
        "<=": lambda v: v <= target,
    }[operator]
    return any(compare(v) for v in values)


def fhir_enabled(item: dict[str, Any], partial: dict[str, Any]) -> bool:
    tests = item.get("enableWhen", [])
    if not tests:
        return True
    results = [fhir_test_holds(t, answer_values(partial, t["question"])) for t in tests]
    return all(results) if item.get("enableBehavior") == "all" else any(results)


def condition_holds(condition: Condition, facts: dict[str, Any]) -> bool:
    match condition:
        case Leaf():
            return condition.holds(facts)
        case AllOf(parts=parts):
            return all(condition_holds(p, facts) for p in parts)
        case AnyOf(parts=parts):
            return any(condition_holds(p, facts) for p in parts)
        case AtLeast(count=count, parts=parts):
            return sum(condition_holds(p, facts) for p in parts) >= count
    raise AssertionError(condition)


def test_enable_when_agrees_with_the_quiz_skip_logic(questionnaire, kb) -> None:
    """Walk the quiz as a person would, with random answers: each question the engine's skip
    logic asks is enabled in FHIR; where the translation is exact, exactly those are."""
    rng = random.Random(20250115)
    items = items_by_link(questionnaire)
    approximate = {
        q.id
        for q in kb.questions
        if q.when and not fhir.is_exact(kb, kb.conditions[f"question:{q.id}"])
    }
    checked = 0
    for _ in range(300):
        partial: dict[str, Any] = {}
        for question in kb.questions:
            asked = question.when is None or question.id in outcome.questions_to_ask(kb, partial)
            enabled = fhir_enabled(items[question.id], partial)
            if question.id in approximate:
                assert enabled or not asked, (question.id, partial)
            else:
                assert enabled == asked, (question.id, partial)
            checked += question.when is not None
            if asked:
                put(partial, kb, question.id, random_answer(rng, question.id))
    assert checked > 1000


SYNTHETIC = {
    "one symptom": {"fever": "yes"},
    "optional choice not answered": {"onset": ["not_answered", "sudden"]},
    "number range": {"age": {"gte": 50, "lt": 70}},
    "any of leaves": {"any": [{"age": {"gte": 50}}, {"location": ["flank", "lower_back"]}]},
    "all of leaves": {"all": [{"age": {"lt": 16}}, {"fever": "yes"}, {"radiation": "groin"}]},
    "range inside any": {"any": [{"age": {"gte": 50, "lt": 70}}, {"fever": "yes"}]},
    "any inside all": {
        "all": [{"age": {"gte": 50}}, {"any": [{"fever": "yes"}, {"cough": "unsure"}]}]
    },
    "all inside any": {
        "any": [{"all": [{"age": {"gte": 50}}, {"fever": "yes"}]}, {"cough": "yes"}]
    },
    "at least 2 of 3": {
        "at_least": {"count": 2, "of": [{"fever": "yes"}, {"cough": "yes"}, {"age": {"gt": 60}}]}
    },
    "all of one-value choices": {
        "all": [{"duration": ["under_1_week", "1_to_4_weeks"]}, {"fever": "yes"}]
    },
    "nested any of all with nothing to keep": {
        "any": [
            {"all": [{"fever": ["yes", "unsure"]}, {"cough": ["yes", "unsure"]}]},
            {
                "at_least": {
                    "count": 2,
                    "of": [{"rash": "yes"}, {"onset": "not_answered"}, {"trigger": "none"}],
                }
            },
        ]
    },
}
EXPECT_EXACT = {
    "one symptom",
    "optional choice not answered",
    "number range",
    "any of leaves",
    "all of leaves",
}


def random_partial(rng: random.Random, kb: KnowledgeBase) -> dict[str, Any]:
    partial: dict[str, Any] = {}
    for question in kb.questions:
        put(partial, kb, question.id, random_answer(rng, question.id))
    return partial


@pytest.mark.parametrize("when", SYNTHETIC.values(), ids=SYNTHETIC.keys())
def test_enable_when_is_exact_or_wider_never_narrower(when, kb) -> None:
    name = next(key for key, value in SYNTHETIC.items() if value is when)
    condition = conditions.parse(when)
    translated = fhir.enable_when(kb, condition)
    item = {"linkId": "x", **translated}
    exact = fhir.is_exact(kb, condition)
    assert exact == (name in EXPECT_EXACT)
    rng = random.Random(7)
    wider = 0
    for _ in range(2000):
        partial = random_partial(rng, kb)
        holds = condition_holds(condition, partial)
        enabled = fhir_enabled(item, partial)
        assert enabled or not holds, (translated, partial)
        if exact:
            assert enabled == holds, (translated, partial)
        wider += enabled and not holds
    assert exact or wider > 0 or not translated  # an approximation does widen


def test_an_approximate_item_also_carries_the_exact_condition_in_fhirpath(kb) -> None:
    when = SYNTHETIC["any inside all"]
    patched = with_whens(kb, {"osteoporosis": when})
    item = fhir.question_item(patched, patched.questions_by_id["osteoporosis"])
    (found,) = [e for e in item["extension"] if e["url"] == fhir.ENABLE_WHEN_EXPRESSION]
    expression = found["valueExpression"]
    assert expression["language"] == "text/fhirpath"
    assert expression["expression"] == fhir.expression(patched, conditions.parse(when))
    assert json.dumps(when) in expression["description"]
    # The wider enableWhen stays, for renderers without FHIRPath.
    assert item["enableWhen"] == [{"question": "age", "operator": ">=", "answerInteger": 50}]
    Questionnaire.model_validate(fhir.questionnaire(patched))


def test_every_inexact_item_carries_its_exact_condition(questionnaire, kb) -> None:
    """An item whose enableWhen is wider than its `when` carries the exact FHIRPath; an exact
    one carries none (today's questions all translate exactly)."""
    for item, question in zip(questionnaire["item"], kb.questions, strict=True):
        found = [
            e["valueExpression"]["expression"]
            for e in item.get("extension", [])
            if e["url"] == fhir.ENABLE_WHEN_EXPRESSION
        ]
        condition = kb.conditions.get(f"question:{question.id}")
        if condition is None or fhir.is_exact(kb, condition):
            assert found == [], question.id
        else:
            assert found == [fhir.expression(kb, condition)], question.id


def test_choices_are_shown_as_radio_buttons_or_check_boxes(questionnaire, kb) -> None:
    for item, question in zip(questionnaire["item"], kb.questions, strict=True):
        controls = [
            coding["code"]
            for e in item.get("extension", [])
            if e["url"] == fhir.ITEM_CONTROL
            for coding in e["valueCodeableConcept"]["coding"]
        ]
        expected = {"number": [], "multi": ["check-box"]}.get(question.kind, ["radio-button"])
        assert controls == expected, question.id


# ---- QuestionnaireResponse -----------------------------------------------------------------------


def check_response(response: dict[str, Any], questionnaire: dict[str, Any]) -> None:
    """Valid R4B, pointing at the questionnaire, every linkId and code known to it."""
    QuestionnaireResponse.model_validate(response)
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    assert response["status"] == "completed"
    assert datetime.fromisoformat(response["authored"]).tzinfo is not None
    items = items_by_link(questionnaire)
    for answered in response["item"]:
        item = items[answered["linkId"]]
        assert answered["answer"], answered["linkId"]
        if item["type"] == "integer":
            assert all(set(a) == {"valueInteger"} for a in answered["answer"])
            continue
        allowed = [o["valueCoding"] for o in item["answerOption"]]
        assert len(answered["answer"]) == 1 or item.get("repeats")
        for answer in answered["answer"]:
            assert answer["valueCoding"] in allowed, (answered["linkId"], answer)


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_scenario_becomes_a_valid_matching_response(path: Path, questionnaire, kb) -> None:
    data = load_scenario(path)["answers"]
    answers = Answers.model_validate(data)
    response = fhir.questionnaire_response(answers, kb, document.now())
    check_response(response, questionnaire)
    expected = {
        k
        for k, v in data.items()
        if k != "symptoms" and k != "schema_version" and v not in (None, [])
    }
    expected |= {k for k, v in data.get("symptoms", {}).items() if v is not None}
    assert {item["linkId"] for item in response["item"]} == expected


def test_response_from_cli_keeps_every_value(tmp_path, capsys, questionnaire) -> None:
    data = {
        **BASE,
        "radiation": ["buttock_or_thigh", "below_knee"],
        "onset": "sudden",
        "intensity": 7,
        "symptoms": {"fever": True, "cough": "unsure", "rash": "no"},
    }
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data))
    response = run_cli(capsys, "fhir", str(path))
    check_response(response, questionnaire)
    values = {
        item["linkId"]: [
            a.get("valueInteger", a.get("valueCoding", {}).get("code")) for a in item["answer"]
        ]
        for item in response["item"]
    }
    assert values["age"] == [38] and values["intensity"] == [7]
    assert values["radiation"] == ["buttock_or_thigh", "below_knee"]
    assert values["fever"] == ["yes"] and values["cough"] == ["unsure"] and values["rash"] == ["no"]
    authored = datetime.fromisoformat(response["authored"])
    assert abs(datetime.now().astimezone() - authored) < timedelta(minutes=5)


def test_response_to_a_document_is_dated_when_it_was_saved(tmp_path, capsys, kb) -> None:
    answers = Answers.model_validate(BASE)
    saved = document.new_document(answers, outcome.assess(answers, kb), kb)
    data = json.loads(document.to_json(saved))
    data["metadata"]["created"] = "2024-03-05T08:09:10+02:00"
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(data))
    assert run_cli(capsys, "fhir", str(path))["authored"] == "2024-03-05T08:09:10+02:00"
    data["metadata"]["created"] = "2024-03-05T08:09:10"  # no zone: read as local time
    path.write_text(json.dumps(data))
    authored = datetime.fromisoformat(run_cli(capsys, "fhir", str(path))["authored"])
    assert authored.tzinfo is not None and authored.replace(tzinfo=None) == datetime(
        2024, 3, 5, 8, 9, 10
    )
    data["metadata"]["created"] = "last tuesday"
    path.write_text(json.dumps(data))
    assert main(["fhir", str(path)]) == 2
    err = capsys.readouterr().err
    assert "metadata.created" in err and "last tuesday" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["fhir"], ["fhir", "--questionnaire", "answers.json"]])
def test_fhir_needs_exactly_one_of_questionnaire_or_file(args, capsys) -> None:
    assert main(args) == 2
    assert "--questionnaire" in capsys.readouterr().err


def test_fhir_resources_is_never_imported_at_run_time(tmp_path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(BASE))
    code = (
        "import sys\nfrom triage.cli import main\n"
        "assert main(['fhir', '--questionnaire']) == 0\n"
        f"assert main(['fhir', {str(path)!r}]) == 0\n"
        f"assert main(['fhir', {str(path)!r}, '--result']) == 0\n"
        "loaded = [m for m in sys.modules if m.startswith(('fhir.', 'fhir_core')) or m == 'fhir']\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"resourceType": "QuestionnaireResponse"' in done.stdout
