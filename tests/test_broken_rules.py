"""A broken rules/ directory: `triage check DIR` lists every problem at once, each naming the file
and the id (exit 2); `triage assess --rules DIR FILE` refuses with one line (exit 2).

Each test copies the real rules/ to a temporary directory and breaks the copy, by editing the
parsed YAML (so the tests keep working when the rules change) or, for syntax errors, the text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage import knowledge
from triage.cli import main

ANSWERS = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    return directory


def edit(directory: Path, name: str, change: Callable[[Any], None]) -> None:
    """Change one YAML file through its parsed form (read as the loader reads it)."""
    path = directory / name
    data = knowledge.read_yaml(path)
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


def check(capsys, directory: Path) -> list[str]:
    """Run `triage check DIR`; return the problem lines (the last line is the summary)."""
    code = main(["check", str(directory)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "Traceback" not in err
    *problems, summary = err.splitlines()
    plural = "problem" if len(problems) == 1 else "problems"
    assert summary == f"triage: error: {len(problems)} {plural} in {directory}"
    assert all(line.startswith((f"{directory}/", f"{directory}: ")) for line in problems)
    return problems


def assess_refuses(capsys, directory: Path, tmp_path: Path) -> str:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    code = main(["assess", "--rules", str(directory), str(answers)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("triage: error: the rules are not valid: ")
    return line


def one_with(lines: list[str], *fragments: str) -> str:
    matching = [line for line in lines if all(f in line for f in fragments)]
    assert len(matching) == 1, f"expected one problem with {fragments}, got {matching} in {lines}"
    return matching[0]


def test_every_problem_is_listed_at_once_with_file_and_id(rules_copy, capsys, tmp_path) -> None:
    def break_rules(data: Any) -> None:
        rules = data["rules"]
        first, second, third, fourth, fifth, sixth, seventh = rules[:7]
        second["id"] = first["id"]  # duplicate id
        third["when"] = {"all": [{"no_such_question": "yes"}]}  # unknown question id
        fourth["triage"] = "critical"  # unknown level
        fifth["sources"] = ["NO-SUCH-SOURCE"]  # a source that does not exist
        del sixth["sources"]  # no source at all
        seventh["colour"] = "red"  # unknown key
        rules[7]["when"] = {"trigger": "car_crash"}  # a value the question does not allow
        rules[8]["advice"] = ["no-such-advice"]
        rules[9]["when"] = {"at_least": {"count": 3, "of": [{"fever": "yes"}, {"rash": "yes"}]}}

    edit(rules_copy, "rules.yaml", break_rules)
    rules = knowledge.read_yaml(knowledge.default_directory() / "rules.yaml")["rules"]
    ids = [rule["id"] for rule in rules]
    problems = check(capsys, rules_copy)

    one_with(problems, "rules.yaml", f"[{ids[0]}]", "duplicate rule id")
    one_with(problems, f"rules.yaml [{ids[2]}]", "no_such_question", "unknown field")
    one_with(problems, f"rules.yaml [{ids[3]}]", "triage", "'critical'", "emergency")
    one_with(problems, f"rules.yaml [{ids[4]}]", "unknown source id 'NO-SUCH-SOURCE'")
    one_with(problems, f"rules.yaml [{ids[5]}]", "sources", "required")
    one_with(problems, f"rules.yaml [{ids[6]}]", "colour", "not permitted")
    one_with(problems, f"rules.yaml [{ids[7]}]", "'car_crash'", "major_injury")
    one_with(problems, f"rules.yaml [{ids[8]}]", "unknown advice id 'no-such-advice'")
    one_with(problems, f"rules.yaml [{ids[9]}]", "count", "from 1 to 2")
    assert len([line for line in problems if "rules.yaml" in line]) == 9
    # The duplicated id hides the second rule, which the coverage audit cites: also listed.
    one_with(problems, "coverage.yaml", ids[1])
    assess_refuses(capsys, rules_copy, tmp_path)


def test_problems_in_several_files_are_all_listed(rules_copy, capsys) -> None:
    edit(rules_copy, "sources.yaml", lambda data: data["sources"].append(data["sources"][0]))
    edit(rules_copy, "advice.yaml", lambda data: data["advice"][0].update(kind="poem"))
    edit(rules_copy, "ruleset.yaml", lambda data: data["levels"].pop("soon"))

    def ask_too_early(data: Any) -> None:
        first = data["questions"][0]
        later = data["questions"][-1]["id"]
        first["when"] = {later: "yes"}

    edit(rules_copy, "questions.yaml", ask_too_early)
    problems = check(capsys, rules_copy)
    source = knowledge.read_yaml(rules_copy / "sources.yaml")["sources"][0]["id"]
    advice = knowledge.read_yaml(rules_copy / "advice.yaml")["advice"][0]["id"]
    question = knowledge.read_yaml(rules_copy / "questions.yaml")["questions"][0]["id"]
    one_with(problems, f"sources.yaml [{source}]", "duplicate source id")
    one_with(problems, f"advice.yaml [{advice}]", "kind", "'poem'")
    one_with(problems, "ruleset.yaml", "missing level 'soon'")
    one_with(problems, f"questions.yaml [{question}]", "asked later or never")


def test_yaml_syntax_error_names_file_and_line(rules_copy, capsys, tmp_path) -> None:
    path = rules_copy / "rules.yaml"
    lines = path.read_text("utf-8").splitlines()
    bad_line = len(lines) + 1
    path.write_text("\n".join([*lines, "  - id: [unclosed"]) + "\n", "utf-8")
    edit(rules_copy, "sources.yaml", lambda data: data["sources"][0].update(kind="rumour"))
    problems = check(capsys, rules_copy)
    one_with(problems, "rules.yaml:", "YAML syntax error", f"line {bad_line + 1}")
    one_with(problems, "sources.yaml", "'rumour'")  # other files are still checked
    assert "YAML syntax error" in assess_refuses(capsys, rules_copy, tmp_path)


@pytest.mark.parametrize(
    ("name", "damage", "expected"),
    [
        ("rules.yaml", None, "file is missing"),
        ("rules.yaml", b"", "file is empty"),
        ("rules.yaml", b"# only a comment\n", "file is empty"),
        ("rules.yaml", b"rules: []\n", "list is empty"),
        ("rules.yaml", b"- just a list\n", "expected a top-level 'rules:' list"),
        ("advice.yaml", b"advice: \xff\xfe\n", "cannot be read"),
        ("ruleset.yaml", b"x: !!python/object/apply:os.system [echo hi]\n", "not allowed in rule"),
        ("sources.yaml", b"sources:\n\t- id: TAB\n", "YAML syntax error"),
    ],
    ids=[
        "missing",
        "empty",
        "comment-only",
        "empty-list",
        "not-a-mapping",
        "not-utf8",
        "python-tag",
        "tab",
    ],
)
def test_a_broken_file_is_one_problem_not_a_cascade(
    rules_copy, capsys, tmp_path, name, damage, expected
) -> None:
    """One file that cannot be used gives one problem: the references into it are not all
    reported as unknown as well (that would bury the real problem)."""
    path = rules_copy / name
    if damage is None:
        path.unlink()
    else:
        path.write_bytes(damage)
    (problem,) = check(capsys, rules_copy)
    assert f"{name}" in problem and expected in problem
    assert expected in assess_refuses(capsys, rules_copy, tmp_path)


def test_a_missing_source_file_is_one_problem(rules_copy, capsys) -> None:
    (rules_copy / "sources.yaml").unlink()
    (problem,) = check(capsys, rules_copy)
    assert problem.endswith("sources.yaml: file is missing")


def test_not_a_directory(tmp_path, capsys) -> None:
    file = tmp_path / "rules.yaml"
    file.write_text("rules: []\n")
    for target in (tmp_path / "missing", file):
        (problem,) = check(capsys, target)
        assert problem == f"{target}: not a directory with rule files"  # the path once
        refused = assess_refuses(capsys, target, tmp_path)
        assert f"{target}: not a directory" in refused and f"{target}/{target.name}" not in refused


def test_the_shipped_rules_copied_unchanged_are_sound(rules_copy, capsys) -> None:
    """The breakage above, not the copying, is what the checker reports."""
    assert main(["check", str(rules_copy)]) == 0
    assert "OK" in capsys.readouterr().out


def test_console_script_with_broken_rules(rules_copy, tmp_path) -> None:
    edit(rules_copy, "rules.yaml", lambda data: data["rules"][0].update(triage="whenever"))
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    script = Path(sys.executable).with_name("triage")
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("TRIAGE_DEBUG", None)
    for args in (["check", str(rules_copy)], ["assess", "--rules", str(rules_copy), str(answers)]):
        completed = subprocess.run(
            [str(script), *args], capture_output=True, text=True, env=env, timeout=60
        )
        assert completed.returncode == 2 and completed.stdout == ""
        assert "'whenever'" in completed.stderr and "Traceback" not in completed.stderr


def test_a_broken_ruleset_file_does_not_hide_the_other_problems(rules_copy, capsys) -> None:
    (rules_copy / "ruleset.yaml").write_text("name: [unclosed\n", "utf-8")
    edit(rules_copy, "rules.yaml", lambda data: data["rules"][0].update(advice=["no-such"]))
    edit(rules_copy, "questions.yaml", lambda data: data["questions"].pop())
    problems = check(capsys, rules_copy)
    rule = knowledge.read_yaml(rules_copy / "rules.yaml")["rules"][0]["id"]
    one_with(problems, "ruleset.yaml:", "YAML syntax error")
    one_with(problems, f"rules.yaml [{rule}]", "unknown advice id 'no-such'")
    one_with(problems, "questions.yaml", "has no question")
    assert len(problems) == 3


def test_an_emergency_follow_up_asked_after_other_pages_is_a_problem(rules_copy, capsys) -> None:
    """The swollen calf makes new breathlessness a blood clot in the lung (an emergency): asked
    at the very end, after the pages about health and other symptoms, it comes too late."""

    def calf_last(data: Any) -> None:
        questions = data["questions"]
        calf = next(q for q in questions if q["id"] == "calf_swelling")
        questions.remove(calf)
        calf.pop("screen", None)
        questions.append(calf)

    edit(rules_copy, "questions.yaml", calf_last)
    problems = check(capsys, rules_copy)
    assert len(problems) == 1, problems
    assert "questions.yaml [calf_swelling]" in problems[0] and "LUNG-CLOT" in problems[0]
    assert "'health_history'" in problems[0]
