"""The rule engine adapter: the only module that imports durable-rules.

The knowledge base is compiled to a durable-rules JSON ruleset, registered once per process
under a unique name. Each assessment asserts one fact (the flattened answers) under a fresh
session id, so every matching rule fires (a fact, unlike an event, is not consumed by the first
match), collects the names of the rules that fired, and deletes the session state in `finally`.

durable-rules traps handled here (verified against 2.0.28):
- A fact that matches no rule still takes one of the 1024 session slots, and deleting that
  session crashes the process. A catch-all rule (`kind == "answers"`, present on every fact)
  makes sure every fact matches, so every session can be deleted.
- An action that takes two parameters is run as asynchronous; actions here take one.
- An exception inside an action is swallowed into the returned state; it is raised here.
- The C core has no locks; one lock serialises every assessment in the process.
- The host's own timer threads would run actions outside that lock; they are never started.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from durable import engine as durable_engine

from triage.conditions import FACT_KIND, widen_unsure
from triage.errors import EngineError
from triage.knowledge import KnowledgeBase
from triage.models import Level

CATCH_ALL = "engine:seen"
RULE, UNSURE, ADVICE, ASK = "rule:", "unsure:", "advice:", "ask:"
ADVICE_SEPARATOR = ","

_lock = threading.Lock()
_session_ids = itertools.count(1)
_ruleset_ids = itertools.count(1)


class _Host(durable_engine.Host):  # type: ignore[misc]
    """A durable-rules host whose actions only record the name of the rule that fired."""

    def __init__(self) -> None:
        self.sink: list[str] | None = None
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def record(context: Any) -> None:  # exactly one parameter: see the module docstring
            if self.sink is not None:
                self.sink.append(action_name)

        return record

    def _run(self) -> None:
        # durable-rules' Host starts two timer threads that poll every ruleset and run pending
        # actions outside our lock. The engine uses no timers or queued actions (every action runs
        # inside assert_fact), and those threads could take an assessment's actions away from it:
        # with a short thread switch interval that gave wrong results and "error code: 307".
        return


_host: _Host | None = None


def _shared_host() -> _Host:
    global _host
    if _host is None:
        _host = _Host()
    return _host


def ruleset_definition(kb: KnowledgeBase) -> dict[str, Any]:
    """The durable-rules JSON for a knowledge base: one entry per rule, per 'unsure' variant of
    a rule, and per self-help advice with a `when`; plus the catch-all."""
    definition: dict[str, Any] = {CATCH_ALL: _rule({"kind": FACT_KIND}, CATCH_ALL)}
    for rule in kb.rules:
        condition = kb.conditions[f"rule:{rule.id}"]
        definition[RULE + rule.id] = _rule(condition.to_durable(), RULE + rule.id)
        widened = widen_unsure(condition)
        # "Not sure" about a warning sign counts as "yes", one level lower; below "soon" that
        # would change nothing, so such variants are left out.
        if widened != condition and rule.triage.lowered() != Level.SELF_CARE:
            definition[UNSURE + rule.id] = _rule(widened.to_durable(), UNSURE + rule.id)
    # Self-help texts that share a condition share one rule: every fired rule costs an action.
    by_test: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for advice in kb.advice.values():
        chooses = kb.conditions.get(f"advice:{advice.id}")
        if chooses is not None:
            test = chooses.to_durable()
            by_test.setdefault(json.dumps(test, sort_keys=True), (test, []))[1].append(advice.id)
    for test, ids in by_test.values():
        name = ADVICE + ADVICE_SEPARATOR.join(ids)
        definition[name] = _rule(test, name)
    return definition


def skip_logic_definition(kb: KnowledgeBase) -> dict[str, Any]:
    """The durable-rules JSON for the quiz's skip logic: one entry per question with a `when`."""
    definition: dict[str, Any] = {CATCH_ALL: _rule({"kind": FACT_KIND}, CATCH_ALL)}
    for question in kb.questions:
        condition = kb.conditions.get(f"question:{question.id}")
        if condition is not None:
            definition[ASK + question.id] = _rule(condition.to_durable(), ASK + question.id)
    return definition


def _rule(test: dict[str, Any], action: str) -> dict[str, Any]:
    return {"all": [{"m": test}], "run": action}


class Engine:
    """Fires a compiled knowledge base on flat facts and returns the names that fired."""

    def __init__(self, kb: KnowledgeBase) -> None:
        number = next(_ruleset_ids)
        self.name, self.skip_logic_name = f"triage_{number}", f"triage_{number}_ask"
        self.definition = ruleset_definition(kb)
        self.skip_logic = skip_logic_definition(kb)
        host = _shared_host()
        with _lock:
            # register_rulesets deletes each 'run' from the dict it is given: pass copies.
            host.register_rulesets(
                {
                    self.name: copy.deepcopy(self.definition),
                    self.skip_logic_name: copy.deepcopy(self.skip_logic),
                }
            )

    def fire(self, facts: Mapping[str, Any]) -> frozenset[str]:
        """Names of everything that fired ('rule:ID', 'unsure:ID', 'advice:ID')."""
        return self._fire(self.name, facts)

    def questions_to_ask(self, facts: Mapping[str, Any]) -> frozenset[str]:
        """Ids of the questions with a `when` that holds for the answers so far."""
        return frozenset(name[len(ASK) :] for name in self._fire(self.skip_logic_name, facts))

    def _fire(self, ruleset: str, facts: Mapping[str, Any]) -> frozenset[str]:
        host = _shared_host()
        sid = str(next(_session_ids))
        fact = {**facts, "sid": sid}
        with _lock:
            fired: list[str] = []
            host.sink = fired
            try:
                state = self._assert(host, ruleset, fact)
            finally:
                host.sink = None
            try:
                if isinstance(state, dict) and state.get("exception"):
                    raise EngineError(f"a rule action failed: {state['exception']}")
            finally:
                host.delete_state(ruleset, sid)
        if CATCH_ALL not in fired:
            raise EngineError("the rule engine did not evaluate the answers")
        return frozenset(_split(fired))

    @staticmethod
    def _assert(host: _Host, ruleset: str, fact: dict[str, Any]) -> Any:
        try:
            return host.assert_fact(ruleset, fact)
        except durable_engine.MessageNotHandledException as error:
            # Cannot happen while the catch-all exists; no state was made, so none is deleted.
            raise EngineError("no rule matched the answers, not even the catch-all") from error
        except Exception as error:  # the C core raises a bare Exception subclass
            raise EngineError(f"the rule engine failed: {error}") from error


def _split(fired: list[str]) -> list[str]:
    """One name per rule or advice text ('advice:a,b' -> 'advice:a', 'advice:b')."""
    names = []
    for name in fired:
        if name.startswith(ADVICE):
            names += [
                ADVICE + advice_id for advice_id in name[len(ADVICE) :].split(ADVICE_SEPARATOR)
            ]
        elif name != CATCH_ALL:
            names.append(name)
    return names


_engines: dict[KnowledgeBase, Engine] = {}


def for_knowledge(kb: KnowledgeBase) -> Engine:
    """The engine of a knowledge base, compiled and registered once per process."""
    with _lock:
        engine = _engines.get(kb)
    if engine is None:
        engine = Engine(kb)
        with _lock:
            engine = _engines.setdefault(kb, engine)
    return engine
