"""`triage fhir FILE --result`: a FHIR R4 Bundle (collection) of the QuestionnaireResponse and a
RiskAssessment that carries the triage result: valid R4B, the level and the suspected causes
coded in our code systems, the basis pointing at the response, and every fired rule with its
sources, level and "Not sure" flag; what to do now, the safety net and the disclaimer kept."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.riskassessment import RiskAssessment

from triage import document, fhir, outcome
from triage.cli import main
from triage.knowledge import KnowledgeBase
from triage.models import Answers, Result


def bundle_for(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["fhir", str(path), "--result"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def parts(bundle: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The response and the assessment of a result Bundle, checked as valid R4B."""
    Bundle.model_validate(bundle)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    response_entry, assessment_entry = bundle["entry"]
    response, assessment = response_entry["resource"], assessment_entry["resource"]
    QuestionnaireResponse.model_validate(response)
    RiskAssessment.model_validate(assessment)
    assert assessment["basis"] == [{"reference": response_entry["fullUrl"]}]
    assert response_entry["fullUrl"] != assessment_entry["fullUrl"]
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
    return response, assessment


def check_assessment(assessment: dict[str, Any], result: Result, kb: KnowledgeBase) -> None:
    """The RiskAssessment says what the Result says."""
    assert assessment["status"] == "final" and assessment["method"]["text"] == result.ruleset
    level, *causes = assessment["prediction"]
    assert level["outcome"]["coding"] == [fhir.level_coding(kb, result.triage)]
    assert (
        level["outcome"]["coding"][0]["system"] == f"{fhir.CANONICAL_BASE}/CodeSystem/triage-level"
    )
    assert level["outcome"]["text"] == result.headline
    assert [c["outcome"]["coding"] for c in causes] == [
        [fhir.cause_coding(kb, cause)] for cause in result.suspected
    ]
    reasons = assessment.get("reasonCode", [])
    assert [r["coding"][0]["code"] for r in reasons] == [r.rule for r in result.reasons]
    for coded, reason in zip(reasons, result.reasons, strict=True):
        assert coded["coding"][0]["system"] == fhir.RULE_SYSTEM
        assert coded["text"] == reason.title
        by_url: dict[str, list[Any]] = {}
        for extension in coded["extension"]:
            by_url.setdefault(extension["url"], []).append(extension)
        (rule_level,) = by_url[fhir.RULE_LEVEL]
        assert rule_level["valueCoding"]["code"] == reason.triage.value
        assert [e["valueBoolean"] for e in by_url[fhir.RULE_UNSURE]] == [reason.unsure]
        cited = [e["valueRelatedArtifact"] for e in by_url[fhir.RULE_SOURCE]]
        assert [c["label"] for c in cited] == [s.id for s in reason.sources]
        assert all(c["type"] == "citation" and c["display"] for c in cited)
    notes = [note["text"] for note in assessment["note"]]
    assert notes[-1] == " ".join(result.disclaimer.split())
    safety_net = [a for a in result.advice if a.kind == "safety_net"]
    assert safety_net and len(notes) == len(safety_net) + 1  # every outcome is safety-netted
    now = [a for a in result.advice if a.kind == "now"]
    assert bool(now) == ("mitigation" in assessment)
    for item in now:
        assert " ".join(item.text.split()) in assessment["mitigation"]
    datetime.fromisoformat(assessment["occurrenceDateTime"])


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_scenario_gives_a_valid_bundle_with_its_result(path: Path, kb) -> None:
    answers = Answers.model_validate(load_scenario(path)["answers"])
    result = outcome.assess(answers, kb)
    made = document.now()
    bundle = fhir.result_bundle(answers, result, kb, authored=made, made=made)
    response, assessment = parts(json.loads(fhir.to_json(bundle)))
    assert response == fhir.questionnaire_response(answers, kb, made)
    check_assessment(assessment, result, kb)


def test_the_levels_seen_cover_every_level(kb) -> None:
    """The scenario test above sees every level and cause coded (so none is untested)."""
    results = [
        outcome.assess(Answers.model_validate(load_scenario(p)["answers"]), kb)
        for p in scenario_files()
    ]
    assert {r.triage for r in results} == set(kb.info.levels)
    assert any(r.reasons and any(x.unsure for x in r.reasons) for r in results)


def test_cli_result_for_an_answers_file_and_for_a_response(tmp_path, capsys, kb) -> None:
    answers = {
        "age": 70,
        "location": ["middle_back"],
        "duration": "under_1_week",
        "trigger": "minor_injury",
        "symptoms": {"osteoporosis": "yes", "chest_pain": "unsure"},
    }
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    response, assessment = parts(bundle_for(path, capsys))
    result = outcome.assess(Answers.model_validate(answers), kb)
    assert result.triage.value != "self_care" and result.suspected
    check_assessment(assessment, result, kb)
    # The response in the Bundle is read back to the same result.
    path.write_text(json.dumps(response))
    again_response, again = parts(bundle_for(path, capsys))
    assert again_response["item"] == response["item"]
    check_assessment(again, result, kb)


def test_result_of_a_saved_document_keeps_when_it_was_answered(tmp_path, capsys, kb) -> None:
    answers = Answers.model_validate(
        {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}
    )
    saved = json.loads(document.to_json(document.new_document(answers, None, kb)))
    saved["metadata"]["created"] = "2025-02-03T04:05:06+01:00"
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(saved))
    response, assessment = parts(bundle_for(path, capsys))
    assert response["authored"] == "2025-02-03T04:05:06+01:00"
    assert assessment["occurrenceDateTime"] != response["authored"]  # assessed now
    assert "reasonCode" not in assessment  # no rule fired: self-care, no empty list


@pytest.mark.parametrize(
    "args", [["fhir", "--questionnaire", "--result"], ["fhir", "--result"]], ids=["q", "none"]
)
def test_result_needs_an_answers_file(args, capsys) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "FILE" in err
