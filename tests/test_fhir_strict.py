"""A FHIR QuestionnaireResponse is read as strictly as an answers file (issue #18): a
misspelt key (`answers` for `answer`, `items` or `Item` for `item`, a top-level `symptoms`) is
refused with its JSON path and a did-you-mean, on every entry that reads a response; a
`modifierExtension` anywhere and `contained` resources are refused. The probe's responses are
kept in tests/data/hostile/responses-misspelt.json; with `answer` spelt right, the same
response is an emergency, so read as unanswered it would have lost a red flag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_every_entry import (
    assert_one_clean_line,
    refused,
    through_batch,
    through_file,
    through_stdin,
)

from triage import fhir
from triage.cli import main

HOSTILE = Path(__file__).parent / "data" / "hostile"
CASES: dict[str, dict[str, Any]] = json.loads(
    (HOSTILE / "responses-misspelt.json").read_text(encoding="utf-8")
)
EXPECTED = {  # case -> what the one line must say (path, then the hint)
    "answers-for-answer": ("item[0].answers", "did you mean 'answer'?"),
    "top-items": ("field 'items'", "did you mean 'item'?"),
    "top-symptoms": ("field 'symptoms'", "did you mean 'item'?"),
    "top-answers": ("field 'answers'", "did you mean 'item'?"),
    "group-Item": ("item[0].Item", "did you mean 'item'?"),
    "group-items": ("item[0].items", "did you mean 'item'?"),
    "modifier-on-resource": ("field 'modifierExtension'", "modifierExtension"),
    "modifier-on-item": ("item[0].modifierExtension", "refused"),
    "modifier-on-answer": ("item[0].answer[0].modifierExtension", "refused"),
    "contained": ("field 'contained'", "contained"),
    "coding-Code": ("item[0].answer[0].valueCoding.Code", "did you mean 'code'?"),
}


def current(response: dict[str, Any], kb) -> dict[str, Any]:
    """The response to the current version of the questionnaire (the data files may be older)."""
    return (
        {**response, "questionnaire": fhir.canonical(kb)}
        if "questionnaire" in response
        else response
    )


def raw(case: str, kb) -> bytes:
    return json.dumps(current(CASES[case], kb)).encode()


def test_the_response_spelt_right_is_an_emergency(capsys, tmp_path, kb) -> None:
    path = tmp_path / "response.json"
    good = json.loads((HOSTILE / "response-bladder-yes.json").read_text(encoding="utf-8"))
    path.write_text(json.dumps(current(good, kb)))
    assert main(["assess", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["triage"] == "emergency"


def through_fhir_result(capsys, tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "response.json"
    path.write_bytes(data)
    return refused(capsys, ["fhir", str(path), "--result"])


ENTRIES = {
    "file": through_file,
    "stdin": through_stdin,
    "batch-line": through_batch,
    "fhir-result": through_fhir_result,
}


@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize("case", list(EXPECTED))
def test_a_misspelt_or_unknown_key_is_refused_naming_it(capsys, tmp_path, kb, entry, case) -> None:
    line = ENTRIES[entry](capsys, tmp_path, raw(case, kb))
    where, hint = EXPECTED[case]
    assert_one_clean_line(line, hint)
    assert where.removeprefix("field ").strip("'") in line, line


def test_every_case_of_the_probe_is_covered() -> None:
    assert set(CASES) == set(EXPECTED)


def test_extensions_and_primitive_extensions_are_still_read(capsys, tmp_path, kb) -> None:
    good = current(json.loads((HOSTILE / "response-bladder-yes.json").read_text()), kb)
    good["extension"] = [{"url": "http://example.org/renderer", "valueString": "LHC-Forms"}]
    good["_status"] = {"extension": [{"url": "http://example.org/x", "valueString": "y"}]}
    good["item"][0]["answer"][0]["valueCoding"]["userSelected"] = True
    good["item"] = [{"linkId": "group", "text": "Warning signs", "item": good["item"]}]
    path = tmp_path / "response.json"
    path.write_text(json.dumps(good))
    assert main(["assess", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["triage"] == "emergency"
