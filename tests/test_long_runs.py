"""Long runs and threads: many assessments in one process without errors or memory growth (the
engine keeps one durable-rules session per ruleset and retracts each fact, so neither its
memory nor the limit of 1024 live sessions per ruleset grows; a failed assessment drops its
session), and assessments from several threads at once give the single-threaded results.

The full 100,000-assessment run is the benchmark's job; these are the same checks, smaller.
"""

from __future__ import annotations

import gc
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import reference_evaluator as reference

from triage import engine, knowledge, outcome
from triage.errors import EngineError
from triage.models import Answers

DURABLE_SESSION_LIMIT = 1024  # MAX_STATE_INDEX_LENGTH in durable-rules' rete.h


@pytest.fixture(scope="module")
def answer_sets() -> list[Answers]:
    ref = reference.load(knowledge.default_directory())
    rng = random.Random(7)
    sets = []
    for _ in range(300):
        data = reference.random_answers(ref, rng, symptom_share=rng.choice((0.0, 0.1, 0.3)))
        if rng.random() < 0.5:
            _id, _level, condition = rng.choice(ref.rules)
            reference.satisfy(ref, condition, data, rng)
        sets.append(Answers.model_validate(data))
    return sets


def resident_bytes() -> int | None:
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return None
    import resource

    return int(statm.read_text().split()[1]) * resource.getpagesize()


@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    """Switch threads as often as possible, so that unsafe interleavings actually happen."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_thousands_of_assessments_without_error_or_growth(kb, answer_sets) -> None:
    runs = 3000
    assert runs > 2 * DURABLE_SESSION_LIMIT  # a leaked session per run would fail half-way
    expected = [outcome.assess(answers, kb) for answers in answer_sets]  # also warms up
    gc.collect()
    before = resident_bytes()
    for index in range(runs):
        answers = answer_sets[index % len(answer_sets)]
        assert outcome.assess(answers, kb) == expected[index % len(answer_sets)]
    gc.collect()
    if before is not None:  # Linux: durable-rules' C memory shows only in the resident size
        growth = resident_bytes() - before
        assert growth < 8_000_000, f"resident memory grew by {growth:,} bytes in {runs} runs"


def test_python_memory_stays_flat(kb, answer_sets) -> None:
    for answers in answer_sets:
        outcome.assess(answers, kb)
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for index in range(1000):
            outcome.assess(answer_sets[index % len(answer_sets)], kb)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert growth < 200_000, f"Python memory grew by {growth:,} bytes in 1000 runs"


def test_the_skip_logic_session_stays_clean_too(kb, answer_sets) -> None:
    eng = engine.for_knowledge(kb)
    expected = [eng.questions_to_ask(a.model_dump(mode="json")) for a in answer_sets]
    for index in range(DURABLE_SESSION_LIMIT + 200):
        answers = answer_sets[index % len(answer_sets)]
        assert (
            eng.questions_to_ask(answers.model_dump(mode="json"))
            == expected[index % len(answer_sets)]
        )


def test_failures_are_loud_and_never_use_up_the_sessions(kb, monkeypatch) -> None:
    """A failure inside durable-rules drops the session it happened in (and starts a fresh
    one), so failing again and again cannot reach durable-rules' 1024 sessions either."""
    eng = engine.for_knowledge(kb)
    real = engine.core

    class FailsAfterStarting:
        def __getattr__(self, name: str):
            if name == "complete_and_start_action":

                def fail(*args):
                    raise real.error("Could not complete and start action, error code: 999")

                return fail
            return getattr(real, name)

    facts = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}
    with monkeypatch.context() as patch:
        patch.setattr(engine, "core", FailsAfterStarting())
        for _ in range(DURABLE_SESSION_LIMIT + 100):
            with pytest.raises(EngineError, match="error code: 999"):
                eng.fire({**facts, "symptoms": {"fever": "yes"}})
    assert outcome.assess(Answers.model_validate({**facts, "symptoms": {"fever": "yes"}}), kb)


def test_durable_rules_python_host_is_never_used() -> None:
    """durable-rules' Python Host polls its rulesets from two timer threads that run actions
    outside the engine's lock; the engine talks to the C core alone, so neither the Host's
    module nor its threads ever exist."""
    script = (
        "import sys, threading\n"
        "from triage import knowledge, outcome\n"
        "from triage.models import Answers\n"
        "answers = {'age': 40, 'location': ['lower_back'], 'duration': '1_to_4_weeks'}\n"
        "outcome.assess(Answers.model_validate(answers), knowledge.load())\n"
        "print('durable.engine' in sys.modules, threading.active_count())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "1"]


def test_threads_give_the_single_threaded_results(kb, answer_sets, tiny_switch_interval) -> None:
    expected = [outcome.assess(answers, kb) for answers in answer_sets]

    def worker(offset: int) -> list[int]:
        wrong = []
        for step in range(len(answer_sets)):
            index = (offset * 75 + step) % len(answer_sets)  # each thread in its own order
            if outcome.assess(answer_sets[index], kb) != expected[index]:
                wrong.append(index)
        return wrong

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(worker, range(4)))  # 4 threads x 300 assessments
    assert results == [[], [], [], []]


def test_threads_loading_and_assessing_at_once(answer_sets, tiny_switch_interval) -> None:
    """Knowledge bases compiled and registered while other threads assess: each thread gets an
    engine of its own knowledge base and the same answers give the same level everywhere."""
    first = knowledge.load()
    expected = [outcome.assess(answers, first).triage for answers in answer_sets[:50]]

    def worker(_: int) -> list:
        kb = knowledge.load()
        return [outcome.assess(answers, kb).triage for answers in answer_sets[:50]]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(worker, range(4)))
    assert results == [expected] * 4
