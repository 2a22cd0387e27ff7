"""`triage assess --format markdown`: a one-page summary for a doctor with the level, every
reason and its sources, and the answers in plain words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import load_scenario, scenario_files

from triage import document, markdown, outcome
from triage.cli import main
from triage.models import Answers


def flat(text: str) -> str:
    """Markdown without escapes, for looking up plain text."""
    return text.replace("\\", "")


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_summary_has_level_reasons_sources_and_answers(path: Path, tmp_path, capsys, kb) -> None:
    data = load_scenario(path)["answers"]
    answers_path = tmp_path / "answers.json"
    answers_path.write_text(json.dumps(data))
    assert main(["assess", str(answers_path), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    text = flat(out)
    result = outcome.assess(Answers.model_validate(data), kb)
    assert out.startswith("# ")
    assert f"`{result.triage.value}`" in out and result.headline in text
    for reason in result.reasons:
        assert reason.title in text and f"`{reason.rule}`" in out
        for source in reason.sources:
            assert source.title in text
    for cause in result.suspected:
        assert kb.info.causes[cause] in text
    for field, value in data.items():
        if field in ("schema_version", "symptoms") or value in (None, []):
            continue
        question = kb.questions_by_id[field]
        assert f"| {question.short} |" in text
        for item in value if isinstance(value, list) else [value]:
            assert str(question.label_of(item) if question.choices else item) in text
    for name, answer in data.get("symptoms", {}).items():
        word = kb.info.symptom_choices[
            "yes" if answer is True else "no" if answer is False else answer
        ]
        assert f"| {kb.questions_by_id[name].short} | " in text and word in text
    assert result.disclaimer in text
    # every outcome carries its safety net on paper too, and the self-help it points to
    nets = [item for item in result.advice if item.kind == "safety_net"]
    assert nets, "every result has a safety net"
    for item in nets:
        assert " ".join(item.text.split()) in text
    for item in result.advice:
        if item.kind == "self_help":
            assert " ".join(item.title.split()) in text


def test_json_short_form_and_format_json_are_the_same(tmp_path, capsys) -> None:
    path = tmp_path / "answers.json"
    path.write_text(
        json.dumps({"age": 70, "location": ["middle_back"], "duration": "under_1_week"})
    )
    assert main(["assess", str(path), "--json"]) == 0
    short = capsys.readouterr().out
    assert main(["assess", str(path), "--format", "json"]) == 0
    assert capsys.readouterr().out == short
    assert main(["assess", str(path), "--format", "text"]) == 0
    assert not capsys.readouterr().out.startswith("{")


def test_summary_of_a_document_says_when_the_answers_were_saved(tmp_path, capsys, kb) -> None:
    answers = Answers.model_validate({"age": 50, "location": ["flank"], "duration": "under_1_week"})
    data = json.loads(
        document.to_json(document.new_document(answers, outcome.assess(answers, kb), kb))
    )
    data["metadata"]["created"] = "2025-02-03T04:05:06+01:00"
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(data))
    assert main(["assess", str(path), "--format", "markdown"]) == 0
    assert "Answers saved: 2025-02-03T04:05:06+01:00" in capsys.readouterr().out


def test_text_from_the_rules_cannot_break_the_markdown() -> None:
    assert markdown._md("a | b *c* _d_ [e](f) <g>") == r"a \| b \*c\* \_d\_ \[e\](f) \<g\>"
