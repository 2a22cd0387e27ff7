"""Assessment documents: saved with their metadata, read back and re-assessed; a saved result that
today's rules no longer give is reported on standard error, without touching standard output."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files

from triage import __version__, document, files, outcome
from triage.cli import main
from triage.models import SCHEMA_VERSION, Answers

BASE = {"age": 38, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def save(tmp_path: Path, answers: Answers, kb, edit=None) -> str:
    saved = document.new_document(answers, outcome.assess(answers, kb), kb)
    text = document.to_json(saved)
    if edit is not None:
        data = json.loads(text)
        edit(data)
        text = json.dumps(data)
    return str(files.write_atomic(tmp_path / "assessment.json", text))


def test_new_document_carries_versions_and_a_time_with_zone(kb) -> None:
    answers = Answers.model_validate(BASE)
    metadata: dict[str, Any] = document.new_document(answers, None, kb).model_dump()["metadata"]
    assert metadata["tool_version"] == __version__
    assert (
        metadata["ruleset_name"] == kb.info.name and metadata["ruleset_version"] == kb.info.version
    )
    assert metadata["ruleset"] == kb.label and metadata["schema_version"] == SCHEMA_VERSION
    created = datetime.fromisoformat(metadata["created"])
    assert created.tzinfo is not None


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_document_round_trip_gives_the_same_result(path, tmp_path, capsys, kb) -> None:
    answers = Answers.model_validate(load_scenario(path)["answers"])
    saved_path = save(tmp_path, answers, kb)
    assert main(["assess", saved_path, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads(Path(saved_path).read_text())["result"]
    assert captured.err == ""


def test_a_changed_result_is_noted_on_stderr_and_stdout_stays_json(tmp_path, capsys, kb) -> None:
    answers = Answers.model_validate({**BASE, "symptoms": {"saddle_numbness": "yes"}})

    def older_rules(data: dict[str, Any]) -> None:
        data["result"].update(
            triage="soon",
            suspected=[],
            pain_type="non_specific",
            reasons=[{"rule": "OLD-RULE", "title": "gone", "triage": "soon", "sources": []}],
            ruleset="back-pain-triage 0.9.0",
        )

    saved_path = save(tmp_path, answers, kb, older_rules)
    assert main(["assess", saved_path, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == outcome.assess(answers, kb).model_dump(mode="json")
    (note,) = captured.err.splitlines()
    assert note.startswith(f"triage: note: {saved_path}: ")
    for words in ("0.9.0", "triage soon -> emergency", "cauda_equina", "CES-SADDLE", "OLD-RULE"):
        assert words in note
    assert main(["assess", saved_path]) == 0  # the text output gets the same note
    assert "triage: note:" in capsys.readouterr().err


def test_no_note_for_a_document_without_a_saved_result(tmp_path, capsys, kb) -> None:
    saved_path = save(tmp_path, Answers.model_validate(BASE), kb, lambda d: d.update(result=None))
    assert main(["assess", saved_path, "--json"]) == 0
    assert capsys.readouterr().err == ""


def test_result_change_ignores_order_and_wording(kb) -> None:
    answers = Answers.model_validate(
        {**BASE, "symptoms": {"fever": "yes", "cancer_history": "yes"}}
    )
    result = outcome.assess(answers, kb)
    saved = document.new_document(answers, result, kb)
    assert document.result_change(saved, result) is None
    stored = dict(saved.result or {})
    stored["reasons"] = [dict(r, title="old words") for r in reversed(stored["reasons"])]
    stored["suspected"] = list(reversed(stored["suspected"]))
    reordered = saved.model_copy(update={"result": stored})
    assert len(stored["reasons"]) > 1 and document.result_change(reordered, result) is None
    assert not document.stored_result_differs(reordered, result)


def test_a_broken_saved_result_does_not_crash_the_check(tmp_path, capsys, kb) -> None:
    saved_path = save(
        tmp_path,
        Answers.model_validate(BASE),
        kb,
        lambda d: d.update(result={"triage": 3, "reasons": "none", "suspected": None}),
    )
    assert main(["assess", saved_path, "--json"]) == 0
    captured = capsys.readouterr()
    assert (
        json.loads(captured.out)["triage"] == "self_care"
        and "triage 3 -> self_care" in captured.err
    )
