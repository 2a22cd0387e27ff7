"""The question loop: which screen comes next, when to stop early, going back, review and change.

The loop knows nothing of the terminal. It talks to an "asker" (see `Asker`): the real one in
`triage.prompts` draws the screens; tests pass a scripted one. Answers so far are kept as a
partial answers mapping in the shape of the contract (symptoms nested under "symptoms"). A
question is "answered" when its key is present; an optional question the person skipped is
stored as None.

Which questions are asked is decided by `relevant` alone: the questions of rules/questions.yaml
whose `when` holds for the answers so far. Screens only group them: neighbouring questions that
share a `screen:` in questions.yaml are shown together (a `Page`), each still answered on its
own; every other question has a page of its own. Pages come in file order; a page is asked
while one of its relevant questions is unanswered.

After every page the rules are fired on the answers so far; an emergency that does not rest on
a "Not sure" answer stops the quiz (the asker has already shown, on the page itself, which
answer means that). Going back returns to the previous page of the trail with its answers
selected; the answers of the page being left are kept aside (a draft) and selected again when
it comes back, but they count for nothing until that page is confirmed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations, product
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from triage import outcome
from triage.conditions import AllOf, AnyOf, Condition, Leaf
from triage.errors import EngineError, EngineStopped, Problem, engine_failure
from triage.i18n import _, ngettext
from triage.knowledge import KnowledgeBase, Question, Rule
from triage.models import OPTIONAL_FIELDS, REQUIRED_FIELDS, Answers, Level, Result
from triage.wording import NOT_ANSWERED, answer_words, given_words

Partial = dict[str, Any]
REVIEW = "review"  # the review screen's place in a trail (no screen of questions.yaml has this id)


class QuizInterrupted(Exception):
    """Raised by an asker when the person stops the quiz (Ctrl-C or end of input)."""


@dataclass(frozen=True)
class GoBack:
    """An asker's reply: go back to the previous screen. `chosen` holds what was chosen on the
    screen being left (kept as a draft, selected again when the screen comes back)."""

    chosen: Mapping[str, Any] = field(default_factory=dict)


GO_BACK = GoBack()


@dataclass(frozen=True)
class ReviewRow:
    """One line of the review screen: a page and its answers in words."""

    page: str  # the page id, returned by the asker to change its answers
    title: str
    words: str


@dataclass(frozen=True, eq=False)
class Page:
    """One screen of questions, as the asker draws it.

    questions: every question the page can hold, in order; `shown(chosen)` says which of them
               to show for what is chosen on the page so far (a question can appear when an
               earlier one on the same page is answered).
    given:     answers chosen before (question id -> value): selected when the page opens.
    number, total: "Question {number} of about {total}" (the total is estimated from the
               answers so far).
    can_go_back: False on the first page (there is nothing before it).
    """

    id: str
    title: str | None
    help: str | None
    questions: tuple[Question, ...]
    given: Mapping[str, Any]
    number: int
    total: int
    can_go_back: bool
    shown: Callable[[Mapping[str, Any]], list[Question]] = field(repr=False)
    stopping: Callable[[Mapping[str, Any]], list[str]] = field(repr=False)
    """Ids of the questions whose chosen answer, with all the others, makes the answers an
    emergency that stops the quiz (the asker warns beside each one before it is confirmed)."""


class Asker(Protocol):
    """What the quiz needs from a user interface."""

    def show(self, text: str) -> None: ...

    def ask(self, page: Page) -> dict[str, Any] | GoBack:
        """The answers to the questions shown (question id -> contract value: an int, a code, a
        list of codes, "yes"/"no"/"unsure", or None for a skipped optional question), or
        GoBack when the person goes back."""

    def review(self, rows: Sequence[ReviewRow]) -> str | GoBack | None:
        """The id of a page to change, GoBack, or None to go on to the result."""

    def confirm(self, message: str, default: bool) -> bool: ...

    def file_name(self, message: str, default: str) -> str:
        """A file name typed by the person (empty: do not save)."""

    # -- the screens around the questions (triage.session) -----------------------------------

    def ready(self, message: str) -> None:
        """Wait until the person says they are ready for the first question (Enter)."""

    def choose(self, message: str, options: Sequence[tuple[str, str]]) -> str:
        """One of the keys of `options` ((key, what it does) pairs, all shown), pressed once;
        Enter chooses the first."""

    def page(self, text: str, *, skippable: bool = True) -> None:
        """Show a long text a screenful at a time, so that its first lines are read first;
        the rest can be skipped when `skippable`."""


# ---------------------------------------------------------------------------------------------
# Answers so far


def is_answered(answers: Mapping[str, Any], question: Question) -> bool:
    if question.kind == "symptom":
        return question.id in answers.get("symptoms", {})
    return question.id in answers


def answer_of(answers: Mapping[str, Any], question: Question) -> Any:
    if question.kind == "symptom":
        return answers.get("symptoms", {}).get(question.id)
    return answers.get(question.id)


def with_answer(answers: Mapping[str, Any], question: Question, value: Any) -> Partial:
    changed = {**answers, "symptoms": dict(answers.get("symptoms", {}))}
    if question.kind == "symptom":
        changed["symptoms"][question.id] = value
    else:
        changed[question.id] = value
    return changed


def with_answers(
    kb: KnowledgeBase, answers: Mapping[str, Any], chosen: Mapping[str, Any]
) -> Partial:
    """The answers with several answers (question id -> value) added or replaced."""
    changed = {**answers, "symptoms": dict(answers.get("symptoms", {}))}
    for question_id, value in chosen.items():
        changed = with_answer(changed, kb.questions_by_id[question_id], value)
    return changed


def without(answers: Mapping[str, Any], questions: Sequence[Question]) -> Partial:
    ids = {question.id for question in questions}
    kept = {key: value for key, value in answers.items() if key not in ids}
    kept["symptoms"] = {k: v for k, v in answers.get("symptoms", {}).items() if k not in ids}
    return kept


def count(answers: Mapping[str, Any]) -> int:
    return len([key for key in answers if key != "symptoms"]) + len(answers.get("symptoms", {}))


def contract_form(answers: Mapping[str, Any]) -> Partial:
    """The answers so far in the answers-file form: an optional question answered "Don't know"
    (kept as None in the quiz) is left out and named in `dont_know`; one never asked is absent."""
    unknown = [name for name in OPTIONAL_FIELDS if name in answers and answers[name] is None]
    kept = {key: value for key, value in answers.items() if key not in unknown}
    return {**kept, "dont_know": unknown} if unknown else kept


def complete(answers: Mapping[str, Any]) -> Answers | None:
    """The answers as a valid Answers object, or None while a required one is missing."""
    if any(answers.get(name) is None for name in REQUIRED_FIELDS):
        return None
    try:
        return Answers.model_validate(contract_form(answers))
    except ValidationError:
        return None


# ---------------------------------------------------------------------------------------------
# Skip logic and the early stop


def relevant(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[Question]:
    """The questions to ask for these answers, in the order of questions.yaml: the one
    definition of what the quiz asks."""
    conditional = outcome.questions_to_ask(kb, answers)
    return [q for q in kb.questions if q.when is None or q.id in conditional]


def next_question(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Question | None:
    """The first relevant question not answered yet (None: the quiz has all it needs)."""
    return next((q for q in relevant(kb, answers) if not is_answered(answers, q)), None)


def prune(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Partial:
    """Drop answers to questions that are no longer asked (after an answer was changed).
    Repeated, because dropping one answer can make another question irrelevant in turn."""
    current = {"symptoms": {}, **answers}
    while True:
        asked = {q.id for q in relevant(kb, current)}
        stale = [q for q in kb.questions if q.id not in asked and is_answered(current, q)]
        if not stale:
            return current
        current = without(current, stale)


def emergency_rules(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[Rule]:
    """Rules that make these answers an emergency ("Not sure" answers alone never stop the quiz)."""
    return [
        rule
        for rule, level, unsure in outcome.fired_rules(kb, answers)
        if level is Level.EMERGENCY and not unsure
    ]


def partial_result(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Result:
    """The result the answers so far lead to (used when the quiz stops early)."""
    return outcome.assess_partial(kb, contract_form(answers))


# ---------------------------------------------------------------------------------------------
# Pages: the screens of questions.yaml


@dataclass(frozen=True)
class PagePlan:
    """A page as the knowledge defines it: its id, title and questions."""

    id: str
    title: str | None
    help: str | None
    questions: tuple[Question, ...]


@lru_cache(maxsize=16)
def pages(kb: KnowledgeBase) -> tuple[PagePlan, ...]:
    """Every page in order: neighbours sharing a `screen:` form one page, the others one each."""
    found: list[PagePlan] = []
    for question in kb.questions:
        if question.screen is not None and found and found[-1].id == question.screen:
            last = found[-1]
            found[-1] = PagePlan(last.id, last.title, last.help, (*last.questions, question))
        elif question.screen is not None:
            screen = kb.screens_by_id[question.screen]
            found.append(PagePlan(screen.id, screen.title, screen.help, (question,)))
        else:
            found.append(PagePlan(question.id, None, None, (question,)))
    return tuple(found)


@lru_cache(maxsize=16)
def _pages_by_id(kb: KnowledgeBase) -> dict[str, PagePlan]:
    return {plan.id: plan for plan in pages(kb)}


def page_of(kb: KnowledgeBase, question_id: str) -> str:
    """The id of the page a question is on."""
    return next(p.id for p in pages(kb) if any(q.id == question_id for q in p.questions))


def shown_on(
    kb: KnowledgeBase, plan: PagePlan, others: Mapping[str, Any], chosen: Mapping[str, Any]
) -> list[Question]:
    """The questions of a page to show, given the answers elsewhere and those chosen on it."""
    asked = {q.id for q in relevant(kb, with_answers(kb, others, chosen))}
    return [q for q in plan.questions if q.id in asked]


def stopping_on(
    kb: KnowledgeBase, plan: PagePlan, others: Mapping[str, Any], chosen: Mapping[str, Any]
) -> list[str]:
    """The questions of a page whose chosen answer makes (with the others) an emergency: each
    one without which some emergency rule would no longer fire."""
    shown = {q.id for q in shown_on(kb, plan, others, chosen)}
    kept = {key: value for key, value in chosen.items() if key in shown}
    answers = with_answers(kb, others, kept)
    fired = {rule.id for rule in emergency_rules(kb, answers)}
    if not fired:
        return []
    found = []
    for question in plan.questions:
        if kept.get(question.id) in (None, "no", []):
            continue
        rest = {key: value for key, value in kept.items() if key != question.id}
        if fired - {rule.id for rule in emergency_rules(kb, with_answers(kb, others, rest))}:
            found.append(question.id)
    return found


def make_page(
    kb: KnowledgeBase,
    page: str,
    answers: Mapping[str, Any],
    *,
    given: Mapping[str, Any] | None = None,
    number: int = 1,
    total: int = 1,
    can_go_back: bool = True,
) -> Page:
    """The page `page` (an id) for the answers so far (those to its own questions are
    replaced by what is chosen on it)."""
    plan = worded(kb, _pages_by_id(kb)[page], answers.get("respondent"))
    others = without(answers, plan.questions)
    return Page(
        id=plan.id,
        title=plan.title,
        help=plan.help,
        questions=plan.questions,
        given=dict(given if given is not None else _answers_on(answers, plan)),
        number=number,
        total=total,
        can_go_back=can_go_back,
        shown=_in_prompts(lambda chosen: shown_on(kb, plan, others, chosen)),
        stopping=_in_prompts(lambda chosen: stopping_on(kb, plan, others, chosen)),
    )


def worded(kb: KnowledgeBase, plan: PagePlan, respondent: Any) -> PagePlan:
    """A page with its title, help and questions worded for the person the answers are about
    (questions.yaml `person:`; the answer to `respondent`)."""
    if respondent is None:
        return plan
    screen = kb.screens_by_id.get(plan.id)
    title, help_ = plan.title, plan.help
    if screen is not None:
        screen = screen.for_person(str(respondent))
        title, help_ = screen.title, screen.help
    questions = tuple(q.for_person(str(respondent)) for q in plan.questions)
    return PagePlan(plan.id, title, help_, questions)


T = TypeVar("T")


def _in_prompts(call: Callable[[Mapping[str, Any]], T]) -> Callable[[Mapping[str, Any]], T]:
    """A page callback that runs inside the prompt library (on each key, each redraw): an
    engine error there ends the prompt as an EngineStopped (see triage.errors)."""

    def guarded(chosen: Mapping[str, Any]) -> T:
        try:
            return call(chosen)
        except EngineError as error:
            raise EngineStopped(error) from error

    return guarded


def _holds_any(plan: PagePlan, asked: set[str]) -> bool:
    return any(q.id in asked for q in plan.questions)


def _answers_on(answers: Mapping[str, Any], plan: PagePlan) -> dict[str, Any]:
    return {q.id: answer_of(answers, q) for q in plan.questions if is_answered(answers, q)}


# ---------------------------------------------------------------------------------------------
# The review screen: one line per page, its answers in words


def review_rows(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[ReviewRow]:
    asked = {q.id for q in relevant(kb, answers)}
    rows = []
    for plan in pages(kb):
        questions = [q for q in plan.questions if q.id in asked and is_answered(answers, q)]
        if not questions:
            continue
        plan = worded(kb, plan, answers.get("respondent"))
        if len(plan.questions) == 1:
            (question,) = questions
            rows.append(
                ReviewRow(
                    plan.id,
                    question.short,
                    given_words(kb, question, answer_of(answers, question)),
                )
            )
        else:
            rows.append(
                ReviewRow(
                    plan.id,
                    plan.title or plan.id,
                    page_words(kb, questions, _answers_on(answers, plan)),
                )
            )
    return rows


def page_words(kb: KnowledgeBase, questions: Sequence[Question], chosen: Mapping[str, Any]) -> str:
    """The answers of a shared page (question id -> value) in a few words. Other questions are
    each named with their answer ("How it started: Suddenly"); Yes / No / Not sure questions are
    summed up: "No to all 6", or each answer that is not the most common one named ("Yes: Chest
    pain; No to the other 5")."""
    if len(questions) == 1:
        return _chosen_words(kb, questions[0], chosen)
    parts = [f"{q.short}: {_chosen_words(kb, q, chosen)}" for q in questions if q.kind != "symptom"]
    signs = [q for q in questions if q.kind == "symptom"]
    if signs:
        parts.append(_signs_words(kb, signs, chosen))
    return "; ".join(parts)


def _chosen_words(kb: KnowledgeBase, question: Question, chosen: Mapping[str, Any]) -> str:
    """An answer chosen on a page in words ("Don't know" where it was chosen; "not answered"
    for a question left open)."""
    if question.id in chosen:
        return given_words(kb, question, chosen[question.id])
    return answer_words(kb, question, None)


def _signs_words(kb: KnowledgeBase, signs: Sequence[Question], chosen: Mapping[str, Any]) -> str:
    words = [_chosen_words(kb, q, chosen) for q in signs]
    common = max(dict.fromkeys(words), key=words.count)
    if words.count(common) == len(words):
        if len(words) == 1:
            return f"{signs[0].short}: {common}"
        return _("{answer} to all {count}").format(answer=common, count=len(words))
    named: dict[str, list[str]] = {}
    for question, word in zip(signs, words, strict=True):
        if word != common:
            named.setdefault(word, []).append(question.short)
    parts = [f"{word}: {', '.join(shorts)}" for word, shorts in named.items()]
    rest = words.count(common)
    if common == _(NOT_ANSWERED):  # left open (an emergency confirmed first): say so plainly
        others = ngettext("the other one not answered", "the other {count} not answered", rest)
    else:
        others = ngettext("{answer} to the other one", "{answer} to the other {count}", rest)
    parts.append(others.format(answer=common, count=rest))
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# The question loop


@dataclass(frozen=True)
class Finished:
    """Every relevant question answered and the review accepted; `trail` ends with REVIEW."""

    answers: Partial
    trail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stopped:
    """An emergency answer stopped the quiz; `rules` are the emergency rules that fired, and the
    last page of `trail` is the page whose answers did it."""

    answers: Partial
    rules: list[Rule]
    trail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Interrupted:
    answers: Partial
    trail: tuple[str, ...] = ()
    failed: EngineError | None = None  # the engine failed inside a prompt (EngineStopped)


def run(
    kb: KnowledgeBase,
    asker: Asker,
    answers: Mapping[str, Any] | None = None,
    *,
    trail: Sequence[str] = (),
    back: bool = False,
) -> Finished | Stopped | Interrupted:
    """Ask until every relevant question is answered and the person accepts the review, or an
    emergency answer stops the quiz, or the person interrupts it.

    trail: the pages asked before, in order (as a previous ending returned it).
    back:  start by going back to the last page of `trail` (the review, if the trail ends
           with REVIEW) with its answers selected, as after an emergency stop or the result.
    """
    loop = _Loop(kb, asker, prune(kb, answers or {}), list(trail))
    try:
        return loop.run(back)
    except (QuizInterrupted, KeyboardInterrupt) as stop:
        return Interrupted(loop.kept(), tuple(loop.trail), engine_failure(stop))


class _Loop:
    """The state of one run: answers confirmed so far, the trail of pages confirmed in order,
    and drafts of pages left by going back."""

    def __init__(self, kb: KnowledgeBase, asker: Asker, answers: Partial, trail: list[str]):
        self.kb, self.asker, self.answers = kb, asker, answers
        known = _pages_by_id(kb)
        self.trail = [page for page in trail if page in known or page == REVIEW]
        if not self.trail:
            self.trail = self._answered_pages()
        self.drafts: dict[str, dict[str, Any]] = {}

    def _answered_pages(self) -> list[str]:
        """The pages already answered, in order (a resumed quiz can go back to them)."""
        asked = {q.id for q in relevant(self.kb, self.answers)}
        answered = []
        for plan in pages(self.kb):
            questions = [q for q in plan.questions if q.id in asked]
            if questions and all(is_answered(self.answers, q) for q in questions):
                answered.append(plan.id)
        return answered

    def run(self, back: bool) -> Finished | Stopped | Interrupted:
        pending: str | None = None
        if back and self.trail:
            pending = self._previous()
        elif rules := emergency_rules(self.kb, self.answers):
            return Stopped(self.answers, rules, tuple(self.trail))
        while True:
            page = pending or self._next_page()
            pending = None
            if page is None or page == REVIEW:
                choice = self.asker.review(review_rows(self.kb, self.answers))
                if choice is None:
                    return Finished(self.answers, (*self.trail, REVIEW))
                if isinstance(choice, GoBack):
                    pending = self._previous()
                    continue
                page = choice
                reply = self.asker.ask(self._page(page, changing=True))
                if isinstance(reply, GoBack):
                    continue  # back to the review, nothing changed
            else:
                reply = self.asker.ask(self._page(page))
                if isinstance(reply, GoBack):
                    pending = self._leave(page, reply.chosen)
                    continue
            if stopped := self._confirm(page, reply):
                return stopped

    # -- moving between pages --------------------------------------------------------------

    def _next_page(self) -> str | None:
        """The first page with a relevant question that is not answered yet."""
        for question in relevant(self.kb, self.answers):
            if not is_answered(self.answers, question):
                return page_of(self.kb, question.id)
        return None

    def _previous(self) -> str | None:
        """Take the last page off the trail, to be asked again (None: the review)."""
        if not self.trail:
            return None
        previous = self.trail.pop()
        return None if previous == REVIEW else previous

    def _leave(self, page: str, chosen: Mapping[str, Any]) -> str | None:
        """Going back from a page: what was chosen on it becomes a draft, and its answers count
        for nothing until it is confirmed again. On the first page, stay there."""
        plan = _pages_by_id(self.kb)[page]
        self.drafts[page] = {**_answers_on(self.answers, plan), **chosen}
        if not [p for p in self.trail if p != page]:
            return page
        self.answers = without(self.answers, plan.questions)
        self.trail = [p for p in self.trail if p != page]
        return self._previous() or REVIEW

    def _confirm(self, page: str, chosen: Mapping[str, Any]) -> Stopped | None:
        plan = _pages_by_id(self.kb)[page]
        self.drafts.pop(page, None)
        self.answers = prune(
            self.kb, with_answers(self.kb, without(self.answers, plan.questions), chosen)
        )
        asked = self._asked()
        self.trail = [p for p in self.trail if p not in (page, REVIEW)] + [page]
        self.trail = [p for p in self.trail if _holds_any(_pages_by_id(self.kb)[p], asked)]
        if rules := emergency_rules(self.kb, self.answers):
            return Stopped(self.answers, rules, tuple(self.trail))
        return None

    def _asked(self) -> set[str]:
        return {q.id for q in relevant(self.kb, self.answers)}

    # -- what the asker sees ---------------------------------------------------------------

    def _page(self, page: str, *, changing: bool = False) -> Page:
        plan = _pages_by_id(self.kb)[page]
        position = self.trail.index(page) + 1 if changing and page in self.trail else None
        number = position or len([p for p in self.trail if p != REVIEW]) + 1
        return make_page(
            self.kb,
            page,
            self.answers,
            given=self.drafts.get(page) or _answers_on(self.answers, plan),
            number=number,
            total=max(self._estimated_total(), number),
            can_go_back=changing or bool([p for p in self.trail if p not in (page, REVIEW)]),
        )

    def _estimated_total(self) -> int:
        """Pages confirmed plus pages still to come for the answers so far."""
        asked = self._asked()
        done = {p for p in self.trail if p != REVIEW}
        coming = {
            plan.id for plan in pages(self.kb) if plan.id not in done and _holds_any(plan, asked)
        }
        return len(done) + len(coming)

    def kept(self) -> Partial:
        """The answers to keep when the quiz is interrupted: the confirmed ones and the drafts
        of pages left by going back (nothing the person chose is lost)."""
        kept = dict(self.answers)
        for chosen in self.drafts.values():
            questions = [self.kb.questions_by_id[question_id] for question_id in chosen]
            missing = {q.id: chosen[q.id] for q in questions if not is_answered(kept, q)}
            kept = with_answers(self.kb, kept, missing)
        return prune(self.kb, kept)


# ---------------------------------------------------------------------------------------------
# Urgent follow-ups first (`triage check`)


def late_follow_ups(kb: KnowledgeBase) -> list[Problem]:
    """Follow-up questions of an emergency rule asked too late. A follow-up is a warning sign
    (a Yes / No / Not sure question outside the emergency section) that an emergency rule needs
    together with a question of the emergency section, as the swollen calf with new
    breathlessness makes a blood clot in the lung. The welcome promises that the urgent
    questions come first: every page before a follow-up must hold emergency questions, the
    basics (which the follow-ups' `when` may read) or follow-ups; none may be a page of other
    questions (your health, other symptoms)."""
    plans = pages(kb)
    urgent = {q.id for q in kb.questions if q.section == "emergency"}
    needed: dict[str, str] = {}  # follow-up -> the first emergency rule that needs it
    for rule in kb.rules:
        if rule.triage is Level.EMERGENCY:
            for follow_up in sorted(_needed_with(kb, rule, urgent)):
                needed.setdefault(follow_up, rule.id)
    allowed = urgent | set(needed) | {q.id for q in kb.questions if q.section == "basics"}
    problems: list[Problem] = []
    for index, plan in enumerate(plans):
        for question in plan.questions:
            if question.id not in needed:
                continue
            before = next(
                (p for p in plans[:index] if not {q.id for q in p.questions} & allowed), None
            )
            if before is not None:
                text = _(
                    "'{question}' can make emergency rule {rule} fire with a warning sign of the "
                    "emergency section, but is asked after the page '{page}': move it before "
                    "every page of other questions"
                ).format(question=question.id, rule=needed[question.id], page=before.id)
                problems.append(Problem("questions.yaml", question.id, text))
    return problems


def _needed_with(kb: KnowledgeBase, rule: Rule, urgent: set[str]) -> set[str]:
    """Warning signs outside `urgent` that make the rule fire together with one in `urgent`."""
    signs = {q.id for q in kb.questions if q.kind == "symptom"}
    found: set[str] = set()
    for term in _terms(kb.conditions[f"rule:{rule.id}"]):
        if term & urgent:
            found |= (term & signs) - urgent
    return found


def _terms(condition: Condition) -> list[frozenset[str]]:
    """The sets of fields that together make a condition hold (its disjunctive form)."""
    if isinstance(condition, Leaf):
        return [frozenset({condition.field})]
    parts = [_terms(part) for part in condition.parts]
    if isinstance(condition, AnyOf):
        return [term for terms in parts for term in terms]
    if isinstance(condition, AllOf):
        return _products(parts)
    return [t for chosen in combinations(parts, condition.count) for t in _products(list(chosen))]


def _products(parts: list[list[frozenset[str]]]) -> list[frozenset[str]]:
    return [frozenset().union(*combo) for combo in product(*parts)][:4096]
