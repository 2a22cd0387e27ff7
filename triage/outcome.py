"""From answers to a result: fire the rules, then turn what fired into a Result that carries its
own explanation (the level, every rule with the answers behind it, advice and sources)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from triage import conditions, unsure
from triage.conditions import Condition
from triage.engine import Fired, for_knowledge
from triage.knowledge import KnowledgeBase, Rule
from triage.models import (
    OPTIONAL_FIELDS,
    AdviceItem,
    Answers,
    Evidence,
    Level,
    Missing,
    PainType,
    Reason,
    Result,
    SourceRef,
    missing_kind,
)
from triage.wording import answer_words

ADVICE_ORDER = ("now", "info", "self_help", "safety_net")


def assess(answers: Answers, kb: KnowledgeBase) -> Result:
    """Triage one set of answers with a knowledge base."""
    given, fired = fire(answers, kb)
    return build_result(kb, given, fired)


def fire(answers: Answers, kb: KnowledgeBase) -> tuple[dict[str, Any], frozenset[Fired]]:
    """The answers as the rules read them, and what fires on them (`build_result` of the two
    is the result of `assess`)."""
    given = _as_mapping(answers)
    return given, for_knowledge(kb).fire(given)


def _as_mapping(answers: Answers) -> dict[str, Any]:
    """The validated answers as a plain mapping, without a full model dump (a hot path)."""
    symptoms: Any = answers.symptoms  # a model built from the contract's symptom table
    return {**answers.__dict__, "symptoms": symptoms.__dict__}


class Firing(NamedTuple):
    """A rule that fired, at the level it fired (lower when it rests on "Not sure")."""

    rule: Rule
    level: Level
    unsure: bool


def fired_rules(kb: KnowledgeBase, partial: Mapping[str, Any]) -> list[Firing]:
    """The rules that fire on answers given so far (during the quiz)."""
    return _firings(kb, for_knowledge(kb).fire(partial))


def assess_partial(kb: KnowledgeBase, partial: Mapping[str, Any]) -> Result:
    """The result that the answers given so far lead to (when the quiz stops early)."""
    return build_result(kb, partial, for_knowledge(kb).fire(partial))


def questions_to_ask(kb: KnowledgeBase, partial: Mapping[str, Any]) -> frozenset[str]:
    """Ids of the questions whose `when` holds for the answers given so far."""
    return for_knowledge(kb).questions_to_ask(partial)


def _firings(kb: KnowledgeBase, fired: frozenset[Fired]) -> list[Firing]:
    """The rules that fired, in the order of rules.yaml; a rule that fired on its own "yes"
    answers is not repeated as resting on "Not sure"."""
    sure = {item.id for item in fired if item.kind == "rule" and not item.unsure}
    found: list[Firing] = []
    for item in fired:
        if item.kind != "rule" or (item.unsure and item.id in sure):
            continue
        rule = kb.rules_by_id[item.id]
        level = rule.triage
        if item.unsure:
            lowered = unsure.unsure_level(rule.triage, kb.info.unsure_policy)
            if lowered is None:  # the policy does not count this firing
                continue
            level = lowered
        found.append(Firing(rule, level, item.unsure))
    order = _rule_order(kb)
    return sorted(found, key=lambda firing: order[firing.rule.id])


@lru_cache(maxsize=64)
def _rule_order(kb: KnowledgeBase) -> dict[str, int]:
    return {rule.id: index for index, rule in enumerate(kb.rules)}


def build_result(kb: KnowledgeBase, answers: Mapping[str, Any], fired: frozenset[Fired]) -> Result:
    """The result of what fired on these answers (in the answers-file form)."""
    # Most urgent first; at one level, reasons on definite answers before those on "Not sure";
    # then in the order of rules.yaml. The first is the main reason.
    reasons = sorted(
        (_reason(kb, answers, firing) for firing in _firings(kb, fired)),
        key=lambda reason: (-reason.triage.rank, reason.unsure),
    )
    level = max(
        (reason.triage for reason in reasons), key=lambda lv: lv.rank, default=Level.SELF_CARE
    )
    # The causes suspected from definite answers, in the order of the reasons (a cause of a
    # reason on "Not sure" is one to rule out: see `render.causes_shown`).
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


def _reason(kb: KnowledgeBase, answers: Mapping[str, Any], firing: Firing) -> Reason:
    # A reason depends only on the answers its own condition tests: share equal ones (the
    # cache stays small when answers that no test reads are left out of its key).
    seen = tuple(
        _tested(conditions.answer_of(answers, name), values)
        for name, values in _fields_read(kb, firing.rule.id)
    )
    missing = tuple(
        (name, missing_kind(answers, name))
        for name, _values in _fields_read(kb, firing.rule.id)
        if name in OPTIONAL_FIELDS and answers.get(name) is None
    )
    return _shared_reason(kb, firing.rule.id, firing.level, firing.unsure, seen, missing)


def _tested(given: Any, values: frozenset[str]) -> Any:
    """The part of an answer that a condition's tests can see (numbers are compared whole)."""
    if not values or given is None:
        return given
    if isinstance(given, tuple):
        return tuple(value for value in given if value in values)
    return given if given in values else None


@lru_cache(maxsize=256)
def _fields_read(kb: KnowledgeBase, rule_id: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each field the rule reads, with every value it tests ("unsure" too, for its variant)."""
    condition = unsure.accepting_unsure(_condition(kb, rule_id))
    tested: dict[str, set[str]] = {}
    for leaf in conditions.leaves(condition):
        tested.setdefault(leaf.field, set()).update(leaf.values)
    return tuple((name, frozenset(values)) for name, values in tested.items())


def _condition(kb: KnowledgeBase, rule_id: str) -> Condition:
    return kb.conditions[f"rule:{rule_id}"]


# 2048: the rules that read the age (children, older people, injecting drugs from 12) make a
# reason per age; 1024 was too few for a varied batch, and a full cache only churns.
@lru_cache(maxsize=2048)
def _shared_reason(
    kb: KnowledgeBase,
    rule_id: str,
    level: Level,
    unsure_answer: bool,
    seen: tuple[Any, ...],
    missing: tuple[tuple[str, Missing], ...] = (),
) -> Reason:
    rule = kb.rules_by_id[rule_id]
    condition = _condition(kb, rule_id)
    if unsure_answer:
        condition = unsure.accepting_unsure(condition)
    given = dict(zip((name for name, _ in _fields_read(kb, rule_id)), seen, strict=True))
    return Reason(
        rule=rule.id,
        title=rule.title,
        triage=level,
        suspected=list(rule.suspected),
        unsure=unsure_answer,
        answers=_evidence(kb, condition, given, dict(missing)),
        sources=[_source(kb, source_id) for source_id in rule.sources],
    )


def _evidence(
    kb: KnowledgeBase,
    condition: Condition,
    given: dict[str, Any],
    missing: Mapping[str, Missing],
) -> list[Evidence]:
    """The answers (as `answer_of` reads them) that satisfy the tests of a condition, once per
    field, in words. An answer that is missing is named as what it is (not asked, skipped,
    "Don't know"), with what the rules count it as (the question's `unanswered` text)."""
    found: dict[str, Evidence] = {}
    for leaf in conditions.leaves(condition):
        if leaf.field not in found and leaf.matches(given[leaf.field]):
            question = kb.questions_by_id[leaf.field]
            value = given[leaf.field]
            if question.kind == "multi":
                value = [v for v in leaf.values if v in value]
            text = f"{question.short}: {answer_words(kb, question, value)}"
            if leaf.field in missing:
                value = missing[leaf.field]
                counted = f" ({question.unanswered})" if question.unanswered else ""
                text = f"{question.short}: {answer_words(kb, question, value)}{counted}"
            found[leaf.field] = Evidence(field=leaf.field, value=value, text=text)
    return list(found.values())


def _advice(
    kb: KnowledgeBase, level: Level, reasons: list[Reason], fired: frozenset[Fired]
) -> list[AdviceItem]:
    """The level's advice, each definite reason's own, and self-help. A reason that rests on
    "Not sure" shows not its rule's advice (written for the rule's full level) but what to do
    if the sign is really there (ruleset.yaml `unsure_steps`), first in the safety net."""
    rule_ids = tuple(reason.rule for reason in reasons if not reason.unsure)
    any_unsure = any(reason.unsure for reason in reasons)
    advice = frozenset(item.id for item in fired if item.kind == "advice")
    chosen = list(_choose_advice(kb, level, rule_ids, any_unsure, advice))
    steps = _unsure_steps(kb, [reason for reason in reasons if reason.unsure])
    if not steps:
        return chosen
    place = next((i for i, item in enumerate(chosen) if item.kind == "safety_net"), len(chosen))
    return chosen[:place] + steps + chosen[place:]


def _unsure_steps(kb: KnowledgeBase, unsure_reasons: list[Reason]) -> list[AdviceItem]:
    """For the reasons on "Not sure", by their rules' full level: what to do if the signs
    answered "Not sure" are really there, naming them."""
    signs: dict[str, list[str]] = {}
    for reason in unsure_reasons:
        step = kb.info.unsure_steps.get(kb.rules_by_id[reason.rule].triage)
        if step is None:
            continue
        named = signs.setdefault(step, [])
        for evidence in reason.answers:
            if evidence.value == "unsure":
                short = kb.questions_by_id[evidence.field].short
                if short not in named:
                    named.append(short)
    ordered = [step for step in kb.info.unsure_steps.values() if step in signs]
    return [_step_item(kb, step, tuple(signs[step])) for step in ordered]


@lru_cache(maxsize=256)
def _step_item(kb: KnowledgeBase, advice_id: str, signs: tuple[str, ...]) -> AdviceItem:
    item = _advice_item(kb, advice_id)
    return item.model_copy(update={"text": item.text.replace("{signs}", "; ".join(signs))})


# The same few combinations recur across people; the items are immutable, so share them.
@lru_cache(maxsize=1024)
def _choose_advice(
    kb: KnowledgeBase,
    level: Level,
    rule_ids: tuple[str, ...],
    any_unsure: bool,
    advice: frozenset[str],
) -> tuple[AdviceItem, ...]:
    info = kb.info.levels[level]
    chosen = list(info.advice)
    chosen += [advice_id for rule_id in rule_ids for advice_id in kb.rules_by_id[rule_id].advice]
    if any_unsure:
        chosen += kb.info.unsure_advice
    if info.self_help:
        chosen += [
            item.id
            for item in kb.advice.values()
            if item.kind == "self_help" and (item.when is None or item.id in advice)
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
