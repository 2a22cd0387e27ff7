"""Load the clinical knowledge in `rules/`, validate it, and check every cross-reference.

All problems are collected and reported together, each naming the file and the id, so one
`triage check` run shows everything a reviewer has to fix.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage import conditions, i18n, kbcache, translations
from triage.conditions import Condition, ConditionError
from triage.errors import KnowledgeError, Problem
from triage.i18n import ENGLISH, N_, _
from triage.models import CHOICE_FIELDS, LIST_FIELDS, NUMBER_FIELDS, SYMPTOMS, Cause, Level
from triage.safe_text import one_line as printable
from triage.unsure import UnsurePolicy

FILES = ("ruleset.yaml", "questions.yaml", "rules.yaml", "advice.yaml", "sources.yaml")

# Limits a knowledge base must stay within, far above what the rules need (67 rules, 46
# questions, 62 advice texts, 43 sources; the largest condition has 21 tests, 6 levels deep),
# so that a rule set that passes `triage check` also runs in reasonable time and memory.
# Each limit crossed is reported with the file and the id. (The YAML itself is limited in
# triage/yamlfile.py: file size, repeated keys, alias expansion.)
MAX_ENTRIES = {"questions": 200, "rules": 1_000, "advice": 1_000, "sources": 1_000}
MAX_TEXT = 4_000  # characters in one text (the longest advice text has about 700)
MAX_CONDITION_TESTS = 64  # single tests (leaves) in one `when`
MAX_CONDITION_DEPTH = 32  # all/any/at_least nested in one another (the engine takes 32)
MAX_AT_LEAST = 64  # conditions listed in one at_least (compiled as a count, linear in size)
# One whole sentence per kind of id, so that a translation can fit its grammar to each.
DUPLICATE = {
    "question": N_("duplicate question id"),
    "rule": N_("duplicate rule id"),
    "advice": N_("duplicate advice id"),
    "source": N_("duplicate source id"),
    "screen": N_("duplicate screen id"),
}
UNKNOWN = {
    "advice": N_("unknown advice id {value}{hint}; the ids are in advice.yaml"),
    "source": N_("unknown source id {value}{hint}; the ids are in sources.yaml"),
}
# pydantic's messages for the problems a rule file can have, by pydantic's error type, for
# languages other than English (English keeps pydantic's own words, with their details).
VALIDATION = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "list_type": N_("Input should be a valid list"),
    "too_short": N_("should have at least {min_length} entries, not {actual_length}"),
    "dict_type": N_("Input should be a valid dictionary"),
    "bool_type": N_("Input should be true or false"),
    "bool_parsing": N_("Input should be true or false"),
    "int_type": N_("Input should be a whole number"),
    "int_parsing": N_("Input should be a whole number"),
}
Section = Literal["emergency", "basics", "follow_up"]
QuestionKind = Literal["number", "single", "multi", "symptom"]
AdviceKind = Literal["now", "safety_net", "self_help", "info"]
SourceKind = Literal["guideline", "public_health", "study", "reference", "background"]


class _Strict(BaseModel):
    # Built on first use: a knowledge base read from the cache is never validated again, so
    # `triage assess` does not pay for building these models at every start.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class LevelInfo(_Strict):
    headline: str
    summary: str
    advice: list[str] = Field(min_length=1)
    self_help: bool


class RulesetInfo(_Strict):
    name: str
    version: str
    title: str | None = None  # the rule set's name in words (a FHIR Questionnaire's title)
    description: str
    welcome: str | None = None  # shown when the quiz starts
    disclaimer: str
    unsure_policy: UnsurePolicy  # what a "Not sure" answer counts as: triage/unsure.py
    unsure_advice: list[str]
    # By a rule's full level: the advice shown in place of its own when it holds only on "Not
    # sure" (what to do if the sign is really there; `{signs}` in its text names the signs).
    unsure_steps: dict[Level, str] = Field(default_factory=dict)
    causes: dict[Cause, str]
    symptom_choices: dict[Literal["yes", "no", "unsure"], str]
    levels: dict[Level, LevelInfo]


class Choice(_Strict):
    value: str
    label: str
    help: str | None = None


Person = Literal["someone_else", "child"]  # who the answers are about, other than oneself


class Wording(_Strict):
    """A question's text and help for another person (questions.yaml `person:`)."""

    text: str | None = None
    help: str | None = None


class ScreenWording(_Strict):
    """A shared screen's title and help for another person."""

    title: str | None = None
    help: str | None = None


class Question(_Strict):
    id: str
    section: Section
    kind: QuestionKind
    short: str
    text: str
    help: str | None = None
    choices: list[Choice] = Field(default_factory=list)
    when: dict[str, Any] | None = None
    screen: str | None = None  # the id of a screen in `screens:` shared with its neighbours
    picture: str | None = None  # a small text drawing shown with the question
    # What the rules count a missing answer as (not asked, skipped or "Don't know"), where a
    # rule tests `not_answered`: shown beside the missing answer in a reason's evidence.
    unanswered: str | None = None
    # The text and help for another person than the one answering ("Does your child ..."),
    # by the answer to `respondent`; what is not given stays as for oneself.
    person: dict[Person, Wording] = Field(default_factory=dict)
    # multi, where no choice is an answer: the words for it ("Nowhere": the pain does not
    # spread), on the line to tick and in the answers; else "None of these" / "none"
    none_label: str | None = None

    def label_of(self, value: str) -> str:
        return next((c.label for c in self.choices if c.value == value), value)

    def for_person(self, respondent: Any) -> Question:
        """This question worded for the person the answers are about."""
        worded: Question = _worded(self, self.person.get(respondent), ("text", "help"))
        return worded


class Screen(_Strict):
    """Several questions on one screen (questions.yaml `screens:`), each still answered."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    help: str | None = None
    person: dict[Person, ScreenWording] = Field(default_factory=dict)

    def for_person(self, respondent: Any) -> Screen:
        worded: Screen = _worded(self, self.person.get(respondent), ("title", "help"))
        return worded


def _worded(item: Any, wording: BaseModel | None, names: tuple[str, ...]) -> Any:
    if wording is None:
        return item
    given = {name: getattr(wording, name) for name in names if getattr(wording, name)}
    return item.model_copy(update=given) if given else item


class Rule(_Strict):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
    title: str
    triage: Level
    suspected: list[Cause] = Field(default_factory=list)
    when: dict[str, Any]
    advice: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class Advice(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
    kind: AdviceKind
    title: str
    text: str
    when: dict[str, Any] | None = None
    sources: list[str] = Field(min_length=1)
    # The causes the text names: it may be shown only when the result suspects one of them.
    causes: list[Cause] = Field(default_factory=list)


class Source(_Strict):
    id: str
    title: str
    url: str | None = None
    kind: SourceKind
    research: str | None = None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one engine per loaded base
class KnowledgeBase:
    """The checked knowledge: every cross-reference resolves and every condition is parsed."""

    directory: Path
    info: RulesetInfo
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    advice: dict[str, Advice]
    sources: dict[str, Source]
    conditions: dict[str, Condition] = field(repr=False)  # "rule:ID", "advice:ID", "question:ID"
    screens: tuple[Screen, ...] = ()  # screens shared by several questions
    language: str = ENGLISH  # the language of the texts (triage/translations.py)
    # Titles of sources in that language, where a source has one (shown to people; results and
    # --json cite the sources as published, from `sources`).
    source_titles: dict[str, str] = field(default_factory=dict)

    @cached_property
    def screens_by_id(self) -> dict[str, Screen]:
        return {screen.id: screen for screen in self.screens}

    @property
    def label(self) -> str:
        return f"{self.info.name} {self.info.version}"

    @cached_property
    def rules_by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    @cached_property
    def questions_by_id(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions}


def read_yaml(path: Path) -> Any:
    """The data of a rule file (see triage/yamlfile.py). PyYAML is imported only when rules
    are read from YAML: a knowledge base from the cache (kbcache) needs none."""
    from triage import yamlfile

    return yamlfile.read_yaml(path)


def default_directory() -> Path:
    """`rules/` inside an installed wheel, or beside the package in a checkout."""
    return Path(kbcache.default_directory())


# ---------------------------------------------------------------------------------------------
# Loading


class _Collector:
    """Gathers problems while loading, so that all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # Kinds ("advice", "source", ...) whose file could not be used at all: references to
        # them are not checked, so one broken file gives one problem, not hundreds.
        self.unavailable: set[str] = set()

    def add(self, file: str, item: str | None, message: str) -> None:
        self.problems.append(Problem(file, item, message))

    def models(self, file: str, entries: Any, key: str, model: type[BaseModel]) -> list[Any]:
        if entries is None:
            return []  # missing or unreadable: already reported
        if not isinstance(entries, dict) or not isinstance(entries.get(key), list):
            self.add(file, None, _("expected a top-level '{key}:' list").format(key=key))
            return []
        if not entries[key]:
            self.add(file, None, _("the '{key}:' list is empty").format(key=key))
        limit = MAX_ENTRIES.get(key)
        if limit is not None and len(entries[key]) > limit:
            too_many = _("{count:,} entries in '{key}:'; at most {limit:,} allowed")
            self.add(file, None, too_many.format(count=len(entries[key]), key=key, limit=limit))
            return []
        self.texts(file, entries[key])
        parsed = []
        for index, entry in enumerate(entries[key]):
            item = entry.get("id") if isinstance(entry, dict) else None
            try:
                parsed.append(model.model_validate(entry))
            except ValidationError as error:
                for detail in error.errors():
                    where = ".".join(str(p) for p in detail["loc"]) or "(entry)"
                    text = f"{where}: {validation_message(detail)}{_given(detail)}"
                    self.add(file, str(item or _entry(index)), text)
        return parsed

    def texts(self, file: str, entries: list[Any]) -> None:
        """Every text must be printable (newlines between paragraphs aside) and of a sensible
        length: a control character in a title would reach people's terminals."""
        for index, entry in enumerate(entries):
            item = entry.get("id") if isinstance(entry, dict) else None
            for where, text in _strings(entry):
                problem = text_problem(text)
                if problem:
                    self.add(file, printable(item or _entry(index)), f"{where}: {problem}")

    def unique(self, file: str, kind: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for item in ids:
            if item in seen:
                self.add(file, item, _(DUPLICATE[kind]))
            seen.add(item)


def text_problem(text: str) -> str | None:
    """What is wrong with a text of the knowledge base (None: nothing)."""
    if len(text) > MAX_TEXT:
        return _("{count:,} characters; at most {limit:,} allowed").format(
            count=len(text), limit=MAX_TEXT
        )
    bad = next((c for c in text if not (c.isprintable() or c == "\n")), None)
    if bad is not None:
        problem = _("contains the control character {character}; texts must be printable")
        return problem.format(character=printable(bad))
    return None


def _strings(data: Any, where: str = "") -> list[tuple[str, str]]:
    """Every string in parsed YAML (keys and values) with its dotted path."""
    found: list[tuple[str, str]] = []
    pending: list[tuple[str, Any]] = [(where, data)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            found.append((path or "(entry)", item))
        elif isinstance(item, dict):
            for key, value in item.items():
                name = f"{path}.{printable(key)}" if path else printable(key)
                pending.append((name, value))
                if isinstance(key, str):
                    pending.append((name, key))
        elif isinstance(item, list):
            pending.extend((f"{path}[{i}]", value) for i, value in enumerate(item))
    return found


def _entry(index: int) -> str:
    return _("entry {number}").format(number=index + 1)


def validation_message(detail: Any) -> str:
    """One pydantic error of a rule file in words: pydantic's own in English, ours (from
    `VALIDATION`) in other languages; a value error (our own validators) is already in words."""
    kind = detail["type"]
    if i18n.current() == ENGLISH or (kind not in VALIDATION and kind != "value_error"):
        return str(detail["msg"])
    context = dict(detail.get("ctx") or {})
    if kind == "value_error":
        return str(context.get("error", detail["msg"]))
    expected = str(context.get("expected", ""))
    if " or " in expected:  # pydantic's "'a', 'b' or 'c'"
        values, last = expected.rsplit(" or ", 1)
        context["expected"] = _("{values} or {last}").format(values=values, last=last)
    try:
        return _(VALIDATION[kind]).format(**context)
    except (KeyError, IndexError):  # a detail this pydantic version does not give
        return str(detail["msg"])


def _given(detail: Any) -> str:
    """The wrong value itself, for errors where it helps ("triage: ... (got 'critical')")."""
    wrong_choice = detail["type"] in ("literal_error", "enum", "string_pattern_mismatch")
    return _(" (got {value})").format(value=repr(detail["input"])) if wrong_choice else ""


def _raw_ids(entries: Any, key: str) -> list[str]:
    """The ids of every entry, including entries that are otherwise invalid."""
    if not isinstance(entries, dict) or not isinstance(entries.get(key), list):
        return []
    return [str(e["id"]) for e in entries[key] if isinstance(e, dict) and "id" in e]


def load(directory: Path | None = None, language: str = ENGLISH) -> KnowledgeBase:
    """Load and check a knowledge base, its texts in `language` (rules/<language>/ laid over
    the English; a text missing there stays English); raise KnowledgeError listing every
    problem. A checked knowledge base is cached by the content of its directory and the
    language (triage/kbcache.py)."""
    directory = Path(directory) if directory is not None else default_directory()
    return kbcache.load(
        directory, lambda folder: _checked(folder, language), KnowledgeBase, language
    )


def _checked(directory: Path, language: str = ENGLISH) -> KnowledgeBase:
    kb, problems = _load(directory)
    if kb is not None and not problems and language != ENGLISH:
        texts, problems = _translation(directory, language, kb)
        kb = translations.localized(kb, texts)
    if problems or kb is None:
        raise KnowledgeError(directory, problems)
    return kb


def check(directory: Path) -> list[Problem]:
    """Every problem of a knowledge base (empty when it is sound), the texts of every language
    it has a folder for included: each text missing in a language is a problem here (at run
    time the English text stands in for it)."""
    directory = Path(directory)
    kb, problems = _load(directory)
    if kb is None or problems:
        return problems
    languages, problems = translations.folder_languages(directory)
    for language in languages:
        texts, found = _translation(directory, language, kb)
        problems += found + translations.missing(kb, texts)
    return problems


def _translation(
    directory: Path, language: str, kb: KnowledgeBase
) -> tuple[translations.Translation, list[Problem]]:
    """The texts of `language` (rules/<language>/*.yaml) and every problem of their form: keys
    and ids the English does not have, unprintable texts, pictures too wide."""
    found = _Collector()
    raw: dict[str, Any] = {}
    folder = directory / language
    for name in translations.FILES:
        if not (folder / name).exists():
            continue  # every text of it falls back to English; `check` lists them as missing
        data = _read(folder / name, found)
        if data is not None:
            for where, text in _strings(data):  # each text named by its id, as in the English
                problem = text_problem(text)
                if problem:
                    section, _dot, rest = where.partition(".")
                    item = rest.split(".")[0] if section in translations.SECTIONS else None
                    found.add(f"{language}/{name}", item, f"{where}: {problem}")
            raw[name] = data
    # _read names the file alone: say which language's file it is
    read = [
        p if "/" in p.file else Problem(f"{language}/{p.file}", p.item, p.text)
        for p in found.problems
    ]
    texts, problems = translations.parse(language, raw)
    problems = read + problems + translations.unknown(kb, texts)
    for question in translations.localized(kb, texts).questions:
        wide = _Collector()
        _check_picture(question, wide)
        problems += [Problem(f"{language}/{p.file}", p.item, p.text) for p in wide.problems]
    return texts, problems


def _load(directory: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    found = _Collector()
    if not directory.is_dir():
        found.add("", None, _("not a directory with rule files"))
        return None, found.problems
    raw = {name: _read(directory / name, found) for name in FILES}
    info = _ruleset_info(raw["ruleset.yaml"], found)
    questions = found.models("questions.yaml", raw["questions.yaml"], "questions", Question)
    screens = _screens(raw["questions.yaml"], found)
    rules = found.models("rules.yaml", raw["rules.yaml"], "rules", Rule)
    advice = found.models("advice.yaml", raw["advice.yaml"], "advice", Advice)
    sources = found.models("sources.yaml", raw["sources.yaml"], "sources", Source)
    for file, kind, key in (
        ("questions.yaml", "question", "questions"),
        ("rules.yaml", "rule", "rules"),
        ("advice.yaml", "advice", "advice"),
        ("sources.yaml", "source", "sources"),
    ):
        found.unique(file, kind, _raw_ids(raw[file], key))
        if any(p.file == file and p.item is None for p in found.problems):
            found.unavailable.add(kind)
    parsed = _parse_conditions(questions, rules, advice, found)
    advice_by_id, sources_by_id = {a.id: a for a in advice}, {s.id: s for s in sources}
    # Checked even when ruleset.yaml is broken, so one run lists every problem.
    _check_references(rules, advice_by_id, sources_by_id, found)
    _check_questions(questions, parsed, found)
    _check_screens(questions, screens, found)
    if info is None:
        return None, found.problems
    _check_info(info, advice_by_id, found)
    kb = KnowledgeBase(
        directory=directory,
        info=info,
        questions=tuple(questions),
        rules=tuple(rules),
        advice=advice_by_id,
        sources=sources_by_id,
        conditions=parsed,
        screens=tuple(screens),
    )
    return kb, found.problems


def _read(path: Path, found: _Collector) -> Any:
    try:
        data = read_yaml(path)
        if data is None:
            found.add(path.name, None, _("file is empty (or only comments)"))
        return data
    except FileNotFoundError:
        found.add(path.name, None, _("file is missing"))
    except (OSError, UnicodeDecodeError) as error:
        found.add(path.name, None, _("cannot be read: {reason}").format(reason=error))
    except ValueError as error:  # yamlfile.YamlProblem: syntax, repeated keys, alias bombs
        found.add(path.name, None, str(error))
    return None


def _ruleset_info(raw: Any, found: _Collector) -> RulesetInfo | None:
    if raw is None:
        return None
    found.texts("ruleset.yaml", [raw])
    try:
        return RulesetInfo.model_validate(raw)
    except ValidationError as error:
        for detail in error.errors():
            where = ".".join(str(p) for p in detail["loc"])
            found.add(
                "ruleset.yaml", None, f"{where}: {validation_message(detail)}{_given(detail)}"
            )
    return None


def _parse_conditions(
    questions: list[Question], rules: list[Rule], advice: list[Advice], found: _Collector
) -> dict[str, Condition]:
    parsed: dict[str, Condition] = {}
    items: list[tuple[str, str, Any]] = [
        *(("questions.yaml", f"question:{q.id}", q.when) for q in questions),
        *(("rules.yaml", f"rule:{r.id}", r.when) for r in rules),
        *(("advice.yaml", f"advice:{a.id}", a.when) for a in advice),
    ]
    for file, key, data in items:
        if data is None:
            continue
        item = key.split(":", 1)[1]
        too_big = _condition_size_problem(data)
        if too_big:
            found.add(file, item, f"when: {too_big}")
            continue
        try:
            parsed[key] = conditions.parse(data)
        except ConditionError as error:
            found.add(file, item, str(error))
    return parsed


def _condition_size_problem(data: Any) -> str | None:
    """A `when` too large or too deep to compile and evaluate quickly (None: within limits).
    Measured on the raw YAML, before parsing, without recursion."""
    tests, deepest = 0, 0
    pending: list[tuple[int, Any]] = [(0, data)]
    while pending:
        depth, node = pending.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_CONDITION_DEPTH:
            return _("nested more than {limit} levels deep").format(limit=MAX_CONDITION_DEPTH)
        if not isinstance(node, dict) or len(node) != 1:
            continue  # not a condition: parse() says what is wrong with it
        ((name, value),) = node.items()
        if name in ("all", "any") and isinstance(value, list):
            pending.extend((depth + 1, part) for part in value)
        elif name == "at_least" and isinstance(value, dict) and isinstance(value.get("of"), list):
            if len(value["of"]) > MAX_AT_LEAST:
                too_many = _("at_least lists {count} conditions; at most {limit}")
                return too_many.format(count=len(value["of"]), limit=MAX_AT_LEAST)
            pending.extend((depth + 1, part) for part in value["of"])
        else:
            tests += 1
            if tests > MAX_CONDITION_TESTS:
                return _("more than {limit} tests in one condition").format(
                    limit=MAX_CONDITION_TESTS
                )
    return None


def _check_references(
    rules: list[Rule], advice: dict[str, Advice], sources: dict[str, Source], found: _Collector
) -> None:
    for rule in rules:
        _known("rules.yaml", rule.id, "advice", rule.advice, advice, found)
        _known("rules.yaml", rule.id, "source", rule.sources, sources, found)
        for advice_id in rule.advice:
            if advice_id in advice and advice[advice_id].kind in ("self_help",):
                found.add(
                    "rules.yaml",
                    rule.id,
                    _("advice {id} is self-help, chosen by its own 'when'").format(
                        id=repr(advice_id)
                    ),
                )
    for item in advice.values():
        _known("advice.yaml", item.id, "source", item.sources, sources, found)
        if item.when is not None and item.kind != "self_help":
            found.add("advice.yaml", item.id, _("'when' is only for self_help advice"))


def _check_info(ruleset: RulesetInfo, advice: dict[str, Advice], found: _Collector) -> None:
    _known("ruleset.yaml", "unsure_advice", "advice", ruleset.unsure_advice, advice, found)
    steps = list(ruleset.unsure_steps.values())
    _known("ruleset.yaml", "unsure_steps", "advice", steps, advice, found)
    for cause in Cause:
        if cause not in ruleset.causes:
            missing = _("causes: missing plain words for {cause}").format(cause=repr(cause.value))
            found.add("ruleset.yaml", None, missing)
    for level in Level:
        info = ruleset.levels.get(level)
        if info is None:
            missing = _("levels: missing level {level}").format(level=repr(level.value))
            found.add("ruleset.yaml", None, missing)
            continue
        _known("ruleset.yaml", f"levels.{level.value}", "advice", info.advice, advice, found)


def _known(
    file: str, item: str, kind: str, ids: list[str], known: dict[str, Any], found: _Collector
) -> None:
    if kind in found.unavailable:
        return
    for ref in ids:
        if ref not in known:
            close = difflib.get_close_matches(ref, list(known), n=1)
            hint = _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""
            found.add(file, item, _(UNKNOWN[kind]).format(value=repr(ref), hint=hint))


def _check_questions(
    questions: list[Question], parsed: dict[str, Condition], found: _Collector
) -> None:
    expected = {**{f: "number" for f in NUMBER_FIELDS}, **{f: "multi" for f in LIST_FIELDS}}
    expected |= {f: "single" for f in CHOICE_FIELDS} | {s: "symptom" for s in SYMPTOMS}
    asked: set[str] = set()
    for question in questions:
        kind = expected.get(question.id)
        if kind is None:
            no_field = _("no such answer field; known: {known}").format(known=", ".join(expected))
            found.add("questions.yaml", question.id, no_field)
        elif question.kind != kind:
            wrong = _("kind must be {kind}, not {given}")
            found.add(
                "questions.yaml",
                question.id,
                wrong.format(kind=repr(kind), given=repr(question.kind)),
            )
        else:
            _check_choices(question, found)
        condition = parsed.get(f"question:{question.id}")
        later = (
            {leaf.field for leaf in conditions.leaves(condition)} - asked if condition else set()
        )
        if later:
            found.add(
                "questions.yaml",
                question.id,
                _("when: refers to {fields}, asked later or never").format(fields=sorted(later)),
            )
        asked.add(question.id)
    if "question" in found.unavailable:
        return
    for missing in sorted(set(expected) - asked):
        found.add("questions.yaml", missing, _("this answer field has no question"))


def _check_choices(question: Question, found: _Collector) -> None:
    enum = LIST_FIELDS.get(question.id) or CHOICE_FIELDS.get(question.id)
    wanted = [str(v) for v in enum] if enum else []
    given = [c.value for c in question.choices]
    if sorted(given) != sorted(wanted):
        found.add(
            "questions.yaml",
            question.id,
            _("choices must be exactly {wanted} (the answers contract), got {given}").format(
                wanted=wanted or _("none"), given=given or _("none")
            ),
        )


# ---------------------------------------------------------------------------------------------
# Screens: questions shown together (questions.yaml `screens:`, optional)

PICTURE_WIDTH = 40  # a picture must read in a 40-column terminal
RESERVED_SCREEN_IDS = ("review",)  # the quiz's own screens
ROW_KINDS = ("symptom", "single")  # kinds that can share a screen: one line of choices each


def _screens(raw: Any, found: _Collector) -> list[Screen]:
    if not isinstance(raw, dict) or "screens" not in raw:
        return []
    screens: list[Screen] = found.models("questions.yaml", raw, "screens", Screen)
    found.unique("questions.yaml", "screen", _raw_ids(raw, "screens"))
    return screens


def _check_screens(questions: list[Question], screens: list[Screen], found: _Collector) -> None:
    """Each screen is declared, used, not named like a question, and holds neighbours that can
    share a screen; pictures fit a narrow terminal."""
    declared = {screen.id for screen in screens}
    question_ids = {question.id for question in questions}
    for screen in screens:
        if screen.id in question_ids or screen.id in RESERVED_SCREEN_IDS:
            found.add("questions.yaml", screen.id, _("a screen id must differ from question ids"))
    members: dict[str, list[int]] = {}
    for index, question in enumerate(questions):
        _check_picture(question, found)
        if question.screen is None:
            continue
        if question.screen not in declared:
            found.add(
                "questions.yaml",
                question.id,
                _("screen: unknown screen {screen}; declared: {declared}").format(
                    screen=repr(question.screen), declared=", ".join(sorted(declared)) or _("none")
                ),
            )
            continue
        members.setdefault(question.screen, []).append(index)
        if question.kind not in ROW_KINDS:
            found.add(
                "questions.yaml",
                question.id,
                _(
                    "a {kind} question needs a screen of its own; only {kinds} questions share a "
                    "screen"
                ).format(kind=repr(question.kind), kinds=_(" and ").join(ROW_KINDS)),
            )
    for screen in screens:
        indexes = members.get(screen.id, [])
        if not indexes:
            found.add("questions.yaml", screen.id, _("no question is on this screen"))
        elif indexes != list(range(indexes[0], indexes[-1] + 1)):
            found.add(
                "questions.yaml",
                screen.id,
                _("the questions of a screen must follow one another in the file"),
            )


def _check_picture(question: Question, found: _Collector) -> None:
    if question.picture is None:
        return
    wide = [line for line in question.picture.splitlines() if len(line) > PICTURE_WIDTH]
    if wide:
        found.add(
            "questions.yaml",
            question.id,
            _("picture: {count} line(s) wider than {limit} characters").format(
                count=len(wide), limit=PICTURE_WIDTH
            ),
        )
