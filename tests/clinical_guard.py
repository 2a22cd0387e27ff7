"""Checks that make a clinical change fail loudly, as functions that list what is missing.

Used by tests/test_clinical_guard.py on the shipped rules and by tests/test_clinical_mutations.py
on deliberately changed copies of rules/ (each change must be caught by these checks).

- `scenario_problem`: one scenario file against a knowledge base (the scenario test's check).
- `exact_level_gaps`: every rule needs a scenario that accepts exactly one level, the rule's own,
  names the rule in `fires`, and in which the rule fires on definite answers. A changed level of
  any rule then breaks a scenario: raised, the scenario's level rises; lowered, either the level
  falls or the rule no longer has a scenario at its level.
- `sign_gaps`: every test inside every rule (a warning sign, a place, a choice) has a scenario
  naming the rule in `fires` that would not fire without it, so removing a red flag from a rule
  breaks a scenario.
- `threshold_gaps`: every numeric threshold (an age, a pain score), every band edge of
  `duration` and every `at_least` count of every rule has a scenario just inside (naming the rule
  in `fires`) and one just outside (naming it in `not_fires`), so moving it by one step either
  way breaks a scenario.
- `reachability_gaps`: skip logic can never silence a rule. For every rule and every question it
  reads, over the whole answer space of the questions that decide whether that question is asked
  (finite choices, subsets of lists, yes / no / unsure, ages and pain scores cut at every
  threshold, each reduced to one value per class the conditions treat alike), the quiz's own
  `triage.quiz.relevant` asks it whenever its answer could make the rule fire (or fire as a
  "Not sure" reason) on the person's true answers to the other questions. It is stricter than
  the quiz needs: the quiz also stops early at an emergency, which is not counted as an excuse.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from triage import conditions, outcome, quiz, unsure
from triage.conditions import AllOf, AnyOf, AtLeast, Condition, Leaf
from triage.knowledge import KnowledgeBase, Rule
from triage.models import (
    CHOICE_FIELDS,
    LIST_FIELDS,
    NUMBER_FIELDS,
    REQUIRED_FIELDS,
    SYMPTOMS,
    Answers,
    Duration,
)

Case = Mapping[str, Any]
ORDERED_BANDS = {"duration": [str(band) for band in Duration]}  # choice fields with an order


# ---------------------------------------------------------------------------------------------
# Evaluating parsed conditions directly (no engine): fast, for the meta-checks


def holds(condition: Condition, facts: Mapping[str, Any]) -> bool:
    match condition:
        case Leaf():
            return condition.holds(facts)
        case AllOf(parts=parts):
            return all(holds(part, facts) for part in parts)
        case AnyOf(parts=parts):
            return any(holds(part, facts) for part in parts)
        case AtLeast(count=count, parts=parts):
            return sum(holds(part, facts) for part in parts) >= count


def facts_of(answers: Mapping[str, Any]) -> dict[str, Any]:
    return dict(answers)  # conditions read answers in the answers-file form


def rule_condition(kb: KnowledgeBase, rule: Rule) -> Condition:
    return kb.conditions[f"rule:{rule.id}"]


def fields_of(condition: Condition) -> set[str]:
    return {leaf.field for leaf in conditions.leaves(condition)}


# ---------------------------------------------------------------------------------------------
# Scenarios


def scenario_problem(kb: KnowledgeBase, case: Case) -> str | None:
    """Why a scenario fails with this knowledge base, or None when it holds."""
    expect = case["expect"]
    result = outcome.assess(Answers.model_validate(case["answers"]), kb)
    fired = {reason.rule for reason in result.reasons}
    reasons = ", ".join(
        f"{r.rule}={r.triage.value}{'?' if r.unsure else ''}" for r in result.reasons
    )
    where = f"{case['id']} {case['story']}: got {result.triage.value} [{reasons}]"
    problems = []
    if result.triage.value not in expect["triage"]:
        problems.append(f"level not in {expect['triage']}")
    if "pain_type" in expect and result.pain_type.value != expect["pain_type"]:
        problems.append(f"pain type is not {expect['pain_type']}")
    suspected = {cause.value for cause in result.suspected}
    if "suspected_any" in expect and not suspected & set(expect["suspected_any"]):
        problems.append(f"none of {expect['suspected_any']} suspected")
    if missing := set(expect.get("fires", [])) - fired:
        problems.append(f"did not fire {sorted(missing)}")
    if unwanted := set(expect.get("not_fires", [])) & fired:
        problems.append(f"fired {sorted(unwanted)}")
    if unshown := set(expect.get("advice", [])) - {item.id for item in result.advice}:
        problems.append(f"did not show the advice {sorted(unshown)}")
    sure = {reason.rule for reason in result.reasons if not reason.unsure}
    if unsure_only := set(expect.get("sure", [])) - sure:
        problems.append(f"did not fire {sorted(unsure_only)} on definite answers")
    return f"{where}: {'; '.join(problems)}" if problems else None


def exact_level_gaps(kb: KnowledgeBase, cases: Sequence[Case]) -> list[str]:
    """Rules without a scenario that accepts exactly the rule's level and names it in `fires`,
    where it fires on definite answers."""
    gaps = []
    for rule in kb.rules:
        condition = rule_condition(kb, rule)
        if not any(
            case["expect"]["triage"] == [rule.triage.value]
            and rule.id in case["expect"].get("fires", [])
            and holds(condition, facts_of(case["answers"]))
            for case in cases
        ):
            gaps.append(
                f"{rule.id}: no scenario accepts exactly [{rule.triage.value}] and names it in "
                "'fires' (add one, file prefix 'e')"
            )
    return gaps


def sign_gaps(kb: KnowledgeBase, cases: Sequence[Case]) -> list[str]:
    """Tests inside a rule (a warning sign, a place, a choice) that no scenario depends on:
    each needs a scenario naming the rule in `fires` where the rule would not fire without
    that test, so removing a sign from a rule breaks a scenario."""
    gaps = []
    for rule in kb.rules:
        condition = rule_condition(kb, rule)
        fired_by = [
            facts_of(case["answers"])
            for case in cases
            if rule.id in case["expect"].get("fires", [])
        ]
        for path, node in _nodes(condition):
            if not isinstance(node, Leaf):
                continue
            without = unsure.accepting_unsure(_replace_at(condition, path, Leaf(node.field)))
            if not any(holds(condition, f) and not holds(without, f) for f in fired_by):
                gaps.append(
                    f"{rule.id}: no scenario naming it in 'fires' depends on "
                    f"'{_describe(node)}' ({_path(path)}): removing it would go unnoticed"
                )
    return gaps


def _describe(leaf: Leaf) -> str:
    if leaf.bounds:
        return " and ".join(f"{leaf.field} {op} {n}" for op, n in leaf.bounds)
    return f"{leaf.field}: {' or '.join(leaf.values)}"


def _path(path: tuple[int, ...]) -> str:
    return f"part {'.'.join(map(str, path))}" if path else "the whole condition"


# ---------------------------------------------------------------------------------------------
# Thresholds: each is a place in a rule's condition, with the condition moved one step tighter
# (fires less) and one step looser (fires more).


@dataclass(frozen=True)
class Threshold:
    rule: str
    what: str  # e.g. "age >= 60 (in any of, part 2)"
    tighter: Condition
    looser: Condition


def thresholds(kb: KnowledgeBase) -> list[Threshold]:
    found = []
    for rule in kb.rules:
        condition = rule_condition(kb, rule)
        for path, node in _nodes(condition):
            for what, tighter, looser in _moves(node):
                where = f" ({_path(path)})" if path else ""
                found.append(
                    Threshold(
                        rule.id,
                        what + where,
                        _replace_at(condition, path, tighter),
                        _replace_at(condition, path, looser),
                    )
                )
    return found


Path = tuple[int, ...]  # 1-based positions of parts, from the top of a condition


def _nodes(condition: Condition, path: Path = ()) -> Iterator[tuple[Path, Condition]]:
    yield path, condition
    if not isinstance(condition, Leaf):
        for index, part in enumerate(condition.parts):
            yield from _nodes(part, (*path, index + 1))


def _replace_at(condition: Condition, path: tuple[int, ...], new: Condition) -> Condition:
    if not path:
        return new
    assert not isinstance(condition, Leaf)
    parts = list(condition.parts)
    parts[path[0] - 1] = _replace_at(parts[path[0] - 1], path[1:], new)
    return replace(condition, parts=tuple(parts))


def _moves(node: Condition) -> Iterator[tuple[str, Condition, Condition]]:
    """(description, one step tighter, one step looser) for every threshold in this node."""
    if isinstance(node, AtLeast):
        yield (
            f"at least {node.count} of {len(node.parts)}",
            replace(node, count=node.count + 1),
            replace(node, count=node.count - 1),
        )
    elif isinstance(node, Leaf) and node.bounds:
        for index, (op, n) in enumerate(node.bounds):
            step = 1 if op in ("gte", "gt") else -1  # the direction that makes it fire less
            tighter, looser = list(node.bounds), list(node.bounds)
            tighter[index], looser[index] = (op, n + step), (op, n - step)
            what = f"{node.field} {op} {n}"
            yield what, replace(node, bounds=tuple(tighter)), replace(node, bounds=tuple(looser))
    elif isinstance(node, Leaf) and node.field in ORDERED_BANDS:
        order = ORDERED_BANDS[node.field]
        chosen = sorted(order.index(v) for v in node.values)
        low, high = chosen[0], chosen[-1]
        if low > 0:
            yield (
                f"{node.field} from {order[low]}",
                replace(node, values=tuple(order[i] for i in chosen if i != low)),
                replace(node, values=(*node.values, order[low - 1])),
            )
        if high < len(order) - 1:
            yield (
                f"{node.field} up to {order[high]}",
                replace(node, values=tuple(order[i] for i in chosen if i != high)),
                replace(node, values=(*node.values, order[high + 1])),
            )


def threshold_gaps(kb: KnowledgeBase, cases: Sequence[Case]) -> list[str]:
    """Thresholds without a scenario on each side that a one-step move would break."""
    gaps = []
    for threshold in thresholds(kb):
        condition = rule_condition(kb, kb.rules_by_id[threshold.rule])
        inside = outside = False
        for case in cases:
            facts = facts_of(case["answers"])
            expect = case["expect"]
            if threshold.rule in expect.get("fires", []) and holds(condition, facts):
                tighter = unsure.accepting_unsure(threshold.tighter)
                inside = inside or not holds(tighter, facts)
            if threshold.rule in expect.get("not_fires", []) and not holds(condition, facts):
                outside = outside or holds(threshold.looser, facts)
        if not inside:
            gaps.append(
                f"{threshold.rule} {threshold.what}: no scenario just inside the threshold "
                "naming the rule in 'fires' (moving it one step would go unnoticed)"
            )
        if not outside:
            gaps.append(
                f"{threshold.rule} {threshold.what}: no scenario just outside the threshold "
                "naming the rule in 'not_fires' (moving it one step would go unnoticed)"
            )
    return gaps


# ---------------------------------------------------------------------------------------------
# Reachability


def reachability_gaps(kb: KnowledgeBase) -> list[str]:
    """Rules that skip logic can silence: one example per rule and question."""
    gaps = []
    readers: dict[str, list[Rule]] = {}
    for rule in kb.rules:
        for field in sorted(fields_of(rule_condition(kb, rule))):
            readers.setdefault(field, []).append(rule)
    asked = _Asked(kb)
    for question_id, rules in readers.items():
        gaps += _silenced(kb, asked, question_id, rules)
    return gaps


class _Asked:
    """`triage.quiz.relevant` on consistent answers (answers to questions that would not be
    asked are dropped, repeatedly, as the quiz does), cached."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.cache: dict[str, frozenset[str]] = {}

    def relevant(self, answers: Mapping[str, Any]) -> frozenset[str]:
        key = json.dumps(answers, sort_keys=True)
        if key not in self.cache:
            self.cache[key] = frozenset(q.id for q in quiz.relevant(self.kb, answers))
        return self.cache[key]

    def questions(self, answers: Mapping[str, Any]) -> frozenset[str]:
        current = _copy(answers)
        while True:
            asked = self.relevant(current)
            stale = [f for f in _answered(current) if f not in asked]
            if not stale:
                return asked
            current = _without(current, stale)


def _silenced(kb: KnowledgeBase, asked: _Asked, question_id: str, rules: list[Rule]) -> list[str]:
    deciders = _deciding_fields(kb, question_id)
    tested = [_as_fired(kb, rule) for rule in rules]
    asking = [
        kb.conditions[f"question:{q}"]
        for q in (*deciders, question_id)
        if f"question:{q}" in kb.conditions
    ]
    domains = {f: _domain(f, [*asking, *tested]) for f in deciders}
    gaps: dict[str, str] = {}
    for values in itertools.product(*domains.values()):
        state = _answers(dict(zip(domains, values, strict=True)))
        if question_id in asked.questions(state):
            continue
        for rule, condition in zip(rules, tested, strict=True):
            if rule.id in gaps:
                continue
            free = sorted(fields_of(condition) - set(deciders))
            if _answer_matters(condition, state, free, question_id):
                gaps[rule.id] = (
                    f"{rule.id} reads {question_id!r}, but the quiz does not ask it when "
                    f"{_words(state)}, where the rule could still fire"
                )
    return list(gaps.values())


def _deciding_fields(kb: KnowledgeBase, question_id: str) -> list[str]:
    """The questions whose answers decide whether this one is asked, transitively."""
    found: list[str] = []
    todo = [question_id]
    while todo:
        condition = kb.conditions.get(f"question:{todo.pop()}")
        for field in sorted(fields_of(condition)) if condition else []:
            if field not in found and field != question_id:
                found.append(field)
                todo.append(field)
    return found


def _as_fired(kb: KnowledgeBase, rule: Rule) -> Condition:
    """The widest form in which the rule gives a reason: with 'Not sure' counted as yes when
    the ruleset's unsure policy gives the rule an unsure variant."""
    condition = rule_condition(kb, rule)
    if unsure.unsure_level(rule.triage, kb.info.unsure_policy) is not None:
        return unsure.accepting_unsure(condition)
    return condition


def _answer_matters(
    condition: Condition, state: Mapping[str, Any], free: list[str], question_id: str
) -> bool:
    """Whether some true answers (the state, and any answers to the other questions the rule
    reads) make the rule fire with this question's answer but not without it."""
    domains = [_domain(f, [condition]) for f in free]
    for values in itertools.product(*domains):
        answers = _merge(state, _answers(dict(zip(free, values, strict=True))))
        unasked = _without(answers, [question_id])
        if holds(condition, facts_of(answers)) and not holds(condition, facts_of(unasked)):
            return True
    return False


def _domain(field: str, tests: Iterable[Condition]) -> list[Any]:
    """One value of the field for each class of values that every test treats alike."""
    leaves = [leaf for c in tests for leaf in conditions.leaves(c) if leaf.field == field]
    classes: dict[tuple[bool, ...], Any] = {}
    for value in _all_values(field, leaves):
        facts = facts_of(_answers({field: value}))
        classes.setdefault(tuple(leaf.holds(facts) for leaf in leaves), value)
    return list(classes.values())


def _all_values(field: str, leaves: list[Leaf]) -> list[Any]:
    optional = [] if field in REQUIRED_FIELDS else [None]
    if field in SYMPTOMS:
        return ["no", "unsure", "yes"]  # 'unsure' first: the class of [yes, unsure] shows it
    if field in CHOICE_FIELDS:
        return [*optional, *(str(v) for v in CHOICE_FIELDS[field])]
    if field in LIST_FIELDS:
        values = [str(v) for v in LIST_FIELDS[field]]
        low = 1 if field in REQUIRED_FIELDS else 0
        return [
            list(subset)
            for size in range(low, len(values) + 1)
            for subset in itertools.combinations(values, size)
        ]
    low, _high = NUMBER_FIELDS[field]
    cuts = {low} | {_cut(op, n) for leaf in leaves for op, n in leaf.bounds}
    return [*optional, *sorted(cuts)]


def _cut(op: str, n: int) -> int:
    """The first number at which a comparison changes its answer, counting upwards."""
    return n + 1 if op in ("gt", "lte") else n


# Answers in the contract's shape (symptoms nested), as the quiz keeps them.


def _answers(values: Mapping[str, Any]) -> dict[str, Any]:
    answers: dict[str, Any] = {"symptoms": {}}
    for field, value in values.items():
        if field in SYMPTOMS:
            answers["symptoms"][field] = value
        else:
            answers[field] = value
    return answers


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    return {**a, **b, "symptoms": {**a.get("symptoms", {}), **b.get("symptoms", {})}}


def _copy(answers: Mapping[str, Any]) -> dict[str, Any]:
    return _merge(answers, {})


def _answered(answers: Mapping[str, Any]) -> list[str]:
    return [*(k for k in answers if k != "symptoms"), *answers.get("symptoms", {})]


def _without(answers: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    drop = set(fields)
    kept = {k: v for k, v in answers.items() if k != "symptoms" and k not in drop}
    kept["symptoms"] = {k: v for k, v in answers.get("symptoms", {}).items() if k not in drop}
    return kept


def _words(answers: Mapping[str, Any]) -> str:
    given = {k: v for k, v in answers.items() if k != "symptoms"} | answers.get("symptoms", {})
    return ", ".join(f"{k}={v}" for k, v in given.items()) or "nothing else is answered"


# ---------------------------------------------------------------------------------------------
# Each value of a multi-value test, each part of an `all`, each advice of each rule and level


def value_gaps(kb: KnowledgeBase, cases: Sequence[Case]) -> list[str]:
    """Values of a test with several values (`location: [upper_back, middle_back]`, `[yes,
    unsure]`) that no scenario depends on: each needs a scenario naming the rule in `fires`
    where the rule would not fire without that value. Without `unsure` the rule still fires
    one level lower ("Not sure" policy), so that scenario must also refuse the lower level, or
    name the rule in `sure` (when another rule holds the level)."""
    gaps = []
    for rule in kb.rules:
        condition = rule_condition(kb, rule)
        for path, node in _nodes(condition):
            if not isinstance(node, Leaf) or len(node.values) < 2:
                continue
            for value in node.values:
                if not value_pinned(kb, rule, path, value, cases):
                    gaps.append(
                        f"{rule.id}: no scenario naming it in 'fires' depends on the value "
                        f"'{value}' of '{_describe(node)}' ({_path(path)}): removing it would "
                        "go unnoticed"
                    )
    return gaps


def value_pinned(kb: KnowledgeBase, rule: Rule, path: Path, value: str, cases: Iterable[Case]):
    """Whether a scenario naming the rule in `fires` depends on this value of the test at
    `path` (and, for `unsure`, refuses the level one lower or names the rule in `sure`: it
    must fire as its own reason, not as one resting on a "Not sure" answer)."""
    condition = rule_condition(kb, rule)
    node = _at(condition, path)
    assert isinstance(node, Leaf)
    narrowed = Leaf(node.field, tuple(v for v in node.values if v != value))
    without = _replace_at(condition, path, narrowed)
    if value != "unsure":
        without = unsure.accepting_unsure(without)
    lower = unsure.unsure_level(rule.triage, kb.info.unsure_policy)
    return any(
        rule.id in case["expect"].get("fires", [])
        and holds(condition, facts_of(case["answers"]))
        and not holds(without, facts_of(case["answers"]))
        and (
            value != "unsure"
            or lower is None
            or lower.value not in case["expect"]["triage"]
            or rule.id in case["expect"].get("sure", [])
        )
        for case in cases
    )


def _at(condition: Condition, path: Path) -> Condition:
    for index in path:
        assert not isinstance(condition, Leaf)
        condition = condition.parts[index - 1]
    return condition


ALWAYS = AllOf(parts=())  # a condition that always holds: a part of an `all` taken out


def all_part_gaps(kb: KnowledgeBase, cases: Sequence[Case]) -> list[str]:
    """Parts of an `all` that no scenario depends on: each needs a scenario naming the rule in
    `not_fires` where only that part is missing, so that taking it out makes the rule fire."""
    gaps = []
    for rule in kb.rules:
        condition = rule_condition(kb, rule)
        for path, node in _nodes(condition):
            if not isinstance(node, AllOf):
                continue
            for index, part in enumerate(node.parts, start=1):
                if not part_pinned(kb, rule, (*path, index), cases):
                    what = _describe(part) if isinstance(part, Leaf) else type(part).__name__
                    gaps.append(
                        f"{rule.id}: no scenario naming it in 'not_fires' lacks only "
                        f"'{what}' ({_path((*path, index))}): taking it out of the 'all' "
                        "would go unnoticed"
                    )
    return gaps


def part_pinned(kb: KnowledgeBase, rule: Rule, path: Path, cases: Iterable[Case]) -> bool:
    """Whether a scenario naming the rule in `not_fires` would make it fire if the part of an
    `all` at `path` were taken out."""
    condition = rule_condition(kb, rule)
    loose = _replace_at(condition, path, ALWAYS)
    return any(
        rule.id in case["expect"].get("not_fires", [])
        and not holds(condition, facts_of(case["answers"]))
        and holds(loose, facts_of(case["answers"]))
        for case in cases
    )


def advice_gaps(kb: KnowledgeBase, cases: Sequence[Case]) -> list[str]:
    """Advice that no scenario pins. Each rule's advice needs a scenario naming the rule in
    `fires` and the advice in `advice`, and one where no other rule that fires gives that
    advice whenever the scenarios have such a case (otherwise the advice is given by another
    rule wherever this one fires, and changing it shows nowhere); each level's advice needs a
    scenario that accepts exactly that level and names it in `advice`."""
    gaps = []
    results = {case["id"]: _result(kb, case) for case in cases}
    for rule in kb.rules:
        fired = [case for case in cases if rule.id in case["expect"].get("fires", [])]
        for advice_id in rule.advice:
            alone = [
                case
                for case in fired
                if not any(
                    advice_id in kb.rules_by_id[reason.rule].advice
                    for reason in results[case["id"]].reasons
                    if reason.rule != rule.id
                )
            ]
            if not any(advice_id in case["expect"].get("advice", []) for case in alone or fired):
                gaps.append(
                    f"{rule.id}: no scenario names it in 'fires' and '{advice_id}' in 'advice'"
                    + (" where no other rule gives that advice" if alone else "")
                )
    for level, info in kb.info.levels.items():
        for advice_id in info.advice:
            if not any(
                case["expect"]["triage"] == [level.value]
                and advice_id in case["expect"].get("advice", [])
                for case in cases
            ):
                gaps.append(f"level {level.value}: no scenario at exactly it names '{advice_id}'")
    return gaps


def _result(kb: KnowledgeBase, case: Case) -> Any:
    return outcome.assess(Answers.model_validate(case["answers"]), kb)


# ---------------------------------------------------------------------------------------------
# Properties over the answer space: what no result may ever show

NSAID_WORDS = ("ibuprofen", "naproxen", "diclofenac", "nsaid")  # in the English texts


def result_problems(kb: KnowledgeBase, answers: Answers) -> list[str]:
    """What is wrong with the result of these answers, whatever the rules say: self-help at
    urgent or emergency, anti-inflammatory painkiller advice under 16, advice that names a
    cause the result does not suspect."""
    result = outcome.assess(answers, kb)
    level = result.triage.value
    problems = []
    # suspected, or named as possible by a reason resting on a "Not sure" answer
    suspected = {cause for reason in result.reasons for cause in reason.suspected}
    for item in result.advice:
        advice = kb.advice[item.id]
        if advice.kind == "self_help" and level in ("urgent", "emergency"):
            problems.append(f"self-help '{item.id}' shown at {level}")
        nsaid = any(word in advice.text.lower() for word in NSAID_WORDS)
        if answers.age < 16 and advice.kind == "self_help" and nsaid:
            problems.append(f"painkiller advice '{item.id}' shown at age {answers.age}")
        if advice.causes and not suspected & set(advice.causes):
            names = ", ".join(cause.value for cause in advice.causes)
            problems.append(f"'{item.id}' names {names}, which the result does not suspect")
    return problems


def property_problems(kb: KnowledgeBase, cases: Sequence[Case], sample: int = 3000) -> list[str]:
    """`result_problems` over every scenario and a fixed sample of the whole answer space
    (every field and symptom drawn at random, with a fixed seed), one line per kind."""
    found: dict[str, str] = {}
    every = [Answers.model_validate(case["answers"]) for case in cases]
    every += list(sampled_answers(sample))
    for answers in every:
        for problem in result_problems(kb, answers):
            found.setdefault(problem.split(" ", 2)[0] + problem.split("'")[-1][:20], problem)
    return sorted(found.values())


def sampled_answers(count: int, seed: int = 20) -> Iterator[Answers]:
    import random

    chance = random.Random(seed)
    ages = [0, 3, 5, 6, 10, 11, 12, 15, 16, 30, 49, 50, 60, 61, 65, 70, 90]
    for _ in range(count):
        values: dict[str, Any] = {"age": chance.choice(ages)}
        for field, enum in LIST_FIELDS.items():
            options = [str(v) for v in enum]
            low = 1 if field in REQUIRED_FIELDS else 0
            values[field] = chance.sample(options, chance.randint(low, 2))
        for field, enum in CHOICE_FIELDS.items():
            options: list[Any] = [str(v) for v in enum]
            values[field] = chance.choice(options if field in REQUIRED_FIELDS else [*options, None])
        values["intensity"] = chance.choice([None, 2, 5, 7, 9])
        odds = chance.choice([0.02, 0.05, 0.2])  # most people have few warning signs
        symptoms = {name: _sign(chance, odds) for name in SYMPTOMS}
        answers = {k: v for k, v in values.items() if v is not None}
        yield Answers.model_validate({**answers, "symptoms": symptoms})


# ---------------------------------------------------------------------------------------------
# Labels: what each choice a person reads stores. The meaning of each code is pinned here, apart
# from questions.yaml, so that swapped labels (a serious accident stored as a minor fall) fail.

CHOICE_MEANINGS: dict[tuple[str, str], tuple[str, ...]] = {
    # (question, code): words its English label must contain (any one of them)
    ("respondent", "self"): ("myself",),
    ("respondent", "someone_else"): ("someone else",),
    ("respondent", "child"): ("child",),
    ("location", "upper_back"): ("upper back",),
    ("location", "middle_back"): ("middle back",),
    ("location", "lower_back"): ("lower back",),
    ("location", "flank"): ("side of the body",),
    ("location", "leg"): ("buttock or leg",),
    ("radiation", "buttock_or_thigh"): ("buttock or thigh",),
    ("radiation", "below_knee"): ("below the knee",),
    ("radiation", "groin"): ("groin",),
    ("radiation", "abdomen"): ("tummy",),
    ("radiation", "chest"): ("chest",),
    ("radiation", "arm_or_jaw"): ("arm", "jaw"),
    ("duration", "under_1_week"): ("less than a week",),
    ("duration", "1_to_4_weeks"): ("less than 4 weeks",),
    ("duration", "4_to_12_weeks"): ("up to 12 weeks",),
    ("duration", "over_12_weeks"): ("more than 12 weeks",),
    ("trigger", "none"): ("nothing",),
    ("trigger", "lifting_or_strain"): ("lifting",),
    ("trigger", "posture"): ("sitting", "position"),
    ("trigger", "minor_injury"): ("minor fall",),
    ("trigger", "major_injury"): ("serious accident",),
    ("onset", "sudden"): ("suddenly",),
    ("onset", "gradual"): ("gradually",),
    ("course", "improving"): ("better",),
    ("course", "unchanged"): ("same",),
    ("course", "worsening"): ("worse",),
    ("episode", "recurrent"): ("before",),
    ("episode", "first"): ("first time",),
    ("episode", "unsure"): ("not sure",),
}


# The same in German (rules/de/questions.yaml), so that labels swapped there fail too.
CHOICE_MEANINGS_DE: dict[tuple[str, str], tuple[str, ...]] = {
    ("respondent", "self"): ("mich selbst",),
    ("respondent", "someone_else"): ("jemand anderen",),
    ("respondent", "child"): ("kind",),
    ("location", "upper_back"): ("oberer rücken",),
    ("location", "middle_back"): ("mittlerer rücken",),
    ("location", "lower_back"): ("unterer rücken",),
    ("location", "flank"): ("seite des körpers",),
    ("location", "leg"): ("gesäß oder bein",),
    ("radiation", "buttock_or_thigh"): ("oberschenkel",),
    ("radiation", "below_knee"): ("unter das knie",),
    ("radiation", "groin"): ("leiste",),
    ("radiation", "abdomen"): ("bauch",),
    ("radiation", "chest"): ("brust",),
    ("radiation", "arm_or_jaw"): ("arm", "kiefer"),
    ("duration", "under_1_week"): ("weniger als eine woche",),
    ("duration", "1_to_4_weeks"): ("weniger als 4 wochen",),
    ("duration", "4_to_12_weeks"): ("bis zu 12 wochen",),
    ("duration", "over_12_weeks"): ("länger als 12 wochen",),
    ("trigger", "none"): ("nichts",),
    ("trigger", "lifting_or_strain"): ("heben",),
    ("trigger", "posture"): ("sitzen", "haltung"),
    ("trigger", "minor_injury"): ("leichter sturz",),
    ("trigger", "major_injury"): ("schwerer unfall",),
    ("onset", "sudden"): ("plötzlich",),
    ("onset", "gradual"): ("allmählich",),
    ("course", "improving"): ("besser",),
    ("course", "unchanged"): ("gleich",),
    ("course", "worsening"): ("schlimmer",),
    ("episode", "recurrent"): ("schon einmal",),
    ("episode", "first"): ("erste mal",),
    ("episode", "unsure"): ("nicht sicher",),
}
MEANINGS = {"en": CHOICE_MEANINGS, "de": CHOICE_MEANINGS_DE}


def label_problems(kb: KnowledgeBase) -> list[str]:
    """Choices whose label does not say what the code it stores means, or codes that have no
    pinned meaning (add one to CHOICE_MEANINGS with a new choice)."""
    problems = []
    meanings = MEANINGS[kb.language]
    for question in kb.questions:
        for choice in question.choices:
            words = meanings.get((question.id, choice.value))
            if words is None:
                problems.append(f"{question.id}: no pinned meaning for the code {choice.value}")
            elif not any(word in choice.label.lower() for word in words):
                problems.append(
                    f"{question.id}: the label {choice.label!r} stores {choice.value}, which "
                    f"means {' / '.join(words)}"
                )
    for question_id, code in meanings:
        if not any(c.value == code for c in kb.questions_by_id[question_id].choices):
            problems.append(f"{question_id}: the code {code} is offered by no label")
    return problems


def _sign(chance: Any, odds: float) -> str:
    roll = chance.random()
    return "yes" if roll < odds else "unsure" if roll < 1.5 * odds else "no"
