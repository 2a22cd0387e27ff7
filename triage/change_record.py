"""A comparison of two rule sets (`triage.compare.Report`) as text, JSON or a Markdown change
record for a clinical safety officer to sign. Level names and ids are the contract's values
(self_care ... emergency, rule and advice ids), the same in every language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from triage.compare import LESS, LEVELS, MORE, OTHER, Change, Firing, Report
from triage.i18n import _, ngettext
from triage.models import Level
from triage.safe_text import one_line

KINDS = (LESS, MORE, OTHER)


def titles() -> dict[str, str]:
    return {
        LESS: _("Less urgent"),
        MORE: _("More urgent"),
        OTHER: _("Same level, other changes"),
    }


# ---------------------------------------------------------------------------------------------
# JSON


def to_json(report: Report) -> str:
    data: dict[str, Any] = {
        "old": asdict(report.old),
        "new": asdict(report.new),
        "inputs": report.inputs,
        "generated": {
            "seed": report.seed,
            "random": report.random_count,
            "cases": report.generated,
        },
        "from_inputs": report.from_inputs,
        "failed": report.failed,
        "failures": [asdict(failure) for failure in report.failures],
        "transitions": [
            {"old": old, "new": new, "count": count}
            for (old, new), count in sorted(
                report.transitions.items(), key=lambda item: _rank(item[0])
            )
        ],
        "counts": {kind: report.counts[kind] for kind in KINDS},
        "listed_at_most": report.limit,
        "accepted_from": report.accepted_from,
        "accepted": report.accepted,
        "unaccepted_less_urgent": report.unaccepted,
    }
    for kind in KINDS:
        data[kind] = [asdict(change) for change in report.cases[kind]]
    return json.dumps(data, ensure_ascii=False, indent=2)


def _rank(pair: tuple[str, str]) -> tuple[int, int]:
    return LEVELS.index(Level(pair[0])), LEVELS.index(Level(pair[1]))


# ---------------------------------------------------------------------------------------------
# Text


def to_text(report: Report) -> str:
    lines = [
        _("Rule change: {old} -> {new}").format(old=report.old.label, new=report.new.label),
        _("  old: {directory} (digest {digest})").format(
            directory=report.old.directory, digest=report.old.digest[:16]
        ),
        _("  new: {directory} (digest {digest})").format(
            directory=report.new.directory, digest=report.new.digest[:16]
        ),
        _summary(report),
        *(
            "  " + _("not read: {where}: {problem}").format(where=f.where, problem=f.problem)
            for f in report.failures
        ),
        "",
        _("Level transitions (rows: old level, columns: new level):"),
        *_table(report),
    ]
    for kind, title in titles().items():
        lines += ["", _heading(report, kind, title)]
        for index, change in enumerate(report.cases[kind], start=1):
            lines += [
                f"  {index}. {line}" if i == 0 else f"     {line}"
                for i, line in enumerate(_case(change))
            ]
        lines += _omitted(report, kind)
    lines += ["", _verdict(report)]
    return "\n".join(one_line(line, limit=4000) for line in lines) + "\n"


def _summary(report: Report) -> str:
    summary = _(
        "Compared: {generated} generated answer sets (seed {seed}), {inputs} from the inputs"
    ).format(generated=report.generated, seed=report.seed, inputs=report.from_inputs)
    if report.failed:
        failed = ngettext(
            "; {count} could not be read", "; {count} could not be read", report.failed
        )
        summary += failed.format(count=report.failed)
    return summary


def _table(report: Report) -> list[str]:
    width = max(len(level) for level in LEVELS) + 2
    rows = ["".ljust(width) + "".join(level.rjust(width) for level in LEVELS)]
    for old in LEVELS:
        cells = [str(report.transitions.get((old, new), 0)).rjust(width) for new in LEVELS]
        rows.append(old.ljust(width) + "".join(cells))
    return ["  " + row for row in rows]


def _heading(report: Report, kind: str, title: str) -> str:
    count = report.counts[kind]
    cases = ngettext("{title}: {count} case", "{title}: {count} cases", count)
    return cases.format(title=title, count=count)


def _omitted(report: Report, kind: str) -> list[str]:
    left = report.counts[kind] - len(report.cases[kind])
    if left <= 0:
        return []
    more = ngettext(
        "  ... and {count} more (not listed)", "  ... and {count} more (not listed)", left
    )
    return [more.format(count=left)]


def _case(change: Change) -> Iterator[str]:
    yield f"{change.where}: {change.old} -> {change.new} [{change.fingerprint}]"
    yield from _details(change)


def _details(change: Change) -> Iterator[str]:
    for rule in change.changed:
        yield _("rule now at another level: {rule} {old} -> {new} ({answers})").format(
            rule=rule.rule, old=_level(rule.old), new=_level(rule.new), answers=_answers(rule.new)
        )
    for firing in change.stopped:
        yield _("stopped firing: {rule} ({level}; {answers})").format(
            rule=firing.rule, level=_level(firing), answers=_answers(firing)
        )
    for firing in change.started:
        yield _("started firing: {rule} ({level}; {answers})").format(
            rule=firing.rule, level=_level(firing), answers=_answers(firing)
        )
    if change.pain_type:
        yield _("pain type: {old} -> {new}").format(
            old=change.pain_type[0], new=change.pain_type[1]
        )
    if change.causes_lost or change.causes_gained:
        yield _("causes: {changes}").format(
            changes=_plus_minus(change.causes_lost, change.causes_gained)
        )
    if change.advice_lost or change.advice_gained:
        yield _("advice: {changes}").format(
            changes=_plus_minus(change.advice_lost, change.advice_gained)
        )
    if change.advice_reworded:
        yield _("advice in other words: {ids}").format(ids=", ".join(change.advice_reworded))


def _level(firing: Firing) -> str:
    return firing.level + (_(" on 'Not sure'") if firing.unsure else "")


def _answers(firing: Firing) -> str:
    return "; ".join(firing.answers) or _("no answers")


def _plus_minus(lost: tuple[str, ...], gained: tuple[str, ...]) -> str:
    return ", ".join([*(f"-{item}" for item in lost), *(f"+{item}" for item in gained)])


def _verdict(report: Report) -> str:
    if not report.counts[LESS]:
        return _("No case became less urgent.")
    if not report.unaccepted:
        return _("Every case that became less urgent is accepted in {file}.").format(
            file=report.accepted_from
        )
    verdict = ngettext(
        "{count} case became less urgent and is not accepted (exit status 1).",
        "{count} cases became less urgent and are not accepted (exit status 1).",
        report.unaccepted,
    )
    return verdict.format(count=report.unaccepted)


# ---------------------------------------------------------------------------------------------
# Markdown


def to_markdown(report: Report, made: str) -> str:
    out = [
        "# "
        + _("Change record: {old} -> {new}").format(old=report.old.label, new=report.new.label),
        "",
        _("Made {when} by 'triage compare'.").format(when=made),
        "",
        "## " + _("Rule sets"),
        "",
        "| | "
        + _("Name and version")
        + " | "
        + _("Directory")
        + " | "
        + _("Digest (SHA-256)")
        + " |",
        "|---|---|---|---|",
    ]
    for name, rules in ((_("old"), report.old), (_("new"), report.new)):
        out.append(
            f"| {name} | {_cell(rules.label)} | `{_cell(rules.directory)}` | `{rules.digest}` |"
        )
    out += ["", "## " + _("Answers compared"), ""]
    out.append("- " + _summary(report))
    for path in report.inputs:
        out.append("- " + _("input: `{path}`").format(path=_cell(path)))
    for failure in report.failures:
        out.append(
            "- "
            + _("not read: {where}: {problem}").format(
                where=_cell(failure.where), problem=_cell(failure.problem)
            )
        )
    out += ["", "## " + _("Level transitions"), "", _("Rows: old level; columns: new level."), ""]
    out.append("| | " + " | ".join(LEVELS) + " |")
    out.append("|---" * (len(LEVELS) + 1) + "|")
    for old in LEVELS:
        cells = [str(report.transitions.get((old, new), 0)) for new in LEVELS]
        out.append(f"| **{old}** | " + " | ".join(cells) + " |")
    for kind, title in titles().items():
        out += ["", "## " + _heading(report, kind, title), ""]
        for index, change in enumerate(report.cases[kind], start=1):
            lines = list(_case(change))
            out.append(f"{index}. {_cell(lines[0])}")
            out += [f"   - {_cell(line)}" for line in lines[1:]]
        out += [line.strip() for line in _omitted(report, kind)]
    out += [
        "",
        "## " + _("Decision"),
        "",
        _verdict(report),
        "",
        _("Reviewed by (name, role): ____________________  Date: __________"),
        "",
        _("Decision: accepted / rejected   Signature: ____________________"),
        "",
    ]
    return "\n".join(out)


def _cell(text: str) -> str:
    return one_line(text, limit=4000).replace("|", "\\|").replace("`", "'")
