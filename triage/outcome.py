"""From answers to a result: fire the rules, then turn what fired into a Result that carries its
own explanation (the level, every rule with the answers behind it, advice and sources)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from triage import conditions
from triage.conditions import Condition, to_facts
from triage.engine import ADVICE, RULE, for_knowledge
from triage.knowledge import KnowledgeBase, Question, Rule
from triage.models import (
    LIST_FIELDS,
    AdviceItem,
    Answers,
    Evidence,
    Level,
    PainType,
    Reason,
    Result,
    SourceRef,
)
from triage.wording import answer_words

ADVICE_ORDER = ("now", "info", "self_help", "safety_net")


def assess(answers: Answers, kb: KnowledgeBase) -> Result:
    """Triage one set of answers with a knowledge base."""
    facts = to_facts(_as_mapping(answers))
    fired = for_knowledge(kb).fire(facts)
    return build_result(kb, facts, fired)


def _as_mapping(answers: Answers) -> dict[str, Any]:
    """The validated answers as a plain mapping, without a full model dump (a hot path)."""
    symptoms: Any = answers.symptoms  # a model built from the contract's symptom table
    return {**answers.__dict__, "symptoms": symptoms.__dict__}


class Firing(NamedTuple):
    """A rule that fired, at the level it fired (one lower when it rests on "Not sure")."""

    rule: Rule
    level: Level
    unsure: bool


def fired_rules(kb: KnowledgeBase, partial: Mapping[str, Any]) -> list[Firing]:
    """The rules that fire on answers given so far (during the quiz)."""
    fired = for_knowledge(kb).fire(to_facts(partial))
    return [Firing(rule, level, unsure) for rule, level, unsure in _matches(kb, fired)]


def assess_partial(kb: KnowledgeBase, partial: Mapping[str, Any]) -> Result:
    """The result that the answers given so far lead to (when the quiz stops early)."""
    facts = to_facts(partial)
    return build_result(kb, facts, for_knowledge(kb).fire(facts))


def questions_to_ask(kb: KnowledgeBase, partial: Mapping[str, Any]) -> frozenset[str]:
    """Ids of the questions whose `when` holds for the answers given so far."""
    return for_knowledge(kb).questions_to_ask(to_facts(partial))


def _matches(kb: KnowledgeBase, fired: frozenset[str]) -> list[tuple[Rule, Level, bool]]:
    """The rules behind the fired names, in the order of rules.yaml; a rule that fired on its
    own 'yes' answers is not repeated as its 'unsure' variant."""
    found: dict[str, tuple[Rule, Level, bool]] = {}
    for name in fired:
        kind, _, rule_id = name.partition(":")
        if kind == "rule":
            rule = kb.rules_by_id[rule_id]
            found[rule_id] = (rule, rule.triage, False)
        elif kind == "unsure" and RULE + rule_id not in fired:
            rule = kb.rules_by_id[rule_id]
            found[rule_id] = (rule, rule.triage.lowered(), True)
    order = _rule_order(kb)
    return [found[rule_id] for rule_id in sorted(found, key=order.__getitem__)]


@lru_cache(maxsize=64)
def _rule_order(kb: KnowledgeBase) -> dict[str, int]:
    return {rule.id: index for index, rule in enumerate(kb.rules)}


def build_result(kb: KnowledgeBase, facts: Mapping[str, Any], fired: frozenset[str]) -> Result:
    reasons = sorted(
        (_reason(kb, facts, rule, level, unsure) for rule, level, unsure in _matches(kb, fired)),
        key=lambda reason: -reason.triage.rank,
    )
    level = max(
        (reason.triage for reason in reasons), key=lambda lv: lv.rank, default=Level.SELF_CARE
    )
    suspected = _unique(
        cause for reason in reasons if not reason.unsure for cause in reason.suspected
    )
    return Result(
        triage=level,
        headline=kb.info.levels[level].headline,
        pain_type=PainType.SPECIFIC if suspected else PainType.NON_SPECIFIC,
        suspected=suspected,
        reasons=reasons,
        advice=_advice(kb, level, reasons, fired),
        ruleset=kb.label,
        disclaimer=kb.info.disclaimer.strip(),
    )


def _reason(
    kb: KnowledgeBase, facts: Mapping[str, Any], rule: Rule, level: Level, unsure: bool
) -> Reason:
    # A reason depends only on the answers its own condition reads: share equal ones.
    seen = tuple((key, facts.get(key)) for key in _keys_read(kb, rule.id))
    return _shared_reason(kb, rule.id, level, unsure, seen)


@lru_cache(maxsize=256)
def _keys_read(kb: KnowledgeBase, rule_id: str) -> tuple[str, ...]:
    keys: list[str] = []
    for leaf in conditions.leaves(kb.conditions[f"rule:{rule_id}"]):
        if leaf.field in LIST_FIELDS:
            keys += [conditions.list_key(leaf.field, value) for value in leaf.values]
        else:
            keys.append(leaf.field)
    return tuple(dict.fromkeys(keys))


@lru_cache(maxsize=1024)
def _shared_reason(
    kb: KnowledgeBase, rule_id: str, level: Level, unsure: bool, seen: tuple[tuple[str, Any], ...]
) -> Reason:
    rule = kb.rules_by_id[rule_id]
    condition = kb.conditions[f"rule:{rule.id}"]
    if unsure:
        condition = conditions.widen_unsure(condition)
    return Reason(
        rule=rule.id,
        title=rule.title,
        triage=level,
        suspected=list(rule.suspected),
        unsure=unsure,
        answers=evidence(kb, condition, dict(seen)),
        sources=[_source(kb, source_id) for source_id in rule.sources],
    )


def evidence(kb: KnowledgeBase, condition: Condition, facts: Mapping[str, Any]) -> list[Evidence]:
    """The answers that satisfy the tests of a condition, once per field, in words."""
    found: dict[str, Evidence] = {}
    for leaf in conditions.leaves(condition):
        if leaf.field not in found and leaf.holds(facts):
            found[leaf.field] = _evidence(kb, kb.questions_by_id[leaf.field], leaf, facts)
    return list(found.values())


def _evidence(
    kb: KnowledgeBase, question: Question, leaf: conditions.Leaf, facts: Mapping[str, Any]
) -> Evidence:
    if leaf.bounds:
        value: Any = facts[leaf.field]
    elif question.kind == "multi":
        value = [v for v in leaf.values if facts.get(conditions.list_key(leaf.field, v))]
    else:
        value = facts[leaf.field]
    words = answer_words(kb, question, value)
    return Evidence(field=leaf.field, value=value, text=f"{question.short}: {words}")


def _advice(
    kb: KnowledgeBase, level: Level, reasons: list[Reason], fired: frozenset[str]
) -> list[AdviceItem]:
    rule_ids = tuple(reason.rule for reason in reasons)
    unsure = any(reason.unsure for reason in reasons)
    advice_fired = frozenset(name for name in fired if name.startswith(ADVICE))
    return list(_choose_advice(kb, level, rule_ids, unsure, advice_fired))


# The same few combinations recur across people; the items are immutable, so share them.
@lru_cache(maxsize=1024)
def _choose_advice(
    kb: KnowledgeBase, level: Level, rule_ids: tuple[str, ...], unsure: bool, fired: frozenset[str]
) -> tuple[AdviceItem, ...]:
    info = kb.info.levels[level]
    chosen = list(info.advice)
    chosen += [advice_id for rule_id in rule_ids for advice_id in kb.rules_by_id[rule_id].advice]
    if unsure:
        chosen += kb.info.unsure_advice
    if info.self_help:
        chosen += [
            item.id
            for item in kb.advice.values()
            if item.kind == "self_help" and (item.when is None or ADVICE + item.id in fired)
        ]
    items = [_advice_item(kb, advice_id) for advice_id in _unique(chosen)]
    items.sort(key=lambda item: ADVICE_ORDER.index(item.kind))
    return tuple(items)


# Advice and source references are immutable: build each once per knowledge base, not per result.
@lru_cache(maxsize=1024)
def _advice_item(kb: KnowledgeBase, advice_id: str) -> AdviceItem:
    item = kb.advice[advice_id]
    sources = [_source(kb, s) for s in item.sources]
    return AdviceItem(
        id=item.id, kind=item.kind, title=item.title, text=item.text.strip(), sources=sources
    )


@lru_cache(maxsize=1024)
def _source(kb: KnowledgeBase, source_id: str) -> SourceRef:
    source = kb.sources[source_id]
    return SourceRef(id=source.id, title=source.title, url=source.url)


def _unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))
