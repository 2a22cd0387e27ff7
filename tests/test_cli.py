"""The command line: exit codes, messages on standard error, never a traceback, the JSON shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage import __version__
from triage.cli import main

ANSWERS = {
    "age": 38,
    "location": ["lower_back"],
    "duration": "1_to_4_weeks",
    "symptoms": {"fever": "no"},
}


def write(tmp_path: Path, data, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=60,
    )


def test_assess_json_prints_the_result_object(tmp_path, capsys) -> None:
    assert main(["assess", write(tmp_path, ANSWERS), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"triage", "pain_type", "suspected", "reasons", "advice", "ruleset"} <= set(result)
    assert result["triage"] == "self_care" and result["pain_type"] == "non_specific"
    assert all({"id", "title", "text"} <= set(item) for item in result["advice"])
    assert result["ruleset"].startswith("back-pain-triage ")


def test_assess_reasons_have_rule_title_triage_and_sources(tmp_path, capsys) -> None:
    data = {**ANSWERS, "symptoms": {"bladder_bowel": True}}
    assert main(["assess", write(tmp_path, data), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["triage"] == "emergency" and result["suspected"] == ["cauda_equina"]
    (reason,) = result["reasons"]
    assert reason["rule"] == "CES-BLADDER-BOWEL" and reason["triage"] == "emergency"
    assert reason["sources"] and all(s["id"] and s["title"] for s in reason["sources"])


def test_assess_text_shows_headline_cause_reasons_advice_and_disclaimer(
    tmp_path, capsys, kb
) -> None:
    data = {**ANSWERS, "radiation": ["below_knee"], "symptoms": {"leg_numbness": "yes"}}
    assert main(["assess", write(tmp_path, data)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("=== SELF-CARE")
    assert kb.info.causes["nerve_root"] in " ".join(out.split())
    assert "(SCIATICA)" not in out and "Sources:" in out  # codes only in the footnote:
    assert out.rstrip().endswith(
        "For professionals: rules SCIATICA of the rule set back-pain-triage 1.0.0."
    )
    for heading in ("What to do now", "Self-help", "Safety net"):
        assert heading in out
    assert "does not give a diagnosis" in out
    assert "\033[" not in out  # no colour when not writing to a terminal


def test_assess_reads_standard_input() -> None:
    completed = run("assess", "-", "--json", stdin=json.dumps(ANSWERS))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["triage"] == "self_care"


def test_assess_accepts_an_assessment_document(tmp_path, capsys) -> None:
    document = {
        "answers": {**ANSWERS, "symptoms": {"fever": "yes"}},
        "result": None,
        "metadata": {},
    }
    assert main(["assess", write(tmp_path, document), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["triage"] == "urgent"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({**ANSWERS, "age": 130}, ["field 'age'", "0 to 120"]),
        ({**ANSWERS, "duration": "2_weeks"}, ["field 'duration'", "under_1_week", "over_12_weeks"]),
        ({**ANSWERS, "colour": "red"}, ["unknown field 'colour'", "allowed fields"]),
        (
            {**ANSWERS, "symptoms": {"fevr": "yes"}},
            ["field 'symptoms.fevr'", "did you mean 'fever'", "bladder_bowel"],
        ),
        (
            {**ANSWERS, "symptoms": {"fever": "maybe"}},
            ["field 'symptoms.fever'", "yes, no, unsure"],
        ),
        ({**ANSWERS, "location": []}, ["field 'location'", "upper_back"]),
        ({**ANSWERS, "schema_version": 2}, ["schema_version", "only version is 1"]),
        ({"age": 38}, ["field 'location'", "required"]),
        ("{not json", ["invalid JSON at line 1"]),
        ("[1, 2]", ["expected a JSON object", "array"]),
    ],
)
def test_bad_answers_exit_2_with_one_line_naming_file_and_field(
    tmp_path, capsys, data, expected
) -> None:
    path = write(tmp_path, data)
    assert main(["assess", path, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("triage: error: ") and path in lines[0]
    for fragment in expected:
        assert fragment in lines[0]


def test_missing_file_through_the_console_script_has_no_traceback(tmp_path) -> None:
    completed = run("assess", str(tmp_path / "nope.json"))
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "no such file" in completed.stderr and "Traceback" not in completed.stderr


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"triage {__version__}"
    helped = run("--help")
    assert helped.returncode == 0
    for command in ("assess", "rules", "check"):
        assert command in helped.stdout


def test_bad_usage_exits_2() -> None:
    completed = run("assess")
    assert completed.returncode == 2 and "FILE" in completed.stderr


def test_rules_lists_every_rule_with_level_and_sources(capsys, kb) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    words = " ".join(out.split())  # titles are wrapped: compare the words
    for rule in kb.rules:
        assert f"{rule.id}  [{rule.triage.value}]" in out and " ".join(rule.title.split()) in words
    assert out.count("sources:") == len(kb.rules)


def test_check_reports_the_shipped_rules_sound(capsys) -> None:
    assert main(["check"]) == 0
    assert "OK" in capsys.readouterr().out


def test_check_lists_every_problem_with_file_and_id(tmp_path, capsys) -> None:
    import shutil

    from triage import knowledge

    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    (directory / "sources.yaml").write_text("sources: [oops\n")
    rules = (directory / "rules.yaml").read_text().replace("id: CES-SADDLE", "id: CES-BOTH-LEGS")
    (directory / "rules.yaml").write_text(rules)
    assert main(["check", str(directory)]) == 2
    err = capsys.readouterr().err
    assert "sources.yaml: YAML syntax error: line" in err
    assert "rules.yaml [CES-BOTH-LEGS]: duplicate rule id" in err


def test_rules_option_switches_the_knowledge_base(tmp_path, capsys) -> None:
    import shutil

    from triage import knowledge

    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    ruleset = (
        (directory / "ruleset.yaml").read_text().replace("version: 1.0.0", "version: 9.9.9-test")
    )
    (directory / "ruleset.yaml").write_text(ruleset)
    assert main(["assess", write(tmp_path, ANSWERS), "--json", "--rules", str(directory)]) == 0
    assert json.loads(capsys.readouterr().out)["ruleset"] == "back-pain-triage 9.9.9-test"
    assert main(["--rules", str(tmp_path / "missing"), "rules"]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_a_saved_document_is_shown_in_its_own_language_unless_lang_says_otherwise(
    tmp_path, capsys
) -> None:
    from triage import document, i18n, knowledge, outcome
    from triage.models import Answers

    german = knowledge.load(None, "de")
    answers = Answers.model_validate(ANSWERS)
    saved = document.new_document(answers, outcome.assess(answers, german), german)
    path = write(tmp_path, document.to_json(saved), "saved.json")
    assert main(["assess", path]) == 0  # the environment is English (tests/conftest.py)
    assert capsys.readouterr().out.startswith("=== SELBSTHILFE")
    i18n.use("en")
    assert main(["assess", path, "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("=== SELF-CARE")
