"""`triage schema`: the JSON Schema accepts exactly what `triage assess` accepts.

Every answers file is checked twice, with the schema (jsonschema's Draft 2020-12 validator, an
independent implementation) and with the model (triage.inputs), and the two must agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from triage import document, outcome
from triage.cli import main
from triage.errors import InputError
from triage.inputs import answers_from_data
from triage.models import CHOICE_FIELDS, LIST_FIELDS, SYMPTOMS, Answers

BASE = {"age": 38, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def schema_from_cli(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    assert main(["schema", *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    from triage import schema

    return Draft202012Validator(schema.answers_schema())


def model_accepts(data: Any) -> bool:
    try:
        answers_from_data(data, "test.json")
    except InputError:
        return False
    return True


def test_cli_prints_a_valid_2020_12_schema_with_dialect(capsys) -> None:
    schema = schema_from_cli(capsys)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Symptoms"]["additionalProperties"] is False
    assert set(schema["required"]) == {"age", "location", "duration"}


def test_every_field_and_every_symptom_has_a_description(capsys) -> None:
    schema = schema_from_cli(capsys)
    assert set(schema["properties"]) == set(Answers.model_fields)
    for name, prop in schema["properties"].items():
        assert prop.get("description", "").strip(), name
    symptoms = schema["$defs"]["Symptoms"]["properties"]
    assert set(symptoms) == set(SYMPTOMS)
    for name, prop in symptoms.items():
        assert prop.get("description", "").strip(), name


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_scenario_validates(path: Path, validator) -> None:
    answers = load_scenario(path)["answers"]
    assert list(validator.iter_errors(answers)) == []


INVALID = {
    "unknown field": {**BASE, "temperature": 39},
    "unknown symptom": {**BASE, "symptoms": {"bladder_bowl": "yes"}},
    "age above range": {**BASE, "age": 121},
    "age below range": {**BASE, "age": -1},
    "intensity above range": {**BASE, "intensity": 11},
    "age as a string": {**BASE, "age": "45"},
    "age as a boolean": {**BASE, "age": True},
    "location not a list": {**BASE, "location": "lower_back"},
    "empty location": {**BASE, "location": []},
    "repeated location": {**BASE, "location": ["lower_back", "lower_back"]},
    "bad duration": {**BASE, "duration": "2_weeks"},
    "bad radiation": {**BASE, "radiation": ["knee"]},
    "bad symptom answer": {**BASE, "symptoms": {"fever": "maybe"}},
    "symptom as a number": {**BASE, "symptoms": {"fever": 1}},
    "missing age": {"location": ["lower_back"], "duration": "1_to_4_weeks"},
    "schema version 2": {**BASE, "schema_version": 2},
    "symptoms not an object": {**BASE, "symptoms": ["fever"]},
}


@pytest.mark.parametrize("data", INVALID.values(), ids=INVALID.keys())
def test_invalid_answers_are_refused_by_schema_and_model(data, validator) -> None:
    assert list(validator.iter_errors(data)), "the schema accepted it"
    assert not model_accepts(data), "the model accepted it"


def test_symptoms_may_be_json_booleans_as_in_the_model(validator) -> None:
    data = {**BASE, "symptoms": {"fever": True, "night_pain": False, "cough": "unsure"}}
    assert list(validator.iter_errors(data)) == []
    assert Answers.model_validate(data).symptoms.fever == "yes"


def test_document_schema_describes_a_saved_assessment(capsys, kb) -> None:
    schema = schema_from_cli(capsys, "--document")
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    answers = Answers.model_validate({**BASE, "symptoms": {"fever": "yes"}})
    saved = json.loads(
        document.to_json(document.new_document(answers, outcome.assess(answers, kb), kb))
    )
    validator = Draft202012Validator(schema)
    assert list(validator.iter_errors(saved)) == []
    metadata = schema["$defs"]["Metadata"]["properties"]
    for key in saved["metadata"]:
        assert metadata[key]["description"], key
    for name, prop in schema["properties"].items():
        assert prop["description"], name
    broken = {**saved, "answers": {**saved["answers"], "symptoms": {"fevr": "yes"}}}
    assert list(validator.iter_errors(broken))
    assert list(validator.iter_errors({**saved, "extra": 1}))


# ---- The schema and the model agree on generated answers ----------------------------------------


def _field_values() -> dict[str, st.SearchStrategy[Any]]:
    """For each field: valid values mixed with near misses."""
    wrong = st.sampled_from([None, "", "x", -1, 1.5, [], {}, True])
    values: dict[str, st.SearchStrategy[Any]] = {
        "age": st.integers(-5, 130) | wrong,
        "intensity": st.integers(-2, 12) | wrong,
        "schema_version": st.sampled_from([1, 2, "1"]),
    }
    for field, enum in LIST_FIELDS.items():
        values[field] = st.lists(st.sampled_from([*enum, "other"]), max_size=3) | wrong
    for field, enum in CHOICE_FIELDS.items():
        values[field] = st.sampled_from([*enum, "other"]) | wrong
    answer = st.sampled_from(["yes", "no", "unsure", "Yes", "maybe", True, False, None, 0])
    names = st.sampled_from([*SYMPTOMS, "fevr", "pain"])
    values["symptoms"] = st.dictionaries(names, answer, max_size=4) | wrong
    return values


@st.composite
def answer_objects(draw: st.DrawFn) -> dict[str, Any]:
    values = _field_values()
    data = {**BASE}
    for field in draw(st.lists(st.sampled_from([*values, "extra"]), max_size=4, unique=True)):
        data[field] = draw(values[field]) if field in values else 1
    for field in draw(st.lists(st.sampled_from(list(BASE)), max_size=1)):
        del data[field]
    return data


@settings(max_examples=300, deadline=None)
@given(data=answer_objects())
def test_schema_and_model_agree_on_every_answers_object(data, validator) -> None:
    assert (not list(validator.iter_errors(data))) == model_accepts(data), data
