"""Which language the tool speaks: `--lang de|en` on the command line, else the environment.

The environment is read as POSIX reads it for messages: the first of `LC_ALL`, `LC_MESSAGES`
and `LANG` that is set and not empty decides (`de_DE.UTF-8`, `de_AT`, `de` -> German; `C`,
`POSIX`, an unset locale or any language the tool does not have -> English). `LANGUAGE`, a GNU
extension with a list of preferences, is not read: it would let a setting meant for other
programs override a choice made with `LC_ALL`.

The command line is scanned for `--lang` before argparse runs, because argparse's own words
(usage, options, its error messages) must already be in that language when the parser is built.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from triage.errors import UsageError
from triage.i18n import ENGLISH, N_, _
from triage.safe_text import one_line

LANGUAGES = ("de", "en")  # every language the tool speaks; English is the knowledge base's own
# Each language's name, for messages such as "missing German text" (translated where used).
NAMES = {"de": N_("German"), "en": N_("English")}
OPTION = "--lang"
ENVIRONMENT = ("LC_ALL", "LC_MESSAGES", "LANG")  # in POSIX order: the first set one decides


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language of the first of LC_ALL, LC_MESSAGES and LANG that is set and not empty."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        value = environ.get(name, "")
        if value:
            return from_locale(value)
    return ENGLISH


def from_locale(locale: str) -> str:
    """The language of a locale name such as `de_DE.UTF-8`, `de_AT@euro` or `de` (English for
    `C`, `POSIX` and languages the tool does not have)."""
    code = locale.split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].split("-", 1)[0].lower()
    return code if code in LANGUAGES else ENGLISH


def checked(value: str) -> str:
    """A `--lang` value, or a UsageError naming the allowed values."""
    if value in LANGUAGES:
        return value
    raise UsageError(unknown(value))


def unknown(value: str) -> str:
    return _("{option}: {value} is not a language of this tool; allowed: {allowed}").format(
        option=OPTION, value=one_line(repr(value), 60), allowed=", ".join(LANGUAGES)
    )


def from_arguments(argv: Sequence[str]) -> str | None:
    """The value given with `--lang` anywhere before a lone `--` (the last one wins, as in
    argparse), checked; None when it is not given. `--lang=de` and the abbreviations argparse
    accepts (`--l`, `--la`, `--lan`) count too. A missing value is left to argparse to report."""
    found: str | None = None
    arguments = list(argv)
    for index, argument in enumerate(arguments):
        if argument == "--":
            break
        name, equals, value = argument.partition("=")
        if len(name) < 3 or not OPTION.startswith(name):
            continue
        if equals:
            found = value
        elif index + 1 < len(arguments):
            found = arguments[index + 1]
    return checked(found) if found is not None else None


def chosen(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: `--lang` when given, else the environment's."""
    return from_arguments(argv) or from_environment(environ)
