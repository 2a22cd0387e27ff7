"""Reading the rule files (YAML) safely: the one module that imports PyYAML.

A rule file is data a clinician writes, but a tool for health data must not trust it blindly:
- `yes` and `no` are words, not booleans (clinicians write `fever: yes`); only true/false are
  booleans, as in YAML 1.2;
- a key given twice in one mapping is refused: YAML parsers keep the last value, so
  `triage: emergency` followed by `triage: self_care` would silently lower a rule;
- aliases are counted before anything is built: an alias that refers to itself, or aliases
  that would expand past `MAX_NODES` nodes or `MAX_CHARS` characters ("billion laughs", or
  one long text aliased many times), are refused without expanding;
- nesting deeper than `MAX_DEPTH` is refused before it is built (no RecursionError);
- explicit tags (`!!merge`, `!!binary`, `!!python/...`, `!local`) are refused: a rule file is
  plain text, numbers, lists and mappings, and `!!merge` would slip past the merge-key check;
- files larger than `MAX_BYTES` are refused.
Each problem is a `YamlProblem` with the line and column. The real load uses PyYAML's C loader
when it is available (fast); the guards read the parser's event stream first, which costs one
more pass but never builds the expanded document.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from triage.i18n import _

MAX_BYTES = 2_000_000  # the whole of rules/ is about 200 kB today
MAX_NODES = 200_000  # nodes of one file after aliases are expanded (about 20,000 today)
MAX_CHARS = 10_000_000  # characters of text of one file after aliases are expanded
MAX_DEPTH = 100  # levels of nested mappings and lists (the rules need about 12)


class YamlProblem(ValueError):
    """A rule file that cannot be used; the message says where and why."""


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    pass


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def read_yaml(path: Path) -> Any:
    """The data of a rule file. OSError and UnicodeDecodeError pass through (the caller says
    the file cannot be read); everything wrong with the YAML itself is a YamlProblem."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO cannot hang
    with open(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise YamlProblem(_("not a plain file (a FIFO or a device?); give a rule file"))
        raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise YamlProblem(
            _("too large: a rule file is limited to {limit:,} bytes").format(limit=MAX_BYTES)
        )
    text = raw.decode("utf-8")
    try:
        _check_events(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or error
        where = _where(mark)
        raise YamlProblem(
            _("YAML syntax error: {where}{problem}").format(where=where, problem=problem)
        ) from None


class _Collection:
    """A mapping or sequence being read: its anchor and where it started (to size the anchor
    once it ends), and for a mapping the keys seen so far and whether a key comes next."""

    def __init__(self, is_mapping: bool, anchor: str | None, started: int) -> None:
        self.is_mapping, self.anchor, self.started = is_mapping, anchor, started
        self.keys: set[str] = set()
        self.expect_key = True
        self.chars = 0  # characters of text read before it started


def _check_tag(event: Any) -> None:
    """Refuse an explicit tag on any node (a plain node has none)."""
    tag = getattr(event, "tag", None)
    if tag is None or tag == "!":  # "!" is a quoted scalar's non-specific tag
        return
    implicit = getattr(event, "implicit", None)
    if isinstance(implicit, tuple) and any(implicit):  # a scalar written without a tag
        return
    if isinstance(event, yaml.CollectionStartEvent) and event.implicit:
        return
    problem = _("{where}tags such as {tag} are not allowed in rule files; write plain values")
    shown = str(tag).replace("tag:yaml.org,2002:", "!!")
    raise YamlProblem(problem.format(where=_where(event.start_mark), tag=repr(shown)[:60]))


def _check_events(text: str) -> None:
    """Refuse repeated keys, self-referring aliases and alias bombs, reading only events."""
    sizes: dict[str, int] = {}  # anchor -> nodes in its expanded subtree
    lengths: dict[str, int] = {}  # anchor -> characters of text in its expanded subtree
    stack: list[_Collection] = []
    total = chars = 0
    aliased = False
    for event in yaml.parse(text, Loader=_Loader):
        _check_tag(event)
        if isinstance(event, yaml.AliasEvent):
            anchor = str(event.anchor)
            if any(open.anchor == anchor for open in stack):
                problem = _("{where}alias *{anchor} refers to itself")
                raise YamlProblem(problem.format(where=_where(event.start_mark), anchor=anchor))
            if anchor not in sizes:
                problem = _("{where}unknown alias *{anchor}")
                raise YamlProblem(problem.format(where=_where(event.start_mark), anchor=anchor))
            total += sizes[anchor]
            chars += lengths[anchor]
            aliased = True
            _note(stack, event, f"*{anchor}")
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            chars += len(event.value)
            _note(stack, event, event.value)
            if event.anchor is not None:
                sizes[str(event.anchor)] = 1
                lengths[str(event.anchor)] = len(event.value)
        elif isinstance(event, yaml.CollectionStartEvent):
            total += 1
            _note(stack, event, None)
            name = str(event.anchor) if event.anchor is not None else None
            opened = _Collection(isinstance(event, yaml.MappingStartEvent), name, total)
            opened.chars = chars
            stack.append(opened)
            if len(stack) > MAX_DEPTH:
                problem = _("{where}nested more than {limit} levels deep")
                raise YamlProblem(problem.format(where=_where(event.start_mark), limit=MAX_DEPTH))
        elif isinstance(event, yaml.CollectionEndEvent):
            ended = stack.pop()
            if ended.anchor is not None:
                sizes[ended.anchor] = total - ended.started + 1
                lengths[ended.anchor] = chars - ended.chars
        if chars > MAX_CHARS:
            problem = _(
                "{where}too large once its aliases are expanded (more than {limit:,} "
                "characters of text); write the text out instead of repeating an alias"
            )
            raise YamlProblem(problem.format(where=_where(event.start_mark), limit=MAX_CHARS))
        if total > MAX_NODES:
            problem = (
                _(
                    "{where}too large once its aliases are expanded (more than {limit:,} "
                    "values); write the values out instead of nesting aliases"
                )
                if aliased
                else _("{where}too many values (more than {limit:,}) for a rule file")
            )
            raise YamlProblem(problem.format(where=_where(event.start_mark), limit=MAX_NODES))


def _note(stack: list[_Collection], event: Any, key: str | None) -> None:
    """Note a node inside the innermost open collection; a scalar key must be new there."""
    if not stack or not stack[-1].is_mapping:
        return
    mapping = stack[-1]
    if mapping.expect_key and key is not None:
        if key == "<<":
            problem = _("{where}merge keys (<<) are not allowed")
            raise YamlProblem(problem.format(where=_where(event.start_mark)))
        if key in mapping.keys:
            problem = _(
                "{where}key {key} is given twice in the same mapping; give each key once (YAML "
                "would silently keep only the last)"
            )
            raise YamlProblem(problem.format(where=_where(event.start_mark), key=repr(key)))
        mapping.keys.add(key)
    mapping.expect_key = not mapping.expect_key


def _where(mark: Any) -> str:
    if mark is None:
        return ""
    return _("line {line}, column {column}: ").format(line=mark.line + 1, column=mark.column + 1)
