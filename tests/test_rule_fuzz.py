"""Fuzzing the rule engine: no rule set that `triage check` accepts may crash it or fail.

A few hundred random rule sets within the documented limits (5-500 rules, at most 64 tests
and 8 levels per condition, with many `at_least`, the shape that overflowed durable-rules'
stack of 64 tests) replace the shipped rules. Each goes through what `check` runs on the
engine (`engine.compile_problems`, then `engine.trial_problems`, which `check` runs in a
child process); each one accepted is then assessed on more answer sets (random ones, every
symptom yes, each symptom alone). Any engine error or crash after an accept fails the test.

The rule sets are seeded, so a failure names one that can be reproduced:
    python tests/test_rule_fuzz.py FIRST COUNT
runs rule sets FIRST .. FIRST+COUNT-1 and prints what happened to each. The work runs in
child processes (two at a time), each taking many rule sets, so that a crash of the C core
ends a child, not the test run; the child's last line names the rule set it was working on.
"""

from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from triage import conditions, engine, knowledge
from triage.knowledge import KnowledgeBase
from triage.models import CHOICE_FIELDS, LIST_FIELDS, NUMBER_FIELDS, SYMPTOMS, Level

RULE_SETS = 300
MAX_RULES = 500  # (the documented limit is 1,000; 5-150 most of the time)
CHUNK = 30  # rule sets per child process
SEED = 18_000
MAX_TESTS, MAX_LEVELS = 64, 8  # per condition, as documented (README "Safety and limits")
EXTRA_RANDOM = 40  # answer sets per accepted rule set, on top of the trial assessments
HERE = Path(__file__).resolve()


# ---------------------------------------------------------------------------------------------
# Generating rule sets


def leaf(rng: random.Random) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.6:
        name = rng.choice(list(SYMPTOMS))
        return {name: rng.choice(["yes", "yes", "unsure", ["yes", "unsure"]])}
    if kind < 0.75:
        name, values = rng.choice(list(CHOICE_FIELDS.items()))
        chosen = [str(v) for v in rng.sample(list(values), rng.randint(1, 2))]
        return {name: chosen if len(chosen) > 1 else chosen[0]}
    if kind < 0.9:
        name, values = rng.choice(list(LIST_FIELDS.items()))
        return {name: str(rng.choice(list(values)))}
    name, (low, high) = rng.choice(list(NUMBER_FIELDS.items()))
    return {name: {rng.choice(conditions.NUMBER_TESTS): rng.randint(low, high)}}


def condition(rng: random.Random, budget: list[int], level: int = 1) -> dict[str, Any]:
    """A random condition; `budget` is the tests left (shared by the whole condition)."""
    if level >= MAX_LEVELS or budget[0] <= 1 or rng.random() < 0.35:
        budget[0] -= 1
        return leaf(rng)
    width = rng.randint(2, max(2, min(budget[0], rng.choice((2, 3, 4, 8, 16)))))
    parts = []
    for _ in range(width):
        if budget[0] <= 0:
            break
        parts.append(condition(rng, budget, level + 1))
    if len(parts) < 2:
        return parts[0] if parts else leaf(rng)
    shape = rng.random()
    if shape < 0.4:
        return {"at_least": {"count": rng.randint(1, len(parts)), "of": parts}}
    return {"all" if shape < 0.7 else "any": parts}


def probe_shaped(rng: random.Random, index: int) -> dict[str, Any]:
    """The probe's shape: `at_least: {count: 1, of: [fever, another symptom]}`."""
    others = [name for name in SYMPTOMS if name != "fever"]
    other = others[index % len(others)] if rng.random() < 0.7 else rng.choice(others)
    return {"at_least": {"count": 1, "of": [{"fever": "yes"}, {other: "yes"}]}}


def rule_set(number: int) -> list[dict[str, Any]]:
    rng = random.Random(SEED + number)
    count = rng.randint(5, 150) if rng.random() < 0.7 else rng.randint(150, MAX_RULES)
    style = rng.random()
    rules = []
    for index in range(count):
        if style < 0.25:
            when = probe_shaped(rng, index)
        else:
            when = condition(rng, [rng.randint(1, MAX_TESTS)])
        level = rng.choice(["emergency", "urgent", "soon", "self_care"])
        rules.append({"id": f"FUZZ-{number}-{index}", "triage": level, "when": when})
    return rules


def with_rules(kb: KnowledgeBase, rules: list[dict[str, Any]]) -> KnowledgeBase:
    """The knowledge base with these rules instead of its own (built without the YAML loader,
    which is checked elsewhere; the conditions are parsed as the loader does)."""
    template = kb.rules[0]
    new = tuple(
        template.model_copy(
            update={"id": r["id"], "triage": Level(r["triage"]), "when": r["when"], "advice": []}
        )
        for r in rules
    )
    kept = {key: value for key, value in kb.conditions.items() if not key.startswith("rule:")}
    parsed = {f"rule:{r['id']}": conditions.parse(r["when"]) for r in rules}
    return dataclasses.replace(kb, rules=new, conditions={**kept, **parsed})


# ---------------------------------------------------------------------------------------------
# The child: rule sets FIRST .. FIRST+COUNT-1, one line per step


def run_chunk(first: int, count: int) -> None:
    shipped = knowledge.load()
    for number in range(first, first + count):
        say(f"checking {number}")
        kb = with_rules(shipped, rule_set(number))
        if engine.compile_problems(kb) or engine.trial_problems(kb):
            say(f"refused {number}")
            continue
        say(f"assessing {number}")
        running = engine.for_knowledge(kb)
        rng = random.Random(number)
        try:
            for answers in more_answers(rng):
                running.fire(answers)
                running.questions_to_ask(answers)
        except engine.EngineError as error:
            say(f"FAILED {number}: {error.message()}")
            continue
        say(f"accepted {number}")


def more_answers(rng: random.Random) -> list[dict[str, Any]]:
    answers = [engine.random_answers(rng) for _ in range(EXTRA_RANDOM)]
    everything = {"symptoms": dict.fromkeys(SYMPTOMS, "yes")}
    answers += [everything, *({"symptoms": {name: "yes"}} for name in SYMPTOMS)]
    return answers


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------
# The test


def chunk_outcome(first: int, count: int) -> tuple[dict[str, str], list[str]]:
    """What happened to each rule set of a chunk, and the failures. A child that dies while
    checking a rule set stands for `check` refusing it (check runs the trials in a child
    too); one that dies while assessing an accepted rule set is a failure. After a death the
    rest of the chunk runs in a new child."""
    seen: dict[str, str] = {}
    failures: list[str] = []
    start = first
    while start < first + count:
        done = subprocess.run(
            [sys.executable, str(HERE), str(start), str(first + count - start)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        lines = done.stdout.splitlines()
        for line in lines:
            word, _, rest = line.partition(" ")
            number = rest.split(":")[0]
            seen[number] = word
            if word == "FAILED":
                failures.append(line)
        if done.returncode == 0:
            break
        last = lines[-1] if lines else f"checking {start}"
        word, _, rest = last.partition(" ")
        if word == "assessing":
            failures.append(f"crash (exit {done.returncode}) assessing rule set {rest}")
        seen[rest] = "refused" if word == "checking" else "crashed"
        start = int(rest) + 1
    return seen, failures


@pytest.mark.timeout(900)  # about a minute of work on two cores (longer on a busy machine)
def test_no_rule_set_that_check_accepts_fails_in_the_engine() -> None:
    chunks = [(first, min(CHUNK, RULE_SETS - first)) for first in range(0, RULE_SETS, CHUNK)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda chunk: chunk_outcome(*chunk), chunks))
    seen = {number: word for found, _ in outcomes for number, word in found.items()}
    failures = [line for _, found in outcomes for line in found]
    assert not failures, failures[:10]
    assert len(seen) == RULE_SETS, sorted(set(map(str, range(RULE_SETS))) - set(seen))[:10]
    accepted = sum(word == "accepted" for word in seen.values())
    refused = sum(word == "refused" for word in seen.values())
    # Both kinds occur, so the fuzzer exercises the engine and the refusals alike.
    assert accepted >= RULE_SETS // 2, (accepted, refused)
    assert refused >= 10, (accepted, refused)


def test_the_generated_rule_sets_stay_within_the_documented_limits() -> None:
    """Every condition the fuzzer makes is one the YAML loader would take: the limits are
    the documented ones, not looser."""
    from triage.knowledge import _condition_size_problem

    for number in range(0, RULE_SETS, 7):
        for rule in rule_set(number):
            assert _condition_size_problem(rule["when"]) is None, (number, rule["id"])
            conditions.parse(rule["when"])


if __name__ == "__main__":
    run_chunk(int(sys.argv[1]), int(sys.argv[2]))
