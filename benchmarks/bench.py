"""Benchmark: every measure as a ratio to a baseline measured in the same run.

Run from the repository root:  .venv/bin/python benchmarks/bench.py [--lines 100000] [--quick]

Absolute times on a shared machine vary from run to run; ratios measured side by side (the
two sides alternate, and each ratio is the median of the pairs' ratios) vary much less, so
every target is a ratio:

- engine per assessment: the per-session durable path as it was before issue 11 (a faithful copy
  is kept below: a fresh session per assessment, durable's Python host dispatching one Python
  action per fired rule, the session deleted afterwards) against `engine.Engine.fire` (one
  long-lived session, fired rules read from the C core). Target: at least 5x faster.
- batch: `triage assess --batch` over N/5 realistic lines against the raw per-session floor (the
  same lines parsed, flattened and fired through the per-session path, fired names written, no
  validation and no result), alternately, five times. Target: at least 1.3x the floor's lines
  per second.
- `triage assess FILE --json` against `python -c pass`. Target: at most 12x.
- the quiz's first text (`kbcache.quick_welcome` in a child process) against `python -c pass`.
  Target: at most 5x. The first question on screen (a pseudo-terminal) is shown for reference.
- memory: the batch's peak resident memory at N/10, N/2 and N lines. Target: flat (less than
  5 MB more at N lines than at N/10).
- `--jobs` (issue 24; `--only jobs` runs this part alone): `assess --batch --jobs 2` against
  `--jobs 1` over N lines, alternately. Target on 2 cores: at least 1.7x the lines per second
  (the outputs are compared too: equal, line for line). `--jobs 0` (every core) for reference.
- `triage compare` (issue 24): over the public scenarios and N lines, with a changed rule set,
  against two batch runs of the N lines. Target: at most 1x (within the time of two batch
  runs); its peak memory at N/10 and N lines: flat (less than 5 MB growth).

The package's bytecode is compiled first (an installed package has it) and the knowledge-base
cache is warmed, as after the first run of an installed tool.

`--floor JSONL` (used by the benchmark itself) runs the per-session floor over a file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TRIAGE = str(BIN / "triage") if (BIN / "triage").exists() else "triage"
ENV = {**os.environ, "NO_COLOR": "1", "TERM": "xterm"}

# How often each symptom is answered yes in the generated population (the rest: mostly no,
# some unsure, some not asked). Red flags are rare, as in primary care (Henschke 2009: most
# people have one "flag" but serious causes are about 1%).
COMMON = {
    "stops_daily_activities": 0.2,
    "struggling_to_cope": 0.12,
    "leg_numbness": 0.12,
    "night_pain": 0.03,
    "morning_stiffness": 0.1,
    "better_with_movement": 0.1,
}
RARE = 0.004
UNSURE = 0.003


def realistic_answers(rng: random.Random) -> dict[str, Any]:
    from triage.models import SYMPTOMS

    answers: dict[str, Any] = {
        "schema_version": 1,
        "age": rng.choice([rng.randint(18, 65)] * 8 + [rng.randint(66, 95), rng.randint(8, 17)]),
        "location": rng.sample(
            ["lower_back"] * 6 + ["middle_back"] * 2 + ["upper_back", "flank"], 1
        ),
        "duration": rng.choices(
            ["under_1_week", "1_to_4_weeks", "4_to_12_weeks", "over_12_weeks"], [4, 4, 2, 2]
        )[0],
    }
    if rng.random() < 0.3:
        answers["radiation"] = [rng.choice(["buttock_or_thigh", "below_knee", "groin", "abdomen"])]
    for field, values in (
        ("onset", ["sudden", "gradual"]),
        ("trigger", ["none", "lifting_or_strain", "minor_injury", "major_injury"]),
        ("course", ["improving", "unchanged", "worsening"]),
    ):
        if rng.random() < 0.85:
            weights = [1] * len(values) if field != "trigger" else [5, 5, 1, 0.1]
            answers[field] = rng.choices(values, weights)[0]
    if rng.random() < 0.9:
        answers["intensity"] = rng.choice(range(1, 11))
    symptoms = {}
    for name in SYMPTOMS:
        if rng.random() < 0.2:
            continue  # not asked
        draw = rng.random()
        p_yes = COMMON.get(name, RARE)
        symptoms[name] = "yes" if draw < p_yes else "unsure" if draw < p_yes + UNSURE else "no"
    answers["symptoms"] = symptoms
    return answers


def write_jsonl(path: Path, lines: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w") as stream:
        for _ in range(lines):
            stream.write(json.dumps(realistic_answers(rng)) + "\n")


# ---------------------------------------------------------------------------------------------
# The baseline: the per-session durable path as it was before issue 11 (triage/engine.py and
# triage/conditions.py at commit 1b816f9), kept here so that the ratio is measured in one run.
# Compiling is not timed; per assessment it flattens the answers, asserts them in a fresh
# session, lets durable's Python host run one Python action per fired rule (which records the
# rule's name), checks the catch-all, deletes the session and splits the names.


class PerSessionEngine:
    """The engine before issue 11, on the same knowledge base."""

    CATCH_ALL, RULE, UNSURE, ADVICE = "engine:seen", "rule:", "unsure:", "advice:"

    def __init__(self, kb: Any) -> None:
        import copy

        from durable import engine as durable_engine

        from triage import unsure

        class Host(durable_engine.Host):  # type: ignore[misc]
            def __init__(self) -> None:
                self.sink: list[str] | None = None
                super().__init__()

            def get_action(self, action_name: str) -> Callable[[Any], None]:
                def record(context: Any) -> None:
                    if self.sink is not None:
                        self.sink.append(action_name)

                return record

            def _run(self) -> None:
                return  # no timer threads

        definition = {self.CATCH_ALL: _old_rule({"kind": "answers"}, self.CATCH_ALL)}
        for rule in kb.rules:
            condition = kb.conditions[f"rule:{rule.id}"]
            definition[self.RULE + rule.id] = _old_rule(_old_test(condition), self.RULE + rule.id)
            widened = unsure.accepting_unsure(condition)
            if widened != condition and rule.triage.lowered().value != "self_care":
                name = self.UNSURE + rule.id
                definition[name] = _old_rule(_old_test(widened), name)
        by_test: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for advice in kb.advice.values():
            chooses = kb.conditions.get(f"advice:{advice.id}")
            if chooses is not None:
                test = _old_test(chooses)
                by_test.setdefault(json.dumps(test, sort_keys=True), (test, []))[1].append(
                    advice.id
                )
        for test, ids in by_test.values():
            name = self.ADVICE + ",".join(ids)
            definition[name] = _old_rule(test, name)
        self.host = Host()
        self.name = f"per_session_{id(self)}"
        self.host.register_rulesets({self.name: copy.deepcopy(definition)})
        self.sessions = iter(range(1, 1 << 62))
        self.lock = threading.Lock()

    def fire(self, facts: Mapping[str, Any]) -> frozenset[str]:
        sid = str(next(self.sessions))
        fact = {**facts, "sid": sid}
        with self.lock:
            fired: list[str] = []
            self.host.sink = fired
            try:
                state = self.host.assert_fact(self.name, fact)
            finally:
                self.host.sink = None
            try:
                if isinstance(state, dict) and state.get("exception"):
                    raise RuntimeError(f"a rule action failed: {state['exception']}")
            finally:
                self.host.delete_state(self.name, sid)
        if self.CATCH_ALL not in fired:
            raise RuntimeError("the rule engine did not evaluate the answers")
        names = []
        for name in fired:
            if name.startswith(self.ADVICE):
                names += [self.ADVICE + i for i in name[len(self.ADVICE) :].split(",")]
            elif name != self.CATCH_ALL:
                names.append(name)
        return frozenset(names)


def _old_rule(test: dict[str, Any], action: str) -> dict[str, Any]:
    return {"all": [{"m": test}], "run": action}


def _old_test(condition: Any) -> dict[str, Any]:
    """The durable JSON of a condition as conditions.py wrote it before issue 11."""
    from triage.conditions import AllOf, AnyOf, AtLeast
    from triage.models import LIST_FIELDS

    operators = {"gte": "$gte", "gt": "$gt", "lte": "$lte", "lt": "$lt"}

    def join(operator: str, tests: list[dict[str, Any]]) -> dict[str, Any]:
        return tests[0] if len(tests) == 1 else {operator: tests}

    if isinstance(condition, AllOf):
        return join("$and", [_old_test(part) for part in condition.parts])
    if isinstance(condition, AnyOf):
        return join("$or", [_old_test(part) for part in condition.parts])
    if isinstance(condition, AtLeast):  # every k-subset
        groups = combinations(condition.parts, condition.count)
        return join("$or", [_old_test(AllOf(group)) for group in groups])
    if condition.bounds:
        return join("$and", [{operators[op]: {condition.field: n}} for op, n in condition.bounds])
    if condition.field in LIST_FIELDS:
        return join("$or", [{f"{condition.field}__{v}": True} for v in condition.values])
    return join("$or", [{condition.field: v} for v in condition.values])


def old_facts(answers: Mapping[str, Any]) -> dict[str, Any]:
    """conditions.to_facts before issue 11."""
    from triage.models import CHOICE_FIELDS, LIST_FIELDS, NUMBER_FIELDS

    facts: dict[str, Any] = {"kind": "answers"}
    for field in NUMBER_FIELDS:
        number = answers.get(field)
        if isinstance(number, int) and not isinstance(number, bool):
            facts[field] = number
    for field in CHOICE_FIELDS:
        value = answers.get(field)
        facts[field] = str(value) if value is not None else "not_answered"
    for field in LIST_FIELDS:
        for value in answers.get(field) or ():
            facts[f"{field}__{value}"] = True
    for name, value in (answers.get("symptoms") or {}).items():
        value = "yes" if value is True else value
        if value is not None and str(value) in ("yes", "unsure"):
            facts[name] = str(value)
    return facts


def run_floor(path: str) -> None:
    """The raw per-session floor: each line parsed, flattened and fired through the per-session
    path; the fired names written. No validation, no result."""
    from triage import knowledge

    engine = PerSessionEngine(knowledge.load())
    out = sys.stdout
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            out.write(" ".join(sorted(engine.fire(old_facts(json.loads(line))))) + "\n")


# ---------------------------------------------------------------------------------------------
# Measuring


def compile_bytecode() -> None:
    """Compile the package as an installed one would be: an editable install under
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module on every start."""
    env = {key: value for key, value in ENV.items() if key != "PYTHONDONTWRITEBYTECODE"}
    package = ROOT / "triage"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env, check=True)


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=ENV, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def side_by_side(
    runs: int, measure: Callable[[], float], baseline: Callable[[], float]
) -> tuple[float, float, list[float]]:
    """Medians of both, measured alternately, and the ratio of each pair."""
    ours, theirs = [], []
    for _ in range(runs):
        theirs.append(baseline())
        ours.append(measure())
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return statistics.median(ours), statistics.median(theirs), ratios


def spread(ratios: list[float]) -> str:
    if len(ratios) < 5:
        return f"{min(ratios):.2f}-{max(ratios):.2f}x"
    low, _, high = statistics.quantiles(ratios, n=4)
    return f"IQR {low:.2f}-{high:.2f}x"


def engine_ratio(count: int, rounds: int) -> tuple[float, float, list[float], str]:
    """µs per assessment: the per-session path and the engine, on the same answer sets, in
    alternating rounds; also how many answer sets both decide alike."""
    from triage import engine, knowledge

    kb = knowledge.load()
    rng = random.Random(11)
    answer_sets = [realistic_answers(rng) for _ in range(count)]
    new, old = engine.for_knowledge(kb), PerSessionEngine(kb)
    agree = sum(names(new.fire(a)) == old.fire(old_facts(a)) for a in answer_sets)

    def per_session() -> float:
        start = time.perf_counter()
        for answers in answer_sets:
            old.fire(old_facts(answers))
        return (time.perf_counter() - start) / count * 1e6

    def long_lived() -> float:
        start = time.perf_counter()
        for answers in answer_sets:
            new.fire(answers)
        return (time.perf_counter() - start) / count * 1e6

    ours, theirs, ratios = side_by_side(rounds, long_lived, per_session)
    return ours, theirs, [1 / r for r in ratios], f"{agree:,} of {count:,} decided alike"


def names(fired: frozenset[Any]) -> frozenset[str]:
    """The engine's records as the per-session path named them."""
    return frozenset(
        f"{'unsure' if item.unsure else item.kind}:{item.id}"
        for item in fired
        if item.kind != "question"
    )


# Linux keeps a process's peak memory across exec, so a child forked straight from this
# (large) benchmark would report the benchmark's own peak. A small launcher starts it instead.
LAUNCHER = r"""
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
      usage.ru_utime + usage.ru_stime)
"""


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one child process."""
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], env=ENV, capture_output=True, text=True
    )
    elapsed, peak_kb, code, _cpu = launched.stdout.split()
    if launched.returncode != 0 or code != "0":
        raise SystemExit(f"failed: {' '.join(command)}\n{launched.stderr}")
    return float(elapsed), int(peak_kb) / 1024


def on_screen(program: str, args: list[str], words: str, *, enter_at: str | None = None) -> float:
    """Seconds from starting `program` in a pseudo-terminal until `words` are on its screen;
    with `enter_at`, Enter is pressed as soon as that text is on the screen (the time a person
    takes to read it is not counted). Cursor-position requests are switched off: a terminal
    answers them at once, pexpect never does (each would cost prompt_toolkit a wait)."""
    import pexpect

    env = {**ENV, "PROMPT_TOOLKIT_NO_CPR": "1"}
    start = time.perf_counter()
    child = pexpect.spawn(
        program, args, env=env, encoding="utf-8", timeout=30, dimensions=(60, 200)
    )
    if enter_at is not None:
        child.expect_exact(enter_at)
        child.send("\r")
    child.expect_exact(words)
    elapsed = time.perf_counter() - start
    child.terminate(force=True)
    return elapsed


def first_question() -> float:
    """The first question on screen, Enter pressed at the prompt to start as soon as it shows."""
    from triage import knowledge
    from triage.session import READY

    first = " ".join(knowledge.load().questions[0].text.split()[:4])
    return on_screen(TRIAGE, ["quiz"], first, enter_at=" ".join(READY.split()[:4]))


def first_words() -> float:
    """The quiz's welcome on screen (printed from the cache before the prompt library loads)."""
    from triage import knowledge

    welcome = " ".join((knowledge.load().info.welcome or "").split()[:4])
    return on_screen(TRIAGE, ["quiz"], welcome)


def python_prints() -> float:
    """The floor for anything on a pseudo-terminal: Python starting and printing one line."""
    return on_screen(sys.executable, ["-c", "print('ready')"], "ready")


def against_python(
    measure: str, runs: int, command: Callable[[], float], most: float | None
) -> tuple[str, str, str, str, str, bool]:
    """A row for a start-up time as a multiple of `python -c pass` (at most `most`)."""
    python_pass = [sys.executable, "-c", "pass"]
    ours, theirs, ratios = side_by_side(runs, command, lambda: seconds(python_pass))
    ratio = statistics.median(ratios)
    return (
        measure,
        f"{ours * 1000:.0f} ms",
        f"`python -c pass` {theirs * 1000:.0f} ms",
        f"{ratio:.1f}x ({spread(ratios)})",
        "-" if most is None else f"<= {most:g}x",
        most is None or ratio <= most,
    )


def rows(args: argparse.Namespace) -> Iterator[tuple[str, str, str, str, str, bool]]:
    """(measure, ours, baseline, ratio with spread, target, met)."""
    from triage import knowledge

    lines, runs = args.lines, args.runs
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.json"
        one.write_text(json.dumps(realistic_answers(random.Random(3))))
        assess = [TRIAGE, "assess", str(one), "--json"]
        seconds(assess)  # warms the knowledge-base cache, as any earlier run would have

        count, rounds = (2_000, 5) if args.quick else (5_000, 9)
        ours, theirs, speedups, agree = engine_ratio(count, rounds)
        speedup = statistics.median(speedups)
        yield (
            f"engine per assessment ({agree})",
            f"{ours:.0f} µs",
            f"per-session path {theirs:.0f} µs",
            f"{speedup:.1f}x faster ({spread(speedups)})",
            ">= 5x faster",
            speedup >= 5,
        )

        yield against_python("`triage assess FILE --json`", runs, lambda: seconds(assess), 12)
        rules = str(knowledge.default_directory())
        welcome = [
            sys.executable,
            "-c",
            f"from triage import kbcache; print(kbcache.quick_welcome({rules!r}))",
        ]
        yield against_python(
            "quiz: first text (`kbcache.quick_welcome`, child process)",
            runs,
            lambda: seconds(welcome),
            5,
        )
        if not args.no_terminal:
            ours, theirs, ratios = side_by_side(max(runs // 2, 5), first_words, python_prints)
            ratio = statistics.median(ratios)
            yield (
                "quiz: the welcome on screen (pseudo-terminal)",
                f"{ours * 1000:.0f} ms",
                f"Python printing a line there {theirs * 1000:.0f} ms",
                f"{ratio:.1f}x ({spread(ratios)})",
                "<= 5x",
                ratio <= 5,
            )
            yield against_python(
                "quiz: first question on screen (pseudo-terminal)",
                max(runs // 3, 3),
                first_question,
                None,
            )

        # Throughput: batch and floor alternate over the same lines, several times.
        share, rounds = max(lines // 5, 1_000), (3 if args.quick else 5)
        data = Path(tmp) / "throughput.jsonl"
        write_jsonl(data, share, seed=13)
        batch_seconds, floor_seconds, ratios = side_by_side(
            rounds,
            lambda: run_measured([TRIAGE, "assess", "--batch", str(data)])[0],
            lambda: run_measured([sys.executable, __file__, "--floor", str(data)])[0],
        )
        faster = [1 / ratio for ratio in ratios]  # batch lines/s over floor lines/s, per pair
        yield (
            f"`triage assess --batch`, {share:,} lines, {rounds} runs",
            f"{share / batch_seconds:,.0f} lines/s",
            f"per-session floor {share / floor_seconds:,.0f} lines/s",
            f"{statistics.median(faster):.2f}x the floor ({spread(faster)})",
            ">= 1.3x",
            statistics.median(faster) >= 1.3,
        )

        sizes = [lines // 10, lines // 2, lines]
        memory = {}
        for size in sizes:
            data = Path(tmp) / f"batch-{size}.jsonl"
            write_jsonl(data, size)
            memory[size] = run_measured([TRIAGE, "assess", "--batch", str(data)])[1]
        _, floor_memory = run_measured([sys.executable, __file__, "--floor", str(data)])
        growth = memory[lines] - memory[sizes[0]]
        yield (
            "batch peak memory (RSS)",
            ", ".join(f"{size:,}: {memory[size]:.0f} MB" for size in sizes),
            f"floor {floor_memory:.0f} MB",
            f"{growth:+.1f} MB from {sizes[0]:,} to {lines:,} lines",
            "flat (< 5 MB growth)",
            growth < 5,
        )


def jobs_rows(args: argparse.Namespace) -> Iterator[tuple[str, str, str, str, str, bool]]:
    """`--jobs` scaling and `triage compare` against batch runs (issue 24)."""
    import shutil

    from triage import knowledge

    lines = args.lines
    rounds = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "jobs.jsonl"
        write_jsonl(data, lines, seed=17)
        batch = [TRIAGE, "assess", "--batch", str(data)]
        outputs = [Path(tmp) / "one.out", Path(tmp) / "two.out"]
        for jobs, out in zip((1, 2), outputs, strict=True):
            with out.open("wb") as stream:
                subprocess.run([*batch, "--jobs", str(jobs)], env=ENV, check=True, stdout=stream)
        equal = outputs[0].read_bytes() == outputs[1].read_bytes()
        one, two, ratios = side_by_side(
            rounds,
            lambda: run_measured([*batch, "--jobs", "2"])[0],
            lambda: run_measured([*batch, "--jobs", "1"])[0],
        )
        faster = [1 / ratio for ratio in ratios]
        yield (
            f"`assess --batch --jobs 2`, {lines:,} lines, {rounds} runs"
            + ("" if equal else " (**outputs differ**)"),
            f"{lines / one:,.0f} lines/s",
            f"--jobs 1 {lines / two:,.0f} lines/s",
            f"{statistics.median(faster):.2f}x ({spread(faster)})",
            ">= 1.7x on 2 cores",
            statistics.median(faster) >= 1.7 and equal,
        )
        # On a busy machine the wall-clock ratio says more about the neighbours than about
        # --jobs. The processor time of both runs gives the ratio a quiet machine would show:
        # with 2 cores free, 2 jobs take (their processor time) / 2 seconds at best.
        cpu_one = statistics.median(cpu_seconds([*batch, "--jobs", "1"]) for _ in range(rounds))
        cpu_two = statistics.median(cpu_seconds([*batch, "--jobs", "2"]) for _ in range(rounds))
        bound = min(2.0, 2 * cpu_one / cpu_two)
        yield (
            f"`--jobs 2` on 2 quiet cores, from processor time ({rounds} runs each)",
            f"{cpu_two:.1f} s of processor time",
            f"--jobs 1 {cpu_one:.1f} s",
            f"{bound:.2f}x (2 x {cpu_one:.1f} / {cpu_two:.1f})",
            ">= 1.7x",
            bound >= 1.7,
        )
        every, _memory = run_measured([*batch, "--jobs", "0"])
        yield (
            f"`assess --batch --jobs 0` ({len(os.sched_getaffinity(0))} cores), {lines:,} lines",
            f"{lines / every:,.0f} lines/s",
            f"--jobs 1 {lines / two:,.0f} lines/s",
            f"{two / every:.2f}x",
            "-",
            True,
        )

        rules = Path(knowledge.default_directory())
        changed = Path(tmp) / "changed-rules"
        shutil.copytree(rules, changed)
        text = (changed / "rules.yaml").read_text(encoding="utf-8")
        (changed / "rules.yaml").write_text(text.replace("age: {gte: 60}", "age: {gte: 65}"))
        scenarios = Path(tmp) / "scenarios.jsonl"
        with scenarios.open("w", encoding="utf-8") as stream:
            for path in sorted((ROOT / "tests" / "scenarios").glob("*.json")):
                answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
                stream.write(json.dumps(answers) + "\n")
        # The target: the scenarios and the N lines, with a changed rule set, within the time
        # of two batch runs of the N lines. The scenarios alone for reference (their time is
        # mostly the generated sample's, about a second).
        for label, inputs, batched, target in (
            ("the public scenarios", [scenarios], scenarios, None),
            (f"the public scenarios and {lines:,} lines", [scenarios, data], data, 1.0),
        ):
            command = [TRIAGE, "compare", str(rules), str(changed), *map(str, inputs), "--json"]
            compared, _memory = run_measured_any(command)
            batches = run_measured([TRIAGE, "assess", "--batch", str(batched)])[0] * 2
            yield (
                f"`triage compare` over {label}, a changed rule set",
                f"{compared:.1f} s",
                f"two batch runs of {batched.name} {batches:.1f} s",
                f"{compared / batches:.2f}x",
                "-" if target is None else "<= 1x",
                target is None or compared <= batches * target,
            )
        sizes = [lines // 10, lines // 2, lines]
        memory = {}
        for size in sizes:
            part = Path(tmp) / f"compare-{size}.jsonl"
            write_jsonl(part, size, seed=17)
            command = [TRIAGE, "compare", str(rules), str(changed), str(part), "--json"]
            memory[size] = run_measured_any(command)[1]
        growth = memory[lines] - memory[sizes[0]]
        yield (
            "`triage compare` peak memory (RSS)",
            ", ".join(f"{size:,}: {memory[size]:.0f} MB" for size in sizes),
            "-",
            f"{growth:+.1f} MB from {sizes[0]:,} to {lines:,} lines",
            "flat (< 5 MB growth)",
            growth < 5,
        )


def run_measured_any(command: list[str]) -> tuple[float, float]:
    """As `run_measured`, for a command whose exit status says something (compare's 1)."""
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], env=ENV, capture_output=True, text=True
    )
    elapsed, peak_kb, _code, _cpu = launched.stdout.split()
    return float(elapsed), int(peak_kb) / 1024


def cpu_seconds(command: list[str]) -> float:
    """Processor seconds (user and system) of a command and every process it waited for (its
    workers): what a run costs however busy the machine is."""
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], env=ENV, capture_output=True, text=True
    )
    return float(launched.stdout.split()[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="batch size (default 100,000)")
    parser.add_argument("--runs", type=int, default=21, help="repetitions of timed commands")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--no-terminal", action="store_true", help="skip the pseudo-terminal")
    parser.add_argument(
        "--only", choices=["jobs"], help="only the --jobs and compare measures (issue 24)"
    )
    parser.add_argument("--floor", metavar="JSONL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        run_floor(args.floor)
        return
    if args.quick:
        args.lines, args.runs = 5_000, 5
    compile_bytecode()
    print(
        f"triage benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{args.lines:,} lines, {args.runs} runs of each command (medians; the spread is that "
        "of the paired ratios)\n"
    )
    print("| measure | ours | baseline | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    measures = (
        jobs_rows(args) if args.only == "jobs" else itertools.chain(rows(args), jobs_rows(args))
    )
    for measure, ours, baseline, ratio, target, met in measures:
        verdict = "-" if target == "-" else "yes" if met else "**no**"
        print(f"| {measure} | {ours} | {baseline} | {ratio} | {target} | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
