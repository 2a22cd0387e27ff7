"""Every clinical change shows up as a reviewed diff of tests/rules-snapshot.txt.

If this fails after a change to rules/, read the diff, have it reviewed, then refresh the
snapshot with `python -m tests.snapshot --update` and commit both together.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests import snapshot
from triage import knowledge


def test_the_rules_match_the_reviewed_snapshot(kb) -> None:
    committed = snapshot.PATH.read_text(encoding="utf-8")
    now = snapshot.render(kb)
    assert now == committed, (
        "the clinical knowledge in rules/ differs from the reviewed snapshot:\n"
        f"{snapshot.differences(committed, now)}\n"
        f"after review, refresh it with: {snapshot.COMMAND}"
    )


def _changed_rules(tmp_path: Path, file: str, old: str, new: str) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    text = (directory / file).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} no longer occurs once in {file}"
    (directory / file).write_text(text.replace(old, new), encoding="utf-8")
    return directory


def test_a_changed_level_shows_in_the_diff_with_the_rule_id(tmp_path: Path) -> None:
    directory = _changed_rules(
        tmp_path,
        "rules.yaml",
        "- id: INFECTION-RISK-NEURO\n    title: A higher risk of spine infection (weak immune "
        "system, injecting drugs, recent infection or spine procedure) with new weakness in a "
        "leg\n    triage: emergency",
        "- id: INFECTION-RISK-NEURO\n    title: A higher risk of spine infection (weak immune "
        "system, injecting drugs, recent infection or spine procedure) with new weakness in a "
        "leg\n    triage: urgent",
    )
    diff = snapshot.differences(
        snapshot.PATH.read_text(encoding="utf-8"), snapshot.render(knowledge.load(directory))
    )
    assert "-INFECTION-RISK-NEURO  [emergency]" in diff
    assert "+INFECTION-RISK-NEURO  [urgent]" in diff


def test_skip_logic_and_advice_text_are_in_the_snapshot(tmp_path: Path) -> None:
    directory = _changed_rules(
        tmp_path,
        "questions.yaml",
        "text: Do you have cancer now, or have you had cancer in the past?",
        "text: Do you have cancer now, or have you had cancer in the past?\n"
        "    when:\n      age: {gte: 50}",
    )
    text = snapshot.render(knowledge.load(directory))
    assert "cancer_history: asked if age >= 50" in text
    assert "cancer_history: always asked" in snapshot.PATH.read_text(encoding="utf-8")
    assert "| Call the emergency number (999 in the UK" in text


def test_the_refresh_command_writes_what_the_check_accepts(tmp_path: Path, capsys) -> None:
    target = tmp_path / "snapshot.txt"
    assert snapshot.main(["--file", str(target)]) == 1  # missing: differs
    assert snapshot.main(["--update", "--file", str(target)]) == 0
    assert snapshot.main(["--file", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == snapshot.PATH.read_text(encoding="utf-8")
    assert "matches rules/" in capsys.readouterr().out
