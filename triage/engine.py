"""The rule engine: the only module that imports durable-rules (its C core, `durable_rules_engine`).

A knowledge base is compiled into two durable-rules rulesets: the decisions (every rule, every
rule's "Not sure" variant, every self-help advice with a `when`) and the quiz's skip logic (every
question with a `when`). Each is registered once per process, with one long-lived session. An
assessment asserts one fact (the answers, flattened), reads the names of the rules that fired
straight from the C core (start an action, complete it, start the next: no Python action runs),
and retracts the fact, so the session is empty again. Callers get typed `Fired` records.

Conditions compile to durable-rules' JSON tests: a leaf to an equality or comparison, `all` to
`$and`, `any` to `$or`. `at_least` compiles to arithmetic that durable-rules evaluates on the
fact (each part is 0 or 1; products for `all`, 1 - product of (1 - part) for `any`, a sum
compared with the count), so its size grows with the number of parts, not with the number of
their subsets. For that, facts carry a 0/1 entry for every answer such a part tests.

durable-rules traps handled here (verified against 2.0.28):
- A fact that matches no rule is not kept, and asserting it reports "not handled". A catch-all
  rule (`kind == "answers"`, true of every fact) must fire on every assessment; if it does not,
  the engine did not evaluate the answers, which is an error, never a silent "nothing fired".
- Any error of the C core (or an unexpected status) raises EngineError; the session is then
  dropped and a fresh one is used, so no half-finished assessment is left behind.
- The C core has no locks; one lock serialises every call into it in the process.
- The C core has fixed limits (rules per ruleset, tests in one rule, tests after one test,
  rules ending at one test, properties in one fact) and some of them hang or corrupt memory
  rather than fail: `compile_problems` checks every one on a model of the network it builds,
  and a ruleset that breaks one is never handed to the C core.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import random
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from triage.errors import EngineError, EngineMissing, Problem
from triage.i18n import _

try:
    import durable_rules_engine as core
except ImportError as error:  # e.g. built for Python 3.13 or later without the define
    raise EngineMissing(
        _(
            "cannot load the rule engine durable-rules ({error}); install it again with "
            "'python3 scripts/install' (on Python 3.13 and later it must be built with "
            "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject; see docs/development.md)"
        ).format(error=error)
    ) from error

from triage.conditions import (
    NOT_ANSWERED,
    AllOf,
    AnyOf,
    AtLeast,
    Condition,
    Leaf,
)
from triage.models import CHOICE_FIELDS, LIST_FIELDS, NUMBER_FIELDS, SYMPTOMS
from triage.unsure import accepting_unsure, unsure_level

if TYPE_CHECKING:
    from triage.knowledge import KnowledgeBase

FACT_KIND = "answers"  # every fact carries kind=answers, which the catch-all matches
FACT_ID = "answers"  # the one fact in a session; retracted by this id
CATCH_ALL = "seen"
ZERO = "#zero"  # a 0 in every fact that counts: the left side of the `at_least` comparison
GUARD = "#guard"  # a 1 in every fact: each test that counts starts with one of these keys
GUARDED = 16  # counting tests behind one guard (durable-rules' stack: see _stack_problem)

# durable-rules' fixed limits (src/rules/rete.h, rete.c, state.h), and how close we go.
MAX_RULES = 4095  # MAX_ACTIONS 4096, one of which is the catch-all
MAX_GROUPS = 15  # all/any groups in one rule: each takes 2 of MAX_SEQUENCE_EXPRESSIONS (32)
MAX_TESTS_AFTER_ONE = 500  # NEXT_BUCKET_LENGTH 512: a full table hangs the next lookup
MAX_ANY_AFTER_ONE = 120  # NEXT_LIST_LENGTH 128: past it, memory is overwritten
MAX_RULES_AT_ONE = 250  # BETA_LIST_LENGTH 256: the same
MAX_FACT_PROPERTIES = 254  # MAX_OBJECT_PROPERTIES 255: error 302
MAX_DEPTH = 32  # all/any/at_least levels: keeps the compiled JSON far from recursion limits
MAX_PENDING = 64  # MAX_STACK_SIZE 64 (events.c): the tests that hold after one test wait on it


class Kind(StrEnum):
    """What a fired durable-rules rule stands for."""

    RULE = "rule"
    ADVICE = "advice"
    QUESTION = "question"


@dataclass(frozen=True, slots=True)
class Fired:
    """One rule, self-help advice or question whose condition holds. `unsure`: it holds only
    because "Not sure" counts as "yes" (the rule's "Not sure" variant fired)."""

    kind: Kind
    id: str
    unsure: bool = False


# ---------------------------------------------------------------------------------------------
# Compiling


NUMBER, GIVEN = "#value", "#given"


@dataclass(frozen=True, slots=True)
class Counted:
    """A 0/1 (or number) entry of the fact that `at_least` arithmetic reads: a number (with its
    lowest value when missing, as `given` is then 0), whether an answer is given, or whether an
    answer has a value. It is read from the rest of the fact, which holds every tested answer."""

    key: str
    field: str
    value: str  # a tested value, or NUMBER / GIVEN for a number field; "" for ZERO

    @property
    def source(self) -> str:
        """The fact key it is read from."""
        if self.field in LIST_FIELDS:
            return _flag(self.field, self.value)
        return self.field


@dataclass(frozen=True)
class Entry:
    """One durable-rules rule: its test, what it stands for, where it came from."""

    test: dict[str, Any]
    meaning: tuple[Fired, ...]
    file: str
    item: str | None


@dataclass
class Program:
    """A compiled ruleset: the durable-rules rules by name, the counted fact entries, and the
    conditions it could not take (nested too deeply)."""

    file: str  # where its conditions come from (problems that concern no one rule name it)
    entries: dict[str, Entry] = field(default_factory=dict)
    counted: dict[str, Counted] = field(default_factory=dict)
    refused: list[Problem] = field(default_factory=list)
    guards: int = 0  # counting tests put behind guards so far
    _by_test: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, condition: Condition, meaning: Fired, file: str, item: str) -> None:
        """Compile a condition into the program. Equal tests share one durable-rules rule
        (each fired rule costs a round trip through the C core, and durable-rules allows only
        256 rules on one test)."""
        if depth(condition) > MAX_DEPTH:
            text = _("condition nested too deeply for the rule engine: at most {limit} levels")
            text = text.format(limit=MAX_DEPTH)
            self.refused.append(Problem(file, item, text))
            return
        test = _test(condition, self)
        key = repr(test)
        counts = _COUNTED in key  # arithmetic: it reads a counted entry of the fact
        if _groups(test) + counts > MAX_GROUPS:  # a guard (below) is one more group
            # durable-rules takes at most 15 all/any groups in one rule, but any number of
            # arithmetic terms: such a condition is counted whole (1 when it holds), 0 < that.
            self.counted.setdefault(ZERO, Counted(ZERO, "", ""))
            test = {"$lt": {ZERO: _count(condition, self)}}
            counts = True
            key = repr(test)
        name = self._by_test.get(key)
        if name is None and counts:
            # durable-rules puts every counting test that follows one test on its stack of 64
            # at once: behind guards, at most GUARDED of them follow the same test.
            guard = f"{GUARD}{self.guards // GUARDED}"
            self.guards += 1
            self.counted.setdefault(guard, Counted(guard, "", GUARD))
            test = {"$and": [{guard: 1}, test]}
        if name is None:
            name = self._by_test[key] = str(len(self.entries))
            self.entries[name] = Entry(test, (meaning,), file, item)
        else:
            entry = self.entries[name]
            self.entries[name] = dataclasses.replace(entry, meaning=(*entry.meaning, meaning))

    def text(self) -> str:
        """The durable-rules JSON ruleset."""
        rules = {CATCH_ALL: {"all": [{"m": {"kind": FACT_KIND}}]}}
        rules.update({name: {"all": [{"m": entry.test}]} for name, entry in self.entries.items()})
        return json.dumps(rules, separators=(",", ":"))


def decisions(kb: KnowledgeBase) -> Program:
    """Every rule, its "Not sure" variant where the policy counts one, and every self-help
    advice with a `when`."""
    program = Program("rules.yaml")
    for rule in kb.rules:
        condition = kb.conditions[f"rule:{rule.id}"]
        program.add(condition, Fired(Kind.RULE, rule.id), "rules.yaml", rule.id)
        widened = accepting_unsure(condition)
        if widened != condition and unsure_level(rule.triage, kb.info.unsure_policy) is not None:
            program.add(widened, Fired(Kind.RULE, rule.id, unsure=True), "rules.yaml", rule.id)
    for advice in kb.advice.values():
        chooses = kb.conditions.get(f"advice:{advice.id}")
        if chooses is not None:
            program.add(chooses, Fired(Kind.ADVICE, advice.id), "advice.yaml", advice.id)
    return program


def skip_logic(kb: KnowledgeBase) -> Program:
    """Every question with a `when`."""
    program = Program("questions.yaml")
    for question in kb.questions:
        condition = kb.conditions.get(f"question:{question.id}")
        if condition is not None:
            program.add(condition, Fired(Kind.QUESTION, question.id), "questions.yaml", question.id)
    return program


_COUNTED = repr("$m")  # in the text of a test that reads a counted entry (answer values,
# the only other strings in a test, are plain names)


def depth(condition: Condition) -> int:
    """Levels of all/any/at_least above the deepest test (a test alone: 1)."""
    if isinstance(condition, Leaf):
        return 1
    return 1 + max(depth(part) for part in condition.parts)


def _test(condition: Condition, program: Program) -> dict[str, Any]:
    """A condition as a durable-rules test on the fact."""
    match condition:
        case Leaf(bounds=bounds) if bounds:
            return _join("$and", [{f"${op}": {condition.field: n}} for op, n in bounds])
        case Leaf(field=name, values=values) if name in LIST_FIELDS:
            return _join("$or", [{_flag(name, value): True} for value in values])
        case Leaf(field=name, values=values):
            return _join("$or", [{name: value} for value in values])
        case AllOf(parts=parts):
            return _join("$and", [_test(part, program) for part in parts])
        case AnyOf(parts=parts):
            return _join("$or", [_test(part, program) for part in parts])
        case AtLeast(count=count, parts=parts):
            program.counted.setdefault(ZERO, Counted(ZERO, "", ""))
            total = _balanced("$add", [_count(part, program) for part in parts])
            # 0 < total - (count - 1), that is: total >= count
            return {"$lt": {ZERO: _arith("$sub", total, count - 1)}}
    raise AssertionError(f"unknown condition {condition!r}")


def _count(condition: Condition, program: Program) -> Any:
    """A condition as durable-rules arithmetic on the fact that is 1 when it holds, else 0."""
    match condition:
        case Leaf(bounds=bounds) if bounds:
            given = _counted(program, condition.field, GIVEN)
            return _balanced(
                "$mul", [given, *(_bound(condition.field, *b, program) for b in bounds)]
            )
        case Leaf(field=name, values=values) if name in LIST_FIELDS:
            return _any([_counted(program, name, value) for value in values])
        case Leaf(field=name, values=values):  # one answer: at most one of its values is given
            return _balanced("$add", [_counted(program, name, value) for value in values])
        case AllOf(parts=parts):
            return _balanced("$mul", [_count(part, program) for part in parts])
        case AnyOf(parts=parts):
            return _any([_count(part, program) for part in parts])
        case AtLeast(count=count, parts=parts):
            # total lies in [0, n]: (total + n + 1 - count) // (n + 1) is 1 when total >= count
            span = len(parts) + 1
            total = _balanced("$add", [_count(part, program) for part in parts])
            return _arith("$div", _arith("$add", total, span - count), span)
    raise AssertionError(f"unknown condition {condition!r}")


def _bound(name: str, op: str, bound: int, program: Program) -> Any:
    """1 when the number compares with the bound, else 0 (the number is within its range)."""
    low, high = NUMBER_FIELDS[name]
    threshold = bound + 1 if op in ("gt", "lte") else bound  # x > b is x >= b + 1
    # x - threshold lies in [low - high - 1, high - low]: x >= threshold exactly when
    # (x - threshold + span) // span is 1, and otherwise it is 0 (never negative).
    span = high - low + 1
    at_least = _arith(
        "$div", _arith("$add", _counted(program, name, NUMBER), span - threshold), span
    )
    return at_least if op in ("gte", "gt") else _arith("$sub", 1, at_least)


def _any(parts: list[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    return _arith("$sub", 1, _balanced("$mul", [_arith("$sub", 1, part) for part in parts]))


def _counted(program: Program, name: str, value: str) -> dict[str, str]:
    key = f"{name}{value}" if value in (NUMBER, GIVEN) else f"{name}={value}"
    program.counted.setdefault(key, Counted(key, name, value))
    return {"$m": key}


def _arith(op: str, left: Any, right: Any) -> dict[str, Any]:
    return {op: {"$l": left, "$r": right}}


def _balanced(op: str, parts: list[Any]) -> Any:
    """Parts joined by a binary operator as a balanced tree (shallow even for many parts)."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return _arith(op, _balanced(op, parts[:middle]), _balanced(op, parts[middle:]))


def _join(operator: str, tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {operator: tests}


def _flag(name: str, value: str) -> str:
    """The fact key that says a list field contains a value."""
    return f"{name}__{value}"


# ---------------------------------------------------------------------------------------------
# Facts


def to_fact(answers: Mapping[str, Any], counted: Iterable[Counted] = ()) -> dict[str, Any]:
    """Flatten answers (possibly partial, as during the quiz) into the fact the rules read.

    Only what a condition can test is kept, which keeps the fact small: symptoms answered yes
    or unsure (conditions never test "no"); one true flag per chosen value of a list field;
    every single-choice field, "not_answered" when left open; numbers when given (a missing
    number stays absent, so no comparison can match it: durable-rules compares loosely across
    types); and the entries `at_least` arithmetic counts, each always present.
    """
    fact: dict[str, Any] = {"kind": FACT_KIND}
    for name in NUMBER_FIELDS:
        number = answers.get(name)
        if isinstance(number, int) and not isinstance(number, bool):
            fact[name] = number
    for name in CHOICE_FIELDS:
        value = answers.get(name)
        fact[name] = NOT_ANSWERED if value is None else str(value)
    for name in LIST_FIELDS:
        for value in answers.get(name) or ():
            fact[_flag(name, str(value))] = True
    for name, value in (answers.get("symptoms") or {}).items():
        if value is None or value is False:  # not asked, or no: never tested
            continue
        if value is True or value == "yes":  # JSON true means yes, as in the contract
            fact[name] = "yes"
        elif value == "unsure":
            fact[name] = "unsure"
    for key, read, source, default in _plan(tuple(counted)):
        if read == _EQUAL:
            fact[key] = 1 if fact.get(source) == default else 0
        elif read == _PRESENT:
            fact[key] = 1 if source in fact else 0
        else:
            fact[key] = fact.get(source, default)
    return fact


_EQUAL, _PRESENT, _NUMBER = range(3)


@lru_cache(maxsize=64)
def _plan(counted: tuple[Counted, ...]) -> tuple[tuple[str, int, str, Any], ...]:
    """How to read each counted entry from the fact (worked out once: facts are the hot path)."""
    plan: list[tuple[str, int, str, Any]] = []
    for entry in counted:
        if entry.key == ZERO:
            plan.append((entry.key, _NUMBER, entry.key, 0))  # never in the fact: always 0
        elif entry.value == GUARD:
            plan.append((entry.key, _NUMBER, entry.key, 1))  # never in the fact: always 1
        elif entry.value == NUMBER:
            plan.append((entry.key, _NUMBER, entry.source, NUMBER_FIELDS[entry.field][0]))
        elif entry.value == GIVEN or entry.field in LIST_FIELDS:
            plan.append((entry.key, _PRESENT, entry.source, None))
        else:
            plan.append((entry.key, _EQUAL, entry.source, entry.value))
    return tuple(plan)


def fact_properties(program: Program) -> int:
    """The most properties a fact can have (durable-rules refuses more than 254)."""
    symptoms, flags = len(SYMPTOMS), sum(len(values) for values in LIST_FIELDS.values())
    return 3 + len(NUMBER_FIELDS) + len(CHOICE_FIELDS) + flags + symptoms + len(program.counted)


# ---------------------------------------------------------------------------------------------
# The engine's limits, checked on a model of the network durable-rules builds


@dataclass(frozen=True)
class _Kid:
    """A test that follows another: what kind, on which fact entry (a comparison with its
    operator and bound)."""

    kind: str  # "equal", "compare", "count" (arithmetic) or "join" (the end of an `any`)
    key: str
    node: int
    op: str = ""
    bound: int = 0


@dataclass
class _Node:
    tests: int = 0  # different tests that follow this one (NEXT_BUCKET_LENGTH)
    anys: int = 0  # `any` groups one of whose branches ends here (NEXT_LIST_LENGTH)
    rules: list[str] = field(default_factory=list)  # rules whose test ends here (BETA_LIST)
    rule: str = ""  # the rule whose test made it
    kids: list[_Kid] = field(default_factory=list)

    def holding(self) -> dict[str, int]:
        """By fact entry: how many of the tests that follow this one can hold at once for
        one fact. One equality per entry (an answer has one value), the most comparisons of
        one number that hold for one value of it, every arithmetic test (durable-rules
        evaluates it only later)."""
        found: dict[str, int] = {}
        groups: dict[str, list[_Kid]] = {}
        for kid in self.kids:
            if kid.kind != "join":
                groups.setdefault(kid.key, []).append(kid)
        for key, kids in groups.items():
            equal = 1 if any(kid.kind == "equal" for kid in kids) else 0
            counting = sum(kid.kind == "count" for kid in kids)
            compared = [(kid.op, kid.bound) for kid in kids if kid.kind == "compare"]
            found[key] = equal + counting + (_most_holding(key, compared) if compared else 0)
        return found


def _most_holding(name: str, tests: list[tuple[str, int]]) -> int:
    """The most of these comparisons that hold together for one value of a number (tried at
    its ends and next to each bound, where the count can change)."""
    low, high = NUMBER_FIELDS.get(name, (0, 0))
    values = {low, high, *(b + d for _op, b in tests for d in (-1, 0, 1) if low <= b + d <= high)}
    return max(sum(_holds(n, *test) for test in tests) for n in values)


def _holds(number: int, op: str, bound: int) -> bool:
    return {"$lt": number < bound, "$lte": number <= bound, "$gt": number > bound}.get(
        op, number >= bound
    )


class _Network:
    """durable-rules' alpha network for a ruleset, as rete.c builds it: a test after the same
    test is shared (except arithmetic), `$and` chains its tests, `$or` ends each branch in a
    new join node, and each rule hangs on the node where its test ends."""

    def __init__(self) -> None:
        self.nodes: list[_Node] = [_Node()]
        self.children: dict[tuple[int, str], int] = {}
        self._rule = ""
        self._holding: list[dict[str, int]] = []  # Node.holding of each node, once
        self._order: dict[str, int] | None = None

    def add_rule(self, name: str, test: dict[str, Any]) -> None:
        self._rule = name
        self.nodes[self._alpha(test, 0)].rules.append(name)

    def _alpha(self, test: dict[str, Any], parent: int) -> int:
        ((key, value),) = test.items()
        if key == "$and":
            for part in value:
                parent = self._alpha(part, parent)
            return parent
        if key == "$or":
            ends = [self._alpha(part, parent) for part in value]
            join = self._new()  # after its branches: every node comes after those it follows
            for end in ends:
                self.nodes[end].anys += 1
                self.nodes[end].kids.append(_Kid("join", "", join))
            return join
        arithmetic = isinstance(value, dict) and any(isinstance(v, dict) for v in value.values())
        if arithmetic:  # durable-rules never shares an arithmetic test
            self.nodes[parent].tests += 1
            ((name, _expression),) = value.items()
            node = self._new()
            self.nodes[parent].kids.append(_Kid("count", name, node))
            return node
        # A leaf test is a one-key mapping (of a one-key mapping for comparisons), so its repr
        # identifies it, type included (True is not 1 for durable-rules either).
        where = (parent, repr(test))
        found = self.children.get(where)
        if found is None:
            self.nodes[parent].tests += 1
            found = self.children[where] = self._new()
            if key.startswith("$"):  # a comparison: several can hold for one number
                ((name, bound),) = value.items()
                self.nodes[parent].kids.append(_Kid("compare", name, found, key, bound))
            else:
                self.nodes[parent].kids.append(_Kid("equal", key, found))
        return found

    def _new(self) -> int:
        self.nodes.append(_Node(rule=self._rule))
        return len(self.nodes) - 1

    def _holdings(self) -> list[dict[str, int]]:
        if len(self._holding) != len(self.nodes):
            self._holding = [node.holding() for node in self.nodes]
        return self._holding

    def stack(self, order: Mapping[str, int]) -> tuple[int, int]:
        """The most tests that can wait on durable-rules' stack at once, and the node where
        that happens, when the fact's entries come in `order`. durable-rules takes a test off
        the stack, then pushes the ends of `any` groups that follow it, then the tests that
        hold, entry by entry in the fact's order: the last pushed is taken first, so what
        waits below a test is what was pushed before it (as if every test held)."""
        below = [0] * len(self.nodes)
        peak, where = 0, 0
        holdings = self._holdings()
        for number, node in enumerate(self.nodes):  # each after every node it follows
            start, holding = below[number], holdings[number]
            joins = [kid for kid in node.kids if kid.kind == "join"]
            pushed = start + len(joins)
            if pushed + sum(holding.values()) > peak:
                peak, where = pushed + sum(holding.values()), number
            for index, kid in enumerate(joins):
                below[kid.node] = max(below[kid.node], start + index)
            after: dict[str, int] = {}  # pushed once the tests on each entry are
            for key in sorted(holding, key=lambda k: order.get(k, len(order))):
                pushed += holding[key]
                after[key] = pushed
            for kid in node.kids:
                if kid.kind != "join":
                    below[kid.node] = max(below[kid.node], after[kid.key] - 1)
        return peak, where

    def fact_order(self) -> dict[str, int]:
        """The fact's entries, those whose tests lead to the most tests first: they are pushed
        first, so taken last, when the least waits below them."""
        if self._order is not None:
            return self._order
        height = [0] * len(self.nodes)
        holdings = self._holdings()
        for number in reversed(range(len(self.nodes))):
            node, holding = self.nodes[number], holdings[number]
            joins = sum(kid.kind == "join" for kid in node.kids)
            height[number] = joins + sum(holding.values())
            for kid in node.kids:
                alone = joins + holding.get(kid.key, 1) - 1
                height[number] = max(height[number], alone + height[kid.node])
        weight: dict[str, int] = {}
        for node in self.nodes:
            for kid in node.kids:
                if kid.kind != "join":
                    weight[kid.key] = max(weight.get(kid.key, 0), height[kid.node])
        heaviest = sorted(weight, key=lambda key: -weight[key])
        self._order = {key: index for index, key in enumerate(heaviest)}
        return self._order


def _groups(test: dict[str, Any]) -> int:
    ((key, value),) = test.items()
    if key in ("$and", "$or"):
        return 1 + sum(_groups(part) for part in value)
    return 0


def program_problems(program: Program, network: _Network | None = None) -> list[Problem]:
    """Every durable-rules limit a compiled program crosses, with the file and id (on its
    network when given, else one built here)."""
    problems = list(program.refused)
    if len(program.entries) > MAX_RULES:
        problems.append(
            Problem(
                program.file,
                None,
                _(
                    "too many rules for the rule engine: {count} (with their 'Not sure' forms "
                    "and self-help texts; durable-rules allows {limit})"
                ).format(count=len(program.entries), limit=MAX_RULES),
            )
        )
        return problems  # the network of so many rules is not worth modelling
    for entry in program.entries.values():
        groups = _groups(entry.test)
        if groups > MAX_GROUPS:  # `add` counts such conditions instead: a compiler bug
            text = _("compiled with {count} 'all'/'any' groups, durable-rules takes {limit}")
            text = text.format(count=groups, limit=MAX_GROUPS)
            problems.append(Problem(entry.file, entry.item, text))
    problems += _network_problems(program, network or network_of(program))
    properties = fact_properties(program)
    if properties > MAX_FACT_PROPERTIES:
        problems.append(
            Problem(
                program.file,
                None,
                _(
                    "the answers would need {count} entries in the rule engine, at most "
                    "{limit}: fewer answers counted by at_least"
                ).format(count=properties, limit=MAX_FACT_PROPERTIES),
            )
        )
    return problems


def network_of(program: Program) -> _Network:
    """The model of the network durable-rules builds for a program."""
    network = _Network()
    network.add_rule(CATCH_ALL, {"kind": FACT_KIND})
    for name, entry in program.entries.items():
        network.add_rule(name, entry.test)
    return network


def _stack_problem(program: Program, network: _Network) -> Problem | None:
    """durable-rules pushes the tests that follow one that holds onto a stack of 64
    (MAX_STACK_SIZE in events.c); one more is error 303, and the session is then broken.
    Checked on the model, with the fact's entries in the order the engine sends them."""
    count, where = network.stack(network.fact_order())
    if count <= MAX_PENDING:
        return None
    rule = network.nodes[where].rule
    entry = program.entries.get(rule)
    text = _(
        "too many tests of the answers can hold at once for the rule engine: {count}, "
        "durable-rules takes {limit} (error 303); fewer rules, or fewer 'at_least' and "
        "'any' groups"
    ).format(count=count, limit=MAX_PENDING)
    if entry is None:
        return Problem(program.file, None, text)
    return Problem(entry.file, entry.item, text)


def _network_problems(program: Program, network: _Network) -> list[Problem]:
    problems = []
    stack = _stack_problem(program, network)
    if stack is not None:
        problems.append(stack)
    for node in network.nodes:
        if node.tests > MAX_TESTS_AFTER_ONE or node.anys > MAX_ANY_AFTER_ONE:
            problems.append(
                Problem(
                    program.file,
                    None,
                    _(
                        "too many different tests of the answers for the rule engine: {count} "
                        "follow one test, at most {limit} (durable-rules)"
                    ).format(
                        count=max(node.tests, node.anys),
                        limit=min(MAX_TESTS_AFTER_ONE, MAX_ANY_AFTER_ONE),
                    ),
                )
            )
        if len(node.rules) > MAX_RULES_AT_ONE:
            entries = [program.entries[name] for name in node.rules]
            ids = ", ".join(dict.fromkeys(str(e.item) for e in entries[:5]))
            problems.append(
                Problem(
                    entries[0].file,
                    None,
                    _(
                        "{count} rules test exactly the same answers ({ids}, ...); the rule "
                        "engine allows {limit}"
                    ).format(count=len(node.rules), ids=ids, limit=MAX_RULES_AT_ONE),
                )
            )
    return problems[:10]


def compile_problems(kb: KnowledgeBase) -> list[Problem]:
    """Every reason the engine cannot run a (checked) knowledge base: durable-rules' limits on
    rules, condition size, tests and fact size. Empty when it can; then `for_knowledge` works."""
    return program_problems(decisions(kb)) + program_problems(skip_logic(kb))


def compiled_size(kb: KnowledgeBase) -> int:
    """Characters of durable-rules JSON the knowledge base compiles to (both rulesets)."""
    return len(decisions(kb).text()) + len(skip_logic(kb).text())


# ---------------------------------------------------------------------------------------------
# Running

_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
_lock = threading.RLock()  # the C core has no locks: every call into it holds this one
_ruleset_numbers = itertools.count(1)
_session_numbers = itertools.count(1)


def _message(error: Exception) -> str:
    return str(error) or type(error).__name__


class _Ruleset:
    """A ruleset registered in durable-rules' C core, with its one long-lived session."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.order: tuple[str, ...] = ()  # the fact's first entries (_Network.fact_order)
        self.handle = self._create()
        self._new_session()

    def _create(self) -> int:
        try:
            handle: int = core.create_ruleset(f"triage_{next(_ruleset_numbers)}", self.text)
        except Exception as error:  # the C core raises a bare Exception subclass
            refused = _("the rule engine refused the rules: {error}")
            raise EngineError(refused.format(error=_message(error))) from error
        return handle

    def _new_session(self) -> None:
        self.sid = str(next(_session_numbers))
        self.retraction = json.dumps({"sid": self.sid, "id": FACT_ID})

    def names(self, fact: dict[str, Any]) -> list[str]:
        """The names of the durable-rules rules that fire on a fact."""
        with _lock:
            fact["sid"], fact["id"] = self.sid, FACT_ID
            try:
                names = self._run(_encode(fact))
            except BaseException as error:
                self._drop_session()
                if isinstance(error, Exception) and not isinstance(error, EngineError):
                    failed = _("the rule engine failed: {error}").format(error=_message(error))
                    raise EngineError(failed) from error
                raise
        if CATCH_ALL not in names:
            raise EngineError("the rule engine did not evaluate the answers")
        return names

    def _run(self, fact: str) -> list[str]:
        """Assert the fact, collect every rule that fires, retract the fact."""
        status, state = core.assert_fact(self.handle, fact)
        if status != 0:  # 1: matched nothing (not even the catch-all), 2: already there
            raise EngineError(f"the rule engine did not take the answers (status {status})")
        names = []
        started = core.start_action_for_state(self.handle, state)
        message = None if started is None else started[1]
        while message is not None:  # '{"NAME":{"m":{...the fact...}}}'
            names.append(message[2 : message.index('"', 2)])
            message = core.complete_and_start_action(self.handle, state)
        status, _state = core.retract_fact(self.handle, self.retraction)
        if status != 0:
            raise EngineError(f"the rule engine kept the answers (status {status})")
        return names

    def _drop_session(self) -> None:
        """After a failure: forget the session and the ruleset it ran in, and go on with a fresh
        ruleset. An error of the C core in the middle of an assertion (303, its stack of tests
        is full) leaves the session's memory inconsistent: deleting it, or asserting into it
        again, frees memory twice and aborts the process. The old ruleset is left alone."""
        with contextlib.suppress(EngineError):  # then the next assessment reports it
            self.handle = self._create()
        self._new_session()


_rulesets: dict[str, _Ruleset] = {}  # by program text: equal programs share one


@dataclass(frozen=True)
class _Compiled:
    """A program of one knowledge base on its registered ruleset. What each durable-rules
    rule means belongs to the program: equal tests share one rule, so two knowledge bases
    can compile to the same text with different meanings."""

    ruleset: _Ruleset
    meanings: dict[str, tuple[Fired, ...]]
    counted: tuple[Counted, ...]
    order: tuple[str, ...]  # the fact's first entries (see _Network.fact_order)

    def fire(self, answers: Mapping[str, Any]) -> frozenset[Fired]:
        fact = to_fact(answers, self.counted)
        ordered = {key: fact[key] for key in self.order if key in fact}
        ordered.update(fact)  # the rest after them
        names = self.ruleset.names(ordered)
        return frozenset(fired for name in names for fired in self.meanings.get(name, ()))


def _refuse(problems: list[Problem]) -> NoReturn:
    listed = "; ".join(str(problem) for problem in problems[:3])
    raise EngineError(_("the rule engine cannot run these rules: {error}").format(error=listed))


def _registered(program: Program) -> _Compiled:
    if program.refused:  # left out of the text, so never mistaken for a registered program
        _refuse(program.refused)
    text = program.text()
    with _lock:
        ruleset = _rulesets.get(text)
        if ruleset is None:
            network = network_of(program)
            problems = program_problems(program, network)
            if problems:
                _refuse(problems)
            ruleset = _rulesets[text] = _Ruleset(text)
            ruleset.order = tuple(network.fact_order())  # the same for the same text
    meanings = {name: entry.meaning for name, entry in program.entries.items()}
    return _Compiled(ruleset, meanings, tuple(program.counted.values()), ruleset.order)


class Engine:
    """A knowledge base compiled and registered in durable-rules (the skip logic only when
    first asked for: assessing needs only the decisions)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._decisions = _registered(decisions(kb))
        self._questions = skip_logic(kb)
        self._asking: _Compiled | None = None

    def fire(self, answers: Mapping[str, Any]) -> frozenset[Fired]:
        """The rules (and their "Not sure" variants) and self-help advice whose condition
        holds for answers in the answers-file form (complete or partial)."""
        return self._decisions.fire(answers)

    def questions_to_ask(self, answers: Mapping[str, Any]) -> frozenset[str]:
        """Ids of the questions with a `when` that holds for the answers so far."""
        return frozenset(fired.id for fired in self._skip_logic.fire(answers))

    @property
    def _skip_logic(self) -> _Compiled:
        if self._asking is None:
            compiled = _registered(self._questions)
            with _lock:
                self._asking = self._asking or compiled
        return self._asking


_engines: weakref.WeakKeyDictionary[KnowledgeBase, Engine] = weakref.WeakKeyDictionary()


def for_knowledge(kb: KnowledgeBase) -> Engine:
    """The engine of a knowledge base, compiled and registered once per process."""
    with _lock:
        engine = _engines.get(kb)
        if engine is None:
            engine = _engines[kb] = Engine(kb)
    return engine


# ---------------------------------------------------------------------------------------------
# Trial assessments: what `triage check` runs (in a child process) before it says OK


def trial_answers(seed: int = 0, random_sets: int = 100) -> Iterator[tuple[str, dict[str, Any]]]:
    """Answer sets that load the engine most, each with a label: every symptom yes (with every
    place and every value of each single-choice answer in turn), every symptom not sure, each
    symptom alone yes and alone not sure, and random sets (seeded: the same each time)."""
    lists = {name: [str(v) for v in kind] for name, kind in LIST_FIELDS.items()}
    numbers = {name: high for name, (_low, high) in NUMBER_FIELDS.items()}
    every = {"symptoms": dict.fromkeys(SYMPTOMS, "yes"), **lists, **numbers}
    yield _("every symptom yes"), every
    for name, kind in CHOICE_FIELDS.items():
        for value in kind:
            yield (
                _("every symptom yes, {field} {value}").format(field=name, value=value),
                {
                    **every,
                    name: str(value),
                },
            )
    yield _("every symptom not sure"), {**every, "symptoms": dict.fromkeys(SYMPTOMS, "unsure")}
    for symptom in SYMPTOMS:
        for answer in ("yes", "unsure"):
            label = _("only {symptom}: {answer}").format(symptom=symptom, answer=answer)
            yield label, {"symptoms": {symptom: answer}}
    rng = random.Random(seed)
    for number in range(1, random_sets + 1):
        yield _("random answers {number}").format(number=number), random_answers(rng)


def random_answers(rng: random.Random) -> dict[str, Any]:
    """Answers drawn from the whole answer space, symptoms more often yes than not."""
    share = rng.choice((0.2, 0.6, 1.0))
    answers: dict[str, Any] = {
        "symptoms": {
            name: rng.choice(("yes", "yes", "unsure", "no"))
            for name in SYMPTOMS
            if rng.random() < share
        }
    }
    for name, kind in CHOICE_FIELDS.items():
        answers[name] = str(rng.choice(list(kind)))
    for name, kind in LIST_FIELDS.items():
        answers[name] = [str(v) for v in rng.sample(list(kind), rng.randint(0, len(kind)))]
    for name, (low, high) in NUMBER_FIELDS.items():
        answers[name] = rng.randint(low, high)
    return answers


def trial_problems(
    kb: KnowledgeBase,
    random_sets: int = 100,
    seed: int = 0,
    announce: Callable[[str], object] | None = None,
) -> list[Problem]:
    """Run the trial assessments (decisions and skip logic); the first engine error as a
    problem. `announce` gets each label before its assessment, so that the parent of a child
    that dies knows the answers that killed it."""
    label = ""
    try:
        running = for_knowledge(kb)
        for label, answers in trial_answers(seed, random_sets):
            if announce is not None:
                announce(label)
            running.fire(answers)
            running.questions_to_ask(answers)
    except EngineError as error:
        text = _("the rule engine failed on a trial assessment ({answers}): {error}")
        return [
            Problem("rules.yaml", None, text.format(answers=label, error=error.__cause__ or error))
        ]
    return []


_TRIAL_SECONDS = 120
_DONE = "-- done --"


def trial_in_child(directory: Path) -> list[Problem]:
    """The trial assessments in a child process, so that a crash of the C core (an abort, a
    segmentation fault) is a problem reported by `triage check`, not the end of it."""
    code = "import sys; from triage import engine; sys.exit(engine.trial_main(sys.argv[1]))"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(directory)],
            capture_output=True,
            text=True,
            timeout=_TRIAL_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        text = _("the trial assessments of the rule engine did not finish: {error}")
        return [Problem("rules.yaml", None, text.format(error=error))]
    lines = done.stdout.splitlines()
    if done.returncode == 0 and _DONE in lines:
        return [Problem("rules.yaml", None, line) for line in lines[lines.index(_DONE) + 1 :]]
    label = lines[-1] if lines else "?"
    text = _("the rule engine crashed on a trial assessment ({answers}): exit code {code}")
    return [Problem("rules.yaml", None, text.format(answers=label, code=done.returncode))]


def trial_main(directory: str) -> int:
    """The child of `trial_in_child`: each label before its assessment, then a mark and the
    problems found, one a line; exit 0. A crash leaves the last label as the last line."""
    from triage import knowledge  # noqa: PLC0415 - only the child needs it here

    kb = knowledge.load(Path(directory))

    def announce(label: str) -> None:
        sys.stdout.write(label + "\n")
        sys.stdout.flush()

    problems = trial_problems(kb, announce=announce)
    sys.stdout.write("\n".join([_DONE, *(problem.text for problem in problems)]) + "\n")
    return 0
