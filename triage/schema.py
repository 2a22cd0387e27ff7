"""JSON Schemas (draft 2020-12) of the answers file and the assessment document.

The schemas are generated from the pydantic models in triage/models.py, then completed with what
the models check in Python code and pydantic cannot express in a schema:

- a symptom may also be JSON true/false (the model reads them as yes/no);
- `location` and `radiation` may not repeat a value (a validator in the model);
- the document's metadata fields that `document.new_document` writes, with descriptions.

The result is meant to accept exactly what `triage assess` accepts, so other programs can check an
answers file before they send it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from triage.models import LIST_FIELDS, SCHEMA_VERSION, SYMPTOMS, Answers, AssessmentDocument

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://triage.invalid/schema"  # see fhir.CANONICAL_BASE: stable, never resolves

# Descriptions for the document's own fields, used only where the model does not give one.
DOCUMENT_DESCRIPTIONS = {
    "answers": "The answers as given (the answers file, version 1).",
    "result": "The result when the document was saved (the result object, version 1), or null. "
    "It is kept for the record: reading the document re-assesses the answers with today's rules.",
    "metadata": "Where the document came from: tool, rule set, time.",
}
METADATA_PROPERTIES: dict[str, dict[str, Any]] = {
    "tool": {"type": "string", "description": "The program that wrote the document."},
    "tool_version": {"type": ["string", "null"], "description": "Its version."},
    "ruleset": {
        "type": ["string", "null"],
        "description": "Name and version of the rule set that produced the result.",
    },
    "ruleset_name": {"type": "string", "description": "Name of that rule set."},
    "ruleset_version": {"type": "string", "description": "Version of that rule set."},
    "schema_version": {
        "type": "integer",
        "description": "Version of the answers format of `answers`.",
    },
    "created": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "When the answers were saved: ISO 8601 date and time with the time zone "
        "offset, e.g. 2025-01-15T10:30:00+01:00.",
    },
    "document_version": {"type": "integer", "description": "Version of this document format."},
    "stopped": {
        "type": "string",
        "description": "Present when the quiz stopped early: emergency (an answer meant an "
        "emergency, so the questions after it were not asked). Optional.",
    },
    "language": {
        "type": "string",
        "description": "The language of the texts in `result` and of the quiz that saved it "
        "(an ISO 639-1 code: de or en). Optional: documents without it were written in English. "
        "Codes and ids are the same in every language.",
    },
}


def answers_schema() -> dict[str, Any]:
    """The schema of an answers file."""
    schema = _with_dialect(Answers.model_json_schema(mode="validation"), "answers")
    _complete_answers(schema, schema["$defs"])
    return schema


def document_schema() -> dict[str, Any]:
    """The schema of an assessment document (answers + result + metadata)."""
    schema = _with_dialect(AssessmentDocument.model_json_schema(mode="validation"), "document")
    defs = schema["$defs"]
    _complete_answers(defs["Answers"], defs)
    for name, text in DOCUMENT_DESCRIPTIONS.items():
        schema["properties"][name].setdefault("description", text)
    metadata = defs["Metadata"]
    for name, extra in METADATA_PROPERTIES.items():
        known = metadata["properties"].setdefault(name, {})
        known.setdefault("description", extra["description"])
        if "type" not in known and "anyOf" not in known:
            known["type"] = extra["type"]
        if "format" in extra:
            _add_format(known, extra["format"])
    return schema


def to_json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False)


def _with_dialect(generated: dict[str, Any], name: str) -> dict[str, Any]:
    """`$schema` and `$id` first, so a reader sees at once which dialect this is."""
    head = {"$schema": DIALECT, "$id": f"{SCHEMA_ID}/{name}-v{SCHEMA_VERSION}.json"}
    return head | copy.deepcopy(generated)


def _complete_answers(answers: dict[str, Any], defs: dict[str, Any]) -> None:
    for field in LIST_FIELDS:
        answers["properties"][field]["uniqueItems"] = True
    symptoms = defs["Symptoms"]["properties"]
    for name in SYMPTOMS:
        prop = symptoms[name]
        options = prop.pop("anyOf")
        # JSON true/false are read as yes/no; keep null (the model accepts it as "not asked").
        prop["anyOf"] = [
            *[o for o in options if o != {"type": "null"}],
            {"type": "boolean"},
            {"type": "null"},
        ]


def _add_format(prop: dict[str, Any], fmt: str) -> None:
    """Put `format` on the string branch of a property (pydantic writes anyOf string|null)."""
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "string" or "string" in option.get("type", []):
            option["format"] = fmt
