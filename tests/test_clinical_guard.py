"""Clinical changes fail loudly: every rule's level, every threshold and every question a rule
reads is pinned by scenarios or checked over the answer space (see tests/clinical_guard.py).

When one of these fails after a change to rules/, the message names the rule and what is
missing: add the scenario it asks for (tests/scenarios/, prefix 'e' for a rule's exact level,
'b' for the two sides of a threshold), or fix the skip logic (questions.yaml `when`) or the
rule's condition so that the quiz asks every question the rule reads. "Part 2.1" is the first
test inside the second part of a rule's condition, as listed in tests/rules-snapshot.txt.
"""

from __future__ import annotations

import pytest

from tests import clinical_guard as guard
from tests.conftest import load_scenario, scenario_files


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return [load_scenario(path) for path in scenario_files()]


def test_every_rule_has_a_scenario_at_exactly_its_level(kb, cases) -> None:
    gaps = guard.exact_level_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_every_sign_in_every_rule_is_pinned_by_a_scenario(kb, cases) -> None:
    gaps = guard.sign_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_every_threshold_has_scenarios_on_both_sides(kb, cases) -> None:
    gaps = guard.threshold_gaps(kb, cases)
    assert not gaps, "\n".join(gaps)


def test_skip_logic_never_silences_a_rule(kb) -> None:
    gaps = guard.reachability_gaps(kb)
    assert not gaps, "\n".join(gaps)


def test_every_threshold_of_the_rules_is_found(kb) -> None:
    # The threshold walk must see nested thresholds, band edges and counts, or the check above
    # would pass by looking at nothing.
    found = {(t.rule, t.what.split(" (part")[0]) for t in guard.thresholds(kb)}
    assert {
        ("AORTA-ABDOMEN-OLDER", "age gte 60"),
        ("FRACTURE-OLDER-AGE", "age gte 70"),
        ("INFLAMMATORY", "at least 4 of 5"),
        ("INFLAMMATORY", "duration from over_12_weeks"),
        ("NOT-IMPROVING", "duration from 4_to_12_weeks"),
        ("CHILD", "age lt 16"),
    } <= found


def test_a_threshold_scenario_must_sit_next_to_the_boundary(kb, cases) -> None:
    # A scenario far from the threshold (age 75 for ">= 60") does not count as "just inside".
    far = [c for c in cases if c["id"] != "B27" and "AORTA-ABDOMEN-OLDER" not in str(c["expect"])]
    near = next(c for c in cases if c["id"] == "B27")
    moved = {**near, "answers": {**near["answers"], "age": 75}}
    gaps = guard.threshold_gaps(kb, [*far, moved])
    assert any(g.startswith("AORTA-ABDOMEN-OLDER age gte 60") and "inside" in g for g in gaps)
