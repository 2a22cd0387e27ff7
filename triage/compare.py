"""What a rule change does: the same answers assessed with two knowledge bases, side by side.

`compare_answers` turns one set of answers into its two results and, when they differ, a
`Change`: the levels, the rules that stopped or started firing (or fire at another level) with
the answers behind them, the pain type, the suspected causes and the advice shown. A `Report`
gathers the level transition table (old level x new level) and the changed cases, less urgent
first; `triage.change_record` writes it as text, JSON or Markdown.

The answers come from the inputs (answers files, saved assessments, FHIR QuestionnaireResponses,
JSON lines of any of them, FHIR bulk-export NDJSON) and always from a generated sample of the
answer space (`triage.answer_space`). Lines of a large input can be compared in worker
processes (`--jobs`, `triage.jobs`); the report keeps at most `limit` cases of each kind, and
counts every one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from triage import answer_space, batch, jobs, outcome
from triage.engine import Fired
from triage.errors import InputError
from triage.i18n import _
from triage.inputs import (
    MAX_BYTES,
    answers_from_data,
    decode,
    display_name,
    open_input,
    parse_json,
    read_from,
)
from triage.knowledge import KnowledgeBase
from triage.models import Answers, Level, Reason, Result

LEVELS = [Level.SELF_CARE, Level.SOON, Level.URGENT, Level.EMERGENCY]
LESS, MORE, OTHER = "less_urgent", "more_urgent", "other"


@dataclass(frozen=True)
class Firing:
    """A rule in one result: its level, whether it rests on "Not sure", the answers behind it."""

    rule: str
    level: str
    unsure: bool
    answers: tuple[str, ...]


@dataclass(frozen=True)
class RuleChange:
    """A rule that fires with both rule sets, at another level (or on "Not sure" in one)."""

    rule: str
    old: Firing
    new: Firing


@dataclass(frozen=True)
class Change:
    """One set of answers whose result differs between the two rule sets."""

    where: str  # the input and line, or how a generated case was made
    fingerprint: str  # of the answers and both levels: names the case in an acceptance file
    answers: dict[str, Any]
    old: str
    new: str
    stopped: tuple[Firing, ...] = ()
    started: tuple[Firing, ...] = ()
    changed: tuple[RuleChange, ...] = ()
    pain_type: tuple[str, str] | None = None
    causes_lost: tuple[str, ...] = ()
    causes_gained: tuple[str, ...] = ()
    advice_lost: tuple[str, ...] = ()
    advice_gained: tuple[str, ...] = ()
    advice_reworded: tuple[str, ...] = ()  # shown with both rule sets, in other words

    @property
    def kind(self) -> str:
        old, new = Level(self.old).rank, Level(self.new).rank
        return LESS if new < old else MORE if new > old else OTHER


@dataclass(frozen=True)
class Compared:
    """The two levels of one set of answers, and what changed (None: nothing)."""

    old: str
    new: str
    change: Change | None


@dataclass(frozen=True)
class Failure:
    """An input (or a line of one) that could not be read: where, and why."""

    where: str
    problem: str


@dataclass(frozen=True)
class RuleSet:
    label: str
    directory: str
    digest: str


@dataclass
class Report:
    """Everything a change record says."""

    old: RuleSet
    new: RuleSet
    inputs: list[str]
    seed: int
    random_count: int
    limit: int
    accepted_from: str | None = None
    generated: int = 0
    from_inputs: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    cases: dict[str, list[Change]] = field(default_factory=lambda: {LESS: [], MORE: [], OTHER: []})
    accepted: int = 0  # less urgent cases named in the acceptance file
    failures: list[Failure] = field(default_factory=list)
    failed: int = 0

    def add(self, compared: Compared, accepted: frozenset[str]) -> None:
        self.transitions[(compared.old, compared.new)] += 1
        change = compared.change
        if change is None:
            return
        kind = change.kind
        self.counts[kind] += 1
        if kind == LESS and change.fingerprint in accepted:
            self.accepted += 1
        if len(self.cases[kind]) < self.limit:
            self.cases[kind].append(change)

    def fail(self, failure: Failure) -> None:
        self.failed += 1
        if len(self.failures) < self.limit:
            self.failures.append(failure)

    @property
    def unaccepted(self) -> int:
        """Cases that became less urgent and are not in the acceptance file."""
        return self.counts[LESS] - self.accepted


# ---------------------------------------------------------------------------------------------
# One set of answers


def compare_answers(
    answers: Answers, old: KnowledgeBase, new: KnowledgeBase, where: str
) -> Compared:
    """The two levels of one set of answers, and what changed. Most answers fire the same
    rules as many others: what a person is shown (apart from the answers quoted as evidence)
    depends only on what fired, so it is worked out once per combination and compared first;
    only answers whose results differ get their two whole results."""
    given, fired_before = outcome.fire(answers, old)
    _given, fired_after = outcome.fire(answers, new)
    shown_before, shown_after = _shown(old, fired_before), _shown(new, fired_after)
    if shown_before == shown_after and not _reworded(old, new).intersection(shown_after[4]):
        return Compared(shown_before[0], shown_after[0], None)
    before = outcome.build_result(old, given, fired_before)
    after = outcome.build_result(new, given, fired_after)
    return Compared(shown_before[0], shown_after[0], difference(before, after, answers, where))


Shown = tuple[str, tuple[tuple[str, str, bool], ...], str, tuple[str, ...], tuple[str, ...]]


@lru_cache(maxsize=1024)  # combinations of fired rules: bounded, so memory stays flat
def _shown(kb: KnowledgeBase, fired: frozenset[Fired]) -> Shown:
    """What a result shows when these fired, but the evidence: the level, each rule with its
    level, the pain type, the causes, the advice (its words: `_reworded`)."""
    result = outcome.build_result(kb, {}, fired)  # no answers: no evidence, the rest the same
    return (
        result.triage.value,
        tuple((r.rule, r.triage.value, r.unsure) for r in result.reasons),
        result.pain_type.value,
        tuple(cause.value for cause in result.suspected),
        tuple(item.id for item in result.advice),
    )


@lru_cache(maxsize=16)
def _reworded(old: KnowledgeBase, new: KnowledgeBase) -> frozenset[str]:
    """The advice in both rule sets whose title or text differs."""
    return frozenset(
        key
        for key, item in new.advice.items()
        if key in old.advice
        and (old.advice[key].title, old.advice[key].text) != (item.title, item.text)
    )


def difference(before: Result, after: Result, answers: Answers, where: str) -> Change | None:
    """What changed between two results of the same answers (None: nothing a person sees)."""
    old, new = _firings(before.reasons), _firings(after.reasons)
    changed = tuple(
        RuleChange(rule, old[rule], new[rule])
        for rule in old
        if rule in new
        and (old[rule].level, old[rule].unsure) != (new[rule].level, new[rule].unsure)
    )
    stopped = tuple(firing for rule, firing in old.items() if rule not in new)
    started = tuple(firing for rule, firing in new.items() if rule not in old)
    causes_before = [cause.value for cause in before.suspected]
    causes_after = [cause.value for cause in after.suspected]
    advice_before = [item.id for item in before.advice]
    advice_after = [item.id for item in after.advice]
    words_before = {item.id: (item.title, item.text) for item in before.advice}
    reworded = tuple(
        item.id
        for item in after.advice
        if item.id in words_before and words_before[item.id] != (item.title, item.text)
    )
    pain_type = (before.pain_type.value, after.pain_type.value)
    if not (
        changed
        or stopped
        or started
        or before.triage != after.triage
        or pain_type[0] != pain_type[1]
        or causes_before != causes_after
        or advice_before != advice_after
        or reworded
    ):
        return None
    data = answers.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    symptoms: Any = answers.symptoms  # a model built from the contract's symptom table
    data["symptoms"] = {k: v for k, v in symptoms.model_dump(mode="json").items() if v}
    return Change(
        where=where,
        fingerprint=fingerprint(data, before.triage.value, after.triage.value),
        answers=data,
        old=before.triage.value,
        new=after.triage.value,
        stopped=stopped,
        started=started,
        changed=changed,
        pain_type=pain_type if pain_type[0] != pain_type[1] else None,
        causes_lost=tuple(c for c in causes_before if c not in causes_after),
        causes_gained=tuple(c for c in causes_after if c not in causes_before),
        advice_lost=tuple(a for a in advice_before if a not in advice_after),
        advice_gained=tuple(a for a in advice_after if a not in advice_before),
        advice_reworded=reworded,
    )


def _firings(reasons: list[Reason]) -> dict[str, Firing]:
    return {
        reason.rule: Firing(
            reason.rule,
            reason.triage.value,
            reason.unsure,
            tuple(evidence.text for evidence in reason.answers),
        )
        for reason in reasons
    }


def fingerprint(answers: dict[str, Any], old: str, new: str) -> str:
    """A short name for a case: the same answers with the same two levels, the same name."""
    text = json.dumps([answers, old, new], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Running a comparison


def run(
    report: Report,
    kbs: tuple[KnowledgeBase, KnowledgeBase],
    paths: list[str],
    accepted: frozenset[str],
    workers: int = 1,
) -> Report:
    """Compare the generated sample, then every input, into the report."""
    old, new = kbs
    for case in answer_space.sample(kbs, report.seed, report.random_count):
        answers = Answers.model_validate(case.answers)
        where = _("generated: {how}").format(how=case.label)  # how: rule ids and answer values
        report.add(compare_answers(answers, old, new, where), accepted)
        report.generated += 1
    for path in paths:
        for item in _compared_input(path, kbs, workers, report):
            if isinstance(item, Failure):
                report.fail(item)
            else:
                report.add(item, accepted)
                report.from_inputs += 1
    return report


def _compared_input(
    path: str, kbs: tuple[KnowledgeBase, KnowledgeBase], workers: int, report: Report
) -> Iterator[Compared | Failure]:
    """Each answer set of one input compared, or why it could not be read. An input whose first
    non-blank line is a whole JSON value is read as JSON lines (one answer set per line);
    anything else as one answers file, saved assessment or QuestionnaireResponse."""
    name = display_name(path)
    with open_input(path, name, _("an answers or JSON lines file")) as stream:
        head, blank = _first_line(stream, name)
        if head is None:
            raise InputError(name, _("the file is empty; expected answers or JSON lines"))
        if not _is_json_line(head):
            data = b"".join(blank) + head + read_from(stream, name, MAX_BYTES + 1)
            yield _compared_document(data, name, kbs)
            return
        lines = _chain(blank, [head], batch.lines_of(stream, name))
        chunked = ((name, start, chunk) for start, chunk in jobs.chunks(lines))
        if workers == 1:
            for chunk in chunked:
                yield from compare_chunk(chunk, kbs)
        else:
            directories = (kbs[0].directory, kbs[1].directory)
            from triage import i18n

            work = jobs.ordered_map(compare_chunk, chunked, workers, directories, i18n.current())
            for results in work:
                yield from results


def _chain(*parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part


def _first_line(stream: IO[bytes], name: str) -> tuple[bytes | None, list[bytes]]:
    """The first non-blank line, and the blank lines before it."""
    blank: list[bytes] = []
    for line in batch.lines_of(stream, name):
        if line.strip():
            return line, blank
        blank.append(line)
    return None, blank


def _is_json_line(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _compared_document(
    data: bytes, name: str, kbs: tuple[KnowledgeBase, KnowledgeBase]
) -> Compared | Failure:
    try:
        if len(data) > MAX_BYTES:
            too_large = _("too large: answers files are limited to {limit} bytes")
            raise InputError(name, too_large.format(limit=f"{MAX_BYTES:,}"))
        answers, _document = answers_from_data(parse_json(decode(data, name), name), name, kbs[0])
    except InputError as error:
        return Failure(name, _problem(error))
    return compare_answers(answers, kbs[0], kbs[1], name)


def compare_chunk(
    chunk: tuple[str, int, list[bytes]], kbs: tuple[KnowledgeBase, ...] | None = None
) -> list[Compared | Failure]:
    """Compare one chunk of JSON lines (in a worker process, with the knowledge bases it loaded).
    Answers are read as `assess --batch` reads them, FHIR responses against the old rules'
    questionnaire."""
    name, start, lines = chunk
    old, new = kbs if kbs is not None else jobs.knowledge()
    results: list[Compared | Failure] = []
    for number, raw in enumerate(lines, start=start):
        if not raw.strip():
            continue
        where = _("{name} line {number}").format(name=name, number=number)
        try:
            answers, _document = answers_from_data(batch._parse(raw, number), where, old)
        except InputError as error:
            results.append(Failure(where, _problem(error)))
        else:
            results.append(compare_answers(answers, old, new, where))
    return results


def _problem(error: InputError) -> str:
    where = _("field '{field}': ").format(field=error.field) if error.field else ""
    return where + error.problem


# ---------------------------------------------------------------------------------------------
# Rule sets and acceptance


def rule_set(kb: KnowledgeBase) -> RuleSet:
    """A rule set's name and version, its directory, and a digest of every file in it."""
    return RuleSet(kb.label, str(kb.directory), directory_digest(kb.directory))


def directory_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for root, folders, names in os.walk(directory):
        folders.sort()
        for name in sorted(names):
            path = Path(root, name)
            relative = path.relative_to(directory).as_posix().encode("utf-8")
            digest.update(len(relative).to_bytes(8, "big") + relative)
            content = path.read_bytes()
            digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def accepted_cases(path: str, old: RuleSet, new: RuleSet) -> frozenset[str]:
    """The fingerprints of the less urgent cases a signed change record (the JSON of `compare`)
    accepts. It must record the change between these very rule sets (their digests)."""
    from triage.inputs import read_json

    name = display_name(path)
    data = read_json(path, limit=64 * MAX_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get(LESS), list):
        raise InputError(
            name, _("not a change record: expected the JSON written by 'triage compare --json'")
        )
    for key, expected in (("old", old), ("new", new)):
        recorded = data.get(key)
        digest = recorded.get("digest") if isinstance(recorded, dict) else None
        if digest != expected.digest:
            problem = _(
                "records a change of other rules: its '{key}' rules have digest {found}, these "
                "have {expected}"
            )
            raise InputError(name, problem.format(key=key, found=digest, expected=expected.digest))
    found = frozenset(
        str(case["fingerprint"])
        for case in data[LESS]
        if isinstance(case, dict) and "fingerprint" in case
    )
    return found
