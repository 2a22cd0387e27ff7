"""Assessment documents: the answers, the result at the time, and where they came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triage import __version__
from triage.knowledge import KnowledgeBase
from triage.models import Answers, AssessmentDocument, Metadata, Result

DOCUMENT_VERSION = 1


def new_document(answers: Answers, result: Result | None, kb: KnowledgeBase) -> AssessmentDocument:
    """A document stamped with the tool and rule set versions and the local time with its zone."""
    return AssessmentDocument(
        answers=answers,
        result=result.model_dump(mode="json") if result is not None else None,
        metadata=Metadata(
            tool="triage",
            tool_version=__version__,
            ruleset=kb.label,
            created=datetime.now().astimezone().isoformat(timespec="seconds"),
            document_version=DOCUMENT_VERSION,
        ),
    )


def to_json(document: AssessmentDocument) -> str:
    return document.model_dump_json(indent=2, exclude_none=False) + "\n"


def stored_result_differs(document: AssessmentDocument, result: Result) -> bool:
    """True when the result saved in a document is not what today's rules conclude."""
    stored: dict[str, Any] | None = document.result
    if not stored:
        return False
    today = result.model_dump(mode="json")
    keys = ("triage", "pain_type", "suspected")
    rules = lambda r: sorted(reason.get("rule") for reason in r.get("reasons", []))  # noqa: E731
    return any(stored.get(k) != today[k] for k in keys) or rules(stored) != rules(today)
