"""Hostile rule sets: each is refused by `triage check` and by `triage --rules DIR assess` in
seconds with exit code 2 and a clear line, within a memory bound, never with a traceback or an
exit code of 1. They run in a child process with a time limit and an address-space limit, so a
regression shows as a failed test, not as a machine that runs out of memory."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from triage import knowledge

SECONDS = 30  # each case must be refused well within this (they take about a second)
MEMORY = 1_500_000_000  # bytes of address space for the child (the tool needs about 200 MB)
ANSWERS = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def limited() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def triage(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    script = Path(sys.executable).with_name("triage")
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("TRIAGE_DEBUG", None)
    started = time.monotonic()
    done = subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        env=env,
        preexec_fn=limited,  # noqa: PLW1509 - no threads in the test process at this point
    )
    return done, time.monotonic() - started


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    return directory


def append_rule(directory: Path, text: str) -> None:
    path = directory / "rules.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    # `triage check` wants every rule's title in every language of the rules
    for rule_id in re.findall(r"^  - id: (\S+)$", text, flags=re.MULTILINE):
        german = directory / "de" / "rules.yaml"
        line = f"  {rule_id}:\n    title: Titel von {rule_id}\n"
        german.write_text(german.read_text(encoding="utf-8") + line, encoding="utf-8")


def at_least(count: int, of: int) -> Callable[[Path], None]:
    symptoms = list(json.loads(json.dumps(sorted(_symptoms()))))[:of]
    tests = "".join(f"\n            - {name}: yes" for name in symptoms)

    def edit(directory: Path) -> None:
        append_rule(
            directory,
            f"""
  - id: HOSTILE-AT-LEAST
    title: Many of many
    triage: soon
    when:
      at_least:
        count: {count}
        of:{tests}
    sources: [NHS-BACK-PAIN]
""",
        )

    return edit


def _symptoms() -> list[str]:
    from triage.models import SYMPTOMS

    return list(SYMPTOMS)


def many_rules(directory: Path) -> None:
    rules = "".join(
        f"\n  - id: MANY-{n}\n    title: Rule {n}\n    triage: soon\n"
        f"    when: {{fever: yes}}\n    sources: [NHS-BACK-PAIN]\n"
        for n in range(20_000)
    )
    append_rule(directory, rules)


LAUGHS = "".join(f"  - &l{n} [{', '.join(f'*l{n - 1}' for _ in range(10))}]\n" for n in range(1, 9))


def laughs_in(field: str) -> Callable[[Path], None]:
    def edit(directory: Path) -> None:
        path = directory / "rules.yaml"
        text = path.read_text(encoding="utf-8")
        bomb = f"laughs:\n  - &l0 [lol]\n{LAUGHS}"
        rule = {
            "id": "id: *l8\n    title: x\n    triage: soon\n    when: {fever: yes}",
            "triage": "id: LAUGHS\n    title: x\n    triage: *l8\n    when: {fever: yes}",
            "when": "id: LAUGHS\n    title: x\n    triage: soon\n    when: {all: *l8}",
        }[field]
        path.write_text(
            bomb + text + f"\n  - {rule}\n    sources: [NHS-BACK-PAIN]\n", encoding="utf-8"
        )

    return edit


def self_alias(directory: Path) -> None:
    append_rule(
        directory,
        "\n  - id: LOOP\n    title: x\n    triage: soon\n    when: &me {any: [*me]}\n"
        "    sources: [NHS-BACK-PAIN]\n",
    )


def repeated_level(directory: Path) -> None:
    path = directory / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  - id: CES-SADDLE\n"
    assert old in text
    block = text.split(old, 1)[1].split("\n  - id:", 1)[0]
    changed = block.replace("triage: emergency", "triage: emergency\n    triage: self_care", 1)
    path.write_text(text.replace(old + block, old + changed), encoding="utf-8")


def repeated_when_key(directory: Path) -> None:
    append_rule(
        directory,
        "\n  - id: TWICE\n    title: x\n    triage: urgent\n"
        "    when: {bladder_bowel: yes, bladder_bowel: unsure}\n    sources: [NHS-BACK-PAIN]\n",
    )


def escape_in_title(directory: Path) -> None:
    path = directory / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("title: The pain started after a serious accident", 'title: "\\e]0;owned\\a"'),
        encoding="utf-8",
    )


def huge_when(directory: Path) -> None:
    tests = "".join(f"\n          - age: {{gte: {n % 100}}}" for n in range(500))
    append_rule(
        directory,
        f"\n  - id: HUGE\n    title: x\n    triage: soon\n    when:\n      any:{tests}\n"
        "    sources: [NHS-BACK-PAIN]\n",
    )


def deep_when(directory: Path) -> None:
    when = "{fever: yes}"
    for _ in range(200):
        when = "{any: [" + when + "]}"
    append_rule(
        directory,
        f"\n  - id: DEEP\n    title: x\n    triage: soon\n    when: {when}\n"
        "    sources: [NHS-BACK-PAIN]\n",
    )


# case -> (the change to a copy of rules/, a pattern the error lines must contain)
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "20000-rules": (many_rules, "at most|limited to"),
    "laughs-in-id": (laughs_in("id"), "aliases"),
    "laughs-in-triage": (laughs_in("triage"), "aliases"),
    "laughs-in-when": (laughs_in("when"), "aliases"),
    "alias-to-itself": (self_alias, "refers to itself"),
    "repeated-level": (repeated_level, "given twice"),
    "repeated-when-key": (repeated_when_key, "given twice"),
    "escape-in-title": (escape_in_title, "control character"),
    "500-tests-in-one-when": (huge_when, "tests in one condition"),
    "200-levels-deep": (deep_when, "levels deep"),
}


@pytest.mark.parametrize(("count", "of"), [(10, 20), (12, 24)])
def test_a_large_at_least_compiles_and_runs_in_seconds(rules_dir, tmp_path, count, of) -> None:
    """Once every k-subset was expanded (10 of 20 took 20 s and 1 GB; 12 of 24 more than 7 GB):
    now `at_least` compiles to a count, so such a rule set passes `triage check` and runs."""
    at_least(count, of)(rules_dir)
    answers = tmp_path / "answers.json"
    symptoms = {name: "yes" for name in sorted(_symptoms())[:count]}
    answers.write_text(json.dumps({**ANSWERS, "symptoms": symptoms}), encoding="utf-8")
    done, seconds = triage("check", str(rules_dir))
    assert done.returncode == 0, done.stderr[-2000:]
    done, seconds = triage("--rules", str(rules_dir), "assess", str(answers), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    fired = {reason["rule"] for reason in json.loads(done.stdout)["reasons"]}
    assert "HOSTILE-AT-LEAST" in fired
    assert seconds < SECONDS


@pytest.mark.parametrize("case", list(CASES))
def test_check_and_assess_refuse_a_hostile_rule_set_in_seconds(rules_dir, tmp_path, case) -> None:
    edit, expected = CASES[case]
    edit(rules_dir)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS), encoding="utf-8")
    for args in (("check", str(rules_dir)), ("--rules", str(rules_dir), "assess", str(answers))):
        done, seconds = triage(*args)
        assert done.returncode == 2, (args, done.returncode, done.stderr[-2000:])
        assert "Traceback" not in done.stderr and done.stdout == ""
        assert re.search(expected, done.stderr), done.stderr[-2000:]
        assert "\x1b" not in done.stderr and "\x07" not in done.stderr
        assert seconds < SECONDS
