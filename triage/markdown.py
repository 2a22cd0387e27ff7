"""A one-page Markdown summary of an assessment, written for a doctor.

In the third person and in the order a clinician takes a history: age, site, spread, duration,
onset, trigger, course, severity; then the warning signs present, unsure, absent and not asked;
then the triage level with its reasons and sources; then what the person was advised. Codes
(level, rules, causes) appear only in one small reference line at the end. A summary made after
the quiz stopped early (an emergency) says so at the top: it holds what is known.

It reads well as plain text (to print or paste into a message) and renders as a page. Every
word about the person or the rules comes from the answers, the Result and the knowledge base;
the headings are interface words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from triage import outcome, render
from triage.i18n import N_, _, ngettext
from triage.knowledge import KnowledgeBase, Question
from triage.models import OPTIONAL_FIELDS, Answers, Missing, Reason, Result, SourceRef, missing_kind
from triage.safe_text import prose
from triage.wording import answer_words

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
# The history, in the order a clinician takes it: field -> heading (translated where shown).
HISTORY = {
    "respondent": N_("Answered by"),
    "age": N_("Age"),
    "location": N_("Site"),
    "radiation": N_("Spread"),
    "duration": N_("Duration"),
    "onset": N_("Onset"),
    "trigger": N_("Trigger"),
    "course": N_("Course"),
    "intensity": N_("Severity (0 to 10)"),
    "episode": N_("Earlier episodes like this"),
}
SIGNS = {
    "yes": N_("Present"),
    "unsure": N_('Unsure (answered "Not sure")'),
    "no": N_("Absent"),
}
NOT_ASKED = N_("Not asked")
# Who gave the answers, as a doctor would write it (the choice's label speaks to the person).
ANSWERED_BY = {
    "self": N_("the patient"),
    "someone_else": N_("someone else, for the patient (an adult)"),
    "child": N_("a parent or carer, for their child (under 16)"),
}
MISSING_IN_HISTORY = {
    Missing.DONT_KNOW: N_('not known (answered "Don\'t know")'),
    Missing.SKIPPED: N_("skipped"),
    Missing.NOT_ASKED: N_("not asked"),
}


def to_markdown(
    answers: Answers | Mapping[str, Any],
    result: Result,
    kb: KnowledgeBase,
    *,
    saved: str | None,
    made: str,
    incomplete: bool = False,
) -> str:
    """The summary. `answers`: validated answers, or the answers so far in answers-file form
    (an early stop); `saved`: when the answers were saved (None if unknown); `made`: now;
    `incomplete`: the quiz stopped before all its questions were asked."""
    given = (
        answers.model_dump(mode="json", exclude_none=True)
        if isinstance(answers, Answers)
        else dict(answers)
    )
    sources = _numbered_sources(result.reasons)
    parts = [
        f"# {_title()}",
        _incomplete() if incomplete else "",
        _history(given, kb),
        _signs(given, kb, incomplete),
        _triage(result, kb, sources),
        _advised(result),
        _sources(sources, kb),
        _reference(result, saved, made),
        f"*{_md(result.disclaimer)}*",
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def _title() -> str:
    # Interface words, not the rule set's name (given in the reference line).
    return _("Back pain: summary for the doctor")


def _incomplete() -> str:
    return (
        "**"
        + _("Incomplete.")
        + "** "
        + _(
            "The questionnaire stopped early because an answer meant an emergency; the questions "
            "after that point were not asked. This is what is known."
        )
    )


# ---------------------------------------------------------------------------------------------
# The history


def _history(given: Mapping[str, Any], kb: KnowledgeBase) -> str:
    lines = ["## " + _("History")]
    for field, heading in HISTORY.items():
        question = kb.questions_by_id.get(field)
        if question is None:
            continue
        lines.append(f"- **{_(heading)}:** {_history_value(given, field, question, kb)}")
    return "\n".join(lines)


def _history_value(
    given: Mapping[str, Any], field: str, question: Question, kb: KnowledgeBase
) -> str:
    value = given.get(field)
    if value is None:
        if field in OPTIONAL_FIELDS:
            return _(MISSING_IN_HISTORY[missing_kind(given, field)])
        return _(MISSING_IN_HISTORY[Missing.NOT_ASKED])
    if field == "respondent" and value in ANSWERED_BY:
        return _(ANSWERED_BY[value])
    if field == "age":
        return _("{age} years").format(age=value)
    if field == "intensity":
        return f"{value}/10"
    if field == "radiation" and not value:
        return _("none")
    # The words the person chose, quoted: the exact answer, not a paraphrase.
    return _("\u201c{answer}\u201d").format(answer=_md(answer_words(kb, question, value)))


def _signs(given: Mapping[str, Any], kb: KnowledgeBase, incomplete: bool) -> str:
    """The yes/no questions by answer. Those not asked that the questionnaire asks for these
    answers are named (a gap a doctor may want to fill); follow-up questions that only apply
    to other answers are counted."""
    symptoms = given.get("symptoms") or {}
    applies = outcome.questions_to_ask(kb, given)
    found: dict[str, list[str]] = {answer: [] for answer in SIGNS}
    not_asked, other = [], 0
    for question in kb.questions:
        if question.kind != "symptom":
            continue
        value = symptoms.get(question.id)
        value = "yes" if value is True else "no" if value is False else value
        if value in found:
            found[value].append(_md(question.short))
        elif question.when is None or question.id in applies:
            not_asked.append(_md(question.short))
        else:
            other += 1
    lines = ["## " + _("Warning signs and other symptoms")]
    for answer, heading in SIGNS.items():
        listed = "; ".join(found[answer]) or _("none")
        lines.append(f"- **{_(heading)}:** {listed}")
    why = _(" (the questionnaire stopped first)") if incomplete and not_asked else ""
    listed = "; ".join(not_asked) or _("none")
    lines.append(f"- **{_(NOT_ASKED)}{why}:** {listed}")
    if other:
        lines.append(
            "- "
            + ngettext(
                "{count} follow-up question that applies only to other answers was not asked.",
                "{count} follow-up questions that apply only to other answers were not asked.",
                other,
            ).format(count=other)
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The triage


def _numbered_sources(reasons: list[Reason]) -> dict[str, tuple[int, SourceRef]]:
    numbered: dict[str, tuple[int, SourceRef]] = {}
    for reason in reasons:
        for source in reason.sources:
            numbered.setdefault(source.id, (len(numbered) + 1, source))
    return numbered


def _triage(result: Result, kb: KnowledgeBase, sources: dict[str, tuple[int, SourceRef]]) -> str:
    level = _md(render.level_name(result.triage))
    lines = [
        "## " + _("Triage"),
        "",
        _("**Level: {level}.** The person was told: {headline}").format(
            level=level, headline=_("\u201c{answer}\u201d").format(answer=_md(result.headline))
        ),
        "",
    ]
    definite, rule_out = render.causes_shown(result)
    said = []
    if definite:
        causes = "; ".join(_md(kb.info.causes[cause]) for cause in definite)
        said.append(
            _("Type of pain: specific; possible cause (not a diagnosis): {causes}.").format(
                causes=causes
            )
        )
    else:
        said.append(_("Type of pain: non-specific (no particular cause suspected)."))
    if rule_out:
        check = "; ".join(_md(kb.info.causes[cause]) for cause in rule_out)
        rule_out_line = _('To rule out (a warning sign answered "Not sure"): {check}.')
        main_unsure = result.reasons[0].unsure  # a cause to rule out has a reason
        said.insert(0 if main_unsure else 1, rule_out_line.format(check=check))
    lines += [" ".join(said)]
    lines += ["", _("Reasons:")]
    if not result.reasons:
        lines.append(_("- none of the warning signs or patterns in the rules matched."))
    for index, reason in enumerate(result.reasons, start=1):
        unsure = _(', on a "Not sure" answer') if reason.unsure else ""
        cited = ", ".join(f"[{sources[s.id][0]}]" for s in reason.sources)
        lines.append(
            f"{index}. **{_md(reason.title)}** ({_md(render.level_name(reason.triage))}{unsure}) "
            + cited
        )
        if reason.answers:
            given = "; ".join(_md(e.text) for e in reason.answers)
            lines.append("   " + _("Answers behind it: {answers}").format(answers=given))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# What the person was advised


def _advised(result: Result) -> str:
    """What the person was told to do, the safety net in full, and the titles of the other
    texts they were shown (why it matters, self-help)."""
    lines = ["## " + _("What the person was advised")]
    for kind, heading in (
        ("now", N_("To do now")),
        ("safety_net", N_("Safety net")),
    ):
        for item in result.advice:
            if item.kind == kind:
                lines.append(f"- **{_(heading)}:** {_md(' '.join(item.text.split()))}")
    for kind, heading in (("info", N_("Also explained")), ("self_help", N_("Self-help"))):
        titles = [_md(" ".join(item.title.split())) for item in result.advice if item.kind == kind]
        if titles:
            lines.append(f"- **{_(heading)}:** " + "; ".join(titles))
    return "\n".join(lines)


def _sources(sources: dict[str, tuple[int, SourceRef]], kb: KnowledgeBase) -> str:
    """The sources cited, each under its title in the language of the summary where the rules
    give one (rules/<language>/ruleset.yaml `sources:`), with its link."""
    if not sources:
        return ""
    lines = ["## " + _("Sources"), ""]
    for number, source in sources.values():
        link = f" <{prose(source.url)}>" if source.url else ""
        title = kb.source_titles.get(source.id, source.title)
        lines.append(f"{number}. {_md(title)}{link}")
    return "\n".join(lines)


def _reference(result: Result, saved: str | None, made: str) -> str:
    """The codes, for the record, in one small line."""
    rules = ", ".join(f"`{reason.rule}`" for reason in result.reasons) or _("none")
    parts = [
        _("level `{code}`").format(code=result.triage.value),
        _("rules {rules}").format(rules=rules),
    ]
    if result.suspected:
        causes = ", ".join(f"`{cause.value}`" for cause in result.suspected)
        parts.append(_("causes {causes}").format(causes=causes))
    parts.append(_("rule set {ruleset}").format(ruleset=_md(result.ruleset)))
    if saved:
        parts.append(_("answers saved {when}").format(when=saved))
    parts.append(_("summary made {when}").format(when=made))
    return "---\n\n<sub>" + _("Reference: {parts}").format(parts="; ".join(parts)) + "</sub>"


def _md(text: str) -> str:
    """Plain text made safe for Markdown and for a terminal: one line of words (control
    characters escaped, see safe_text), and characters with a meaning in Markdown escaped."""
    return _SPECIAL.sub(r"\\\1", prose(text))
