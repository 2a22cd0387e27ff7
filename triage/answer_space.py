"""A generated sample of the answer space: answer sets that judge a rule change with no data.

`sample(kbs, seed, random_count)` yields answers (in the answers-file form, each valid against
the contract) with a label saying why each was made, in a fixed order for a seed:

- boundaries: for every rule of every knowledge base given (old and new rules both), answers
  that make its condition hold (one per branch of an `any`, a window of parts for `at_least`),
  then each of them moved across every boundary of the rule: every number one below, at and
  one above each of the rule's thresholds, every sign in turn answered "no" and "Not sure",
  every other value of each choice it tests;
- skip-logic paths: for every question with a `when`, answers that make the question asked,
  with each answer it allows (and the same answers without it);
- random answer sets, seeded: the questions in the order of questions.yaml, each asked only when
  its `when` holds for the answers so far, as in the quiz.

The conditions are read here only to make answers; what the rules decide about them is for the
engine (`triage.outcome`). Equal answer sets are given once.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from triage.conditions import AllOf, AnyOf, AtLeast, Condition, Leaf, answer_of, leaves
from triage.knowledge import KnowledgeBase
from triage.models import (
    CHOICE_FIELDS,
    LIST_FIELDS,
    NUMBER_FIELDS,
    REQUIRED_FIELDS,
    SYMPTOMS,
    Answers,
)

Flat = dict[str, Any]  # field or symptom name -> value (symptoms not nested)
MAX_WITNESSES = 48  # answer sets per condition that make it hold (before the boundary moves)
BASE: Flat = {"age": 40, "location": ["lower_back"], "duration": "under_1_week"}


@dataclass(frozen=True)
class Sample:
    """One generated answer set and why it was made."""

    label: str
    answers: dict[str, Any]


def sample(
    kbs: Sequence[KnowledgeBase], seed: int = 0, random_count: int = 500
) -> Iterator[Sample]:
    """The generated answer sets, each once, in a fixed order for a seed (see the module)."""
    seen: set[str] = set()
    for label, flat in itertools.chain(
        _boundaries(kbs), _skip_paths(kbs), _random(kbs[0], seed, random_count)
    ):
        answers = _nested({**BASE, **flat})
        key = json.dumps(answers, sort_keys=True)
        if key in seen or not _valid(answers):
            continue
        seen.add(key)
        yield Sample(label, answers)


def _valid(answers: Mapping[str, Any]) -> bool:
    try:
        Answers.model_validate(answers)
    except ValidationError:
        return False
    return True


def _nested(flat: Flat) -> dict[str, Any]:
    answers: dict[str, Any] = {"schema_version": 1, "symptoms": {}}
    for name, value in flat.items():
        if value is None:
            continue
        if name in SYMPTOMS:
            answers["symptoms"][name] = value
        else:
            answers[name] = value
    return answers


# ---------------------------------------------------------------------------------------------
# Boundaries


def _boundaries(kbs: Sequence[KnowledgeBase]) -> Iterator[tuple[str, Flat]]:
    for kb in kbs:
        for rule in kb.rules:
            condition = kb.conditions[f"rule:{rule.id}"]
            cuts = _cuts(kb2.conditions.get(f"rule:{rule.id}") for kb2 in kbs)
            for witness in witnesses(condition)[:MAX_WITNESSES]:
                yield f"{rule.id}: holds", witness
                yield from _moved(rule.id, condition, witness, cuts)


def _moved(
    rule: str, condition: Condition, witness: Flat, cuts: dict[str, set[int]]
) -> Iterator[tuple[str, Flat]]:
    """The witness moved across each boundary of the condition."""
    for name, points in cuts.items():
        low, high = NUMBER_FIELDS[name]
        for point in sorted(points):
            for number in (point - 1, point, point + 1):
                if low <= number <= high:
                    yield f"{rule}: {name} {number}", {**witness, name: number}
    for leaf in leaves(condition):
        for value in _others(leaf, witness.get(leaf.field)):
            yield f"{rule}: {leaf.field} {_shown(value)}", {**witness, leaf.field: value}


def _others(leaf: Leaf, given: Any) -> list[Any]:
    """The other answers to the field a test reads: "no" and "Not sure" for a sign, every other
    value of a choice, a list without the tested values, no answer to an optional field."""
    name = leaf.field
    if name in SYMPTOMS:
        return [value for value in ("no", "unsure", "yes") if value != given]
    if name in CHOICE_FIELDS:
        optional = [] if name in REQUIRED_FIELDS else [None]
        return [*optional, *(str(v) for v in CHOICE_FIELDS[name] if str(v) != given)]
    if name in LIST_FIELDS:
        kept = [value for value in given or () if value not in leaf.values]
        return [kept or ([] if name not in REQUIRED_FIELDS else [_other_value(name, leaf)])]
    return [] if name in REQUIRED_FIELDS else [None]  # a number: its cuts are moved above


def _other_value(name: str, leaf: Leaf) -> str:
    return next((str(v) for v in LIST_FIELDS[name] if str(v) not in leaf.values), leaf.values[0])


def _shown(value: Any) -> str:
    return (
        "(none)" if value is None else json.dumps(value) if isinstance(value, list) else str(value)
    )


def _cuts(conditions: Iterable[Condition | None]) -> dict[str, set[int]]:
    """Every number a test of these conditions compares with, as the first number at which the
    comparison changes its answer, by field."""
    found: dict[str, set[int]] = {}
    for condition in conditions:
        for leaf in leaves(condition) if condition is not None else ():
            for op, bound in leaf.bounds:
                found.setdefault(leaf.field, set()).add(bound + 1 if op in ("gt", "lte") else bound)
    return found


def witnesses(condition: Condition) -> list[Flat]:
    """Answer sets (partial, flat) that make the condition hold: one per branch of an `any`,
    each part's alternatives in turn for `all`, windows of parts for `at_least`."""
    match condition:
        case Leaf(bounds=bounds) if bounds:
            number = _inside(condition)
            return [] if number is None else [{condition.field: number}]
        case Leaf(field=name, values=values) if name in LIST_FIELDS:
            return [{name: [value]} for value in values]
        case Leaf(field=name, values=values):
            return [{name: value} for value in values if value != "not_answered"] or [{name: None}]
        case AllOf(parts=parts):
            return _all_of([witnesses(part) for part in parts])
        case AnyOf(parts=parts):
            return [w for part in parts for w in witnesses(part)][:MAX_WITNESSES]
        case AtLeast(count=count, parts=parts):
            windows = [
                [witnesses(parts[(start + i) % len(parts)]) for i in range(count)]
                for start in range(len(parts))
            ]
            return [w for window in windows for w in _all_of(window)[:4]][:MAX_WITNESSES]
    return []


def _all_of(choices: list[list[Flat]]) -> list[Flat]:
    """The first answer set of every part together, then each other one of each part in turn."""
    if any(not found for found in choices):
        return []
    first = _merge(found[0] for found in choices)
    result = [first]
    for index, found in enumerate(choices):
        for other in found[1:]:
            result.append(
                _merge([first, other]) if index else _merge([other, *(f[0] for f in choices[1:])])
            )
    return result[:MAX_WITNESSES]


def _merge(parts: Iterable[Flat]) -> Flat:
    merged: Flat = {}
    for part in parts:
        for name, value in part.items():
            if name in LIST_FIELDS and isinstance(merged.get(name), list):
                merged[name] = list(dict.fromkeys([*merged[name], *value]))
            else:
                merged[name] = value
    return merged


def _inside(leaf: Leaf) -> int | None:
    """The number at the edge of the range a comparison holds for (None: it holds for none)."""
    low, high = NUMBER_FIELDS[leaf.field]
    holding = [n for n in range(low, high + 1) if leaf.matches(n)]
    if not holding:
        return None
    return holding[0] if holding[0] > low else holding[-1]


# ---------------------------------------------------------------------------------------------
# Skip logic


def _skip_paths(kbs: Sequence[KnowledgeBase]) -> Iterator[tuple[str, Flat]]:
    for kb in kbs:
        for question in kb.questions:
            condition = kb.conditions.get(f"question:{question.id}")
            if condition is None:
                continue
            cuts = _cuts(kb.conditions.values())
            for witness in witnesses(condition)[:8]:
                yield f"asked {question.id}: unanswered", witness
                for value in _domain(question.id, cuts):
                    yield f"asked {question.id}: {_shown(value)}", {**witness, question.id: value}


def _domain(name: str, cuts: dict[str, set[int]]) -> list[Any]:
    if name in SYMPTOMS:
        return ["yes", "no", "unsure"]
    if name in CHOICE_FIELDS:
        return [str(value) for value in CHOICE_FIELDS[name]]
    if name in LIST_FIELDS:
        return [[str(value)] for value in LIST_FIELDS[name]]
    low, high = NUMBER_FIELDS[name]
    return sorted({low, high, *(n for n in cuts.get(name, ()) if low <= n <= high)})


# ---------------------------------------------------------------------------------------------
# Random answer sets


def _random(kb: KnowledgeBase, seed: int, count: int) -> Iterator[tuple[str, Flat]]:
    chance = random.Random(seed)
    cuts = _cuts(kb.conditions.values())
    for index in range(count):
        answers: Flat = {}
        for question in kb.questions:
            condition = kb.conditions.get(f"question:{question.id}")
            if condition is None or _holds(condition, _nested({**BASE, **answers})):
                answers[question.id] = _any_answer(chance, question.id, cuts)
        yield f"random {seed}/{index + 1}", answers


def _any_answer(chance: random.Random, name: str, cuts: dict[str, set[int]]) -> Any:
    optional = name not in REQUIRED_FIELDS and chance.random() < 0.1
    if name in SYMPTOMS:
        roll = chance.random()
        return "yes" if roll < 0.12 else "unsure" if roll < 0.17 else "no"
    if name in CHOICE_FIELDS:
        return None if optional else chance.choice([str(v) for v in CHOICE_FIELDS[name]])
    if name in LIST_FIELDS:
        values = [str(v) for v in LIST_FIELDS[name]]
        size = chance.randint(1 if name in REQUIRED_FIELDS else 0, 2)
        return chance.sample(values, size)
    if optional:
        return None
    low, high = NUMBER_FIELDS[name]
    near = sorted(cuts.get(name, ()))
    if near and chance.random() < 0.5:
        return min(max(chance.choice(near) + chance.choice((-1, 0)), low), high)
    return chance.randint(low, high)


def _holds(condition: Condition, answers: Mapping[str, Any]) -> bool:
    match condition:
        case Leaf():
            return condition.matches(answer_of(answers, condition.field))
        case AllOf(parts=parts):
            return all(_holds(part, answers) for part in parts)
        case AnyOf(parts=parts):
            return any(_holds(part, answers) for part in parts)
        case AtLeast(count=count, parts=parts):
            return sum(_holds(part, answers) for part in parts) >= count
    return False
