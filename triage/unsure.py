"""The "Not sure" policy: how a warning sign answered "Not sure" counts.

`rules/ruleset.yaml` names the policy (`unsure_policy`); this module is the one place that says
what the name means. The engine compiles each rule a second time with "Not sure" accepted
wherever the rule asks for "yes" (`accepting_unsure`), and `unsure_level` says at which level
such a firing counts, or that it does not count at all. The outcome, the quiz (through the
outcome) and the tests' reference evaluator ask the same function.
"""

from __future__ import annotations

from typing import Literal

from triage.conditions import AllOf, AnyOf, AtLeast, Condition, Leaf
from triage.models import SYMPTOMS, Level

# one_level_lower: "Not sure" counts as "yes", one level lower (an emergency sign answered
# "Not sure" means "see a doctor today"); a rule whose lowered level would be self-care does not
# fire on "Not sure" at all, since self-care is what the result is without it.
UnsurePolicy = Literal["one_level_lower"]


def unsure_level(level: Level, policy: UnsurePolicy) -> Level | None:
    """The level of a rule (at `level` on "yes") that holds only because "Not sure" counts as
    "yes"; None when such a firing does not count."""
    match policy:
        case "one_level_lower":
            lowered = level.lowered()
            return None if lowered is Level.SELF_CARE else lowered


def accepting_unsure(condition: Condition) -> Condition:
    """The same condition with every symptom test for "yes" also accepting "unsure"."""
    match condition:
        case Leaf(field=name, values=values):
            if name in SYMPTOMS and "yes" in values and "unsure" not in values:
                return Leaf(name, values=(*values, "unsure"))
            return condition
        case AllOf(parts=parts):
            return AllOf(tuple(accepting_unsure(part) for part in parts))
        case AnyOf(parts=parts):
            return AnyOf(tuple(accepting_unsure(part) for part in parts))
        case AtLeast(count=count, parts=parts):
            return AtLeast(count, tuple(accepting_unsure(part) for part in parts))
    raise TypeError(condition)
