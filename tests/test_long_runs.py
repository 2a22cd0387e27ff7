"""Long runs and threads: many assessments in one process without errors or memory growth (the
engine deletes every durable-rules session, so the limit of 1024 live sessions per ruleset is
never reached), and assessments from several threads at once give the single-threaded results.

The full 100,000-assessment run is the benchmark's job; these are the same checks, smaller.
"""

from __future__ import annotations

import gc
import random
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import reference_evaluator as reference

from triage import conditions, engine, knowledge, outcome
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


def test_skip_logic_also_deletes_its_sessions(kb, answer_sets) -> None:
    eng = engine.for_knowledge(kb)
    for index in range(DURABLE_SESSION_LIMIT + 200):
        answers = answer_sets[index % len(answer_sets)]
        eng.questions_to_ask(conditions.to_facts(answers.model_dump(mode="json")))


def test_a_failing_rule_action_is_loud_and_still_frees_its_session(monkeypatch) -> None:
    """durable-rules swallows exceptions in actions; the engine raises them, and deletes the
    session anyway (in `finally`), so failures cannot use up the 1024 sessions either."""

    def failing_action(self, name):
        def fail(context) -> None:
            raise RuntimeError(f"action {name} broke")

        return fail

    with monkeypatch.context() as patch:
        patch.setattr(engine._Host, "get_action", failing_action)
        broken = engine.Engine(knowledge.load())  # its actions are bound when registered
    facts = conditions.to_facts({"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"})
    for _ in range(DURABLE_SESSION_LIMIT + 100):
        with pytest.raises(EngineError, match="a rule action failed"):
            broken.fire(facts)


def test_durable_rules_timer_threads_are_never_started(kb) -> None:
    """durable-rules' Host polls its rulesets from two timer threads that run actions outside
    the engine's lock; with them running, a short thread switch interval gave wrong results."""
    engine.for_knowledge(kb).fire(conditions.to_facts({"age": 40}))
    durable = [
        thread
        for thread in threading.enumerate()
        if isinstance(thread, threading.Timer)
        and "durable" in getattr(getattr(thread, "function", None), "__module__", "")
    ]
    assert durable == []


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
