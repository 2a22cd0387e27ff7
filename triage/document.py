"""Assessment documents: the answers, the result at the time, and where they came from.

A document is what the quiz saves. Reading one back re-assesses its answers with today's rules;
`result_change` says, in one line, when the saved result no longer matches (the rules changed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triage import __version__
from triage.errors import InputError
from triage.i18n import _
from triage.inputs import SHOWN, as_json
from triage.knowledge import KnowledgeBase
from triage.models import SCHEMA_VERSION, Answers, AssessmentDocument, Metadata, Result
from triage.safe_text import one_line

DOCUMENT_VERSION = 1
STOPPED_EMERGENCY = "emergency"  # metadata `stopped` of a document saved at an emergency stop


def new_document(
    answers: Answers, result: Result | None, kb: KnowledgeBase, *, stopped: str | None = None
) -> AssessmentDocument:
    """A document stamped with the tool and rule set versions and the local time with its zone.
    `stopped`: "emergency" when the quiz stopped early (its later questions were not asked)."""
    extra = {"stopped": stopped} if stopped is not None else {}
    return AssessmentDocument(
        answers=answers,
        result=result.model_dump(mode="json") if result is not None else None,
        metadata=Metadata(
            tool="triage",
            tool_version=__version__,
            ruleset=kb.label,
            ruleset_name=kb.info.name,  # type: ignore[call-arg]  # Metadata allows extra keys
            ruleset_version=kb.info.version,
            schema_version=SCHEMA_VERSION,
            created=now(),
            document_version=DOCUMENT_VERSION,
            language=kb.language,  # the language of the texts in `result`
            **extra,
        ),
    )


def now() -> str:
    """The local time with its offset, to the second (e.g. 2025-01-15T10:30:00+01:00)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def stopped_early(saved: AssessmentDocument) -> bool:
    """Whether the quiz that saved this document stopped at an emergency before its end."""
    return (saved.metadata.model_extra or {}).get("stopped") == STOPPED_EMERGENCY


def created(document: AssessmentDocument, name: str) -> str | None:
    """When the document was saved, with a time zone (a time without one is read as local
    time); None when the document does not say. A value that is no date is an InputError."""
    text = document.metadata.created
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:  # a naive time is local time; an aware one stays as written
            moment = moment.astimezone()  # ValueError or OverflowError at the ends of time
    except (ValueError, OverflowError):
        problem = _("{value} is not a date and time such as 2025-01-15T10:30:00+01:00")
        raise InputError(
            name, problem.format(value=one_line(as_json(text), SHOWN)), "metadata.created"
        ) from None
    return moment.isoformat(timespec="seconds")


def to_json(document: AssessmentDocument) -> str:
    return document.model_dump_json(indent=2, exclude_none=False) + "\n"


def stored_result_differs(document: AssessmentDocument, result: Result) -> bool:
    """True when the result saved in a document is not what today's rules conclude."""
    return result_change(document, result) is not None


def result_change(document: AssessmentDocument, result: Result) -> str | None:
    """How the saved result differs from today's, in words; None when it does not (or when the
    document saved no result). Only what matters is compared: the level, the pain type, the
    suspected causes and which rules fired (not wording, advice or order)."""
    stored: Any = document.result
    if not stored or not isinstance(stored, dict):
        return None
    today = result.model_dump(mode="json")
    changes = []
    # TRANSLATORS: {key} is a key of the result (triage, pain_type, suspected), kept as it is
    changed = _("{key} {before} -> {after}")
    for key in ("triage", "pain_type"):
        if stored.get(key) != today[key]:
            before = _shown(stored.get(key)) or _("none")
            changes.append(changed.format(key=key, before=before, after=today[key]))
    if _names(stored.get("suspected")) != _names(today["suspected"]):
        before, after = _listed(stored.get("suspected")), _listed(today["suspected"])
        changes.append(changed.format(key="suspected", before=before, after=after))
    firing, fired = _rules(today), _rules(stored)
    if firing - fired:
        changes.append(_("rules now firing: {ids}").format(ids=", ".join(sorted(firing - fired))))
    if fired - firing:
        changes.append(
            _("rules no longer firing: {ids}").format(ids=", ".join(sorted(fired - firing)))
        )
    if not changes:
        return None
    # TRANSLATORS: fills {saved_with} in "the saved result (from {saved_with}) differs ..."
    unknown = _("an unknown rule set")
    saved_with = _shown(stored.get("ruleset") or document.metadata.ruleset) or unknown
    return _(
        "the saved result (from {saved_with}) differs from what today's rules ({ruleset}) "
        "conclude: {changes}; showing today's result"
    ).format(saved_with=saved_with, ruleset=result.ruleset, changes="; ".join(changes))


def _shown(value: Any) -> str:
    """A value from the saved file, as one short line of visible characters: the file may hold
    anything, including escape sequences that would take over the terminal."""
    return one_line(value, SHOWN) if value is not None else ""


def _names(values: Any) -> set[str]:
    return {_shown(v) for v in values} if isinstance(values, list) else set()


def _listed(values: Any) -> str:
    return ", ".join(sorted(_names(values))) or _("none")


def _rules(result: dict[str, Any]) -> set[str]:
    reasons = result.get("reasons")
    if not isinstance(reasons, list):
        return set()
    return {_shown(r.get("rule")) for r in reasons if isinstance(r, dict)}
