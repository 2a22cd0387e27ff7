"""`at_least` without expanding every subset, and the rule engine's own limits.

`at_least` compiles to arithmetic that durable-rules evaluates, so its size grows with the
number of parts (the old compile listed every subset: 10 of 20 took 20 s and 1 GB, then failed).
Rule sets full of `at_least` (nested, with lists, numbers, optional choices) must decide exactly
as the independent reference evaluator says. durable-rules has fixed limits, some of which hang
or overwrite memory instead of failing; `engine.compile_problems` names each one crossed, and
the engine refuses such a rule set before it reaches durable-rules.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import reference_evaluator as reference
import yaml

from triage import conditions, engine, knowledge, outcome
from triage.engine import Fired, Kind
from triage.errors import EngineError
from triage.knowledge import KnowledgeBase
from triage.models import NUMBER_FIELDS, SYMPTOMS, Answers, Level

SYMPTOM_NAMES = sorted(SYMPTOMS)
BASE: dict[str, Any] = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}


def counting_rules(n: int, k: int, rule_id: str = "TEST-COUNT") -> dict[str, Any]:
    return {
        "id": rule_id,
        "title": f"{k} of {n} warning signs",
        "triage": "urgent",
        "when": {"at_least": {"count": k, "of": [{s: "yes"} for s in SYMPTOM_NAMES[:n]]}},
        "sources": ["NICE-NG59"],
    }


def nested(groups: int) -> dict[str, Any]:
    """A condition with `groups` all/any groups, alternating."""
    when: dict[str, Any] = {"fever": "yes"}
    for level in range(groups):
        when = {"all" if level % 2 else "any": [when, {SYMPTOM_NAMES[level % 30]: "unsure"}]}
    return when


NESTED = [
    {
        "id": "TEST-NESTED-ANY",
        "title": "at least two of mixed tests, inside an any",
        "triage": "emergency",
        "when": {
            "any": [
                {"all": [{"fever": "yes"}, {"cough": "unsure"}]},
                {
                    "at_least": {
                        "count": 2,
                        "of": [
                            {"age": {"gte": 50, "lt": 70}},
                            {"location": ["flank", "upper_back"]},
                            {"onset": ["not_answered", "sudden"]},
                            {"intensity": {"gt": 6}},
                            {"rash": ["yes", "unsure"]},
                        ],
                    }
                },
            ]
        },
        "sources": ["NICE-NG59"],
    },
    {
        "id": "TEST-NESTED-COUNT",
        "title": "counting inside counting, with all and any inside",
        "triage": "urgent",
        "when": {
            "at_least": {
                "count": 2,
                "of": [
                    {
                        "at_least": {
                            "count": 2,
                            "of": [{"fever": "yes"}, {"chest_pain": "yes"}, {"age": {"lte": 30}}],
                        }
                    },
                    {"all": [{"radiation": "below_knee"}, {"leg_weakness": "yes"}]},
                    {
                        "any": [
                            {"trigger": "major_injury"},
                            {"course": "not_answered"},
                            {"age": {"gt": 119}},
                        ]
                    },
                    {"duration": ["4_to_12_weeks", "over_12_weeks"]},
                    {"intensity": {"lt": 1}},
                ],
            }
        },
        "sources": ["NICE-NG59"],
    },
    counting_rules(20, 10, "TEST-TEN-OF-TWENTY"),
    counting_rules(24, 12, "TEST-TWELVE-OF-TWENTY-FOUR"),
    counting_rules(34, 1, "TEST-ONE-OF-ALL"),
    counting_rules(6, 6, "TEST-ALL-OF-SIX"),
    {
        "id": "TEST-MANY-GROUPS",
        "title": "more all/any groups than durable-rules takes in one rule",
        "triage": "urgent",
        "when": {"all": [{"age": {"gte": 30}}, {"any": [{"location": "flank"}, nested(20)]}]},
        "sources": ["NICE-NG59"],
    },
]


def rules_with(directory: Path, extra: list[dict[str, Any]]) -> Path:
    """A copy of the shipped rules with more rules added."""
    target = directory / "rules"
    shutil.copytree(knowledge.default_directory(), target)
    path = target / "rules.yaml"
    data = knowledge.read_yaml(path)  # yes stays the word "yes"; safe_dump quotes it
    data["rules"] += extra
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def counting(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeBase, reference.Knowledge]:
    directory = rules_with(tmp_path_factory.mktemp("counting"), NESTED)
    return knowledge.load(directory), reference.load(directory)


def records(fired: frozenset[Fired]) -> frozenset[reference.Firing]:
    return frozenset((item.kind, item.id, item.unsure) for item in fired)


def test_counting_rules_decide_exactly_as_the_reference_says(counting) -> None:
    kb, ref = counting
    eng, rng = engine.for_knowledge(kb), random.Random(14)
    targets = [when for rule_id, _level, when in ref.rules if rule_id.startswith("TEST-")]
    fired_tests: set[str] = set()
    mismatches = []
    for index in range(3000):
        data = reference.random_answers(ref, rng, symptom_share=rng.choice((0.1, 0.4, 0.8)))
        if index % 4:
            reference.satisfy(ref, rng.choice(targets), data, rng)
            if rng.random() < 0.5:
                reference.perturb(ref, data, rng)
        Answers.model_validate(data)
        ours, theirs = records(eng.fire(data)), reference.fired(ref, data)
        if ours != theirs:
            mismatches.append((data, sorted(ours ^ theirs)))
        fired_tests |= {rule_id for kind, rule_id, _ in ours if rule_id.startswith("TEST-")}
    assert not mismatches, f"{len(mismatches)} disagreements, first: {mismatches[0]}"
    assert fired_tests == {rule["id"] for rule in NESTED}, "every counting rule fired at least once"


def test_counting_at_the_edges(counting) -> None:
    kb, _ref = counting
    base = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}
    eng = engine.for_knowledge(kb)
    for given in range(21):
        symptoms = {name: "yes" for name in SYMPTOM_NAMES[:given]}
        fired = eng.fire({**base, "symptoms": symptoms})
        assert (Fired(Kind.RULE, "TEST-TEN-OF-TWENTY") in fired) == (given >= 10), given
    nine = {name: "yes" for name in SYMPTOM_NAMES[:9]}
    unsure = eng.fire({**base, "symptoms": {**nine, SYMPTOM_NAMES[9]: "unsure"}})
    assert Fired(Kind.RULE, "TEST-TEN-OF-TWENTY") not in unsure
    assert Fired(Kind.RULE, "TEST-TEN-OF-TWENTY", unsure=True) in unsure  # "Not sure" counts
    result = outcome.assess(Answers.model_validate({**base, "symptoms": nine}), kb)
    assert "TEST-TEN-OF-TWENTY" not in {reason.rule for reason in result.reasons}


@pytest.mark.parametrize("op", sorted(conditions.NUMBER_TESTS))
@pytest.mark.parametrize("name", sorted(NUMBER_FIELDS))
def test_number_comparisons_inside_counting_at_every_value(name, op, tmp_path) -> None:
    """Each comparison, at every possible number and with the number missing (one operator
    at a time: 20 counting rules more than the shipped ones could overflow durable-rules'
    stack of 64 tests for some answers, and `check` refuses them)."""
    low, high = NUMBER_FIELDS[name]
    bounds = [low, low + 1, (low + high) // 2, high - 1, high]
    rules = [
        {
            "id": f"TEST-{op.upper()}-{bound}",
            "title": "a comparison counted",
            "triage": "soon",
            "when": {"at_least": {"count": 1, "of": [{name: {op: bound}}]}},
            "sources": ["NICE-NG59"],
        }
        for bound in bounds
    ]
    kb = knowledge.load(rules_with(tmp_path, rules))
    eng = engine.for_knowledge(kb)
    base = {"age": 40, "location": ["lower_back"], "duration": "1_to_4_weeks"}
    for number in [None, *range(low, high + 1)]:
        answers = {**base, name: number} if number is not None else {**base, name: None}
        if name == "age" and number is None:
            answers.pop("age")
        fired = {f.id for f in eng.fire(answers) if f.id.startswith("TEST-")}
        expected = {
            f"TEST-{op.upper()}-{bound}"
            for bound in bounds
            if number is not None and conditions.compare(number, op, bound)
        }
        assert fired == expected, number


def test_compile_size_grows_with_the_parts_not_their_subsets(kb) -> None:
    """k of n used to compile to every k-subset: C(40, 20) is about 1.4e11. Now each part is
    compiled once, so doubling the parts about doubles the size."""
    shipped = engine.compiled_size(kb)

    def size(n: int) -> int:
        rule = counting_rules(n, n // 2)
        with_rule = with_conditions(kb, [rule])
        return engine.compiled_size(with_rule) - shipped

    ten, twenty, thirty_four = size(10), size(20), size(34)
    assert twenty < 2.5 * ten and thirty_four < 2.0 * twenty
    assert thirty_four < 20_000  # characters, for 34 parts (and its "Not sure" variant)


def with_conditions(kb: KnowledgeBase, rules: list[dict[str, Any]]) -> KnowledgeBase:
    """The knowledge base with more rules, without going through the YAML loader (fast, and
    not limited by what the loader accepts)."""
    template = kb.rules[0]
    new = [
        template.model_copy(
            update={
                "id": r["id"],
                "title": r["title"],
                "triage": Level(r["triage"]),
                "when": r["when"],
            }
        )
        for r in rules
    ]
    parsed = {f"rule:{r['id']}": conditions.parse(r["when"]) for r in rules}
    return dataclasses.replace(kb, rules=(*kb.rules, *new), conditions={**kb.conditions, **parsed})


def simple_rule(index: int, when: dict[str, Any], triage: str = "soon") -> dict[str, Any]:
    return {"id": f"TEST-{index}", "title": "t", "triage": triage, "when": when}


def limit_texts(kb: KnowledgeBase) -> list[str]:
    return [str(problem) for problem in engine.compile_problems(kb)]


def test_too_many_rules_is_a_problem_not_error_106(kb) -> None:
    pairs = [
        {"all": [number, {name: value}]}
        for number in distinct_tests(400)
        for name in SYMPTOM_NAMES
        for value in ("yes", "unsure")
    ]
    rules = [simple_rule(i, when) for i, when in enumerate(pairs[:20_000])]
    (problem,) = engine.compile_problems(with_conditions(kb, rules))
    assert problem.file == "rules.yaml" and "too many rules" in problem.text
    with pytest.raises(EngineError, match="too many rules"):
        engine.Engine(with_conditions(kb, rules))


def test_a_condition_with_more_groups_than_durable_takes_is_counted_whole(kb) -> None:
    """durable-rules takes 15 all/any groups in one rule (error 113 past that): a bigger
    condition compiles to one arithmetic test, and decides the same (the cross-check above
    covers TEST-MANY-GROUPS)."""
    at_limit = engine.decisions(with_conditions(kb, [simple_rule(1, nested(engine.MAX_GROUPS))]))
    over = engine.decisions(with_conditions(kb, [simple_rule(1, nested(engine.MAX_GROUPS + 1))]))
    (native,) = [e.test for e in at_limit.entries.values() if e.item == "TEST-1"][:1]
    (counted,) = [e.test for e in over.entries.values() if e.item == "TEST-1"][:1]
    assert "$or" in json.dumps(native) and "$or" not in json.dumps(counted)
    assert limit_texts(with_conditions(kb, [simple_rule(1, nested(30))])) == []
    eng = engine.Engine(with_conditions(kb, [simple_rule(1, nested(30))]))
    last, before = SYMPTOM_NAMES[29], SYMPTOM_NAMES[28]  # all(any(..., before), last)
    holds = {**BASE, "symptoms": {last: "unsure", before: "unsure"}}
    assert Fired(Kind.RULE, "TEST-1") in eng.fire(holds)
    assert Fired(Kind.RULE, "TEST-1") not in eng.fire({**BASE, "symptoms": {last: "unsure"}})


def deep(levels: int) -> dict[str, Any]:
    when: dict[str, Any] = {"fever": "yes"}
    for _ in range(levels - 1):
        when = {"all": [when]}
    return when


def test_a_condition_nested_too_deeply_names_its_rule(kb) -> None:
    at_limit = with_conditions(kb, [simple_rule(1, deep(engine.MAX_DEPTH))])
    assert limit_texts(at_limit) == []
    engine.Engine(at_limit)
    over = with_conditions(kb, [simple_rule(1, deep(engine.MAX_DEPTH + 1))])
    (problem,) = engine.compile_problems(over)
    assert (problem.file, problem.item) == ("rules.yaml", "TEST-1")
    assert "nested too deeply" in problem.text
    with pytest.raises(EngineError, match="nested too deeply"):
        engine.Engine(over)


def test_at_least_keeps_big_conditions_within_the_group_limit(kb) -> None:
    """The old compile turned 10 of 20 into 184,756 groups; now it is one test."""
    counted = with_conditions(kb, [counting_rules(20, 10)])
    assert limit_texts(counted) == []
    fired = engine.Engine(counted).fire(
        {
            "age": 40,
            "location": ["lower_back"],
            "duration": "1_to_4_weeks",
            "symptoms": {name: "yes" for name in SYMPTOM_NAMES[:10]},
        }
    )
    assert Fired(Kind.RULE, "TEST-COUNT") in fired


def test_many_rules_on_the_same_test_share_one_durable_rule(kb) -> None:
    """durable-rules allows 256 rules on one test (error 108): equal tests share one rule."""
    rules = [simple_rule(i, {"rash": "unsure"}) for i in range(300)]
    many = with_conditions(kb, rules)
    assert limit_texts(many) == []
    fired = engine.Engine(many).fire({**BASE, "symptoms": {"rash": "unsure"}})
    assert {f"TEST-{i}" for i in range(300)} <= {f.id for f in fired}


def distinct_tests(count: int) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = []
    for name, (low, high) in NUMBER_FIELDS.items():
        tests += [{name: {op: n}} for op in conditions.NUMBER_TESTS for n in range(low, high + 1)]
    return tests[:count]


def test_too_many_different_tests_is_a_problem_not_a_hang(kb) -> None:
    """durable-rules keeps the tests that follow one test in a table of 512: when it is full,
    registering loops for ever. The model of its network counts them first."""
    shipped = engine._Network()
    for name, entry in engine.decisions(kb).entries.items():
        shipped.add_rule(name, entry.test)
    room = engine.MAX_TESTS_AFTER_ONE - shipped.nodes[0].tests - 1  # the catch-all
    fits = [simple_rule(i, when) for i, when in enumerate(distinct_tests(room))]
    texts = limit_texts(with_conditions(kb, fits))
    assert not any("different tests" in text for text in texts), texts
    # (so many comparisons of one number hold at once for most ages: a stack problem instead)
    assert any("can hold at once" in text for text in texts), texts
    # registers (a hang here would time the test out)
    engine._Ruleset(engine.decisions(with_conditions(kb, fits)).text())
    over = [simple_rule(i, when) for i, when in enumerate(distinct_tests(room + 20))]
    problems = limit_texts(with_conditions(kb, over))
    assert any("different tests" in text for text in problems), problems
    with pytest.raises(EngineError):
        engine.Engine(with_conditions(kb, over))


def test_facts_stay_within_durable_rules_property_limit(counting) -> None:
    kb, _ref = counting
    program = engine.decisions(kb)
    assert engine.fact_properties(program) <= engine.MAX_FACT_PROPERTIES
    fact = engine.to_fact(
        {
            "age": 1,
            "intensity": 1,
            "location": ["upper_back", "middle_back", "lower_back", "flank"],
            "radiation": [
                "buttock_or_thigh",
                "below_knee",
                "groin",
                "abdomen",
                "chest",
                "arm_or_jaw",
            ],
            "duration": "1_to_4_weeks",
            "symptoms": dict.fromkeys(SYMPTOMS, "yes"),
        },
        program.counted.values(),
    )
    assert len(fact) + 2 <= engine.fact_properties(program)  # + sid and id


def test_a_question_condition_too_deep_names_the_question(kb) -> None:
    too_deep = conditions.parse(deep(engine.MAX_DEPTH + 1))
    patched = dataclasses.replace(
        kb, conditions={**kb.conditions, "question:osteoporosis": too_deep}
    )
    (problem,) = engine.compile_problems(patched)
    assert (problem.file, problem.item) == ("questions.yaml", "osteoporosis")


def test_equal_tests_with_other_meanings_stay_apart(kb) -> None:
    """A rule whose condition equals a shipped one shares its durable-rules rule, so both
    knowledge bases compile to the same ruleset text: each must still get its own records."""
    shipped = next(rule for rule in kb.rules if rule.when == {"bladder_bowel": "yes"})
    more = with_conditions(kb, [simple_rule(1, dict(shipped.when))])
    assert engine.decisions(more).text() == engine.decisions(kb).text()
    answers = {**BASE, "symptoms": {"bladder_bowel": "yes"}}
    with_more, alone = engine.for_knowledge(more), engine.for_knowledge(kb)
    assert {"TEST-1", shipped.id} <= {f.id for f in with_more.fire(answers)}
    assert "TEST-1" not in {f.id for f in alone.fire(answers)}
    assert with_more._decisions.ruleset is alone._decisions.ruleset
