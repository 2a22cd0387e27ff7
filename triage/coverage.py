"""The guideline coverage audit in `rules/coverage.yaml`: every published red flag of the
audited guideline lists, with the rules that cover it or the reason none does.

This module loads that file and checks it against the rest of `rules/`: every list and item
has a unique id, every source id is in sources.yaml, every covering rule is in rules.yaml, and
every item either names rules or says why it is not covered. Problems are reported like those
of `triage.knowledge.check`, naming the file and the id, all at once.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from triage.errors import KnowledgeError, Problem
from triage.i18n import N_, _
from triage.knowledge import validation_message
from triage.yamlfile import read_yaml

FILE = "coverage.yaml"
ID_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"
# One whole sentence per kind of id, so that a translation can fit its grammar to each.
DUPLICATE = {"list": N_("duplicate list id"), "item": N_("duplicate item id")}
UNKNOWN = {
    "source": N_("unknown source id {value}{hint}; the ids are in sources.yaml"),
    "list": N_("unknown list id {value}{hint}"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuditedList(_Strict):
    """One published list of red flags (for example the NHS "call 999" list for back pain)."""

    id: str = Field(pattern=ID_PATTERN)
    source: str
    title: str


class CoverageItem(_Strict):
    """One item of a published list, in our own words, and how the rules cover it."""

    id: str = Field(pattern=ID_PATTERN)
    list: str
    item: str = Field(min_length=1)
    covered_by: tuple[str, ...] = ()
    not_covered: str | None = Field(None, min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _covered_or_explained(self) -> CoverageItem:
        if bool(self.covered_by) == bool(self.not_covered):
            raise ValueError(
                _(
                    "give either 'covered_by' (the rule ids that cover it) or 'not_covered' "
                    "(why no rule does), not both and not neither"
                )
            )
        return self


_Entry = TypeVar("_Entry", AuditedList, CoverageItem)


class Coverage(_Strict):
    lists: tuple[AuditedList, ...] = Field(min_length=1)
    items: tuple[CoverageItem, ...] = Field(min_length=1)

    def items_of(self, list_id: str) -> list[CoverageItem]:
        return [item for item in self.items if item.list == list_id]


def load(directory: Path) -> Coverage:
    """The checked coverage audit of a rules directory; KnowledgeError lists every problem."""
    coverage, problems = _load(Path(directory))
    if problems or coverage is None:
        raise KnowledgeError(Path(directory), problems)
    return coverage


def check(directory: Path) -> list[Problem]:
    """Every problem of the coverage audit in a rules directory (empty when it is sound). A path
    that is not a directory is left to `triage.knowledge.check`, which reports it once."""
    if not Path(directory).is_dir():
        return []
    return _load(Path(directory))[1]


def _load(directory: Path) -> tuple[Coverage | None, list[Problem]]:
    raw, problems = _read(directory / FILE)
    if raw is None:
        return None, problems
    lists = _entries(raw, "lists", AuditedList, problems)
    items = _entries(raw, "items", CoverageItem, problems)
    for key in sorted(set(raw) - {"lists", "items"}):
        text = _("{key}: unknown key; expected 'lists' and 'items'").format(key=key)
        problems.append(Problem(FILE, None, text))
    rules = _ids(directory / "rules.yaml", "rules")
    sources = _ids(directory / "sources.yaml", "sources")
    problems += _cross_references(lists, items, rules, sources)
    if problems:
        return None, problems
    return Coverage(lists=tuple(lists), items=tuple(items)), []


def _read(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        raw = read_yaml(path)
    except FileNotFoundError:
        return None, [Problem(FILE, None, _("file is missing"))]
    except Exception as error:  # YAML syntax or I/O: one problem, never a traceback
        text = _("cannot be read: {reason}").format(reason=" ".join(str(error).split()))
        return None, [Problem(FILE, None, text)]
    if not isinstance(raw, dict):
        return None, [Problem(FILE, None, _("expected top-level 'lists:' and 'items:'"))]
    return raw, []


def _entries(
    raw: dict[str, Any], key: str, model: type[_Entry], problems: list[Problem]
) -> list[_Entry]:
    """The valid entries of one top-level list; each invalid one adds its problems."""
    entries = raw.get(key)
    if not isinstance(entries, list) or not entries:
        problems.append(
            Problem(FILE, None, _("expected a non-empty '{key}:' list").format(key=key))
        )
        return []
    valid = []
    for index, entry in enumerate(entries):
        name = entry.get("id") if isinstance(entry, dict) else None
        try:
            valid.append(model.model_validate(entry))
        except ValidationError as error:
            for detail in error.errors():
                where = ".".join(str(part) for part in detail["loc"])
                message = validation_message(detail)
                text = f"{where}: {message}" if where else message
                entry_name = _("{key} entry {number}").format(key=key, number=index + 1)
                problems.append(Problem(FILE, str(name or entry_name), text))
    return valid


def _ids(path: Path, key: str) -> set[str] | None:
    """The ids in another rules file, or None when it cannot be read (then they are not checked:
    `triage.knowledge.check` reports that file's own problems)."""
    try:
        raw = read_yaml(path)
    except Exception:  # its own problems are reported by the knowledge check
        return None
    entries = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        return None
    return {str(entry["id"]) for entry in entries if isinstance(entry, dict) and "id" in entry}


def _cross_references(
    lists: list[AuditedList],
    items: list[CoverageItem],
    rules: set[str] | None,
    sources: set[str] | None,
) -> list[Problem]:
    problems = _duplicates("list", [entry.id for entry in lists])
    problems += _duplicates("item", [entry.id for entry in items])
    list_ids = {entry.id for entry in lists}
    listed = {item.list for item in items}
    for audited in lists:
        if sources is not None and audited.source not in sources:
            problems.append(Problem(FILE, audited.id, _unknown("source", audited.source, sources)))
        if audited.id not in listed:
            problems.append(Problem(FILE, audited.id, _("the list has no items")))
    missing: dict[str, list[str]] = {}
    for item in items:
        if item.list not in list_ids:
            problems.append(Problem(FILE, item.id, _unknown("list", item.list, list_ids)))
        for rule in item.covered_by:
            if rules is not None and rule not in rules:
                missing.setdefault(rule, []).append(item.id)
    # One problem per unknown rule (a renamed rule is cited by many items), naming the items.
    for rule, cited_by in missing.items():
        text = _("unknown rule id {rule} in covered_by (also cited by: {items})").format(
            rule=repr(rule), items=", ".join(cited_by[1:])
        )
        if len(cited_by) == 1:
            text = _("unknown rule id {rule} in covered_by").format(rule=repr(rule))
        problems.append(Problem(FILE, cited_by[0], text))
    return problems


def _duplicates(kind: str, ids: list[str]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for entry in ids:
        if entry in seen:
            problems.append(Problem(FILE, entry, _(DUPLICATE[kind])))
        seen.add(entry)
    return problems


def _unknown(kind: str, value: str, known: set[str]) -> str:
    """The unknown id with the closest known one, not the whole list (which can run to a
    thousand characters on one line)."""
    close = difflib.get_close_matches(value, sorted(known), n=1)
    hint = _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""
    return _(UNKNOWN[kind]).format(value=repr(value), hint=hint)
