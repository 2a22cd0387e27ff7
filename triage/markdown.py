"""A one-page Markdown summary of an assessment, for a doctor: the result, the reasons with the
answers behind them and their sources, and every answer in plain words.

It reads well as plain text (to print or paste into a message) and renders as a page. Every
word about the person or the rules comes from the Result and the knowledge base.
"""

from __future__ import annotations

import re

from triage import render
from triage.i18n import _
from triage.knowledge import KnowledgeBase, Question
from triage.models import Answers, Reason, Result, SourceRef
from triage.safe_text import prose
from triage.wording import answer_words

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def to_markdown(
    answers: Answers, result: Result, kb: KnowledgeBase, *, saved: str | None, made: str
) -> str:
    """The summary. `saved`: when the answers were saved (None if unknown); `made`: now."""
    sources = _numbered_sources(result.reasons)
    parts = [
        f"# {_title(kb)}",
        _result(result, kb, saved, made),
        _reasons(result.reasons, sources),
        _answers(answers, kb),
        _now(result),
        _self_help(result),
        _safety_net(result),
        _sources(sources),
        f"---\n\n*{_md(result.disclaimer)}*",
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def _title(kb: KnowledgeBase) -> str:
    # Interface words, not the rule set's name (a name is not translated; it is given below,
    # with the version, under "Assessed").
    return _("Back pain: summary for the doctor")


def _result(result: Result, kb: KnowledgeBase, saved: str | None, made: str) -> str:
    if result.suspected:
        causes = "; ".join(_md(kb.info.causes[cause]) for cause in result.suspected)
        kind = _("specific; possible cause (not a diagnosis): {causes}").format(causes=causes)
    else:
        kind = _("non-specific (no particular cause is suspected from the answers)")
    level = _md(render.level_name(result.triage))
    lines = [
        f"**{_md(result.headline)}**",
        "",
        _md(render.summary(result, kb)),
        "",
        _("- Triage level: {level} (`{code}`)").format(level=level, code=result.triage.value),
        _("- Type of pain: {kind}").format(kind=kind),
    ]
    if saved:
        lines.append(_("- Answers saved: {when}").format(when=saved))
    assessed = _("- Assessed: {when} with rule set {ruleset}")
    lines.append(assessed.format(when=made, ruleset=_md(result.ruleset)))
    return "\n".join(lines)


def _numbered_sources(reasons: list[Reason]) -> dict[str, tuple[int, SourceRef]]:
    numbered: dict[str, tuple[int, SourceRef]] = {}
    for reason in reasons:
        for source in reason.sources:
            numbered.setdefault(source.id, (len(numbered) + 1, source))
    return numbered


def _reasons(reasons: list[Reason], sources: dict[str, tuple[int, SourceRef]]) -> str:
    if not reasons:
        none = _("None of the warning signs or patterns in the rules matched the answers.")
        return "## " + _("Reasons") + "\n\n" + none
    lines = ["## " + _("Reasons")]
    for index, reason in enumerate(reasons, start=1):
        unsure = _(" (rests on a 'Not sure' answer)") if reason.unsure else ""
        lines.append("")
        level, code = _md(render.level_name(reason.triage)), reason.triage.value
        lines.append(
            _("{number}. **{title}**{unsure}: {level} (`{code}`), rule `{rule}`").format(
                number=index,
                title=_md(reason.title),
                unsure=unsure,
                level=level,
                code=code,
                rule=reason.rule,
            )
        )
        if reason.answers:
            given = "; ".join(_md(e.text) for e in reason.answers)
            lines.append(_("   - Answers: {answers}").format(answers=given))
        cited = ", ".join(f"[{sources[s.id][0]}]" for s in reason.sources)
        # [n] without a link definition stays text
        lines.append(_("   - Sources: {sources}").format(sources=cited))
    return "\n".join(lines)


def _answers(answers: Answers, kb: KnowledgeBase) -> str:
    data = answers.model_dump(mode="json", exclude_none=True)
    about, symptoms = [], []
    for question in kb.questions:
        if question.kind == "symptom":
            value = data.get("symptoms", {}).get(question.id)
            if value is not None:
                words = _md(answer_words(kb, question, value))
                symptoms.append((question, f"**{words}**" if value != "no" else words))
        elif question.id in data:
            about.append((question, _md(answer_words(kb, question, data[question.id]))))
    lines = ["## " + _("Answers"), "", *_table(about)]
    if symptoms:
        asked = _("Symptoms asked about (not asked counts as no):")
        lines += ["", asked, "", *_table(symptoms)]
    return "\n".join(lines)


def _table(rows: list[tuple[Question, str]]) -> list[str]:
    head = "| " + _("Question") + " | " + _("Answer") + " |"
    return [head, "|---|---|"] + [
        f"| {_md(question.short)} | {answer} |" for question, answer in rows
    ]


def _now(result: Result) -> str:
    items = [item for item in result.advice if item.kind == "now"]
    if not items:
        return ""
    body = "\n".join(f"- {_md(' '.join(item.text.split()))}" for item in items)
    return "## " + _("What to do now") + "\n\n" + body


def _self_help(result: Result) -> str:
    """The self-help of the result by title (the full texts are in the result itself): what
    "the self-help advice below" of the advice for now refers to."""
    items = [item for item in result.advice if item.kind == "self_help"]
    if not items:
        return ""
    body = "\n".join(f"- {_md(' '.join(item.title.split()))}" for item in items)
    return "## " + _(render.SECTION_TITLES["self_help"]) + "\n\n" + body


def _safety_net(result: Result) -> str:
    """When to get help sooner, in full: every outcome carries its safety net, on paper too."""
    items = [item for item in result.advice if item.kind == "safety_net"]
    if not items:
        return ""
    body = "\n".join(f"- {_md(' '.join(item.text.split()))}" for item in items)
    return "## " + _(render.SECTION_TITLES["safety_net"]) + "\n\n" + body


def _sources(sources: dict[str, tuple[int, SourceRef]]) -> str:
    if not sources:
        return ""
    lines = ["## " + _("Sources"), ""]
    for number, source in sources.values():
        link = f" <{prose(source.url)}>" if source.url else ""
        lines.append(f"{number}. {_md(source.title)}{link}")
    return "\n".join(lines)


def _md(text: str) -> str:
    """Plain text made safe for Markdown and for a terminal: one line of words (control
    characters escaped, see safe_text), and characters with a meaning in Markdown escaped."""
    return _SPECIAL.sub(r"\\\1", prose(text))
