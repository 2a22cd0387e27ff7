"""A FHIR QuestionnaireResponse is read wherever an answers file is (`assess FILE`, standard
input, `--batch` lines, `fhir FILE`): the same answers and the same result as the answers file,
nested items or not; anything it cannot read with certainty is refused in one line naming the
linkId and the allowed codes, with exit code 2."""

from __future__ import annotations

import copy
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import load_scenario, scenario_files

from triage import document, fhir, fhir_in
from triage.cli import main
from triage.errors import InputError
from triage.knowledge import KnowledgeBase
from triage.models import Answers

ANSWERS = {
    "age": 58,
    "location": ["lower_back", "flank"],
    "radiation": ["groin"],
    "duration": "1_to_4_weeks",
    "onset": "sudden",
    "intensity": 8,
    "symptoms": {"pain_in_waves": "yes", "fever": "unsure", "bladder_bowel": "no"},
}


def response_to(answers: dict[str, Any], kb: KnowledgeBase) -> dict[str, Any]:
    return fhir.questionnaire_response(Answers.model_validate(answers), kb, document.now())


def nested(response: dict[str, Any]) -> dict[str, Any]:
    """The same answers as a renderer may nest them: symptoms in a group, the radiation under
    the answer to location, the rest in a second group."""
    items = {item["linkId"]: item for item in response["item"]}
    location, radiation = copy.deepcopy(items.pop("location")), items.pop("radiation")
    location["answer"][-1]["item"] = [radiation]
    symptoms = [i for link, i in items.items() if link in ANSWERS["symptoms"]]
    others = [i for link, i in items.items() if link not in ANSWERS["symptoms"]]
    return {
        **response,
        "item": [
            {"linkId": "warning-signs", "text": "Warning signs", "item": symptoms},
            {"linkId": "basics", "item": [location, *others]},
        ],
    }


def write(tmp_path: Path, data: Any, name: str = "response.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def assess_json(capsys, *args: str) -> dict[str, Any]:
    assert main(["assess", *args, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


# ---- The same answers, the same result ------------------------------------------------------


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_scenario_survives_the_round_trip(path: Path, kb) -> None:
    answers = Answers.model_validate(load_scenario(path)["answers"])
    response = fhir.questionnaire_response(answers, kb, document.now())
    back = fhir_in.answers_from_response(json.loads(json.dumps(response)), kb, "r.json")
    assert Answers.model_validate(back) == answers


def test_nested_items_give_the_same_answers(kb) -> None:
    response = response_to(ANSWERS, kb)
    flat = fhir_in.answers_from_response(response, kb, "r.json")
    assert fhir_in.answers_from_response(nested(response), kb, "r.json") == flat
    assert Answers.model_validate(flat) == Answers.model_validate(ANSWERS)


def test_codings_without_system_or_display_are_read_in_the_questions_code_system(kb) -> None:
    response = response_to(ANSWERS, kb)
    for item in response["item"]:
        for answer in item["answer"]:
            if "valueCoding" in answer:
                answer["valueCoding"] = {"code": answer["valueCoding"]["code"]}
    assert Answers.model_validate(fhir_in.answers_from_response(response, kb, "r")) == (
        Answers.model_validate(ANSWERS)
    )


@pytest.mark.parametrize("status", ["in-progress", "completed", "amended", "stopped"])
def test_a_response_is_read_whatever_its_status_but_entered_in_error(status, kb) -> None:
    """The warning signs answered in an unfinished form still count."""
    response = response_to(ANSWERS, kb) | {"status": status}
    assert fhir_in.answers_from_response(response, kb, "r")["symptoms"]["pain_in_waves"] == "yes"


def test_assess_gives_the_same_result_for_the_response_file(tmp_path, capsys, kb) -> None:
    answers_file = write(tmp_path, ANSWERS, "answers.json")
    response_file = write(tmp_path, nested(response_to(ANSWERS, kb)))
    expected = assess_json(capsys, str(answers_file))
    assert expected["triage"] != "self_care"  # the answers matter: a kidney stone pattern
    assert assess_json(capsys, str(response_file)) == expected
    for fmt in ("text", "markdown"):
        assert main(["assess", str(answers_file), "--format", fmt]) == 0
        from_answers = _timeless(capsys.readouterr().out)
        assert main(["assess", str(response_file), "--format", fmt]) == 0
        assert _timeless(capsys.readouterr().out) == from_answers


def _timeless(text: str) -> list[str]:
    """The lines of an output without the one that says when it was made (the clock moves on
    between two runs)."""
    return [line for line in text.splitlines() if "Assessed: " not in line]


def test_assess_reads_a_response_on_standard_input(monkeypatch, capsys, kb, tmp_path) -> None:
    expected = assess_json(capsys, str(write(tmp_path, ANSWERS, "answers.json")))
    raw = json.dumps(response_to(ANSWERS, kb)).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    assert assess_json(capsys, "-") == expected


def test_batch_reads_response_lines_and_reports_a_bad_one(tmp_path, capsys, kb) -> None:
    good = response_to(ANSWERS, kb)
    bad = copy.deepcopy(good)
    bad["item"][0]["answer"][0]["valueCoding"]["code"] = "maybe"
    lines = [json.dumps(good), json.dumps(bad), json.dumps(ANSWERS)]
    batch = tmp_path / "lines.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["assess", "--batch", str(batch)]) == 2
    out, err = capsys.readouterr()
    first, second, third = (json.loads(line) for line in out.splitlines())
    assert first == third and first["triage"] != "self_care"
    link_id = bad["item"][0]["linkId"]
    assert second["line"] == 2 and second["field"] == link_id
    assert "'maybe'" in second["error"] and "yes, no, unsure" in second["error"]
    assert "1 of 3 lines failed" in err


def test_fhir_turns_a_response_back_into_our_response(tmp_path, capsys, kb) -> None:
    response = nested(response_to(ANSWERS, kb))
    assert main(["fhir", str(write(tmp_path, response))]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["item"] == response_to(ANSWERS, kb)["item"]


# ---- The questionnaire it answers ------------------------------------------------------------


def copy_rules(tmp_path: Path, version: str) -> Path:
    """A copy of the built-in rules under another version number."""
    from triage import knowledge

    rules = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), rules)
    info = yaml.safe_load((rules / "ruleset.yaml").read_text(encoding="utf-8"))
    text = (rules / "ruleset.yaml").read_text(encoding="utf-8")
    (rules / "ruleset.yaml").write_text(
        text.replace(f"version: {info['version']}", f"version: {version}"), encoding="utf-8"
    )
    return rules


def test_a_response_to_another_version_is_refused_and_its_own_version_read(
    tmp_path, capsys, kb
) -> None:
    """A rule set of another version reads only responses to its own Questionnaire version."""
    rules = copy_rules(tmp_path, "9.9.9")
    ours = write(tmp_path, response_to(ANSWERS, kb), "ours.json")
    assert main(["--rules", str(rules), "fhir", str(ours)]) == 2
    err = capsys.readouterr().err
    assert f"version '{kb.info.version}'" in err and "9.9.9" in err and "questionnaire" in err
    assert main(["--rules", str(rules), "fhir", "--questionnaire"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "9.9.9"
    theirs = response_to(ANSWERS, kb) | {"questionnaire": f"{fhir.questionnaire_url(kb)}|9.9.9"}
    assert main(["--rules", str(rules), "fhir", str(write(tmp_path, theirs))]) == 0
    assert json.loads(capsys.readouterr().out)["questionnaire"].endswith("|9.9.9")


# ---- Hostile and mistaken responses ----------------------------------------------------------


def first_item(link_id: str, response: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in response["item"] if i["linkId"] == link_id)


def change(edit):  # noqa: ANN001, ANN201 - a small decorator for the table below
    def apply(response: dict[str, Any]) -> dict[str, Any]:
        changed = copy.deepcopy(response)
        edit(changed)
        return changed

    return apply


def coding_of(link_id: str):  # noqa: ANN201
    return lambda r: first_item(link_id, r)["answer"][0]["valueCoding"]


def _set(target, key: str, value: Any) -> None:  # noqa: ANN001
    target[key] = value


HOSTILE: dict[str, tuple[Any, str, list[str]]] = {
    # name: (edit of a valid response, the field named, words the message must contain)
    "unknown linkId": (
        change(lambda r: _set(first_item("fever", r), "linkId", "fevre")),
        "fevre",
        ["unknown linkId", "did you mean 'fever'", "bladder_bowel"],
    ),
    "wrong code": (
        change(lambda r: _set(coding_of("fever")(r), "code", "maybe")),
        "fever",
        ["'maybe'", "allowed codes: yes, no, unsure"],
    ),
    "wrong code of a choice": (
        change(lambda r: _set(coding_of("duration")(r), "code", "ages")),
        "duration",
        ["'ages'", "under_1_week", "over_12_weeks"],
    ),
    "wrong code system": (
        change(lambda r: _set(coding_of("fever")(r), "system", "http://snomed.info/sct")),
        "fever",
        ["snomed", fhir.SYMPTOM_SYSTEM, "yes, no, unsure"],
    ),
    "a code of another question's system": (
        change(lambda r: _set(coding_of("onset")(r), "system", fhir.SYMPTOM_SYSTEM)),
        "onset",
        ["CodeSystem/onset", "sudden, gradual"],
    ),
    "two answers to a single choice": (
        change(lambda r: first_item("fever", r)["answer"].append({"valueCoding": {"code": "no"}})),
        "fever",
        ["2 answers", "takes one"],
    ),
    "two answers to a number": (
        change(lambda r: first_item("age", r)["answer"].append({"valueInteger": 30})),
        "age",
        ["2 answers"],
    ),
    "valueString for a coding": (
        change(lambda r: _set(first_item("fever", r), "answer", [{"valueString": "yes"}])),
        "fever",
        ["valueString", "expected one valueCoding", "yes, no, unsure"],
    ),
    "valueBoolean for a coding": (
        change(lambda r: _set(first_item("fever", r), "answer", [{"valueBoolean": True}])),
        "fever",
        ["valueBoolean", "valueCoding"],
    ),
    "two values in one answer": (
        change(
            lambda r: first_item("fever", r)["answer"][0].update({"valueString": "no"}),
        ),
        "fever",
        ["valueCoding' and 'valueString", "expected one valueCoding"],
    ),
    "an answer without a value": (
        change(lambda r: _set(first_item("fever", r), "answer", [{}])),
        "fever",
        ["no value given"],
    ),
    "valueDecimal for a number": (
        change(lambda r: _set(first_item("age", r), "answer", [{"valueDecimal": 58.0}])),
        "age",
        ["valueDecimal", "valueInteger"],
    ),
    "a number given as text": (
        change(lambda r: _set(first_item("age", r), "answer", [{"valueInteger": "58"}])),
        "age",
        ["'58'", "whole number"],
    ),
    "a number out of range": (
        change(lambda r: _set(first_item("age", r), "answer", [{"valueInteger": 130}])),
        "age",
        ["130", "0 to 120"],
    ),
    "a huge number": (
        change(lambda r: _set(first_item("age", r), "answer", [{"valueInteger": 10**200}])),
        "age",
        ["0 to 120", "..."],
    ),
    "a huge code": (
        change(lambda r: _set(coding_of("fever")(r), "code", "y" * 200_000)),
        "fever",
        ["yyy...", "allowed codes: yes, no, unsure"],
    ),
    "a huge linkId": (
        change(lambda r: _set(first_item("fever", r), "linkId", "z" * 200_000)),
        "zzz",
        ["unknown linkId"],
    ),
    "control characters in a code": (
        change(lambda r: _set(coding_of("fever")(r), "code", "\x1b]0;evil\x07")),
        "fever",
        ["\\x1b]0;evil\\x07"],
    ),
    "a question answered twice": (
        change(lambda r: r["item"].append(copy.deepcopy(first_item("fever", r)))),
        "fever",
        ["appears twice"],
    ),
    "a repeated choice": (
        change(
            lambda r: first_item("location", r)["answer"].append(
                copy.deepcopy(first_item("location", r)["answer"][0])
            )
        ),
        "location",
        ["only once"],
    ),
    "a required question missing": (
        change(lambda r: r["item"].remove(first_item("age", r))),
        "age",
        ["is required"],
    ),
    "no questionnaire": (
        change(lambda r: r.pop("questionnaire")),
        "questionnaire",
        ["missing", "Questionnaire/back-pain-triage|"],
    ),
    "another questionnaire": (
        change(lambda r: _set(r, "questionnaire", "http://loinc.org/q/44249-1|2.0")),
        "questionnaire",
        ["loinc", "another questionnaire"],
    ),
    "another version": (
        change(lambda r: _set(r, "questionnaire", r["questionnaire"].split("|")[0] + "|0.9.0")),
        "questionnaire",
        ["version '0.9.0'", "triage fhir --questionnaire"],
    ),
    "no version": (
        change(lambda r: _set(r, "questionnaire", r["questionnaire"].split("|")[0])),
        "questionnaire",
        ["does not say which version"],
    ),
    "entered in error": (
        change(lambda r: _set(r, "status", "entered-in-error")),
        "status",
        ["entered in error"],
    ),
    "an unknown status": (
        change(lambda r: _set(r, "status", "done")),
        "status",
        ["'done'", "completed"],
    ),
    "another kind of resource": (
        change(lambda r: _set(r, "resourceType", "Bundle")),
        "resourceType",
        ["Bundle", "expected a QuestionnaireResponse"],
    ),
    "items not a list": (
        change(lambda r: _set(r, "item", {"linkId": "age"})),
        "item",
        ["must be a list"],
    ),
    "an item without linkId": (
        change(lambda r: first_item("fever", r).pop("linkId")),
        "item",
        ["no linkId"],
    ),
    "an answer that is not an object": (
        change(lambda r: _set(first_item("fever", r), "answer", ["yes"])),
        "fever",
        ["not an answer object"],
    ),
}


def hostile(kb: KnowledgeBase, name: str) -> dict[str, Any]:
    return HOSTILE[name][0](response_to(ANSWERS, kb))


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_response_file_is_refused_in_one_line(name, tmp_path, capsys, kb) -> None:
    _edit, field, words = HOSTILE[name]
    path = write(tmp_path, hostile(kb, name))
    assert main(["assess", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith(f"triage: error: {path}: field '{field}")
    assert len(line) < 1000
    for word in words:
        assert word in line, (word, line)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_response_line_fails_alone_in_a_batch(name, tmp_path, capsys, kb) -> None:
    good = json.dumps(response_to(ANSWERS, kb))
    batch = tmp_path / "lines.jsonl"
    batch.write_text(f"{good}\n{json.dumps(hostile(kb, name))}\n{good}\n", encoding="utf-8")
    assert main(["assess", "--batch", str(batch)]) == 2
    first, second, third = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first == third and "triage" in first
    assert second["line"] == 2 and second["field"].startswith(HOSTILE[name][1])


def test_a_response_nested_a_thousand_deep_is_read_without_recursion(kb) -> None:
    response = response_to(ANSWERS, kb)
    inner: dict[str, Any] = {"linkId": "g0", "item": response["item"]}
    for depth in range(1, 3000):
        inner = {"linkId": f"g{depth}", "item": [inner]}
    deep = {**response, "item": [inner]}
    assert Answers.model_validate(fhir_in.answers_from_response(deep, kb, "r")) == (
        Answers.model_validate(ANSWERS)
    )


def test_errors_are_input_errors_naming_the_file(kb) -> None:
    with pytest.raises(InputError) as caught:
        fhir_in.answers_from_response(hostile(kb, "wrong code"), kb, "clinic.json")
    assert caught.value.file == "clinic.json" and caught.value.field == "fever"
