"""Resume files: the answers so far, written when a quiz is stopped before the end.

    {"resume": 1, "answers": {partial answers in the answers-file shape}, "metadata": {...}}

A resume file is not an answers file (required answers may be missing); `triage assess`
refuses it and `triage quiz --resume FILE` continues from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from triage import __version__, inputs
from triage.errors import InputError
from triage.i18n import _
from triage.models import Answers, Version1

VERSION = 1

# Stand-ins for required answers not given yet, so that the given ones can be checked with the
# contract model; they are never kept.
_STAND_INS: dict[str, Any] = {"age": 0, "location": ["lower_back"], "duration": "under_1_week"}


class _ResumeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resume: Version1
    answers: dict[str, Any]
    metadata: dict[str, Any] = {}


def to_text(
    answers: Mapping[str, Any],
    ruleset: str,
    created: datetime,
    *,
    stopped: str | None = None,
    note: str | None = None,
) -> str:
    """The resume file for the answers so far, as JSON text. `stopped` says why the quiz
    stopped (a word such as "interrupted" or "emergency"), `note` the same for people; both go
    into the metadata, so the file itself says that it is not a finished assessment."""
    metadata: dict[str, Any] = {
        "tool": "triage",
        "tool_version": __version__,
        "ruleset": ruleset,
        "created": created.astimezone().isoformat(timespec="seconds"),
    }
    if stopped is not None:
        metadata["stopped"] = stopped
    if note is not None:
        metadata["note"] = note
    data = {
        "resume": VERSION,
        "answers": {**answers, "symptoms": dict(answers.get("symptoms", {}))},
        "metadata": metadata,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def read(path: str) -> dict[str, Any]:
    """The answers in a resume file, checked field by field; raise InputError naming the field."""
    name = inputs.display_name(path)
    data = inputs.read_json(path)
    if not isinstance(data, dict) or "resume" not in data:
        raise InputError(
            name,
            _(
                'not a resume file (expected {"resume": 1, "answers": {...}}, as written when a '
                "quiz is stopped); to triage an answers file or saved assessment use 'triage "
                "assess FILE'"
            ),
        )
    try:
        resume = _ResumeFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = inputs.shown(".".join(str(part) for part in first["loc"]), 120)
        fields = list(_ResumeFile.model_fields) if len(first["loc"]) == 1 else None
        problem = inputs.explain(first, fields) if where != "resume" else _version_problem(first)
        raise InputError(name, problem, where) from None
    return _checked_partial(resume.answers, name)


def _version_problem(problem: Any) -> str:
    if problem["type"] == "value_error":  # JSON true (see models.Version1)
        return str(problem["msg"]).removeprefix("Value error, ")
    return _("the only version is 1")


def _checked_partial(given: dict[str, Any], name: str) -> dict[str, Any]:
    stand_ins = {key: value for key, value in _STAND_INS.items() if key not in given}
    try:
        checked = Answers.model_validate({**given, **stand_ins}).model_dump(mode="json")
    except ValidationError as error:
        first = error.errors()[0]
        where = inputs.shown(".".join(["answers", *(str(part) for part in first["loc"])]), 120)
        raise InputError(name, inputs.explain(first), where) from None
    partial = {key: checked[key] for key in given if key not in ("schema_version", "symptoms")}
    partial["symptoms"] = {key: checked["symptoms"][key] for key in given.get("symptoms") or {}}
    return partial
