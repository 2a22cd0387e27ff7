"""Benchmark: start-up, single assessments, engine latency, batch throughput and memory.

Run from the repository root:  .venv/bin/python benchmarks/bench.py [--lines 100000] [--quick]

It generates realistic answer sets (seeded), then measures, each several times:
- the time from starting `triage quiz` in a pseudo-terminal to the first question on screen;
- the wall time of `triage assess FILE --json` for one file;
- engine latency per assessment in process (p50, p99);
- `triage assess --batch` over N lines: throughput and peak memory, at N/10, N/2 and N lines
  (memory must stay flat as the batch grows);
- the same lines through a raw floor: the compiled durable-rules ruleset alone (parse each line,
  flatten it into the fact, assert it, read the fired rules, delete the state), with no
  validation or rendering, so the table shows our overhead as a ratio.

Targets (2-core machine): first question < 0.25 s (median); assess < 0.2 s; batch >= 5,000/s and
<= 1.5x the floor; peak memory < 100 MB and flat.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def realistic_answers(rng: random.Random) -> dict:
    from triage.models import SYMPTOMS

    answers: dict = {
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


def spread(values: list[float]) -> str:
    if len(values) < 4:
        return f"min {min(values):.3f} max {max(values):.3f}"
    q = statistics.quantiles(values, n=4)
    return f"IQR {q[0]:.3f}-{q[2]:.3f}"


def first_question(runs: int) -> list[float]:
    import pexpect

    from triage import knowledge

    first = " ".join(knowledge.load().questions[0].text.split()[:4])
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        child = pexpect.spawn(
            TRIAGE, ["quiz"], env=ENV, encoding="utf-8", timeout=20, dimensions=(40, 120)
        )
        child.expect_exact(first)
        times.append(time.perf_counter() - start)
        child.terminate(force=True)
    return times


def assess_wall(path: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [TRIAGE, "assess", str(path), "--json"], env=ENV, check=True, stdout=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return times


def engine_latency(count: int) -> list[float]:
    from triage import knowledge, outcome
    from triage.models import Answers

    kb = knowledge.load()
    rng = random.Random(11)
    answers = [Answers.model_validate(realistic_answers(rng)) for _ in range(count)]
    outcome.assess(answers[0], kb)  # compile and register once, as a process would
    times = []
    for item in answers:
        start = time.perf_counter_ns()
        outcome.assess(item, kb)
        times.append((time.perf_counter_ns() - start) / 1e3)
    return times


FLOOR = r"""
import json, sys
from triage import knowledge, engine, conditions
kb = knowledge.load()
compiled = engine.Engine(kb)  # the compiled ruleset, registered once
fire = compiled.fire          # assert the fact, collect fired names, delete the state
out = sys.stdout
for line in open(sys.argv[1]):
    out.write(" ".join(sorted(fire(conditions.to_facts(json.loads(line))))) + "\n")
"""


# Linux keeps a process's peak memory across exec, so a child forked straight from this
# (large) benchmark would report the benchmark's own peak. A small launcher starts it instead.
LAUNCHER = r"""
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one child process."""
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], env=ENV, capture_output=True, text=True
    )
    elapsed, peak_kb, code = launched.stdout.split()
    if launched.returncode != 0 or code != "0":
        raise SystemExit(f"failed: {' '.join(command)}\n{launched.stderr}")
    return float(elapsed), int(peak_kb) / 1024


def compile_bytecode() -> None:
    """Compile the package as an installed one would be: an editable install under
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module on every start."""
    env = {key: value for key, value in ENV.items() if key != "PYTHONDONTWRITEBYTECODE"}
    package = ROOT / "triage"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="batch size (default 100,000)")
    parser.add_argument("--runs", type=int, default=15, help="repetitions of the timed commands")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    lines, runs = (5_000, 3) if args.quick else (args.lines, args.runs)
    compile_bytecode()

    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.json"
        one.write_text(json.dumps(realistic_answers(random.Random(3))))

        q = first_question(runs)
        rows.append(
            (
                "quiz: first question on screen",
                f"{statistics.median(q):.3f} s",
                spread(q),
                "< 0.25 s",
            )
        )
        a = assess_wall(one, runs)
        rows.append(
            ("`triage assess FILE --json`", f"{statistics.median(a):.3f} s", spread(a), "< 0.2 s")
        )
        lat = engine_latency(20_000 if not args.quick else 2_000)
        p = statistics.quantiles(lat, n=100)
        rows.append(
            ("engine latency per assessment", f"p50 {p[49]:.0f} µs", f"p99 {p[98]:.0f} µs", "-")
        )

        sizes = [lines // 10, lines // 2, lines]
        batch_results = {}
        for size in sizes:
            data = Path(tmp) / f"batch-{size}.jsonl"
            write_jsonl(data, size)
            batch_results[size] = run_measured([TRIAGE, "assess", "--batch", str(data)])
        floor_file = Path(tmp) / "floor.py"
        floor_file.write_text(FLOOR)
        floor_time, floor_mem = run_measured(
            [sys.executable, str(floor_file), str(Path(tmp) / f"batch-{lines}.jsonl")]
        )

    batch_time, batch_mem = batch_results[lines]
    rate, floor_rate = lines / batch_time, lines / floor_time
    rows.append(
        (f"batch, {lines:,} lines", f"{rate:,.0f} /s", f"{batch_time:.1f} s", ">= 5,000 /s")
    )
    rows.append(
        (
            f"raw durable-rules floor, {lines:,} lines",
            f"{floor_rate:,.0f} /s",
            f"{floor_time:.1f} s",
            "-",
        )
    )
    rows.append(("batch time / floor time", f"{batch_time / floor_time:.2f}x", "", "<= 1.5x"))
    memory = ", ".join(f"{size:,}: {batch_results[size][1]:.0f} MB" for size in sizes)
    rows.append(("batch peak memory (RSS)", f"{batch_mem:.0f} MB", memory, "< 100 MB, flat"))
    rows.append(("floor peak memory (RSS)", f"{floor_mem:.0f} MB", "", "-"))

    print(
        f"triage benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{lines:,} lines, {runs} runs each\n"
    )
    print("| measure | median / value | spread | target |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
