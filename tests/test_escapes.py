"""No raw control character reaches the terminal, from any file, through any printer.

A hostile knowledge base (every text and id carrying terminal escapes, C1 controls, a
bidirectional override and line breaks), hostile saved documents and hostile file names go
through every command that prints: `rules`, `assess` (text, markdown), `check`, the note about
a saved result that differs, and the error messages that name a file. Whatever they print must be
visible characters only, one message per line, with the hostile text still there as visible
escapes (`\\x1b`), not silently dropped.

The loader refuses such a knowledge base (`triage check` says why); the printers are tested with
one built past the loader, so that each printer escapes on its own as well.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from triage import knowledge
from triage.cli import main
from triage.knowledge import KnowledgeBase

# An OSC title change with BEL, a clear screen, a C1 CSI, a bidi override, line breaks, DEL.
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e\r\nnext\u2028line\x7f"
SHOWN = "\\x1b]0;owned\\x07"  # how the start of HOSTILE must appear: as visible escapes
ANSWERS = {
    "age": 70,
    "location": ["lower_back"],
    "duration": "1_to_4_weeks",
    "symptoms": {"saddle_numbness": "yes", "fever": "unsure", "weight_loss": "yes"},
}


def assert_visible(text: str) -> None:
    """Only printable characters and the line breaks between lines."""
    bad = sorted({c for c in text if not (c.isprintable() or c == "\n")})
    assert not bad, f"raw control characters reach the terminal: {bad}"


def hostile_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """The real knowledge base with HOSTILE in every text a printer shows (built past the
    loader, which would refuse it). Rule ids keep their meaning for the engine: HOSTILE goes
    into the titles and the ids of advice and sources, which the engine does not read."""
    info = kb.info.model_copy(
        update={
            "name": f"rules{HOSTILE}",
            "version": HOSTILE,
            "disclaimer": HOSTILE,
            "causes": {cause: f"{words}{HOSTILE}" for cause, words in kb.info.causes.items()},
            "levels": {
                level: value.model_copy(
                    update={"headline": HOSTILE, "summary": f"{value.summary}{HOSTILE}"}
                )
                for level, value in kb.info.levels.items()
            },
        }
    )
    rules = tuple(
        rule.model_copy(update={"title": f"{rule.title}{HOSTILE}", "sources": [*rule.sources]})
        for rule in kb.rules
    )
    advice = {
        key: item.model_copy(update={"title": HOSTILE, "text": f"{item.text}{HOSTILE}"})
        for key, item in kb.advice.items()
    }
    sources = {
        key: item.model_copy(update={"id": f"{key}{HOSTILE}", "title": HOSTILE, "url": HOSTILE})
        for key, item in kb.sources.items()
    }
    return dataclasses.replace(kb, info=info, rules=rules, advice=advice, sources=sources)


@pytest.fixture
def hostile(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    built = hostile_kb(kb)
    monkeypatch.setattr(knowledge, "load", lambda directory=None, language="en": built)
    return built


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def answers_file(tmp_path: Path, data: Any = None, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(ANSWERS if data is None else data), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------------------------------------
# Texts from the knowledge base


def test_the_rule_list_escapes_titles_sources_and_the_rule_set_name(capsys, hostile) -> None:
    code, out, err = run(capsys, "rules")
    assert code == 0 and err == ""
    assert_visible(out)
    assert SHOWN in out
    # a heading, then one block per rule after a blank line: a title's line break stays escaped
    blocks = out.rstrip("\n").split("\n\n")
    assert len(blocks) == 1 + len(hostile.rules)


@pytest.mark.parametrize("output", [[], ["--format", "markdown"]], ids=["text", "markdown"])
def test_the_result_escapes_every_text_from_the_rules(capsys, tmp_path, hostile, output) -> None:
    code, out, err = run(capsys, "assess", answers_file(tmp_path), *output)
    assert code == 0, err
    assert err == ""
    assert_visible(out)
    assert "x1b" in out, "the hostile text is shown escaped, not dropped"


def test_the_json_result_carries_no_raw_control_character(capsys, tmp_path, hostile) -> None:
    """JSON escapes C0 controls itself, but not C1 controls or line separators: those must not
    reach the terminal either when someone reads `--json` there."""
    code, out, err = run(capsys, "assess", answers_file(tmp_path), "--json")
    assert code == 0, err
    assert json.loads(out)["disclaimer"] == HOSTILE, "the data itself is kept exactly"
    assert_visible(out)


# ---------------------------------------------------------------------------------------------
# `triage check`: problems quote the hostile text


def hostile_rules_dir(tmp_path: Path, name: str = "rules") -> Path:
    import shutil

    directory = tmp_path / name
    shutil.copytree(knowledge.default_directory(), directory)
    rules = directory / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace(
        "title: The pain started after a serious accident",
        'title: "\\e]0;owned\\a\\x9b2J\\u202e\\N\\L"',
        1,
    )
    text += (
        '\n  - id: "BAD\\e[2J-ID"\n    title: "t\\e]0;x\\a"\n    triage: soon\n'
        '    when: {"fe\\x9bver": yes}\n    sources: [NHS-BACK-PAIN]\n'
    )
    rules.write_text(text, encoding="utf-8")
    ruleset = directory / "ruleset.yaml"
    text = ruleset.read_text(encoding="utf-8")
    text = re.sub(r"welcome: >-\n(  .*\n)+", lambda _: 'welcome: "Hello\\e]0;owned\\a"\n', text)
    ruleset.write_text(text, encoding="utf-8")
    return directory


def test_check_quotes_hostile_texts_escaped_one_problem_per_line(capsys, tmp_path) -> None:
    directory = hostile_rules_dir(tmp_path, "rules\x1b]0;dir\x07\x9b")
    code, out, err = run(capsys, "check", str(directory))
    assert code == 2 and out == ""
    assert_visible(err)
    lines = err.splitlines()
    assert lines[-1].startswith("triage: error: ") and f"{len(lines) - 1} problems" in lines[-1]
    assert all(line.startswith(str(directory).replace("\x1b", "\\x1b")[:10]) for line in lines[:-1])
    assert any("control character" in line and "welcome" in line for line in lines)
    assert any("BAD" in line for line in lines)


def test_a_hostile_rules_directory_is_named_escaped(capsys, tmp_path) -> None:
    directory = hostile_rules_dir(tmp_path, "rules\x1b]0;dir\x07\nnext")
    for argv in (["rules"], ["assess", answers_file(tmp_path)]):
        code, out, err = run(capsys, "--rules", str(directory), *argv)
        assert code == 2 and out == ""
        assert_visible(err)
        (line,) = err.splitlines()
        assert "\\x1b]0;dir\\x07\\nnext" in line


# ---------------------------------------------------------------------------------------------
# Saved documents and file names


def saved_document(tmp_path: Path, kb: KnowledgeBase, **changes: Any) -> str:
    stored = {
        "triage": HOSTILE,
        "pain_type": f"x\n\ny{HOSTILE}",
        "suspected": [HOSTILE, "\ud800", "\x85"],
        "reasons": [{"rule": f"A{HOSTILE}\nB"}, {"rule": "\x9b"}],
        "ruleset": f"R{HOSTILE}",
    }
    data = {"answers": ANSWERS, "result": stored, "metadata": {"ruleset": HOSTILE}}
    data.update(changes)
    return answers_file(tmp_path, data, "saved.json")


@pytest.mark.parametrize("output", ["--json", "--format=markdown", "--format=text"])
def test_a_saved_result_that_differs_is_one_escaped_line(capsys, tmp_path, kb, output) -> None:
    path = saved_document(tmp_path, kb)
    code, out, err = run(capsys, "assess", path, output)
    assert code == 0
    assert_visible(err)
    (note,) = err.splitlines()
    assert note.startswith("triage: note: ") and "differs" in note
    assert SHOWN in note and "\\ud800" in note and "\\x85" in note
    assert len(note) < 2000


def test_a_saved_result_with_huge_values_is_cut(capsys, tmp_path, kb) -> None:
    huge = "\x1b" * 10_000 + "x" * 50_000  # five copies stay under the 1 MB file limit
    path = saved_document(
        tmp_path, kb, result={"triage": huge, "ruleset": huge, "suspected": [huge] * 3}
    )
    code, _out, err = run(capsys, "assess", path, "--json")
    assert code == 0
    assert_visible(err)
    (note,) = err.splitlines()
    assert len(note) < 1000


@pytest.mark.parametrize("command", ["assess", "fhir"])
def test_a_huge_or_hostile_saved_time_is_cut_and_escaped(capsys, tmp_path, kb, command) -> None:
    for created in ("x" * 900_000, f"2025-01-15T10:30:00{HOSTILE}"):
        path = saved_document(tmp_path, kb, result=None, metadata={"created": created})
        argv = [command, path] + (["--format", "markdown"] if command == "assess" else [])
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert_visible(err)
        (line,) = err.splitlines()
        assert "metadata.created" in line and len(line) < 400


@pytest.mark.parametrize(
    "argv",
    [
        ["assess", "{file}"],
        ["assess", "{file}", "--json"],
        ["assess", "--batch", "{file}"],
        ["fhir", "{file}"],
    ],
    ids=["assess", "assess-json", "batch", "fhir"],
)
@pytest.mark.parametrize("content", [None, "{}", '{"age": "\\u001b[2J"}'], ids=str)
def test_file_names_in_messages_are_escaped(capsys, tmp_path, argv, content) -> None:
    path = tmp_path / "a\x1b]0;owned\x07\x9b\u202e\nb.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, *(part.format(file=path) for part in argv))
    assert code == 2
    assert_visible(out + err)
    assert "a\\x1b]0;owned\\x07\\x9b\\u202e\\nb.json" in err
    assert len(err.splitlines()) == 1
