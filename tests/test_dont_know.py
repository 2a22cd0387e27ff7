"""Three kinds of "no answer" kept apart (docs/answers-unknown.md): "Don't know", skipped and not
asked, in the answers file, the result's reasons, FHIR and back; and an answers file written
without them gives the same result as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files

from triage import document, fhir, fhir_in, outcome
from triage.cli import main
from triage.models import OPTIONAL_FIELDS, Answers, Missing

OLDER = {"age": 80, "location": ["lower_back"], "duration": "1_to_4_weeks", "trigger": "none"}


def result_of(data: dict[str, Any], kb) -> Any:
    return outcome.assess(Answers.model_validate(data), kb)


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_dont_know_gives_the_result_of_not_asked_and_is_named_as_it_is(path: Path, kb) -> None:
    """Every optional answer a scenario leaves open, answered "Don't know" instead: the same
    level and the same rules (never less urgent than not asked), and no reason shows it as
    anything but "Don't know"."""
    data = load_scenario(path)["answers"]
    open_fields = [name for name in OPTIONAL_FIELDS if data.get(name) is None]
    before = result_of(data, kb)
    after = result_of({**data, "dont_know": open_fields}, kb)
    assert after.triage is before.triage
    assert [r.rule for r in after.reasons] == [r.rule for r in before.reasons]
    for reason in after.reasons:
        for evidence in reason.answers:
            if evidence.field in open_fields:
                assert evidence.value is Missing.DONT_KNOW
                assert "Don't know" in evidence.text and "not answered" not in evidence.text


def test_a_missing_course_is_named_with_what_the_rule_counts_it_as(kb) -> None:
    for given, words in [
        ({}, "not asked"),
        ({"dont_know": ["course"]}, "Don't know"),
        ({"skipped": ["course"]}, "skipped"),
    ]:
        result = result_of({**OLDER, **given}, kb)
        (reason,) = [r for r in result.reasons if r.rule == "OLDER-NOT-IMPROVING"]
        (course,) = [e for e in reason.answers if e.field == "course"]
        question = kb.questions_by_id["course"]
        assert course.text == f"{question.short}: {words} ({question.unanswered})"
        assert course.value == Missing(given and next(iter(given)) or "not_asked")


def test_an_old_file_is_saved_as_before(kb) -> None:
    answers = Answers.model_validate(OLDER)
    dumped = json.loads(answers.model_dump_json())
    assert "dont_know" not in dumped and "skipped" not in dumped
    unknown = Answers.model_validate({**OLDER, "dont_know": ["onset"]})
    assert json.loads(unknown.model_dump_json())["dont_know"] == ["onset"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"onset": "sudden", "dont_know": ["onset"]}, "which has an answer"),
        ({"dont_know": ["onset"], "skipped": ["onset"]}, "in both dont_know and skipped"),
        ({"dont_know": ["onset", "onset"]}, "only once"),
        ({"dont_know": ["fever"]}, "onset"),
        ({"skipped": "course"}, "skipped"),
    ],
)
def test_bad_lists_are_refused_in_one_line(extra, words, tmp_path, capsys) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({**OLDER, **extra}))
    assert main(["assess", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert words in err and "answers.json" in err


def test_fhir_says_asked_unknown_and_reads_it_back(kb) -> None:
    answers = Answers.model_validate({**OLDER, "dont_know": ["onset", "intensity"]})
    response = fhir.questionnaire_response(answers, kb, document.now())
    items = {item["linkId"]: item for item in response["item"]}
    for name in ("onset", "intensity"):
        assert "answer" not in items[name]
        assert items[name]["extension"] == [
            {"url": fhir.DATA_ABSENT_REASON, "valueCode": "asked-unknown"}
        ]
    assert "course" not in items  # not asked: no item at all
    back = fhir_in.answers_from_response(json.loads(json.dumps(response)), kb, "r.json")
    assert Answers.model_validate(back) == answers


def test_fhir_keeps_skipped_apart_from_dont_know(kb) -> None:
    answers = Answers.model_validate({**OLDER, "skipped": ["course"], "dont_know": ["onset"]})
    response = fhir.questionnaire_response(answers, kb, document.now())
    back = fhir_in.answers_from_response(json.loads(json.dumps(response)), kb, "r.json")
    assert back["skipped"] == ["course"] and back["dont_know"] == ["onset"]


def test_the_schema_describes_both_lists(capsys) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    for name in ("dont_know", "skipped"):
        described = schema["properties"][name]
        assert set(described["items"]["enum"]) == set(OPTIONAL_FIELDS)
        assert "asked" in described["description"]
