"""The small `when:` language shared by rules, advice and the quiz's skip logic.

A condition is written in YAML as one of:

    fever: yes                      # a symptom answer (yes / unsure), or a list of them
    location: lower_back            # a list field contains this value (or any of a list)
    duration: [4_to_12_weeks, over_12_weeks]   # a single-choice field is any of these
    course: not_answered            # an optional question left unanswered
    age: {gte: 70}                  # numbers: gte, gt, lte, lt (several keys = all must hold)
    all: [cond, cond, ...]          # every one holds
    any: [cond, cond, ...]          # at least one holds
    at_least: {count: 4, of: [cond, ...]}   # at least `count` of them hold

This module parses and type-checks that form into a neutral condition tree (`Leaf`, `AllOf`,
`AnyOf`, `AtLeast`). It knows nothing of the rule engine: `triage.engine` compiles the tree,
and every decision is made there. `Leaf.holds` only explains a decision already made (which
answers made a rule fire).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from triage.i18n import _
from triage.models import CHOICE_FIELDS, LIST_FIELDS, NUMBER_FIELDS, REQUIRED_FIELDS, SYMPTOMS

NOT_ANSWERED = "not_answered"
# Conditions test symptoms only for yes or unsure: a symptom that was not asked counts as "no",
# so a test for "no" would fire on missing answers.
TESTED_SYMPTOM_VALUES = ("yes", "unsure")
NUMBER_TESTS = ("gte", "gt", "lte", "lt")


class ConditionError(ValueError):
    """A `when:` condition that is not well formed; the message says what would be right."""


@dataclass(frozen=True)
class Leaf:
    """One test on one answer: `field` is any of `values`, or compares with `bounds`
    (pairs such as ("gte", 70); all of them must hold)."""

    field: str
    values: tuple[str, ...] = ()
    bounds: tuple[tuple[str, int], ...] = ()

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether this test holds for answers in the answers-file form (possibly partial)."""
        return self.matches(answer_of(answers, self.field))

    def matches(self, given: Any) -> bool:
        """Whether this test holds for one answer as `answer_of` reads it."""
        if self.bounds:
            return given is not None and all(compare(given, op, n) for op, n in self.bounds)
        if self.field in LIST_FIELDS:
            return any(value in given for value in self.values)
        return given in self.values


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AtLeast:
    count: int
    parts: tuple[Condition, ...]


Condition = Leaf | AllOf | AnyOf | AtLeast


def compare(number: int, op: str, bound: int) -> bool:
    match op:
        case "gte":
            return number >= bound
        case "gt":
            return number > bound
        case "lte":
            return number <= bound
        case _:
            return number < bound


def answer_of(answers: Mapping[str, Any], field: str) -> Any:
    """One answer as the language reads it: a number or None; a tuple of values for a list
    field; a value or "not_answered" for a single-choice field; "yes", "no" or "unsure" for a
    symptom (JSON true and false mean yes and no; not asked means no)."""
    if field in NUMBER_FIELDS:
        number = answers.get(field)
        return number if isinstance(number, int) and not isinstance(number, bool) else None
    if field in LIST_FIELDS:
        return tuple(str(value) for value in answers.get(field) or ())
    if field in CHOICE_FIELDS:
        value = answers.get(field)
        return NOT_ANSWERED if value is None else str(value)
    symptom = (answers.get("symptoms") or {}).get(field)
    if symptom is True:
        return "yes"
    return "no" if symptom is None or symptom is False else str(symptom)


# ---------------------------------------------------------------------------------------------
# Parsing


def parse(data: Any, path: str = "when") -> Condition:
    """Parse the YAML form of a condition; raise ConditionError naming the path on any problem."""
    if not isinstance(data, dict) or len(data) != 1:
        problem = _(
            "{path}: a condition is a mapping with exactly one key (a field name, 'all', 'any' "
            "or 'at_least'), got {value}"
        )
        raise ConditionError(problem.format(path=path, value=repr(data)))
    ((key, value),) = data.items()
    if key in ("all", "any"):
        parts = _parse_list(value, f"{path}.{key}")
        return AllOf(parts) if key == "all" else AnyOf(parts)
    if key == "at_least":
        return _parse_at_least(value, f"{path}.at_least")
    return _parse_leaf(str(key), value, path)


def _parse_list(value: Any, path: str) -> tuple[Condition, ...]:
    if not isinstance(value, list) or not value:
        raise ConditionError(_("{path}: expected a non-empty list of conditions").format(path=path))
    return tuple(parse(item, f"{path}[{i}]") for i, item in enumerate(value))


def _parse_at_least(value: Any, path: str) -> AtLeast:
    if not isinstance(value, dict) or set(value) != {"count", "of"}:
        problem = _("{path}: expected {{count: N, of: [conditions]}}")
        raise ConditionError(problem.format(path=path))
    parts = _parse_list(value["of"], f"{path}.of")
    count = value["count"]
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= len(parts):
        problem = _("{path}.count: must be a whole number from 1 to {high}")
        raise ConditionError(problem.format(path=path, high=len(parts)))
    return AtLeast(count, parts)


def _parse_leaf(field: str, value: Any, path: str) -> Leaf:
    where = f"{path}.{field}"
    if field in NUMBER_FIELDS:
        return Leaf(field, bounds=_parse_bounds(value, where))
    allowed = allowed_values(field)
    if allowed is None:
        problem = _("{where}: unknown field; known fields: {known}")
        raise ConditionError(problem.format(where=where, known=", ".join(known_fields())))
    values = tuple(value) if isinstance(value, list) else (value,)
    if not values:
        problem = _("{where}: expected a value or a non-empty list of values")
        raise ConditionError(problem.format(where=where))
    for item in values:
        if field in SYMPTOMS and item == "no":
            problem = _(
                "{where}: a condition may not test for 'no' (an unasked symptom counts as no, "
                "so it would fire on missing answers); test for yes or unsure"
            )
            raise ConditionError(problem.format(where=where))
        if item not in allowed:
            problem = _("{where}: {value} is not an allowed value; allowed: {allowed}")
            raise ConditionError(
                problem.format(where=where, value=repr(item), allowed=", ".join(allowed))
            )
    return Leaf(field, values=tuple(dict.fromkeys(str(v) for v in values)))


def _parse_bounds(value: Any, where: str) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, dict) or not value or not set(value) <= set(NUMBER_TESTS):
        problem = _("{where}: expected comparisons such as {{gte: 70}} or {{lt: 16}}")
        raise ConditionError(problem.format(where=where))
    low, high = NUMBER_FIELDS[where.rsplit(".", 1)[-1]]
    for op, number in value.items():
        if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
            problem = _("{where}.{op}: must be a whole number from {low} to {high}")
            raise ConditionError(problem.format(where=where, op=op, low=low, high=high))
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
# Walking


def leaves(condition: Condition) -> Iterator[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    else:
        for part in condition.parts:
            yield from leaves(part)
