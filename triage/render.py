"""Render a result for people (plain text, optionally coloured) or programs (JSON).

Renderers only render: every word they show comes from the Result or the knowledge base.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterable
from typing import IO

from triage.knowledge import KnowledgeBase
from triage.models import AdviceItem, Level, Reason, Result

WIDTH = 78
_COLOURS = {
    Level.EMERGENCY: "\033[1;97;41m",
    Level.URGENT: "\033[1;30;43m",
    Level.SOON: "\033[1;30;46m",
    Level.SELF_CARE: "\033[1;30;42m",
}
_BOLD, _RESET = "\033[1m", "\033[0m"
SECTION_TITLES = {
    "now": "What to do now",
    "info": "Why this matters",
    "self_help": "Self-help",
    "safety_net": "Safety net: get help if things change",
}


def use_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return "NO_COLOR" not in os.environ and stream.isatty() and os.environ.get("TERM") != "dumb"


def to_json(result: Result) -> str:
    return result.model_dump_json(indent=2)


def to_json_line(result: Result) -> str:
    """The result as compact JSON on one line, as `to_json` but fast enough for batches.

    The advice texts are most of every result, and results share the very same immutable advice
    items (outcome builds each once): the JSON of each item is written once and reused.
    """
    head = result.model_dump_json(exclude={"advice"})
    advice = ",".join(_item_json(item) for item in result.advice)
    return f'{head[:-1]},"advice":[{advice}]}}'


_ITEM_JSON: dict[int, tuple[AdviceItem, str]] = {}  # about one entry per advice text


def _item_json(item: AdviceItem) -> str:
    hit = _ITEM_JSON.get(id(item))
    # The entry keeps its item alive, so its id cannot be reused by another object; checking
    # identity anyway keeps the cache right if that ever changes.
    if hit is None or hit[0] is not item:
        hit = (item, item.model_dump_json())
        if len(_ITEM_JSON) < 4096:
            _ITEM_JSON[id(item)] = hit
    return hit[1]


def to_text(result: Result, kb: KnowledgeBase, colour: bool = False) -> str:
    """The result as a person reads it: headline, cause, reasons, advice, disclaimer."""
    parts = [
        _headline(result, colour),
        _wrap(kb.info.levels[result.triage].summary),
        _cause(result, kb),
        _reasons(result.reasons, colour),
        *_advice(result.advice, colour),
        _wrap(result.disclaimer),
        f"Rule set: {result.ruleset}",
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def _headline(result: Result, colour: bool) -> str:
    text = f" {result.headline} "
    return f"{_COLOURS[result.triage]}{text}{_RESET}" if colour else f"=== {result.headline} ==="


def _title(text: str, colour: bool) -> str:
    return f"{_BOLD}{text}{_RESET}" if colour else f"{text}\n{'-' * len(text)}"


def _cause(result: Result, kb: KnowledgeBase) -> str:
    if not result.suspected:
        return _wrap(
            "Type of pain: non-specific (no particular cause is suspected from your answers)."
        )
    causes = "; ".join(kb.info.causes[cause] for cause in result.suspected)
    return _wrap(f"Type of pain: specific. Possible cause (not a diagnosis): {causes}.")


def _reasons(reasons: list[Reason], colour: bool) -> str:
    if not reasons:
        return (
            _title("Why", colour)
            + "\n"
            + _wrap("None of the warning signs or patterns in the rules matched your answers.")
        )
    lines = [_title("Why", colour)]
    for reason in reasons:
        unsure = " (you were not sure)" if reason.unsure else ""
        lines.append(
            _wrap(f"[{reason.triage.value}] {reason.title}{unsure} ({reason.rule})", "- ", "  ")
        )
        if reason.answers:
            lines.append(
                _wrap("Your answers: " + "; ".join(e.text for e in reason.answers), "    ", "    ")
            )
        lines.append(
            _wrap("Sources: " + "; ".join(s.title for s in reason.sources), "    ", "    ")
        )
    return "\n".join(lines)


def _advice(advice: list[AdviceItem], colour: bool) -> Iterable[str]:
    for kind, title in SECTION_TITLES.items():
        items = [item for item in advice if item.kind == kind]
        if items:
            body = "\n\n".join(
                _wrap(f"{item.title}. {item.text}" if kind != "now" else item.text, "* ", "  ")
                for item in items
            )
            yield f"{_title(title, colour)}\n{body}"


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    return textwrap.fill(
        " ".join(text.split()), WIDTH, initial_indent=first, subsequent_indent=rest
    )
