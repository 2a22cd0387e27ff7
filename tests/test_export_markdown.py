"""`triage assess --format markdown`: a one-page summary for a doctor with the level, every
reason and its sources, and the answers in plain words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import load_scenario, scenario_files

from triage import document, markdown, outcome, render
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
    assert out.startswith("# ") and "Incomplete" not in out
    assert f"**Level: {render.level_name(result.triage)}.**" in text and result.headline in text
    # codes only in the one reference line at the end
    coded = [line for line in out.splitlines() if "`" in line]
    assert len(coded) == 1 and coded[0].startswith("<sub>Reference: ")
    assert f"level `{result.triage.value}`" in coded[0]
    for reason in result.reasons:
        assert reason.title in text and f"`{reason.rule}`" in coded[0]
        for source in reason.sources:
            assert source.title in text
    for cause in result.suspected:
        assert kb.info.causes[cause] in text
    # the history in a clinician's order, each answer as the person chose it
    lines = text.splitlines()
    headings = [f"- **{heading}:** " for heading in markdown.HISTORY.values()]
    places = [next(i for i, line in enumerate(lines) if line.startswith(h)) for h in headings]
    assert places == sorted(places)
    for field, value in data.items():
        if field in ("schema_version", "symptoms") or value in (None, []):
            continue
        line = lines[places[list(markdown.HISTORY).index(field)]]
        for item in value if isinstance(value, list) else [value]:
            question = kb.questions_by_id[field]
            assert str(question.label_of(item) if question.choices else item) in line
    # warning signs: present, unsure, absent, and every one not asked
    groups = {
        "yes": "- **Present:** ",
        "unsure": '- **Unsure (answered "Not sure"):** ',
        "no": "- **Absent:** ",
    }
    given = {
        name: "yes" if answer is True else "no" if answer is False else answer
        for name, answer in data.get("symptoms", {}).items()
    }
    (not_asked,) = [line for line in lines if line.startswith("- **Not asked")]
    counted = 0
    for question in kb.questions:
        if question.kind == "symptom":
            group = groups.get(given.get(question.id, ""))
            if group is not None:
                (line,) = [line for line in lines if line.startswith(group)]
                assert question.short in line.split(":** ", 1)[1].split("; ")
            elif question.short not in not_asked.split(":** ", 1)[1].split("; "):
                # not listed: a follow-up question that applies only to other answers
                assert question.when is not None
                counted += 1
    if counted:
        assert f"- {counted} follow-up question" in text
    assert result.disclaimer in text
    # every outcome carries its safety net on paper too, and the self-help it points to
    nets = [item for item in result.advice if item.kind == "safety_net"]
    assert nets, "every result has a safety net"
    for item in nets:
        assert " ".join(item.text.split()) in text
    for item in result.advice:
        if item.kind == "self_help":
            assert " ".join(item.title.split()) in text


@pytest.mark.parametrize("path", scenario_files()[::7], ids=lambda p: p.stem)
def test_the_summary_speaks_of_the_person_not_to_them(path: Path, kb) -> None:
    """Third person: outside the quoted answers and what the person was told ("advised"), no
    line speaks to the reader as the patient."""
    answers = Answers.model_validate(load_scenario(path)["answers"])
    page = markdown.to_markdown(answers, outcome.assess(answers, kb), kb, saved=None, made="now")
    doctor_part = flat(page).split("## What the person was advised")[0]
    doctor_part = re.sub(r"[\u201c\u201e][^\u201c\u201d]*[\u201c\u201d]", "", doctor_part)  # quoted
    assert not re.search(r"\b(you|your)\b", doctor_part, re.IGNORECASE), doctor_part


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
    assert "answers saved 2025-02-03T04:05:06+01:00" in capsys.readouterr().out


def test_text_from_the_rules_cannot_break_the_markdown() -> None:
    assert markdown._md("a | b *c* _d_ [e](f) <g>") == r"a \| b \*c\* \_d\_ \[e\](f) \<g\>"


@pytest.mark.parametrize(
    ("respondent", "words"),
    [
        ("self", "the patient"),
        ("someone_else", "someone else, for the patient"),
        ("child", "a parent or carer, for their child"),
    ],
)
def test_the_summary_says_who_gave_the_answers_in_a_doctors_words(kb, respondent, words) -> None:
    data = {"age": 9, "location": ["lower_back"], "duration": "under_1_week"}
    answers = Answers.model_validate({**data, "respondent": respondent})
    result = outcome.assess(answers, kb)
    text = flat(markdown.to_markdown(answers, result, kb, saved=None, made="2026-12-04T18:00"))
    (line,) = [line for line in text.splitlines() if line.startswith("- **Answered by:** ")]
    assert line == f"- **Answered by:** {words}" + line.split(words, 1)[1]
    assert "Myself" not in line and "My child" not in line
