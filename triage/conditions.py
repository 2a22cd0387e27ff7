"""The small `when:` language shared by rules, advice and the quiz's skip logic.

A condition is written in YAML as one of:

    fever: yes                      # a symptom answer (yes / no / unsure), or a list of them
    location: lower_back            # a list field contains this value (or any of a list)
    duration: [4_to_12_weeks, over_12_weeks]   # a single-choice field is any of these
    course: not_answered            # an optional question left unanswered
    age: {gte: 70}                  # numbers: gte, gt, lte, lt (several keys = all must hold)
    all: [cond, cond, ...]          # every one holds
    any: [cond, cond, ...]          # at least one holds
    at_least: {count: 4, of: [cond, ...]}   # at least `count` of them hold

This module parses that form, compiles it to durable-rules JSON, flattens answers into the fact
the compiled rules read, and checks single leaves (to explain which answers made a rule fire).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from triage.models import CHOICE_FIELDS, LIST_FIELDS, NUMBER_FIELDS, REQUIRED_FIELDS, SYMPTOMS

NOT_ANSWERED = "not_answered"
# Conditions test symptoms only for yes or unsure: a symptom that was not asked counts as "no",
# so a test for "no" would fire on missing answers (and "no" is left out of facts entirely).
TESTED_SYMPTOM_VALUES = ("yes", "unsure")
NUMBER_OPERATORS = {"gte": "$gte", "gt": "$gt", "lte": "$lte", "lt": "$lt"}
FACT_KIND = "answers"  # every fact carries kind=answers, which the engine's catch-all matches


class ConditionError(ValueError):
    """A `when:` condition that is not well formed; the message says what would be right."""


@dataclass(frozen=True)
class Leaf:
    """One test on one answer: `field` is any of `values`, or compares with `bounds`."""

    field: str
    values: tuple[str, ...] = ()
    bounds: tuple[tuple[str, int], ...] = ()

    def holds(self, facts: Mapping[str, Any]) -> bool:
        if self.bounds:
            number = facts.get(self.field)
            return isinstance(number, int) and all(_compare(number, op, n) for op, n in self.bounds)
        if self.field in LIST_FIELDS:
            return any(facts.get(list_key(self.field, v)) is True for v in self.values)
        return facts.get(self.field) in self.values

    def to_durable(self) -> dict[str, Any]:
        tests: list[dict[str, Any]]
        if self.bounds:
            tests = [{NUMBER_OPERATORS[op]: {self.field: n}} for op, n in self.bounds]
            return _join("$and", tests)
        if self.field in LIST_FIELDS:
            tests = [{list_key(self.field, v): True} for v in self.values]
        else:
            tests = [{self.field: v} for v in self.values]
        return _join("$or", tests)


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def to_durable(self) -> dict[str, Any]:
        return _join("$and", [p.to_durable() for p in self.parts])


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def to_durable(self) -> dict[str, Any]:
        return _join("$or", [p.to_durable() for p in self.parts])


@dataclass(frozen=True)
class AtLeast:
    count: int
    parts: tuple[Condition, ...]

    def to_durable(self) -> dict[str, Any]:
        # durable-rules cannot count within one fact: "k of n" becomes an OR of every k-subset.
        groups = [AllOf(group) for group in combinations(self.parts, self.count)]
        return AnyOf(tuple(groups)).to_durable()


Condition = Leaf | AllOf | AnyOf | AtLeast


def _compare(number: int, op: str, bound: int) -> bool:
    match op:
        case "gte":
            return number >= bound
        case "gt":
            return number > bound
        case "lte":
            return number <= bound
        case _:
            return number < bound


def _join(operator: str, tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {operator: tests}


def list_key(field: str, value: str) -> str:
    """The flat fact key that says whether a list field contains a value."""
    return f"{field}__{value}"


# ---------------------------------------------------------------------------------------------
# Parsing


def parse(data: Any, path: str = "when") -> Condition:
    """Parse the YAML form of a condition; raise ConditionError naming the path on any problem."""
    if not isinstance(data, dict) or len(data) != 1:
        raise ConditionError(
            f"{path}: a condition is a mapping with exactly one key (a field name, 'all', 'any' "
            f"or 'at_least'), got {data!r}"
        )
    ((key, value),) = data.items()
    if key in ("all", "any"):
        parts = _parse_list(value, f"{path}.{key}")
        return AllOf(parts) if key == "all" else AnyOf(parts)
    if key == "at_least":
        return _parse_at_least(value, f"{path}.at_least")
    return _parse_leaf(str(key), value, path)


def _parse_list(value: Any, path: str) -> tuple[Condition, ...]:
    if not isinstance(value, list) or not value:
        raise ConditionError(f"{path}: expected a non-empty list of conditions")
    return tuple(parse(item, f"{path}[{i}]") for i, item in enumerate(value))


def _parse_at_least(value: Any, path: str) -> AtLeast:
    if not isinstance(value, dict) or set(value) != {"count", "of"}:
        raise ConditionError(f"{path}: expected {{count: N, of: [conditions]}}")
    parts = _parse_list(value["of"], f"{path}.of")
    count = value["count"]
    if not isinstance(count, int) or not 1 <= count <= len(parts):
        raise ConditionError(f"{path}.count: must be a whole number from 1 to {len(parts)}")
    return AtLeast(count, parts)


def _parse_leaf(field: str, value: Any, path: str) -> Leaf:
    where = f"{path}.{field}"
    if field in NUMBER_FIELDS:
        return Leaf(field, bounds=_parse_bounds(value, where))
    allowed = allowed_values(field)
    if allowed is None:
        raise ConditionError(f"{where}: unknown field; known fields: {', '.join(known_fields())}")
    values = tuple(value) if isinstance(value, list) else (value,)
    for item in values:
        if field in SYMPTOMS and item == "no":
            raise ConditionError(
                f"{where}: a condition may not test for 'no' (an unasked symptom counts as no, "
                "so it would fire on missing answers); test for yes or unsure"
            )
        if item not in allowed:
            raise ConditionError(
                f"{where}: {item!r} is not an allowed value; allowed: {', '.join(allowed)}"
            )
    return Leaf(field, values=tuple(str(v) for v in values))


def _parse_bounds(value: Any, where: str) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, dict) or not value or not set(value) <= set(NUMBER_OPERATORS):
        raise ConditionError(f"{where}: expected comparisons such as {{gte: 70}} or {{lt: 16}}")
    low, high = NUMBER_FIELDS[where.rsplit(".", 1)[-1]]
    for op, number in value.items():
        if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
            raise ConditionError(f"{where}.{op}: must be a whole number from {low} to {high}")
    return tuple(sorted(value.items()))


def known_fields() -> list[str]:
    return [*NUMBER_FIELDS, *LIST_FIELDS, *CHOICE_FIELDS, *SYMPTOMS]


def allowed_values(field: str) -> tuple[str, ...] | None:
    """The values a condition may test for a non-numeric field (None: unknown field)."""
    if field in SYMPTOMS:
        return TESTED_SYMPTOM_VALUES
    if field in LIST_FIELDS:
        return tuple(LIST_FIELDS[field])
    if field in CHOICE_FIELDS:
        optional = () if field in REQUIRED_FIELDS else (NOT_ANSWERED,)
        return (*CHOICE_FIELDS[field], *optional)
    return None


# ---------------------------------------------------------------------------------------------
# Walking and transforming


def leaves(condition: Condition) -> Iterator[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    else:
        for part in condition.parts:
            yield from leaves(part)


def widen_unsure(condition: Condition) -> Condition:
    """The same condition with every symptom test for 'yes' also accepting 'unsure'."""
    if isinstance(condition, Leaf):
        values = condition.values
        if condition.field in SYMPTOMS and "yes" in values and "unsure" not in values:
            return Leaf(condition.field, values=(*values, "unsure"))
        return condition
    parts = tuple(widen_unsure(p) for p in condition.parts)
    if isinstance(condition, AtLeast):
        return AtLeast(condition.count, parts)
    return type(condition)(parts)


# ---------------------------------------------------------------------------------------------
# Facts


def to_facts(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten an answers mapping (possibly partial, as during the quiz) into one flat fact.

    Only what a condition can test is kept, which keeps the fact small (the engine decodes it
    once per rule that fires): symptoms answered yes or unsure (conditions never test "no");
    one true flag per chosen value of a list field; every single-choice field, "not_answered"
    when left open; numbers when given (a missing number stays absent, so no comparison can
    match it: durable-rules compares loosely across types).
    """
    facts: dict[str, Any] = {"kind": FACT_KIND}
    for field in NUMBER_FIELDS:
        number = answers.get(field)
        if isinstance(number, int) and not isinstance(number, bool):
            facts[field] = number
    for field in CHOICE_FIELDS:
        value = answers.get(field)
        facts[field] = str(value) if value is not None else NOT_ANSWERED
    for field in LIST_FIELDS:
        for value in answers.get(field) or ():
            facts[list_key(field, str(value))] = True
    for name, value in (answers.get("symptoms") or {}).items():
        value = "yes" if value is True else value  # JSON true means yes, as in the contract
        if value is not None and str(value) in TESTED_SYMPTOM_VALUES:
            facts[name] = str(value)
    return facts
