"""The small rough edges of the command line (issue #22): each one as a new user met it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from triage import __version__, cli, knowledge
from triage.cli import main


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "LANG": "C", **env},
        timeout=60,
    )


def rules_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    return directory


@pytest.mark.parametrize(
    "argv",
    [["check", "nope-dir"], ["--rules", "nope-dir", "check"], ["--rules", "nope-dir", "rules"]],
)
def test_a_missing_rules_directory_is_named_once(argv, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "nope-dir: not a directory with rule files" in err
    assert "nope-dir/nope-dir" not in err


def test_check_given_a_directory_twice_is_refused(capsys, tmp_path) -> None:
    directory = rules_copy(tmp_path)
    assert main(["check", "--rules", str(directory), str(tmp_path / "other")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "triage: error: check: give the directory either as DIR or with --rules DIR, not both\n"
    )


def test_one_problem_is_singular_and_two_are_plural(capsys, tmp_path) -> None:
    assert main(["check", str(tmp_path / "missing")]) == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith(" 1 problem in " + str(tmp_path / "missing"))
    )
    directory = rules_copy(tmp_path)
    for name in ("sources.yaml", "advice.yaml"):
        (directory / name).write_text(f"{name.split('.')[0]}: [oops\n")
    assert main(["check", str(directory)]) == 2
    assert " 2 problems in " in capsys.readouterr().err.splitlines()[-1]


def test_a_quoted_true_for_a_symptom_names_the_allowed_strings_and_the_json_boolean(
    tmp_path,
) -> None:
    answers = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}
    path = tmp_path / "a.json"
    path.write_text(json.dumps({**answers, "symptoms": {"night_pain": "true"}}))
    completed = run("assess", str(path))
    assert completed.returncode == 2
    assert completed.stderr == (
        f"triage: error: {path}: field 'symptoms.night_pain': \"true\" is not allowed; allowed "
        "values: yes, no, unsure (or JSON true / false, without quotes)\n"
    )
    path.write_text(json.dumps({**answers, "symptoms": {"night_pain": True}}))
    assert run("assess", str(path), "--json").returncode == 0  # the JSON boolean is fine


def test_an_unknown_advice_id_names_the_closest_not_every_id(capsys, tmp_path) -> None:
    directory = rules_copy(tmp_path)
    data = yaml.safe_load((directory / "rules.yaml").read_text())
    data["rules"][0]["advice"] = ["info-cauda-equinna"]
    (directory / "rules.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["check", str(directory)]) == 2
    (problem,) = [line for line in capsys.readouterr().err.splitlines() if "advice id" in line]
    assert problem.endswith(
        "unknown advice id 'info-cauda-equinna' (did you mean 'info-cauda-equina'?); "
        "the ids are in advice.yaml"
    )
    assert problem.count("info-") == 2  # the wrong id and the closest, no list


@pytest.mark.parametrize("option", ["-V", "--version"])
def test_version(option, capsys) -> None:
    with pytest.raises(SystemExit) as exit:
        main([option])
    assert exit.value.code == 0 and capsys.readouterr().out == f"triage {__version__}\n"


@pytest.mark.parametrize(
    ("typed", "meant"), [("asess", "assess"), ("rule", "rules"), ("qiz", "quiz")]
)
def test_a_misspelt_command_gets_the_closest_one(typed, meant) -> None:
    completed = run(typed)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr == (
        f"triage: error: unknown command '{typed}' (did you mean '{meant}'?); "
        "commands: assess, compare, schema, fhir, rules, check, quiz\n"
    )


def test_a_command_nothing_like_any_gets_the_list_only() -> None:
    completed = run("xyzzy")
    assert completed.returncode == 2
    assert "did you mean" not in completed.stderr and "commands: assess," in completed.stderr


def test_help_has_examples_and_exit_codes_and_every_command_a_description() -> None:
    helped = run("--help", COLUMNS="80")
    assert helped.returncode == 0
    assert "examples:\n  triage   " in helped.stdout
    assert "exit codes:\n  0    success\n  2    bad input" in helped.stdout
    for command in ("assess", "schema", "fhir", "rules", "check", "quiz"):
        lines = run(command, "--help", COLUMNS="80").stdout.split("\n\n")
        # usage, then a description paragraph before the options
        assert len(lines) >= 3 and not lines[1].startswith("options"), command


def test_rules_fits_80_columns_without_breaking_a_word(kb, capsys) -> None:
    assert main(["rules"]) == 0  # not a terminal: 80 columns
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    words = set(out.split())
    for rule in kb.rules:
        assert set(rule.title.split()) <= words  # every word whole on some line


@pytest.mark.parametrize("width", [30, 60, 120])
def test_rule_lines_wrap_to_the_width_and_keep_long_words_whole(width) -> None:
    title = "Sudden severe tearing pain between the shoulder blades " * 2
    lines = cli.rule_lines("AORTA-" + "X" * 40, "emergency", title, "sources: A, B", width)
    rule_id = "AORTA-" + "X" * 40  # a word longer than some lines: kept whole
    head = 1 if width > len(rule_id) + 13 else 2  # the level beside the id, or below it
    assert " ".join(lines[:head]).split() == [rule_id, "[emergency]"]
    assert all(len(line) <= width for line in lines[head:])
    assert " ".join(" ".join(lines[head:]).split()) == " ".join(title.split()) + " sources: A, B"


def test_empty_no_color_keeps_colour_on_a_terminal(monkeypatch) -> None:
    from triage import render

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("NO_COLOR", "")
    assert render.use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "0")  # any non-empty value, even "0"
    assert not render.use_colour(Terminal())


def test_a_rule_engine_that_cannot_load_says_how_to_install_it_again(tmp_path) -> None:
    """As on Python 3.13 when durable-rules was built without the define: one line, no
    traceback, naming the install command and the define."""
    answers = tmp_path / "a.json"
    answers.write_text(
        json.dumps({"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"})
    )
    code = (
        "import sys; sys.modules['durable_rules_engine'] = None\n"
        "from triage.cli import main; sys.exit(main(['assess', sys.argv[1]]))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, str(answers)],
        capture_output=True,
        text=True,
        env={**os.environ, "LANG": "C"},
        timeout=60,
    )
    assert completed.returncode == 1 and completed.stdout == ""
    (line,) = completed.stderr.splitlines()
    assert line.startswith("triage: error: cannot load the rule engine durable-rules (")
    assert "'python3 scripts/install'" in line
    assert "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject" in line
