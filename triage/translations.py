"""The knowledge base's texts in other languages: `rules/<language>/*.yaml`, laid over the English.

The clinical logic (ids, conditions, levels, advice chosen, sources) exists once, in the English
files of `rules/`. Beside them, one folder per language holds only texts, keyed by id, in a form
a translator can review next to the English:

    rules/de/ruleset.yaml   title, description, welcome, disclaimer, causes, symptom_choices
                            (Yes / No / Not sure), levels.<level>.headline and .summary
    rules/de/rules.yaml     rules.<RULE-ID>.title
    rules/de/advice.yaml    advice.<advice-id>.title and .text
    rules/de/questions.yaml questions.<question-id>.short, .text, .help, .picture, .unanswered and
                            .choices.<value>.label and .help; screens.<screen-id>.title and .help

Each file starts with `language: de` (its folder's language). Every file is checked with strict
models (unknown keys are problems) and every id against the English (a text for an id that does
not exist, or for a text the English does not have, is a problem: it would never be shown). A
missing text is not a problem for loading (the English text is used in its place) but
`triage check` lists each one (`missing`), with the file and the id. Source titles are
citations and stay as published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from triage.errors import Problem
from triage.i18n import ENGLISH, _
from triage.language import LANGUAGES, NAMES
from triage.models import Cause, Level

if TYPE_CHECKING:
    from triage.knowledge import KnowledgeBase

OTHER_LANGUAGES = tuple(language for language in LANGUAGES if language != ENGLISH)
FILES = ("ruleset.yaml", "rules.yaml", "advice.yaml", "questions.yaml")
SECTIONS = ("rules", "advice", "questions", "screens")  # the parts of a file keyed by id


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelText(_Strict):
    headline: str | None = None
    summary: str | None = None


class RulesetText(_Strict):
    language: str
    title: str | None = None
    description: str | None = None
    welcome: str | None = None
    disclaimer: str | None = None
    causes: dict[Cause, str] = {}
    symptom_choices: dict[Literal["yes", "no", "unsure"], str] = {}
    levels: dict[Level, LevelText] = {}
    # Titles of sources in the language, where the source has one of its own (the NVL has a
    # German title); the others keep the title of sources.yaml.
    sources: dict[str, str] = {}


class RuleText(_Strict):
    title: str | None = None


class RulesText(_Strict):
    language: str
    rules: dict[str, RuleText] = {}


class AdviceText(_Strict):
    title: str | None = None
    text: str | None = None


class AdviceFileText(_Strict):
    language: str
    advice: dict[str, AdviceText] = {}


class ChoiceText(_Strict):
    label: str | None = None
    help: str | None = None


class WordingText(_Strict):
    text: str | None = None
    help: str | None = None


class ScreenWordingText(_Strict):
    title: str | None = None
    help: str | None = None


class QuestionText(_Strict):
    short: str | None = None
    text: str | None = None
    help: str | None = None
    picture: str | None = None
    unanswered: str | None = None
    none_label: str | None = None
    choices: dict[str, ChoiceText] = {}
    person: dict[str, WordingText] = {}  # by respondent, as questions.yaml `person:`


class ScreenText(_Strict):
    title: str | None = None
    help: str | None = None
    person: dict[str, ScreenWordingText] = {}


class QuestionsText(_Strict):
    language: str
    questions: dict[str, QuestionText] = {}
    screens: dict[str, ScreenText] = {}


MODELS: dict[str, type[BaseModel]] = {
    "ruleset.yaml": RulesetText,
    "rules.yaml": RulesText,
    "advice.yaml": AdviceFileText,
    "questions.yaml": QuestionsText,
}


@dataclasses.dataclass(frozen=True)
class Translation:
    """The texts of one language, as read from its folder (a file that is missing or broken
    is None: its texts fall back to English)."""

    language: str
    ruleset: RulesetText | None = None
    rules: RulesText | None = None
    advice: AdviceFileText | None = None
    questions: QuestionsText | None = None


def folder_languages(directory: Path) -> tuple[list[str], list[Problem]]:
    """The languages that have a folder in a rules directory, and a problem for each folder
    named like a language the tool does not speak (`fr/`)."""
    found, problems = [], []
    try:
        entries = sorted(entry for entry in directory.iterdir() if entry.is_dir())
    except OSError:
        return [], []
    for entry in entries:
        name = entry.name
        if name in OTHER_LANGUAGES:
            found.append(name)
        elif 2 <= len(name) <= 3 and name.isascii() and name.isalpha() and name.islower():
            problems.append(
                Problem(
                    f"{name}/",
                    None,
                    _("not a language of this tool; languages: {languages}").format(
                        languages=", ".join(OTHER_LANGUAGES)
                    ),
                )
            )
    return found, problems


def parse(language: str, raw: Mapping[str, Any]) -> tuple[Translation, list[Problem]]:
    """A language's texts from the parsed YAML of its files (`raw`: file name -> data, a file
    that is missing or unreadable left out), with every problem of their form."""
    parsed: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, model in MODELS.items():
        if name not in raw:
            continue
        file = f"{language}/{name}"
        data = raw[name]
        if not isinstance(data, dict):
            problems.append(
                Problem(
                    file,
                    None,
                    _("expected a mapping with 'language: {language}'").format(language=language),
                )
            )
            continue
        try:
            texts = model.model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                loc = [str(part) for part in detail["loc"]]
                item = loc[1] if len(loc) > 1 and loc[0] in SECTIONS else None
                where = ".".join(loc) or "(file)"
                problems.append(Problem(file, item, f"{where}: {detail['msg']}"))
            continue
        if getattr(texts, "language", None) != language:
            problems.append(
                Problem(
                    file,
                    None,
                    _("language: must be {language} (the folder's language), not {given}").format(
                        language=language, given=repr(getattr(texts, "language", None))
                    ),
                )
            )
        parsed[name.removesuffix(".yaml")] = texts
    return Translation(language=language, **parsed), problems


# ---------------------------------------------------------------------------------------------
# Texts compared with the English: (file, id, field, English text, translated text)

Slot = tuple[str, str | None, str, str | None, str | None]


def slots(kb: KnowledgeBase, texts: Translation) -> Iterator[Slot]:
    """Every text of the English knowledge base beside the same text in `texts` (None when it
    is not translated), with the file and id it belongs to."""
    yield from _ruleset_slots(kb, texts.ruleset)
    rules = texts.rules.rules if texts.rules else {}
    for rule in kb.rules:
        yield "rules.yaml", rule.id, "title", rule.title, _field(rules.get(rule.id), "title")
    advice = texts.advice.advice if texts.advice else {}
    for item in kb.advice.values():
        given = advice.get(item.id)
        yield "advice.yaml", item.id, "title", item.title, _field(given, "title")
        yield "advice.yaml", item.id, "text", item.text, _field(given, "text")
    questions = texts.questions.questions if texts.questions else {}
    for question in kb.questions:
        given_q = questions.get(question.id)
        for name in ("short", "text", "help", "picture", "unanswered", "none_label"):
            yield (
                "questions.yaml",
                question.id,
                name,
                getattr(question, name),
                _field(given_q, name),
            )
        yield from _person_slots(question.id, question.person, given_q, ("text", "help"))
        choices = given_q.choices if given_q else {}
        for choice in question.choices:
            where = f"choices.{choice.value}"
            given_c = choices.get(choice.value)
            yield (
                "questions.yaml",
                question.id,
                f"{where}.label",
                choice.label,
                _field(given_c, "label"),
            )
            yield (
                "questions.yaml",
                question.id,
                f"{where}.help",
                choice.help,
                _field(given_c, "help"),
            )
    screens = texts.questions.screens if texts.questions else {}
    for screen in kb.screens:
        given_s = screens.get(screen.id)
        yield "questions.yaml", screen.id, "title", screen.title, _field(given_s, "title")
        yield "questions.yaml", screen.id, "help", screen.help, _field(given_s, "help")
        yield from _person_slots(screen.id, screen.person, given_s, ("title", "help"))


def _person_slots(
    item: str, person: Mapping[Any, BaseModel], given: Any, names: tuple[str, ...]
) -> Iterator[Slot]:
    """The texts worded for another person (`person.<respondent>.<field>`)."""
    translated = given.person if given is not None else {}
    for who, wording in person.items():
        for name in names:
            english = getattr(wording, name)
            yield (
                "questions.yaml",
                item,
                f"person.{who}.{name}",
                english,
                _field(translated.get(who), name),
            )


def _ruleset_slots(kb: KnowledgeBase, texts: RulesetText | None) -> Iterator[Slot]:
    info = kb.info
    for name in ("title", "description", "welcome", "disclaimer"):
        yield "ruleset.yaml", None, name, getattr(info, name), _field(texts, name)
    causes = texts.causes if texts else {}
    for cause, words in info.causes.items():
        yield "ruleset.yaml", None, f"causes.{cause.value}", words, causes.get(cause)
    choices = texts.symptom_choices if texts else {}
    for choice, words in info.symptom_choices.items():
        yield "ruleset.yaml", None, f"symptom_choices.{choice}", words, choices.get(choice)
    levels = texts.levels if texts else {}
    for level, level_info in info.levels.items():
        for name in ("headline", "summary"):
            where = f"levels.{level.value}.{name}"
            yield (
                "ruleset.yaml",
                None,
                where,
                getattr(level_info, name),
                _field(levels.get(level), name),
            )


def _field(texts: BaseModel | None, name: str) -> str | None:
    return getattr(texts, name, None) if texts is not None else None


def missing(kb: KnowledgeBase, texts: Translation) -> list[Problem]:
    """Every English text that `texts` does not translate, one problem each (file and id)."""
    language = _(NAMES.get(texts.language, texts.language))
    return [
        Problem(
            f"{texts.language}/{file}",
            item,
            _("{field}: missing {language} text").format(field=name, language=language),
        )
        for file, item, name, english, translated in slots(kb, texts)
        if english is not None and translated is None
    ]


def unknown(kb: KnowledgeBase, texts: Translation) -> list[Problem]:
    """Every text in `texts` that the English does not have: an id that does not exist, a choice
    the question does not offer, a help text where the English has none. Such a text would never
    be shown, so it is a problem (most often a typing error in an id)."""
    problems: list[Problem] = []

    def add(file: str, item: str | None, message: str) -> None:
        problems.append(Problem(f"{texts.language}/{file}", item, message))

    known_rules = {rule.id for rule in kb.rules}
    for rule_id in texts.rules.rules if texts.rules else {}:
        if rule_id not in known_rules:
            add("rules.yaml", rule_id, _("no rule has this id in rules.yaml"))
    for advice_id in texts.advice.advice if texts.advice else {}:
        if advice_id not in kb.advice:
            add("advice.yaml", advice_id, _("no advice has this id in advice.yaml"))
    questions = kb.questions_by_id
    for question_id, given in (texts.questions.questions if texts.questions else {}).items():
        question = questions.get(question_id)
        if question is None:
            add("questions.yaml", question_id, _("no question has this id in questions.yaml"))
            continue
        for who in set(given.person) - set(question.person):
            add("questions.yaml", question_id, _unknown_person(who))
        offered = {choice.value for choice in question.choices}
        for value in given.choices:
            if value not in offered:
                add(
                    "questions.yaml",
                    question_id,
                    _("choices.{value}: the question has no such choice; choices: {known}").format(
                        value=value, known=", ".join(sorted(offered)) or "-"
                    ),
                )
    for source_id in texts.ruleset.sources if texts.ruleset else {}:
        if source_id not in kb.sources:
            add("ruleset.yaml", source_id, _("no source has this id in sources.yaml"))
    screens = kb.screens_by_id
    for screen_id, given_s in (texts.questions.screens if texts.questions else {}).items():
        if screen_id not in screens:
            add("questions.yaml", screen_id, _("no screen has this id in questions.yaml"))
            continue
        for who in set(given_s.person) - set(screens[screen_id].person):
            add("questions.yaml", screen_id, _unknown_person(who))
    for file, item, name, english, translated in slots(kb, texts):
        if english is None and translated is not None:
            add(file, item, _("{field}: the English has no such text").format(field=name))
    return problems


def _unknown_person(who: str) -> str:
    return _("person.{who}: the English has no wording for this person").format(who=who)


# ---------------------------------------------------------------------------------------------
# The knowledge base in one language


def localized(kb: KnowledgeBase, texts: Translation) -> KnowledgeBase:
    """The knowledge base with every text that `texts` translates in that language (the others
    stay English); ids, conditions, levels and sources are the same objects (the titles that
    sources have in the language go to `source_titles`, for the text shown to people)."""
    info = kb.info
    ruleset = texts.ruleset
    if ruleset is not None:
        levels = {
            level: level_info.model_copy(update=_given(ruleset.levels.get(level)))
            for level, level_info in info.levels.items()
        }
        info = info.model_copy(
            update=_given(ruleset, ("title", "description", "welcome", "disclaimer"))
            | {
                "causes": {cause: ruleset.causes.get(cause, w) for cause, w in info.causes.items()},
                "symptom_choices": {
                    choice: ruleset.symptom_choices.get(choice, w)
                    for choice, w in info.symptom_choices.items()
                },
                "levels": levels,
            }
        )
    rules_text = texts.rules.rules if texts.rules else {}
    advice_text = texts.advice.advice if texts.advice else {}
    questions_text = texts.questions.questions if texts.questions else {}
    screens_text = texts.questions.screens if texts.questions else {}
    return dataclasses.replace(
        kb,
        info=info,
        rules=tuple(rule.model_copy(update=_given(rules_text.get(rule.id))) for rule in kb.rules),
        advice={
            key: item.model_copy(update=_given(advice_text.get(key)))
            for key, item in kb.advice.items()
        },
        questions=tuple(_question(q, questions_text.get(q.id)) for q in kb.questions),
        screens=tuple(_screen(s, screens_text.get(s.id)) for s in kb.screens),
        source_titles=dict(ruleset.sources) if ruleset is not None else {},
        language=texts.language,
    )


def _question(question: Any, texts: QuestionText | None) -> Any:
    if texts is None:
        return question
    choices = [c.model_copy(update=_given(texts.choices.get(c.value))) for c in question.choices]
    update = _given(texts, ("short", "text", "help", "picture", "unanswered", "none_label"))
    person = _person(question.person, texts.person)
    return question.model_copy(update=update | {"choices": choices, "person": person})


def _screen(screen: Any, texts: ScreenText | None) -> Any:
    if texts is None:
        return screen
    person = _person(screen.person, texts.person)
    return screen.model_copy(update=_given(texts, ("title", "help")) | {"person": person})


def _person(english: Mapping[str, Any], texts: Mapping[str, BaseModel]) -> dict[str, Any]:
    """Each wording for another person, with the texts given for it in the language."""
    return {who: w.model_copy(update=_given(texts.get(who))) for who, w in english.items()}


def _given(texts: BaseModel | None, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The texts that are given (not None), by field name: what replaces the English."""
    if texts is None:
        return {}
    fields = names if names is not None else tuple(type(texts).model_fields)
    return {name: getattr(texts, name) for name in fields if getattr(texts, name) is not None}
