"""`triage compare OLD_RULES NEW_RULES [INPUT ...]`: what a rule change does to the results,
over a generated sample of the answer space and over stored answers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import load_scenario, scenario_files

from triage import answer_space, compare, knowledge, outcome
from triage.cli import main
from triage.models import Answers

RULES = Path(__file__).parent.parent / "rules"


def changed_rules(
    tmp_path: Path, name: str, *edits: tuple[str, str], file: str = "rules.yaml"
) -> Path:
    """A copy of rules/ with each text in `file` replaced (each must occur once)."""
    directory = tmp_path / name
    shutil.copytree(RULES, directory)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return directory


SADDLE = (
    "  - id: CES-SADDLE\n"
    "    title: Numbness or tingling in the saddle area (around the genitals, bottom or inner "
    "thighs)\n    triage: emergency"
)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["compare", *args, "--json", "--random", "100"])
    return code, json.loads(capsys.readouterr().out)


def off_diagonal(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in report["transitions"] if t["old"] != t["new"]]


def test_a_lowered_level_lists_the_generated_cases_first_as_less_urgent(tmp_path, capsys) -> None:
    new = changed_rules(tmp_path, "new", (SADDLE, SADDLE.replace("emergency", "urgent")))
    code, report = run_json(capsys, str(RULES), str(new))
    assert code == 1
    assert report["less_urgent"] and not report["more_urgent"]
    assert report["counts"]["less_urgent"] == len(report["less_urgent"])
    for case in report["less_urgent"]:
        assert case["where"].startswith("generated: ")
        assert case["answers"]["symptoms"]["saddle_numbness"] in ("yes", "unsure")
        (rule,) = case["changed"]
        assert rule["rule"] == "CES-SADDLE"
        assert (rule["old"]["level"], rule["new"]["level"]) in (
            ("emergency", "urgent"),
            ("urgent", "soon"),  # on "Not sure": one level lower than the rule
        )
        assert rule["new"]["answers"], "the answers behind the rule"
    assert {(t["old"], t["new"]) for t in off_diagonal(report)} <= {
        ("emergency", "urgent"),
        ("urgent", "soon"),
    }
    assert any(t["old"] == "emergency" and t["new"] == "urgent" for t in off_diagonal(report))
    main(["compare", str(RULES), str(new), "--random", "100"])
    text = capsys.readouterr().out
    less, more = text.index("Less urgent: "), text.index("More urgent: ")
    assert less < text.index("CES-SADDLE emergency -> urgent") < more
    assert "exit status 1" in text


def test_no_clinical_change_no_transitions_exit_0(tmp_path, capsys) -> None:
    note = "# The triage rules."
    new = changed_rules(tmp_path, "new", (note, note + " (a comment changed)"))
    code, report = run_json(capsys, str(RULES), str(new))
    assert code == 0
    assert report["generated"]["cases"] > 1000
    assert not off_diagonal(report)
    assert report["counts"] == {"less_urgent": 0, "more_urgent": 0, "other": 0}
    assert report["old"]["digest"] != report["new"]["digest"]


def test_advice_in_other_words_is_a_change_at_the_same_level(tmp_path, capsys) -> None:
    title = 'id: now-emergency\n    kind: now\n    title: "Call the emergency number now"'
    new = changed_rules(
        tmp_path, "new", (title, title.replace('now"', 'at once"')), file="advice.yaml"
    )
    code, report = run_json(capsys, str(RULES), str(new))
    assert code == 0
    assert not off_diagonal(report) and not report["less_urgent"] and not report["more_urgent"]
    assert report["other"]
    assert all(case["advice_reworded"] == ["now-emergency"] for case in report["other"])
    assert all(case["old"] == case["new"] == "emergency" for case in report["other"])


def test_raised_thresholds_show_both_directions(tmp_path, capsys) -> None:
    new = changed_rules(
        tmp_path,
        "new",
        (
            "        - age: {gte: 60}\n        - radiation: abdomen",
            "        - age: {gte: 65}\n        - radiation: abdomen",
        ),
        ("      age: {lt: 6}", "      age: {lt: 8}"),
    )
    code, report = run_json(capsys, str(RULES), str(new))
    assert code == 1
    assert report["less_urgent"] and report["more_urgent"]
    for case in report["less_urgent"]:  # the aneurysm rule no longer fires from 60 to 64
        assert 60 <= case["answers"]["age"] <= 64, case
        assert "abdomen" in case["answers"]["radiation"]
        assert [f["rule"] for f in case["stopped"]] == ["AORTA-ABDOMEN-OLDER"]
        assert not case["started"]
    for case in report["more_urgent"]:  # a child of 6 or 7 is now seen today
        assert case["answers"]["age"] in (6, 7), case
        assert [f["rule"] for f in case["started"]] == ["CHILD-YOUNG"]
        assert case["new"] == "urgent"
    ages = {case["answers"]["age"] for case in report["less_urgent"]}
    assert {60, 64} <= ages  # both ends of the band, from the boundaries of both rule sets


def test_accepting_a_signed_record(tmp_path, capsys) -> None:
    new = changed_rules(tmp_path, "new", (SADDLE, SADDLE.replace("emergency", "urgent")))
    code, report = run_json(capsys, str(RULES), str(new))
    assert code == 1
    record = tmp_path / "record.json"
    record.write_text(json.dumps(report), encoding="utf-8")
    code, accepted = run_json(capsys, str(RULES), str(new), "--accept", str(record))
    assert code == 0
    assert accepted["accepted"] == report["counts"]["less_urgent"]
    # A record with one case left out does not accept the change
    report["less_urgent"] = report["less_urgent"][1:]
    record.write_text(json.dumps(report), encoding="utf-8")
    code, partly = run_json(capsys, str(RULES), str(new), "--accept", str(record))
    assert code == 1 and partly["unaccepted_less_urgent"] == 1
    # A record of another change is refused
    other = changed_rules(tmp_path, "other", ("      age: {lt: 6}", "      age: {lt: 8}"))
    assert main(["compare", str(RULES), str(other), "--accept", str(record)]) == 2
    assert "digest" in capsys.readouterr().err


def test_inputs_of_every_kind(tmp_path, capsys, kb) -> None:
    from triage import fhir

    new = changed_rules(tmp_path, "new", (SADDLE, SADDLE.replace("emergency", "urgent")))
    saddle = {
        "age": 40,
        "location": ["lower_back"],
        "duration": "under_1_week",
        "symptoms": {"saddle_numbness": "yes"},
    }
    plain = {**saddle, "symptoms": {}}
    answers_file = tmp_path / "answers.json"
    answers_file.write_text(json.dumps(saddle, indent=1), encoding="utf-8")
    from triage.models import Answers

    response = fhir.questionnaire_response(
        Answers.model_validate(saddle), kb, "2026-01-01T00:00:00Z"
    )
    response_file = tmp_path / "response.json"
    response_file.write_text(json.dumps(response, indent=2), encoding="utf-8")
    ndjson = tmp_path / "QuestionnaireResponse.ndjson"
    ndjson.write_text(json.dumps(response) + "\n" + json.dumps(response) + "\n", encoding="utf-8")
    lines = tmp_path / "batch.jsonl"
    lines.write_text(f"{json.dumps(plain)}\n\n{{bad\n{json.dumps(saddle)}\n", encoding="utf-8")
    paths = [str(p) for p in (answers_file, response_file, ndjson, lines)]
    code = main(["compare", str(RULES), str(new), *paths, "--json", "--random", "0"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # less urgent wins over the unreadable line
    from_inputs = [
        c["where"] for c in report["less_urgent"] if not c["where"].startswith("generated")
    ]
    assert from_inputs == [
        str(answers_file),
        str(response_file),
        f"{ndjson} line 1",
        f"{ndjson} line 2",
        f"{lines} line 4",
    ]
    assert report["from_inputs"] == 6
    assert [f["where"] for f in report["failures"]] == [f"{lines} line 3"]
    # with no clinical change, the unreadable line alone gives exit status 2
    assert main(["compare", str(RULES), str(RULES), str(lines), "--random", "0"]) == 2
    assert "could not be read" in capsys.readouterr().err


def test_markdown_change_record(tmp_path, capsys) -> None:
    new = changed_rules(tmp_path, "new", (SADDLE, SADDLE.replace("emergency", "urgent")))
    assert main(["compare", str(RULES), str(new), "--format", "markdown", "--random", "0"]) == 1
    text = capsys.readouterr().out
    digests = [compare.directory_digest(RULES), compare.directory_digest(new)]
    assert all(digest in text for digest in digests)
    assert text.index("## Less urgent") < text.index("## More urgent") < text.index("## Decision")
    assert "| **emergency** |" in text and "Reviewed by" in text


@pytest.mark.parametrize(
    "args",
    [
        ["--jobs", "-1"],
        ["--limit", "-1"],
        ["/nonexistent/input.json"],
    ],
)
def test_bad_usage_exit_2(args, capsys) -> None:
    code = main(["compare", str(RULES), str(RULES), *args, "--random", "0"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("triage: error:") and "Traceback" not in err


def test_broken_rules_exit_2(tmp_path, capsys) -> None:
    broken = changed_rules(tmp_path, "broken", (SADDLE, SADDLE.replace("emergency", "soonish")))
    assert main(["compare", str(RULES), str(broken)]) == 2
    assert "soonish" in capsys.readouterr().err


def test_the_sample_is_seeded_and_covers_boundaries_and_skip_logic(kb) -> None:
    first = list(answer_space.sample([kb], seed=3, random_count=50))
    again = list(answer_space.sample([kb], seed=3, random_count=50))
    other = list(answer_space.sample([kb], seed=4, random_count=50))
    assert first == again and first != other
    fired: set[str] = set()
    asked: set[str] = set()
    for case in answer_space.sample([kb], seed=3, random_count=0):
        result = outcome.assess(Answers.model_validate(case.answers), kb)
        fired |= {reason.rule for reason in result.reasons if not reason.unsure}
        asked |= outcome.questions_to_ask(kb, case.answers)
    assert fired == {rule.id for rule in kb.rules}  # each on definite answers
    assert asked == {question.id for question in kb.questions if question.when is not None}
    ages = {case.answers["age"] for case in first if case.label.startswith("AORTA-ABDOMEN-OLDER")}
    assert {59, 60, 61} <= ages


def test_the_scenarios_compared_with_themselves(tmp_path, capsys) -> None:
    lines = tmp_path / "scenarios.jsonl"
    lines.write_text(
        "".join(json.dumps(load_scenario(p)["answers"]) + "\n" for p in scenario_files()),
        encoding="utf-8",
    )
    code, report = run_json(capsys, str(RULES), str(RULES), str(lines))
    assert code == 0 and report["from_inputs"] == len(scenario_files())
    assert not off_diagonal(report)
    assert knowledge.load().label == report["new"]["label"]
