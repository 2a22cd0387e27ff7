"""The interface catalogue (triage/locale/) is complete and current, and the run time reads it.

- what Babel extracts from the code (babel.cfg, the keywords of triage.i18n) is exactly what the
  German catalogue holds: no string marked but missing, no stale entry;
- every entry has German (every plural form), none is fuzzy, and the placeholders ({name},
  %s, %(name)s) are the same in English and German;
- the committed .mo is byte for byte what Babel compiles from the .po;
- the list of argparse's messages in triage/i18n.py matches argparse's own source;
- `i18n.use` switches the whole interface, argparse's words included, and back.

Babel is a test dependency only (pyproject [test]); without it the catalogue tests are skipped
with the reason. The .pot is not kept in git (.gitignore): the .po is the reviewed file, and
extraction is compared with it directly.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import gettext
import inspect
import io
import re
import string
from pathlib import Path
from typing import Any

import pytest

from triage import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALE = Path(i18n.LOCALE_DIRECTORY)
GERMAN_PO = LOCALE / "de" / "LC_MESSAGES" / "triage.po"
GERMAN_MO = GERMAN_PO.with_suffix(".mo")
KEYWORDS_EXTRA = {"N_": None, "pgettext": ((1, "c"), 2)}  # as in docs/languages.md

babel_messages = pytest.importorskip("babel.messages", reason="Babel (pyproject [test]) needed")
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402


def extracted() -> dict[Any, Any]:
    """(context, msgid) -> msgid (a tuple for plurals) of every marked string in the code."""
    config = configparser.ConfigParser()
    config.read(ROOT / "babel.cfg")
    method_map = [(section.split(":", 1)[1].strip(), "python") for section in config.sections()]
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS_EXTRA}
    found: dict[Any, Any] = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords
    ):
        key = (context, message[0] if isinstance(message, tuple) else message)
        found[key] = message
    return found


def catalogue() -> Any:
    with GERMAN_PO.open("rb") as handle:
        return read_po(handle)


def entries() -> list[Any]:
    return [message for message in catalogue() if message.id]


def test_the_catalogue_holds_exactly_the_strings_marked_in_the_code() -> None:
    in_code = extracted()
    in_catalogue = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id): m.id for m in entries()
    }
    assert len(in_code) > 200  # the interface really is marked (not an empty extraction)
    missing = sorted(str(key) for key in in_code.keys() - in_catalogue.keys())
    stale = sorted(str(key) for key in in_catalogue.keys() - in_code.keys())
    assert not missing, f"marked in the code, missing from {GERMAN_PO.name}: {missing}"
    assert not stale, f"in {GERMAN_PO.name}, no longer in the code: {stale}"
    changed = [key for key in in_code if in_code[key] != in_catalogue[key]]  # plural forms
    assert not changed


def test_every_entry_has_german_and_none_is_fuzzy() -> None:
    po = catalogue()
    assert po.locale is not None and str(po.locale) == "de"
    assert po.num_plurals == 2 and "n != 1" in po.plural_expr
    for message in entries():
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(form.strip() for form in forms), message.id
        assert not message.fuzzy, message.id


def _placeholders(text: str) -> tuple[list[str], list[str]]:
    braces = sorted(
        field for _text, field, _spec, _conv in string.Formatter().parse(text) if field is not None
    )
    percents = sorted(re.findall(r"%(?:\(\w+\))?[srd]", text))
    return braces, percents


def test_placeholders_are_the_same_in_english_and_german() -> None:
    checked = 0
    for message in entries():
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        german = message.string if isinstance(message.string, tuple) else (message.string,)
        for source, translated in zip(english, german, strict=True):
            assert _placeholders(translated) == _placeholders(source), (source, translated)
            checked += 1
    assert checked > 200


def test_the_committed_mo_is_what_babel_compiles_from_the_po() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalogue())
    assert GERMAN_MO.read_bytes() == compiled.getvalue(), (
        "run: pybabel compile -d triage/locale -D triage"
    )


def test_argparse_messages_listed_in_i18n_match_argparse_itself() -> None:
    def messages(tree: ast.AST) -> set[tuple[str, ...]]:
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if node.func.id == "_" and texts and isinstance(texts[0], str):
                    found.add((texts[0],))
                elif node.func.id == "ngettext" and len(texts) >= 2:
                    found.add((texts[0], texts[1]))
        return found

    argparse_own = messages(ast.parse(inspect.getsource(argparse)))
    listed = messages(ast.parse(inspect.getsource(i18n._argparse_messages)))
    assert len(argparse_own) > 30
    assert listed == argparse_own


def test_the_installed_package_finds_the_german_catalogue() -> None:
    assert gettext.find(i18n.DOMAIN, i18n.LOCALE_DIRECTORY, ["de"]) == str(GERMAN_MO)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"triage/locale/**/*.mo"' in pyproject  # named for the wheel (not left to chance)


def test_use_switches_the_interface_and_argparse_and_back(german: None) -> None:
    from triage import cli, render

    assert i18n.current() == "de"
    assert render.level_name(render.Level.URGENT) == "dringend"
    assert i18n._("Not saved.") == "Nicht gespeichert."
    assert i18n.ngettext("{answer} to the other one", "{answer} to the other {count}", 3) == (
        "{answer} bei den anderen {count}"
    )
    help_text = cli.build_parser().format_help()
    assert help_text.startswith("Aufruf: triage") and "Optionen:" in help_text
    i18n.use("en")
    assert i18n._("Not saved.") == "Not saved."
    assert cli.build_parser().format_help().startswith("usage: triage")


def test_an_unknown_language_falls_back_to_english_words() -> None:
    try:
        i18n.use("xx")
        assert i18n._("Not saved.") == "Not saved."
    finally:
        i18n.use("en")
