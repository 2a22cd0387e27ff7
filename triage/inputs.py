"""Read answers files and assessment documents, and explain every way they can be wrong.

Each problem becomes an InputError whose message names the file, the field and the allowed
values, with the closest valid name for a typo: a misspelt red flag must never be read as "no".
"""

from __future__ import annotations

import difflib
import json
import math
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from triage.errors import InputError
from triage.i18n import _, ngettext
from triage.models import (
    CHOICE_FIELDS,
    LIST_FIELDS,
    NUMBER_FIELDS,
    SYMPTOMS,
    Answers,
    AssessmentDocument,
    json_word,
)
from triage.safe_text import one_line

if TYPE_CHECKING:
    from triage.knowledge import KnowledgeBase

MAX_BYTES = 1_000_000  # one answers file is well under 10 kB; refuse anything this large
STDIN = "-"
SHOWN = 60  # at most this many characters of a bad value or name are repeated in a message


class _Object(dict):  # type: ignore[type-arg]
    """A parsed JSON object that remembers the first key it was given twice."""

    duplicate: str | None = None


def shown(text: Any, limit: int = SHOWN) -> str:
    """Text from the input made safe for a one-line message (see `safe_text.one_line`)."""
    return one_line(text, limit)


def display_name(path: str) -> str:
    return "<stdin>" if path == STDIN else shown(path, limit=1000)


def read_text(path: str, limit: int = MAX_BYTES) -> str:
    """The text of a file (or standard input for '-'), refusing huge, binary or non-UTF-8 input."""
    name = display_name(path)
    return decode(read_bytes(path, name, limit), name)


def read_json(path: str, limit: int = MAX_BYTES) -> Any:
    """The parsed JSON of a file (or standard input), with every guard of `parse_json`."""
    return parse_json(read_text(path, limit), display_name(path))


def load_answers(
    path: str, kb: KnowledgeBase | None = None
) -> tuple[Answers, AssessmentDocument | None]:
    """The answers in a file, and the assessment document if the file is one."""
    return answers_from_data(read_json(path), display_name(path), kb)


# ---------------------------------------------------------------------------------------------
# The one pipeline: bytes -> text -> JSON -> answers. Files, standard input, batch lines,
# documents and resume files all pass through these functions, so a guard holds for all of them.


def read_bytes(path: str, name: str, limit: int = MAX_BYTES) -> bytes:
    """Up to `limit` bytes of a file or of standard input; an InputError when it cannot be read
    or is larger."""
    with open_input(path, name) as stream:
        data = read_from(stream, name, limit + 1)
    if len(data) > limit:
        too_large = _("too large: answers files are limited to {limit} bytes")
        raise InputError(name, too_large.format(limit=f"{limit:,}"))
    return data


def decode(data: bytes, name: str, *, first: bool = True) -> str:
    """UTF-8 text (a byte order mark is allowed at the start of the input), never empty."""
    if not data.strip():
        raise InputError(name, _("the file is empty; expected a JSON object with the answers"))
    try:
        return data.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as error:
        problem = _("not UTF-8 text (byte {byte} cannot be read)").format(byte=error.start)
        raise InputError(name, problem) from None


@contextmanager
def open_input(path: str, name: str, kind: str = "") -> Iterator[IO[bytes]]:
    """A file (or standard input for '-') open for reading bytes; an InputError naming the file
    when it cannot be opened. Errors while reading are the reader's to report (`read_from`):
    an error raised by the caller's own work (writing the output, say) passes through as it is."""
    if path == STDIN:
        stdin = sys.stdin
        if stdin is None:  # started with standard input closed (`<&-`)
            raise InputError(name, _("standard input is closed"))
        yield stdin.buffer
        return
    try:
        if Path(path).is_dir():
            kind = kind or _("an answers file")
            raise InputError(name, _("is a directory, not {kind}").format(kind=kind))
        # Opened without blocking, so that a FIFO cannot hang the tool; only a plain file is
        # read (a FIFO, /dev/zero or another device, also through a link, is refused).
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        stream = open(handle, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise _unreadable(name, error) from None
    with stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            kind = kind or _("an answers file")
            refused = _(
                "is not a plain file (a FIFO or a device?), not {kind}; give a file, or - for "
                "standard input"
            )
            raise InputError(name, refused.format(kind=kind))
        yield stream


def read_from(stream: IO[bytes], name: str, size: int) -> bytes:
    """`stream.read(size)`, with a read error reported as an InputError naming the input."""
    try:
        return stream.read(size)
    except OSError as error:
        raise _unreadable(name, error) from None


def read_line(stream: IO[bytes], name: str, size: int) -> bytes:
    """`stream.readline(size)`, with a read error reported as an InputError naming the input."""
    try:
        return stream.readline(size)
    except OSError as error:
        raise _unreadable(name, error) from None


def _unreadable(name: str, error: OSError) -> InputError:
    if isinstance(error, FileNotFoundError):
        return InputError(name, _("no such file"))
    if isinstance(error, PermissionError):
        return InputError(name, _("permission denied: the file cannot be read"))
    return InputError(name, _("cannot be read: {reason}").format(reason=error.strerror or error))


def parse_json(text: str, name: str, *, single_line: bool = False) -> Any:
    """JSON that means what it says: no key given twice, no NaN or Infinity, no number of more
    than 4300 digits, no nesting deeper than the parser allows. `single_line`: the text is one
    line of a JSON lines input (a syntax error then names the column only)."""
    repeated: list[str] = []  # keys given twice, as the parser meets them

    def objects(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) == len(pairs):
            return result  # the usual case: no walk over the data afterwards
        repeated.append("")
        return _object(pairs)

    if single_line:  # without its line break, a line cut short ends at its last column
        text = text.rstrip("\r\n")
    try:
        data = json.loads(
            text, object_pairs_hook=objects, parse_constant=_no_constant, parse_float=_finite
        )
    except json.JSONDecodeError as error:
        column = _("column {column}").format(column=error.colno)
        where = (
            column
            if single_line
            else _("line {line}, {column}").format(line=error.lineno, column=column)
        )
        # error.msg is the json module's own English ("Expecting value"): no catalogue has it
        problem = _("invalid JSON at {where}: {problem}").format(where=where, problem=error.msg)
        raise InputError(name, problem) from None
    except RecursionError:
        raise InputError(name, _("invalid JSON: nested too deeply")) from None
    except ValueError as error:  # not a syntax error: too many digits, NaN, Infinity, 1e999
        digits = "digits" in str(error)
        problem = _("a number has too many digits") if digits else shown(error)
        raise InputError(name, _("invalid JSON: {problem}").format(problem=problem)) from None
    duplicate = _first_duplicate(data) if repeated else None
    if duplicate is not None:
        # JSON parsers keep the last of two equal keys: {"fever": "yes", "fever": "no"} would
        # silently read as "no". A warning sign must never be lost that way.
        twice = _("given twice; give each field and symptom once")
        raise InputError(name, twice, shown(duplicate))
    return data


def _no_constant(word: str) -> Any:
    raise ValueError(_("{word} is not a number JSON allows").format(word=word))


def _finite(text: str) -> float:
    """A JSON number with a fraction or exponent; 1e999 would silently read as Infinity."""
    number = float(text)
    if math.isinf(number):
        raise ValueError(_("the number {number} is too large").format(number=shown(text)))
    return number


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    result = _Object()
    for key, value in pairs:
        if key in result and result.duplicate is None:
            result.duplicate = key
        result[key] = value
    return result


def _first_duplicate(data: Any) -> str | None:
    """The dotted path of a key given twice in one object (None: there is none)."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:  # a loop, not recursion: the data may be nested about a thousand deep
        path, item = pending.pop()
        if isinstance(item, _Object) and item.duplicate is not None:
            return f"{path}{item.duplicate}"
        if isinstance(item, dict):
            pending.extend((f"{path}{key}.", child) for key, child in item.items())
        elif isinstance(item, list):
            pending.extend((f"{path}{index}.", child) for index, child in enumerate(item))
    return None


def answers_from_data(
    data: Any, name: str, kb: KnowledgeBase | None = None
) -> tuple[Answers, AssessmentDocument | None]:
    """Validate parsed JSON as a bare answers object, an assessment document, or a FHIR
    QuestionnaireResponse to the Questionnaire of `kb` (default: the built-in rules)."""
    if not isinstance(data, dict):
        got = _("expected a JSON object with the answers, got {kind}")
        raise InputError(name, got.format(kind=json_word(data)))
    if "resourceType" in data:  # FHIR (imported only then: answers files stay fast)
        from triage import fhir_in

        data = fhir_in.answers_from_response(data, kb or fhir_in.built_in(), name)
    if "resume" in data:
        raise InputError(
            name,
            _(
                "this is a resume file of a stopped quiz, not an answers file; continue it with "
                "'triage quiz --resume FILE'"
            ),
        )
    if "answers" in data:
        document = _validate(AssessmentDocument, data, name)
        return document.answers, document
    return _validate(Answers, data, name), None


def _validate(model: type[BaseModel], data: dict[str, Any], name: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = error.errors()
        first = problems[0]
        field = shown(".".join(str(part) for part in first["loc"]), limit=120) or None
        count = len(problems) - 1
        more = ngettext(" (and {count} more problem)", " (and {count} more problems)", count)
        more = more.format(count=count) if count else ""
        raise InputError(name, explain(first) + more, field) from None
    except RecursionError:
        raise InputError(name, _("nested too deeply")) from None


def explain(problem: Any, fields: list[str] | None = None) -> str:
    """One pydantic error in words, with the allowed values (`fields`: the fields of the
    object when it is not the answers)."""
    location = [str(part) for part in problem["loc"]]
    if location and location[0] == "answers":
        location = location[1:]
    field = location[-1] if location else ""
    kind = problem["type"]
    if kind == "extra_forbidden":
        return _unknown_name(field, in_symptoms="symptoms" in location[:-1], fields=fields)
    if kind == "missing":
        return _("is required")
    value = shown(as_json(problem.get("input")))
    if kind == "literal_error" and field == "schema_version":
        return _("schema version {value} is not supported; the only version is 1").format(
            value=value
        )
    if kind in ("dict_type", "model_type"):
        return _("{value} is not allowed; expected a JSON object").format(value=value)
    if kind == "value_error":  # our own validators, e.g. a repeated location
        return str(problem["msg"]).removeprefix("Value error, ")
    if field in NUMBER_FIELDS:
        low, high = NUMBER_FIELDS[field]
        return _("{value} is not allowed; expected a whole number from {low} to {high}").format(
            value=value, low=low, high=high
        )
    allowed = _allowed_for(location)
    if allowed:
        return _("{value} is not allowed; allowed values: {allowed}").format(
            value=value, allowed=", ".join(allowed)
        )
    if kind == "too_short" and field in LIST_FIELDS:
        return _("choose at least one of: {allowed}").format(allowed=", ".join(LIST_FIELDS[field]))
    return str(problem["msg"])  # pydantic's own English: a case the contract's fields never reach


def as_json(value: Any) -> str:
    """A value as it is written in JSON (true, null, "text"), so a message quotes what the person
    wrote; long text is cut first (a message shows at most SHOWN characters of it)."""
    if isinstance(value, str):
        value = value[: SHOWN + 1]
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # not JSON data after all
        return repr(value)


def _allowed_for(location: list[str]) -> list[str] | None:
    names = [part for part in location if not part.isdigit()]
    if not names:
        return None
    if len(names) == 2 and names[0] == "symptoms":
        return [_("yes, no, unsure (or JSON true / false, without quotes)")]
    field = names[-1]
    enum = CHOICE_FIELDS.get(field) or LIST_FIELDS.get(field)
    return [str(value) for value in enum] if enum else None


def _unknown_name(name: str, in_symptoms: bool, fields: list[str] | None = None) -> str:
    """An unknown field or symptom, with a did-you-mean and the allowed ones (`fields`: those
    of another object than the answers, such as a resume file)."""
    known = list(SYMPTOMS) if in_symptoms else fields or list(Answers.model_fields)
    close = difflib.get_close_matches(name, known, n=1)
    hint = _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""
    unknown = (
        _("unknown symptom '{name}'{hint}; allowed symptoms: {allowed}")
        if in_symptoms
        else _("unknown field '{name}'{hint}; allowed fields: {allowed}")
    )
    return unknown.format(name=shown(name), hint=hint, allowed=", ".join(known))
