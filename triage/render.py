"""Render a result for people (plain text, optionally coloured) or programs (JSON).

A result for people comes in two parts. The first screen is what a worried person must see at
once and fits a terminal of 80x24 with its menu: the level, what it means, what to do now,
the main reason and the key signs that mean "get help" (the short forms of the advice,
`<id>-brief` in rules/advice.yaml, where there is one). The details follow: the type of pain, every
reason with the answers and sources behind it, the full advice, self-help, the safety net and the
disclaimer. Text is wrapped to the width it is given, from 1 column up, without breaking words.

Renderers only render: every word they show comes from the Result or the knowledge base, and
every text from a file goes through `safe_text` (escaped, one paragraph as one line of words).
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Iterable
from typing import IO

from triage.i18n import N_, _, ngettext, pgettext
from triage.knowledge import KnowledgeBase
from triage.models import AdviceItem, Cause, Level, PainType, Reason, Result
from triage.output import text_width as text_width  # re-exported: callers wrap with render
from triage.safe_text import json_visible, one_line, prose

WIDTH = 78  # output that is not a terminal: the same wrapping everywhere, so it is reproducible
BRIEF = "-brief"  # advice `<id>-brief` is the short form of advice `<id>` (first screen)
_COLOURS = {
    Level.EMERGENCY: "\033[1;97;41m",
    Level.URGENT: "\033[1;30;43m",
    Level.SOON: "\033[1;30;46m",
    Level.SELF_CARE: "\033[1;30;42m",
}
_BOLD, _RESET = "\033[1m", "\033[0m"
# Generic interface wording; every clinical word comes from the knowledge base. Marked with N_
# (triage.i18n) and translated where shown.
SECTION_TITLES = {
    "now": N_("What to do now"),
    "info": N_("Why this matters"),
    "self_help": N_("Self-help"),
    "safety_net": N_("Safety net: get help if things change"),
}
NOW, MAIN_REASON = SECTION_TITLES["now"], N_("Main reason")
NO_REASON = N_("none of the warning signs or patterns in the rules matched your answers.")
DETAILS_TITLE = N_("Details: every reason, self-help and sources")
UNSURE = N_(" (you were not sure)")


def level_name(level: Level) -> str:
    """A level's short name in the language in use (the code itself, `urgent`, stays in JSON)."""
    names = {
        Level.EMERGENCY: pgettext("level", "emergency"),
        Level.URGENT: pgettext("level", "urgent"),
        Level.SOON: pgettext("level", "soon"),
        Level.SELF_CARE: pgettext("level", "self-care"),
    }
    return names[level]


def use_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to a non-empty value (an empty
    NO_COLOR= counts as unset, https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and stream.isatty() and os.environ.get("TERM") != "dumb"


def output_width(stream: IO[str] | None = None) -> int:
    """The terminal's width when writing to a terminal; otherwise the fixed WIDTH."""
    stream = stream or sys.stdout
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        terminal = False
    return text_width(shutil.get_terminal_size((WIDTH + 1, 24)).columns) if terminal else WIDTH


# ---------------------------------------------------------------------------------------------
# JSON


def to_json(result: Result) -> str:
    return json_visible(result.model_dump_json(indent=2))


def to_json_line(result: Result) -> str:
    """The result as compact JSON on one line, as `to_json` but fast enough for batches.

    The advice texts are most of every result, and results share the very same immutable advice
    items (outcome builds each once): the JSON of each item is written (and made visible) once
    and reused; only the rest of the result is checked for characters to escape each time.
    """
    head = json_visible(result.model_dump_json(exclude={"advice"}))
    advice = ",".join(_item_json(item) for item in result.advice)
    return f'{head[:-1]},"advice":[{advice}]}}'


_ITEM_JSON: dict[int, tuple[AdviceItem, str]] = {}  # about one entry per advice text


def _item_json(item: AdviceItem) -> str:
    hit = _ITEM_JSON.get(id(item))
    # The entry keeps its item alive, so its id cannot be reused by another object; checking
    # identity anyway keeps the cache right if that ever changes.
    if hit is None or hit[0] is not item:
        hit = (item, json_visible(item.model_dump_json()))
        if len(_ITEM_JSON) < 4096:
            _ITEM_JSON[id(item)] = hit
    return hit[1]


# ---------------------------------------------------------------------------------------------
# Text for people


def to_text(
    result: Result, kb: KnowledgeBase, colour: bool = False, width: int | None = None
) -> str:
    """The whole result as `triage assess` prints it: the first screen, then the details.
    `width`: None wraps to the terminal when standard output is one, else to WIDTH."""
    width = output_width() if width is None else max(1, width)
    return first_screen(result, kb, width, colour) + "\n" + details(result, kb, width, colour)


def summary(result: Result, kb: KnowledgeBase, brief: bool = False) -> str:
    """What the level means, then the type of pain (`brief`: for the first screen)."""
    return f"{prose(kb.info.levels[result.triage].summary)} {pain_type(result, kb, brief)}"


def causes_shown(result: Result) -> tuple[list[Cause], list[Cause]]:
    """The possible causes (from definite answers) and the causes to rule out (from reasons
    that rest only on "Not sure"), each list with the main reason's causes first."""
    main = result.reasons[0].suspected if result.reasons else []
    definite = sorted(result.suspected, key=lambda cause: cause not in main)
    unsure = [
        cause
        for reason in result.reasons
        if reason.unsure
        for cause in reason.suspected
        if cause not in result.suspected
    ]
    rule_out = sorted(dict.fromkeys(unsure), key=lambda cause: cause not in main)
    return definite, rule_out


def pain_type(result: Result, kb: KnowledgeBase, brief: bool = False) -> str:
    """The type of pain with its possible causes; a cause the main reason is about comes first,
    also when it rests on "Not sure" (then as a cause to rule out). `brief` (the first screen):
    causes to rule out only when the main reason rests on "Not sure"."""
    definite, rule_out = causes_shown(result)
    if brief and not (result.reasons and result.reasons[0].unsure):
        rule_out = []
    causes = "; ".join(prose(kb.info.causes[cause]) for cause in definite)
    check = "; ".join(prose(kb.info.causes[cause]) for cause in rule_out)
    if (result.pain_type is PainType.NON_SPECIFIC or not definite) and rule_out:
        said = _(
            "Type of pain: non-specific; to rule out (you were not sure about a sign): {check}."
        )
        return said.format(check=check)
    if result.pain_type is PainType.NON_SPECIFIC or not definite:
        said = _("Type of pain: non-specific (no particular cause is suspected from your answers).")
    elif rule_out and result.reasons[0].unsure:  # the main reason rests on "Not sure"
        said = _(
            "Type of pain: specific. To rule out first (you were not sure about a sign): "
            "{check}. Also possible: {causes}."
        )
        return said.format(check=check, causes=causes)
    else:
        said = _("Type of pain: specific. Possible cause (not a diagnosis): {causes}.")
        said = said.format(causes=causes)
    if rule_out:
        also = _("To rule out (you were not sure about a sign): {check}.")
        said += " " + also.format(check=check)
    return said


FIRST_SCREEN_LINES = 17  # with the menu (5 lines), its answer and the cursor: 80x24


def first_screen(
    result: Result, kb: KnowledgeBase, width: int, colour: bool = False, note: str = ""
) -> str:
    """What a worried person must see at once, the headline first: the level, what it means (and
    `note`, such as why the quiz stopped), then what to do now, the main reason and the key signs
    that mean "get help". At 80 columns it takes at most 17 lines in English and German (a long
    one drops the blank line after the meaning), so that it and the menu under it fit 80x24.
    The type of pain opens the details (the main reason already names the pattern behind it)."""
    top = [
        headline(result, width, colour),
        wrap(note, width) if note else "",
        _meaning(result, kb, width),
    ]
    body = [
        *(_labelled(_(NOW), text, width, colour) for _heading, text in _brief(result, kb, "now")),
        _labelled(_(MAIN_REASON), _main_reason(result, kb), width, colour),
        *(
            _labelled(title, text, width, colour)
            for title, text in _brief(result, kb, "safety_net")
        ),
    ]
    joined = ["\n".join(part for part in parts if part) for parts in (top, body)]
    screen = "\n\n".join(joined) + "\n"
    if screen.count("\n") > FIRST_SCREEN_LINES:  # a long one (German, "Not sure"): no blank line
        screen = "\n".join(joined) + "\n"
    return screen


def _meaning(result: Result, kb: KnowledgeBase, width: int) -> str:
    """What the level means; where the main reason rests on "Not sure", with the causes to rule
    out (the full type of pain opens the details)."""
    meaning = prose(kb.info.levels[result.triage].summary)
    if result.reasons and result.reasons[0].unsure:
        meaning = summary(result, kb, brief=True)
    return wrap(meaning, width)


def details(result: Result, kb: KnowledgeBase, width: int, colour: bool = False) -> str:
    """Everything else: every reason with its answers and sources, the full advice, self-help,
    the safety net, the disclaimer and the rule set."""
    parts = [
        _title(_(DETAILS_TITLE), width, colour),
        wrap(pain_type(result, kb), width),
        _reasons(result.reasons, kb, width, colour),
        *_advice(result.advice, width, colour),
        wrap(prose(result.disclaimer), width),
        wrap(footnote(result), width),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def footnote(result: Result) -> str:
    """The rule codes, for a doctor or a reviewer of the rules: only here at the end of the
    details (and in --json), never in the text a patient reads above."""
    ruleset = one_line(result.ruleset)
    codes = ", ".join(dict.fromkeys(one_line(reason.rule) for reason in result.reasons))
    if not codes:
        return _("For professionals: rule set {ruleset}.").format(ruleset=ruleset)
    return _("For professionals: rules {codes} of the rule set {ruleset}.").format(
        codes=codes, ruleset=ruleset
    )


def headline(result: Result, width: int, colour: bool = False) -> str:
    text = prose(result.headline)
    if not colour:
        return wrap(f"=== {text} ===", width)
    return "\n".join(f"{_COLOURS[result.triage]} {line} {_RESET}" for line in _lines(text, width))


def _brief(result: Result, kb: KnowledgeBase, kind: str) -> Iterable[tuple[str, str]]:
    """(title, text) of each advice item of a kind, in its short form where there is one. What
    to do if a sign answered "Not sure" is really there is left to the details unless the main
    reason rests on "Not sure" and the step is more urgent than the result."""
    for item in result.advice:
        if not _step_on_first_screen(result, kb, item):
            continue
        if item.kind == kind:
            short = kb.advice.get(item.id + BRIEF)
            chosen = (short.title, short.text) if short is not None else (item.title, item.text)
            yield prose(chosen[0]), prose(chosen[1])


def _step_on_first_screen(result: Result, kb: KnowledgeBase, item: AdviceItem) -> bool:
    """False for an "if you are sure" step (ruleset.yaml `unsure_steps`): the first screen
    gives the step of the main reason with the main reason (see `_if_sure`), the rest are in
    the details."""
    return item.id not in kb.info.unsure_steps.values()


def _main_reason(result: Result, kb: KnowledgeBase) -> str:
    reasons = result.reasons
    if not reasons:
        return _(NO_REASON)
    first = reasons[0]
    unsure = _(UNSURE) if first.unsure else ""
    more = len(reasons) - 1
    also = ngettext(" ({count} more in the details)", " ({count} more in the details)", more)
    also = also.format(count=more) if more else ""
    return f"{prose(first.title)}{unsure}.{also}{_if_sure(first, kb)}"


def _if_sure(reason: Reason, kb: KnowledgeBase) -> str:
    """For a main reason on "Not sure": what to do if the sign is really there, in brief (the
    `-brief` form of its rule's step in ruleset.yaml `unsure_steps`)."""
    if not reason.unsure:
        return ""
    step = kb.info.unsure_steps.get(kb.rules_by_id[reason.rule].triage)
    brief = kb.advice.get(f"{step}{BRIEF}") if step is not None else None
    return f" {prose(brief.text)}" if brief is not None else ""


def _reasons(reasons: list[Reason], kb: KnowledgeBase, width: int, colour: bool) -> str:
    title = _title(_("Why"), width, colour)
    if not reasons:
        return f"{title}\n{wrap(_capitalised(_(NO_REASON)), width)}"
    lines = [title]
    for reason in reasons:
        unsure = _(UNSURE) if reason.unsure else ""
        level = level_name(reason.triage)
        lines.append(wrap(f"[{level}] {prose(reason.title)}{unsure}", width, "- ", "  "))
        if reason.answers:
            given = "; ".join(prose(e.text) for e in reason.answers)
            given = _("Your answers: {answers}").format(answers=given)
            lines.append(wrap(given, width, "    ", "    "))
        cited = "; ".join(prose(kb.source_titles.get(s.id, s.title)) for s in reason.sources)
        lines.append(wrap(_("Sources: {sources}").format(sources=cited), width, "    ", "    "))
    return "\n".join(lines)


def _advice(advice: list[AdviceItem], width: int, colour: bool) -> Iterable[str]:
    for kind, title in SECTION_TITLES.items():
        items = [item for item in advice if item.kind == kind]
        if items:
            body = "\n\n".join(
                wrap(
                    prose(item.text)
                    if kind == "now"
                    else f"{prose(item.title)}. {prose(item.text)}",
                    width,
                    "* ",
                    "  ",
                )
                for item in items
            )
            yield f"{_title(_(title), width, colour)}\n{body}"


# ---------------------------------------------------------------------------------------------
# Wrapping


def wrap(text: str, width: int, first: str = "", rest: str = "") -> str:
    """`text` wrapped to `width` columns (at least 1) without breaking words or hyphenated
    words: a word longer than the line stands on a line of its own. Indents are dropped when
    they would take more than a quarter of the line."""
    width = max(1, width)
    if 4 * max(len(first), len(rest)) > width:
        first = rest = ""
    return "\n".join(_lines(text, width, first, rest))


def _lines(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(
        text,
        max(1, width),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [""]


def _title(text: str, width: int, colour: bool) -> str:
    if colour:
        return "\n".join(f"{_BOLD}{line}{_RESET}" for line in _lines(text, width))
    wrapped = wrap(text, width)
    underline = "-" * min(max(len(line) for line in wrapped.splitlines()), width)
    return f"{wrapped}\n{underline}"


def _capitalised(text: str) -> str:
    """The first letter in capitals, the rest as it is (str.capitalize would lower the rest,
    and German nouns keep their capitals)."""
    return text[:1].upper() + text[1:]


def _labelled(label: str, text: str, width: int, colour: bool) -> str:
    """`Label: text`, wrapped; the label in bold when colour is on."""
    wrapped = wrap(f"{label}: {text}", width)
    if colour and wrapped.startswith(f"{label}:"):
        return f"{_BOLD}{label}:{_RESET}{wrapped[len(label) + 1 :]}"
    return wrapped
