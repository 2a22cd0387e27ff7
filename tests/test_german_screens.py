"""No English on a German screen: the quiz, the result, the save dialogue, the emergency stop,
the text and Markdown results of every scenario, and --help.

The interface words come from the catalogue (triage/locale/); the clinical words come from the
knowledge base. To test the interface on its own, whatever the state of the German knowledge
texts, most tests use a copy of rules/ whose every text is a neutral placeholder ("Inhalt17");
`test_the_real_german_quiz_has_no_english` uses the German knowledge base itself once
`knowledge.load` takes a language (skipped with the reason until then).

The quiz is driven through the real screens with prompt_toolkit pipe input: a typist reads each
screen's state and sends the next key, as a person would, and every screen's text is kept.
English words are those of the catalogue's English and of the English knowledge texts that are
not German words too; file names, commands, options and codes (which are never translated) are
taken out of a text before it is checked.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from tests.conftest import load_scenario, scenario_files
from triage import i18n, knowledge, markdown, outcome, quiz, render
from triage.knowledge import KnowledgeBase
from triage.models import Answers, Level
from triage.prompts import Form, NumberForm, PageForm, PromptAsker, ReviewForm, TicksForm
from triage.session import Ending, Session, menu_letters
from triage.yamlfile import read_yaml

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
GERMAN_PO = Path(i18n.LOCALE_DIRECTORY) / "de" / "LC_MESSAGES" / "triage.po"
DOWN, UP, RIGHT, ENTER, SPACE = "\x1b[B", "\x1b[A", "\x1b[C", "\r", " "

# Words that must never be on a German screen, whatever else the lists hold.
ALWAYS_ENGLISH = {
    "the", "your", "you", "and", "question", "yes", "not", "sure", "what", "next", "save",
    "saved", "answer", "answers", "press", "enter", "back", "choose", "doctor", "summary",
    "result", "file", "keys", "none", "more", "show", "details", "sources", "reason", "why",
    "stopped", "emergency", "urgent", "soon", "self", "care", "pain", "type", "review", "with",
}  # fmt: skip
# English words that are German words too (or names both languages use).
ALSO_GERMAN = {
    "was",
    "rest",
    "arm",
    "bald",
    "hat",
    "die",
    "also",
    "will",
    "man",
    "fast",
    "see",
    "normal",
}
WORD = re.compile(r"[^\W\d_]{2,}")


# ---------------------------------------------------------------------------------------------
# What counts as English


def without_code(text: str) -> str:
    """`text` without what is never translated: code spans, quoted commands, options, paths,
    file names, upper-case names (JSON, FHIR, DATEI), the program's commands."""
    for pattern in (
        r"`[^`]*`",
        r"'[^']*'",
        r"\S*[/\\]\S*",
        r"\S+\.(json|md|py)\b",
        r"(?<!\w)--?[A-Za-z][\w-]*",
        r"\b[A-Z][A-Z0-9_]+\b",
        r"\btriage(\s+(quiz|assess|check|fhir|rules|schema))?\b",
        r"\{[^}]*\}|%\(\w+\)[srd]|%[srd]",
    ):
        text = re.sub(pattern, " ", text)
    return text


def words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(without_code(text))}


def _catalogue() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    from babel.messages.pofile import read_po

    with GERMAN_PO.open("rb") as handle:
        po = read_po(handle)
    return [
        (
            m.id if isinstance(m.id, tuple) else (m.id,),
            m.string if isinstance(m.string, tuple) else (m.string,),
        )
        for m in po
        if m.id
    ]


def knowledge_texts(directory: Path) -> Iterator[str]:
    skip = {"id", "kind", "section", "screen", "value", "url", "research", "triage", "when"}
    skip |= {"unsure_policy", "name", "version", "advice", "sources", "language", "picture"}

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in skip:
                    yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
        elif isinstance(node, str):
            yield node

    for path in sorted(directory.glob("*.yaml")):
        if path.name != "coverage.yaml":
            yield from walk(read_yaml(path))


@pytest.fixture(scope="module")
def english_words() -> set[str]:
    return english_vocabulary()


def english_vocabulary() -> set[str]:
    """The English words that must not be on a German screen (also used by
    tests/test_german_messages.py)."""
    pytest.importorskip("babel", reason="Babel (pyproject [test]) reads the catalogue")
    english: set[str] = set()
    german: set[str] = set()
    for ids, strings in _catalogue():
        english |= {w for text in ids for w in words(text)}
        german |= {w for text in strings for w in words(text)}
    english |= {w for text in knowledge_texts(RULES) for w in words(text)}
    german |= {w for text in knowledge_texts(RULES / "de") for w in words(text)}
    found = (english - german - ALSO_GERMAN) | ALWAYS_ENGLISH
    assert {"question", "what", "next", "save", "yes", "sure"} <= found and len(found) > 500
    return found


def english_in(text: str, english: set[str], names: Sequence[str] = ()) -> list[str]:
    """The English words in `text`; `names` (the rule set's name, titles of cited guidelines)
    are names, never translated, and taken out first."""
    text = " ".join(text.split())  # a name wrapped over two lines is still the name
    for name in sorted((" ".join(name.split()) for name in names), key=len, reverse=True):
        text = text.replace(name, " ")
    return sorted(words(text) & english)


def names_of(kb: KnowledgeBase) -> list[str]:
    return [kb.label, kb.info.name]


def test_the_word_check_finds_english_and_passes_german(english_words: set[str]) -> None:
    assert english_in("What next? Save your answers.", english_words) == [
        "answers", "next", "save", "what", "your",
    ]  # fmt: skip
    german = "Wie geht es weiter? Speichern Sie mit 'triage assess back-pain.json' (--json)."
    assert english_in(german, english_words) == []


# ---------------------------------------------------------------------------------------------
# Knowledge bases to test with


TEXT_KEYS = {"text", "title", "help", "short", "label", "headline", "summary"}
TEXT_KEYS |= {"welcome", "disclaimer", "description", "unanswered", "none_label"}


def placeholder_rules(target: Path) -> Path:
    """A copy of rules/ in which every text a person reads is a placeholder (ids, conditions,
    levels, sources' ids unchanged), so a screen's words are the interface's alone."""
    counter = iter(range(1, 100_000))

    def replaced(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            if key == "symptom_choices":
                return {"yes": "Ja", "no": "Nein", "unsure": "Weiß nicht"}
            if key == "causes":
                return {name: f"Ursache{next(counter)}" for name in node}
            return {k: replaced(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [replaced(item, key) for item in node]
        if isinstance(node, str) and key in TEXT_KEYS:
            return f"Inhalt{next(counter)}"
        if isinstance(node, str) and key == "picture":
            return re.sub(r"[A-Za-z]{2,}", "Rücken", node)
        return node

    target.mkdir()
    for path in RULES.glob("*.yaml"):
        data = read_yaml(path)  # as the tool reads it: `yes` stays the string "yes"
        text = json.dumps(replaced(data), ensure_ascii=False)  # JSON is YAML too
        (target / path.name).write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def neutral_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return knowledge.load(placeholder_rules(tmp_path_factory.mktemp("neutral") / "rules"))


def german_knowledge() -> KnowledgeBase | None:
    """The German knowledge base, once `knowledge.load` takes a language and rules/de has the
    questions (the other half of issue 13); None before."""
    takes_language = "language" in inspect.signature(knowledge.load).parameters
    if not takes_language or not (RULES / "de" / "questions.yaml").exists():
        return None
    return knowledge.load(None, "de")  # type: ignore[call-arg]


# ---------------------------------------------------------------------------------------------
# The quiz through the real screens


class Typist(PromptAsker):
    """The real screens on a pipe; keys are chosen from what each screen shows, one at a time,
    and everything shown is kept in `texts`. `emergency`: answer Yes to the first warning sign.
    After the result: the details (`e` in German), then save (`s`), with the name offered and
    the summary."""

    def __init__(self, kb: KnowledgeBase, pipe: Any, *, emergency: bool = False) -> None:
        super().__init__(kb, input=pipe, output=DummyOutput(), stream=io.StringIO())
        self.pipe, self.emergency, self.said_yes = pipe, emergency, False
        self.texts: list[str] = []
        self.after_result = [menu_letters()["d"], menu_letters()["s"]]  # German: e, s
        self.form: Form | None = None
        self.on_ready = self._ready

    def show(self, text: str) -> None:
        self.texts.append(text)
        super().show(text)

    def run_form(self, form: Form) -> Any:
        self.form = form
        pressed = form.key

        def key(name: str) -> Any:
            reply = pressed(name)
            self._keep(form)
            if reply is None:
                self.pipe.send_text(self._next_key(form))
            return reply

        form.key = key  # type: ignore[method-assign]
        return super().run_form(form)

    def ready(self, message: str) -> None:
        self.texts.append(message)
        super().ready(message)

    def _ready(self) -> None:
        if self.form is None:  # the prompt to start, before the first question
            self.pipe.send_text(ENTER)
            return
        self._keep(self.form)
        self.pipe.send_text(self._next_key(self.form))

    def _keep(self, form: Form) -> None:
        lines = form.draw(80)[0] + form.footer(80)
        self.texts.append("\n".join("".join(text for _style, text in line) for line in lines))

    def _next_key(self, form: Form) -> str:
        if isinstance(form, ReviewForm):
            return ENTER
        if isinstance(form, NumberForm):
            wanted = "40" if form.high >= 40 else "4"
            return wanted[len(form.text)] if len(form.text) < len(wanted) else ENTER
        if isinstance(form, TicksForm):
            return SPACE if not form.ticked else ENTER
        assert isinstance(form, PageForm)
        still_open = [i for i, q in enumerate(form.questions) if q.id not in form.chosen]
        if not still_open:
            return ENTER
        question = form.focused
        if question.id in form.chosen:
            return DOWN if still_open[-1] > form.focus else UP
        if question.kind == "symptom":
            if self.emergency and not self.said_yes:
                self.said_yes = True
                return "y"
            return "n"
        return DOWN if form.vertical else RIGHT

    def _key(self, message: str, keys: dict[str, str], *, enter: str, erase: bool = False) -> str:
        self.texts.append(message)
        if enter == "more":
            pressed = SPACE
        elif "y" in keys:
            pressed = "y"
        else:
            pressed = self.after_result.pop(0) if self.after_result else ENTER
        self.pipe.send_text(pressed)
        return super()._key(message, keys, enter=enter, erase=erase)

    def file_name(self, message: str, default: str) -> str:
        self.texts.append(message)
        self.pipe.send_text(ENTER)  # the name offered
        return super().file_name(message, default)


def run_quiz(kb: KnowledgeBase, folder: Path, *, emergency: bool) -> tuple[Ending, str]:
    """How the quiz ended, and everything it showed."""
    with create_pipe_input() as pipe:
        typist = Typist(kb, pipe, emergency=emergency)
        session = Session(
            kb,
            typist,
            directory=folder,
            clock=lambda: datetime(2026, 11, 28, 10, 0),
            screen=lambda: (80, 24),
        )
        ending = session.run()
    return ending, "\n".join(typist.texts)


def saved_files(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


@pytest.mark.usefixtures("german")
def test_a_german_quiz_to_the_saved_summary_has_no_english(
    neutral_kb: KnowledgeBase, tmp_path: Path, english_words: set[str]
) -> None:
    ending, shown = run_quiz(neutral_kb, tmp_path, emergency=False)
    assert ending is Ending.COMPLETED, shown[-2000:]
    for german_words in (
        "Frage 1 von etwa",  # every page
        "Ihre Antworten prüfen",  # the review
        "Wie geht es weiter?",  # the result's choices
        "Einzelheiten: alle Gründe",  # the details
        "Dateiname (leer: nicht speichern)",  # the save dialogue
        "Auch eine Zusammenfassung",
        "Ihre Antworten und das Ergebnis sind gespeichert in:",
    ):
        assert german_words in shown
    assert english_in(shown, english_words, names_of(neutral_kb)) == []
    files = saved_files(tmp_path)
    summary = next(text for name, text in files.items() if name.endswith(".md"))
    assert "## Anamnese" in summary and "- **Alter:** " in summary and "„" in summary
    assert english_in(summary, english_words, names_of(neutral_kb)) == []


@pytest.mark.usefixtures("german")
def test_the_german_emergency_stop_and_its_resume_file_have_no_english(
    neutral_kb: KnowledgeBase, tmp_path: Path, english_words: set[str]
) -> None:
    ending, shown = run_quiz(neutral_kb, tmp_path, emergency=True)
    assert ending is Ending.EMERGENCY, shown[-2000:]
    assert "Der Fragebogen endet hier" in shown and "Bei dieser Antwort" in shown
    assert "Ihre bisherigen Antworten sind gespeichert in:" in shown
    assert english_in(shown, english_words, names_of(neutral_kb)) == []
    files = saved_files(tmp_path)
    (resume_file,) = [text for name, text in files.items() if name.endswith(".json")]
    note = json.loads(resume_file)["metadata"]["note"]
    assert note.startswith("Die bisherigen Antworten") and english_in(note, english_words) == []
    # the summary of what is known, beside it, in German too
    (summary,) = [text for name, text in files.items() if name.endswith(".md")]
    assert "**Unvollständig.**" in summary
    assert english_in(summary, english_words, names_of(neutral_kb)) == []


def test_the_real_german_quiz_has_no_english(tmp_path: Path, english_words: set[str]) -> None:
    kb = german_knowledge()
    if kb is None:
        pytest.skip("German knowledge texts not merged yet (knowledge.load has no language)")
    i18n.use("de")
    try:
        ending, shown = run_quiz(kb, tmp_path, emergency=False)
    finally:
        i18n.use("en")
    # cited as published, or by their German title where they have one
    citations = [kb.source_titles.get(key, s.title) for key, s in kb.sources.items()]
    assert "999" not in shown and "A&E" not in shown  # no British emergency numbers
    assert ending is Ending.COMPLETED
    left = english_in(shown, english_words, [*names_of(kb), *citations])
    assert left == [], [line for line in shown.splitlines() if set(words(line)) & set(left)]


# ---------------------------------------------------------------------------------------------
# Results of every scenario


def scenario_answers() -> Iterable[Answers]:
    for path in scenario_files():
        yield Answers.model_validate(load_scenario(path)["answers"])


@pytest.mark.usefixtures("german")
def test_every_scenario_result_in_german_text_and_markdown_has_no_english(
    neutral_kb: KnowledgeBase, english_words: set[str]
) -> None:
    found: dict[str, list[str]] = {}
    checked = 0
    for answers in scenario_answers():
        result = outcome.assess(answers, neutral_kb)
        text = render.to_text(result, neutral_kb, width=78)
        summary = markdown.to_markdown(answers, result, neutral_kb, saved=None, made="heute")
        for kind, printed in (("text", text), ("markdown", summary)):
            for line in printed.splitlines():
                if english_in(line, english_words, names_of(neutral_kb)):
                    found.setdefault(kind, []).append(line)
            checked += 1
    assert checked >= 2 * 300
    assert found == {}


# ---------------------------------------------------------------------------------------------
# The command line in German (a wrapper chooses German until --lang and LANG are wired in
# triage.cli; LANG=de_DE.UTF-8 is set too, so the same test holds once they are)

WRAPPER = "import sys; from triage import i18n, cli; i18n.use('de'); sys.exit(cli.main())"


def german_command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "de_DE.UTF-8", "COLUMNS": "100"}
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    return subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("assess", "--help"),
        ("quiz", "--help"),
        ("fhir", "--help"),
        ("schema", "--help"),
        ("check", "--help"),
    ],
)
def test_help_in_german(args: Sequence[str], english_words: set[str]) -> None:
    done = german_command(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Aufruf: triage")
    assert "Optionen:" in done.stdout and "diese Hilfe zeigen und beenden" in done.stdout
    technical = {"questionnaire", "bundle", "riskassessment", "questionnaireresponse", "jsonl"}
    commands = ["assess", "compare", "schema", "fhir", "rules", "check", "quiz"]  # as typed
    assert english_in(done.stdout, english_words - technical, commands) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("assess",), "assess: Geben Sie eine Antwortdatei an"),
        (("assess", "no-such-file.json"), "no-such-file.json: diese Datei gibt es nicht"),
        (("assess", "--format", "pdf", "x.json"), "ungültige Auswahl: 'pdf'"),
        (("frobnicate",), "unbekannter Befehl 'frobnicate'; Befehle: assess, compare, schema"),
        (("asess",), "unbekannter Befehl 'asess' (meinten Sie 'assess'?)"),
    ],
)
def test_usage_errors_in_german_keep_their_structure_and_exit_code(
    args: Sequence[str], expected: str, english_words: set[str]
) -> None:
    done = german_command(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert expected in done.stderr and "Traceback" not in done.stderr
    commands = ["assess", "compare", "schema", "fhir", "rules", "check", "quiz"]  # as typed
    assert english_in(done.stderr, english_words, commands) == []


def test_a_bad_answers_file_in_german_names_file_field_and_allowed_values(tmp_path: Path) -> None:
    answers = {"schema_version": 1, "age": 40, "location": ["knee"], "duration": "under_1_week"}
    path = tmp_path / "antworten.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    done = german_command("assess", str(path))
    assert done.returncode == 2
    assert f"triage: Fehler: {path}: Feld 'location.0': 'knee'" not in done.stderr  # JSON-quoted
    assert "antworten.json: Feld 'location.0': \"knee\" ist nicht erlaubt; erlaubte Werte:" in (
        done.stderr
    )
    assert "lower_back" in done.stderr  # the allowed values stay codes


def test_batch_lines_keep_their_keys_with_german_messages(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text('{"age": 40}\nnot json\n', encoding="utf-8")
    done = german_command("assess", "--batch", str(path))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [sorted(line) for line in lines] == [["error", "field", "line"], ["error", "line"]]
    assert lines[0]["error"].startswith("Feld 'location': fehlt, ist aber nötig")
    assert lines[1]["error"].startswith("ungültiges JSON in Spalte 1:")
    assert done.returncode == 2 and "2 von 2 Zeilen fehlerhaft" in done.stderr


# ---------------------------------------------------------------------------------------------
# A German quiz in a real pseudo-terminal, from the first question to the saved summary


def test_a_german_quiz_in_a_pseudo_terminal_to_the_saved_summary(
    kb: KnowledgeBase, tmp_path: Path, english_words: set[str]
) -> None:
    pexpect = pytest.importorskip("pexpect", reason="pexpect (pyproject [test]) drives the pty")
    from tests.test_quiz_pty import ALL_NO, KEYS, TIMEOUT, page_pattern, pattern

    german_kb = german_knowledge()
    shown_kb = german_kb or kb  # the knowledge texts the quiz shows (English until merged)
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.update({"LANG": "de_DE.UTF-8", "COLUMNS": "120", "LINES": "40"})
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    child = pexpect.spawn(
        sys.executable,
        ["-c", WRAPPER, "quiz"],
        cwd=str(tmp_path),
        env=env,
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=TIMEOUT,
    )
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect("um mit den Fragen zu beginnen")  # the prompt to start, after the welcome
    child.send(ENTER)
    child.expect("Frage 1 von etwa")
    pending = {plan.id: page_pattern(plan) for plan in quiz.pages(shown_kb)}
    while True:
        ids = list(pending)
        index = child.expect([pending[pid] for pid in ids] + ["Ihre Antworten prüfen"])
        if index == len(ids):
            break
        page_id = ids[index]
        del pending[page_id]
        child.send(KEYS.get(page_id, ALL_NO))
    child.send(ENTER)  # the first line of the review: show my result
    child.expect(pattern(shown_kb.info.levels[Level.SELF_CARE].headline))
    child.expect(re.escape("Wie geht es weiter?"))
    child.send("s")
    child.expect(re.escape("Dateiname (leer: nicht speichern):"))
    child.send(ENTER)  # the name offered
    child.expect("Auch eine Zusammenfassung")
    child.send("y")
    child.expect("Ihre Antworten und das Ergebnis sind gespeichert in")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    (summary_file,) = tmp_path.glob("*.md")
    summary = summary_file.read_text(encoding="utf-8")
    assert summary.startswith("# Rückenschmerzen: Zusammenfassung")
    assert "- **Alter:** " in summary and "**Stufe: Selbsthilfe.**" in summary
    assert "Frage 1 von etwa" in transcript.getvalue()
    if german_kb is not None:  # every word German once the knowledge texts are
        assert english_in(summary, english_words, names_of(german_kb)) == []
