"""The interface in the chosen language: the one module of ours that imports gettext.

Every user-facing string in the Python code is written in English and marked for translation:

- `_("...")` translates at once;
- `ngettext(singular, plural, n)` where a number decides the form;
- `pgettext(context, "...")` where one English word has several meanings (a key to press, a
  level's short name);
- `N_("...")` marks a string defined when a module is imported (a table of titles): it is
  translated where it is used, with `_(TABLE[key])`.

Translations live in GNU gettext catalogues, `triage/locale/<language>/LC_MESSAGES/triage.po`,
kept with Babel's `pybabel extract / update / compile` (see docs/languages.md); the
compiled `.mo` beside each `.po` is committed, so an installed package needs no Babel. English
needs no catalogue: the marked strings are the English text. The clinical texts are not here:
they come from the knowledge base (`rules/` and `rules/<language>/`).

argparse writes its own words ("usage:", "options", "show this help message and exit", its
error messages) through `gettext.gettext` and `gettext.ngettext`, which it imported under the
names `_` and `ngettext`; `use` points those two names at our catalogue, which holds argparse's
messages too (listed in `_argparse_messages`, so that extraction keeps them).
"""

from __future__ import annotations

import gettext as _gettext
import os
import sys

ENGLISH = "en"  # the language the marked strings are written in: it needs no catalogue
DOMAIN = "triage"
LOCALE_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")

_catalogue: _gettext.NullTranslations = _gettext.NullTranslations()
_language = ENGLISH


def use(language: str) -> None:
    """Speak `language` from now on (the whole process: one person, one language)."""
    global _catalogue, _language
    if language == ENGLISH:
        _catalogue = _gettext.NullTranslations()
    else:
        _catalogue = _gettext.translation(
            DOMAIN, LOCALE_DIRECTORY, languages=[language], fallback=True
        )
    _language = language
    _translate_argparse()


def current() -> str:
    """The language in use ("en" until `use` says otherwise)."""
    return _language


def _(message: str) -> str:
    return _catalogue.gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _catalogue.ngettext(singular, plural, number)


def pgettext(context: str, message: str) -> str:
    return _catalogue.pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - the name every gettext tool knows
    """Mark a string for extraction without translating it (translate it where it is used)."""
    return message


def _translate_argparse() -> None:
    """argparse's words through our catalogue (when argparse is loaded: the command line loads
    it before choosing the language; a parser built afterwards speaks that language)."""
    module = sys.modules.get("argparse")
    if module is not None:
        names = vars(module)
        names["_"] = _
        names["ngettext"] = ngettext


def _argparse_messages() -> None:  # pragma: no cover - never called: read by the extractor
    """Every message of argparse (Python 3.11), so that `pybabel extract` keeps them in our
    catalogue (tests/test_i18n.py checks this list against argparse's own source)."""
    _("usage: ")
    _("argument %(argument_name)s: %(message)s")
    _(".__call__() not defined")
    _("conflicting subparser: %s")
    _("conflicting subparser alias: %s")
    _("unknown parser %(parser_name)r (choices: %(choices)s)")
    _('argument "-" with mode %r')
    _("can't open '%(filename)s': %(error)s")
    _("cannot merge actions - two groups are named %r")
    _("'required' is an invalid argument for positionals")
    _("invalid option string %(option)r: must start with a character %(prefix_chars)r")
    _("dest= is required for options like %r")
    _("invalid conflict_resolution value: %r")
    ngettext("conflicting option string: %s", "conflicting option strings: %s", 0)
    _("mutually exclusive arguments must be optional")
    _("positional arguments")
    _("options")
    _("show this help message and exit")
    _("cannot have multiple subparser arguments")
    _("unrecognized arguments: %s")
    _("not allowed with argument %s")
    _("ignored explicit argument %r")
    _("the following arguments are required: %s")
    _("one of the arguments %s is required")
    _("expected one argument")
    _("expected at most one argument")
    _("expected at least one argument")
    ngettext("expected %s argument", "expected %s arguments", 0)
    _("ambiguous option: %(option)s could match %(matches)s")
    _("unexpected option string: %s")
    _("%r is not callable")
    _("invalid %(type)s value: %(value)r")
    _("invalid choice: %(value)r (choose from %(choices)s)")
    _("%(prog)s: error: %(message)s\n")
