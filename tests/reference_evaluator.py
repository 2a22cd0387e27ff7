"""A second, independent reading of the `when:` language, used only by tests.

It reads the YAML in rules/ itself (every scalar as a string, so `fever: yes` stays "yes", and
numbers are converted where the language expects them) and evaluates conditions directly on an
answers object as a person would write it (JSON true/false for yes/no, absent optional fields),
following the language documented in triage/conditions.py:

- a symptom that is absent counts as "no"; an optional choice that is absent is "not_answered";
- a list field (location, radiation) holds when it contains any of the values;
- a single-choice field holds when it is any of the values;
- numbers compare with gte/gt/lte/lt (all must hold); a missing number never matches;
- all / any / at_least {count, of}.

It shares no code with triage.conditions or the durable-rules engine, so when both agree on
thousands of answer sets, the compiler and the engine adapter are doing what the language says.
It reports what fires as the engine's records do, as (kind, id, unsure) triples: ("rule", ID,
False) for a rule; ("rule", ID, True) for the rule with each test for a symptom 'yes' also
accepting 'unsure', where the ruleset's "Not sure" policy lets such a firing count (the one
thing taken from triage: `triage.unsure.unsure_level`, the policy named in ruleset.yaml);
("advice", ID, False) for self-help advice with a `when`. Questions whose `when` holds are
reported apart, by `questions_to_ask`, as the engine does.

It also makes answers: random answer sets, and answer sets that satisfy a given condition, so
that rules with several conditions are exercised too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from triage.models import Level
from triage.unsure import unsure_level

# The order of the triage levels is part of the contract (spec: least to most urgent).
LEVELS = ("self_care", "soon", "urgent", "emergency")
NOT_ANSWERED = "not_answered"
NUMBER_TESTS = ("gte", "gt", "lte", "lt")


def rank(level: str) -> int:
    return LEVELS.index(level)


def read(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=yaml.BaseLoader)  # noqa: S506 - strings only, no objects


@dataclass(frozen=True)
class Knowledge:
    """What the reference needs from rules/: the kind of every answer field, and the conditions."""

    kinds: dict[str, str]  # question id -> number | single | multi | symptom
    choices: dict[str, tuple[str, ...]]  # single and multi questions -> their values
    required: frozenset[str]
    question_order: tuple[str, ...]
    question_conditions: dict[str, Any]
    rules: tuple[tuple[str, str, Any], ...]  # (id, level, when)
    advice_conditions: dict[str, Any]
    unsure_policy: Any  # the name in ruleset.yaml

    def field_kind(self, field: str) -> str:
        return self.kinds[field]


def load(directory: Path) -> Knowledge:
    policy = read(directory / "ruleset.yaml")["unsure_policy"]
    questions = read(directory / "questions.yaml")["questions"]
    rules = read(directory / "rules.yaml")["rules"]
    advice = read(directory / "advice.yaml")["advice"]
    return Knowledge(
        kinds={q["id"]: q["kind"] for q in questions},
        choices={q["id"]: tuple(c["value"] for c in q.get("choices", [])) for q in questions},
        # The contract's required fields: age, location, duration (spec/answers.md).
        required=frozenset({"age", "location", "duration"}),
        question_order=tuple(q["id"] for q in questions),
        question_conditions={q["id"]: q["when"] for q in questions if "when" in q},
        rules=tuple((r["id"], r["triage"], r["when"]) for r in rules),
        advice_conditions={a["id"]: a["when"] for a in advice if "when" in a},
        unsure_policy=policy,
    )


# ---------------------------------------------------------------------------------------------
# Evaluating


def _symptom(answers: dict[str, Any], name: str) -> str:
    value = (answers.get("symptoms") or {}).get(name)
    if value is True:
        return "yes"
    if value is False or value is None:
        return "no"
    return str(value)


def holds(kb: Knowledge, condition: Any, answers: dict[str, Any], widen: bool = False) -> bool:
    """Whether a condition (as read from YAML) holds for the answers. With `widen`, every test
    of a symptom for 'yes' also accepts 'unsure'."""
    ((key, value),) = condition.items()
    if key == "all":
        return all(holds(kb, part, answers, widen) for part in value)
    if key == "any":
        return any(holds(kb, part, answers, widen) for part in value)
    if key == "at_least":
        met = sum(holds(kb, part, answers, widen) for part in value["of"])
        return met >= int(value["count"])
    return _leaf_holds(kb, key, value, answers, widen)


def _leaf_holds(
    kb: Knowledge, field: str, value: Any, answers: dict[str, Any], widen: bool
) -> bool:
    kind = kb.field_kind(field)
    if kind == "number":
        number = answers.get(field)
        if not isinstance(number, int) or isinstance(number, bool):
            return False
        return all(_compare(number, op, int(bound)) for op, bound in value.items())
    wanted = set(value) if isinstance(value, list) else {value}
    if kind == "multi":
        return bool(wanted & set(answers.get(field) or ()))
    if kind == "single":
        given = answers.get(field)
        return (NOT_ANSWERED if given is None else given) in wanted
    if widen and "yes" in wanted:
        wanted.add("unsure")
    return _symptom(answers, field) in wanted


def _compare(number: int, op: str, bound: int) -> bool:
    return {
        "gte": number >= bound,
        "gt": number > bound,
        "lte": number <= bound,
        "lt": number < bound,
    }[op]


def has_unsure_variant(kb: Knowledge, condition: Any) -> bool:
    """Whether widening changes the condition: some symptom test accepts 'yes' but not 'unsure'."""
    ((key, value),) = condition.items()
    if key in ("all", "any"):
        return any(has_unsure_variant(kb, part) for part in value)
    if key == "at_least":
        return any(has_unsure_variant(kb, part) for part in value["of"])
    if kb.field_kind(key) != "symptom":
        return False
    wanted = set(value) if isinstance(value, list) else {value}
    return "yes" in wanted and "unsure" not in wanted


def level_if_unsure(kb: Knowledge, level: str) -> str | None:
    """The level of a rule that holds only with 'unsure' counted as 'yes' (None: it does not
    fire then), by the ruleset's policy."""
    lowered = unsure_level(Level(level), kb.unsure_policy)
    return None if lowered is None else lowered.value


Firing = tuple[str, str, bool]  # (kind, id, unsure), as the engine's records


def fired(kb: Knowledge, answers: dict[str, Any]) -> frozenset[Firing]:
    """What the engine should report for complete or partial answers."""
    found: set[Firing] = set()
    for rule_id, level, condition in kb.rules:
        if holds(kb, condition, answers):
            found.add(("rule", rule_id, False))
        variant = has_unsure_variant(kb, condition) and level_if_unsure(kb, level) is not None
        if variant and holds(kb, condition, answers, widen=True):
            found.add(("rule", rule_id, True))
    for advice_id, condition in kb.advice_conditions.items():
        if holds(kb, condition, answers):
            found.add(("advice", advice_id, False))
    return frozenset(found)


def questions_to_ask(kb: Knowledge, answers: dict[str, Any]) -> frozenset[str]:
    """The conditional questions whose `when` holds for the answers so far."""
    return frozenset(
        question
        for question, condition in kb.question_conditions.items()
        if holds(kb, condition, answers)
    )


def expected_level(kb: Knowledge, answers: dict[str, Any]) -> str:
    """The triage level the rules give: the highest level among the rules that fire, a rule
    that holds only with 'unsure' counted as 'yes' at the policy's level; self_care when nothing
    fires."""
    levels = ["self_care"]
    for _rule_id, level, condition in kb.rules:
        if holds(kb, condition, answers):
            levels.append(level)
        elif holds(kb, condition, answers, widen=True):
            levels.append(level_if_unsure(kb, level) or "self_care")
    return max(levels, key=rank)


# ---------------------------------------------------------------------------------------------
# Making answers

SYMPTOM_VALUES = ("yes", "no", "unsure", True, False)


def random_answers(kb: Knowledge, rng: random.Random, symptom_share: float = 0.2) -> dict[str, Any]:
    """A valid answers object drawn from the whole answer space (optional fields often absent)."""
    answers: dict[str, Any] = {}
    for field, kind in kb.kinds.items():
        optional = field not in kb.required
        if kind == "symptom" or (optional and rng.random() < 0.3):
            continue
        answers[field] = _random_value(kb, field, kind, rng)
    symptoms = {
        name: rng.choice(SYMPTOM_VALUES)
        for name, kind in kb.kinds.items()
        if kind == "symptom" and rng.random() < symptom_share
    }
    if symptoms or rng.random() < 0.5:
        answers["symptoms"] = symptoms
    return answers


def _random_value(kb: Knowledge, field: str, kind: str, rng: random.Random) -> Any:
    if kind == "number":
        return rng.randint(0, 10 if field == "intensity" else 120)
    if kind == "multi":
        low = 1 if field in kb.required else 0
        return rng.sample(kb.choices[field], rng.randint(low, len(kb.choices[field])))
    return rng.choice(kb.choices[field])


def satisfy(kb: Knowledge, condition: Any, answers: dict[str, Any], rng: random.Random) -> None:
    """Change the answers (in place, as far as the answer space allows) so that the condition
    is likely to hold: one branch of an `any`, `count` parts of an `at_least`, every part of
    an `all`. Parts may contradict each other; then it simply does not hold."""
    ((key, value),) = condition.items()
    if key == "all":
        for part in value:
            satisfy(kb, part, answers, rng)
    elif key == "any":
        satisfy(kb, rng.choice(value), answers, rng)
    elif key == "at_least":
        for part in rng.sample(value["of"], int(value["count"])):
            satisfy(kb, part, answers, rng)
    else:
        _satisfy_leaf(kb, key, value, answers, rng)


def _satisfy_leaf(
    kb: Knowledge, field: str, value: Any, answers: dict[str, Any], rng: random.Random
) -> None:
    kind = kb.field_kind(field)
    wanted = list(value) if isinstance(value, list) else [value]
    if kind == "number":
        answers[field] = _number_near(field, value, rng)
    elif kind == "multi":
        chosen = list(answers.get(field) or [])
        pick = rng.choice(wanted)
        answers[field] = chosen if pick in chosen else [*chosen, pick]
    elif kind == "single":
        pick = rng.choice(wanted)
        if pick == NOT_ANSWERED:
            answers.pop(field, None)
        else:
            answers[field] = pick
    else:
        pick = rng.choice([*wanted, "unsure"])  # sometimes unsure: exercises the unsure variants
        answers.setdefault("symptoms", {})[field] = (
            True if pick == "yes" and rng.random() < 0.3 else pick
        )


def _number_near(field: str, bounds: dict[str, str], rng: random.Random) -> int:
    """A number at, just inside or just outside one of the bounds (the edges are where
    comparisons go wrong)."""
    high = 10 if field == "intensity" else 120
    bound = int(rng.choice(list(bounds.values())))
    return min(max(bound + rng.choice((-1, 0, 0, 1)), 0), high)


def perturb(kb: Knowledge, answers: dict[str, Any], rng: random.Random) -> None:
    """Small changes near a rule's edge: one symptom changed, or one optional answer dropped."""
    symptoms = answers.setdefault("symptoms", {})
    if symptoms and rng.random() < 0.5:
        name = rng.choice(sorted(symptoms))
        symptoms[name] = rng.choice(SYMPTOM_VALUES)
    optional = [f for f in answers if f not in kb.required and f != "symptoms"]
    if optional and rng.random() < 0.3:
        answers.pop(rng.choice(optional))


def partial(kb: Knowledge, answers: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The answers given so far, as during the quiz: the first questions of the order only."""
    asked = set(kb.question_order[: rng.randint(0, len(kb.question_order))])
    symptoms = {k: v for k, v in (answers.get("symptoms") or {}).items() if k in asked}
    given = {k: v for k, v in answers.items() if k in asked}
    return {**given, "symptoms": symptoms} if symptoms else given


# ---------------------------------------------------------------------------------------------
# The whole answer space as a hypothesis strategy (for property tests)


def answers_data(kb: Knowledge | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Every valid answers object: age 0-120, a non-empty set of locations, any radiation, every
    choice of each single-choice field or none, intensity 0-10 or none, and any subset of the
    symptoms answered yes / no / unsure or JSON true / false."""
    kb = kb or load(default_rules())
    fields: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {"schema_version": st.just(1)}
    for field, kind in kb.kinds.items():
        if kind == "symptom":
            continue
        strategy = _field_strategy(kb, field, kind)
        (fields if field in kb.required else optional)[field] = strategy
    symptoms = [name for name, kind in kb.kinds.items() if kind == "symptom"]
    optional["symptoms"] = st.dictionaries(
        st.sampled_from(symptoms), st.sampled_from(SYMPTOM_VALUES)
    )
    return st.fixed_dictionaries(fields, optional=optional)


def _field_strategy(kb: Knowledge, field: str, kind: str) -> st.SearchStrategy[Any]:
    if kind == "number":
        return st.integers(0, 10 if field == "intensity" else 120)
    values = st.sampled_from(kb.choices[field])
    if kind == "multi":
        low = 1 if field in kb.required else 0
        return st.lists(values, min_size=low, unique=True)
    return values if field in kb.required else st.one_of(values, st.none())


def default_rules() -> Path:
    from triage.knowledge import default_directory  # where rules/ is; not used for parsing

    return default_directory()
