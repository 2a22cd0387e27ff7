"""The quiz: which question comes next, when to stop early, review and change, save and resume.

The loop knows nothing of the terminal. It talks to an "asker" (see `Asker`): the real one in
`triage.prompts` draws prompts; tests pass a scripted one. Answers so far are kept as a partial
answers mapping in the shape of the contract (symptoms nested under "symptoms"). A question is
"answered" when its key is present; an optional question the person skipped is stored as None.

Order: the questions of rules/questions.yaml, in file order, each asked only while its `when`
holds for the answers so far (questions without `when` are always asked). After every answer
the rules are fired on the answers so far; an emergency that does not rest on a "Not sure"
answer stops the quiz at once.
"""

from __future__ import annotations

import shlex
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from triage import document, files, outcome, render, resume
from triage.conditions import to_facts
from triage.engine import for_knowledge
from triage.errors import TriageError
from triage.knowledge import KnowledgeBase, Question, Rule
from triage.models import REQUIRED_FIELDS, Answers, Level, Result
from triage.wording import answer_words

Partial = dict[str, Any]
# Generic interface wording; every clinical word comes from the knowledge base.
SECTION_TITLES = {
    "emergency": "Part 1 of 3: warning signs that need help at once",
    "basics": "Part 2 of 3: about your back pain",
    "follow_up": "Part 3 of 3: a few more questions",
}
KEYS_HELP = (
    "Answer with the arrow keys and Enter. Before the result you can check and change every "
    "answer. Ctrl-C stops at any time and keeps your answers so that you can continue later."
)


class QuizInterrupted(Exception):
    """Raised by an asker when the person stops the quiz (Ctrl-C or end of input)."""


@dataclass(frozen=True)
class ReviewRow:
    """One line of the review screen: a question and its answer in words."""

    question: Question
    words: str


class Asker(Protocol):
    """What the quiz needs from a user interface."""

    def show(self, text: str) -> None: ...

    def ask(self, question: Question, current: Any) -> Any:
        """The answer in contract form (int, str, list, "yes"/"no"/"unsure"), or None when an
        optional question is skipped. `current` is the answer given before, if any."""

    def review(self, rows: Sequence[ReviewRow]) -> str | None:
        """The id of a question to change, or None to go on to the result."""

    def confirm(self, message: str, default: bool) -> bool: ...

    def file_name(self, message: str, default: str) -> str:
        """A file name typed by the person (empty: do not save)."""


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


def without(answers: Mapping[str, Any], questions: Sequence[Question]) -> Partial:
    ids = {question.id for question in questions}
    kept = {key: value for key, value in answers.items() if key not in ids}
    kept["symptoms"] = {k: v for k, v in answers.get("symptoms", {}).items() if k not in ids}
    return kept


def count(answers: Mapping[str, Any]) -> int:
    return len([key for key in answers if key != "symptoms"]) + len(answers.get("symptoms", {}))


def complete(answers: Mapping[str, Any]) -> Answers | None:
    """The answers as a valid Answers object, or None while a required one is missing."""
    if any(answers.get(name) is None for name in REQUIRED_FIELDS):
        return None
    try:
        return Answers.model_validate(dict(answers))
    except ValidationError:
        return None


# ---------------------------------------------------------------------------------------------
# Skip logic and the early stop


def relevant(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[Question]:
    """The questions to ask for these answers, in the order of questions.yaml."""
    conditional = for_knowledge(kb).questions_to_ask(to_facts(answers))
    return [q for q in kb.questions if q.when is None or q.id in conditional]


def prune(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Partial:
    """Drop answers to questions that are no longer asked (after an answer was changed).
    Repeated, because dropping one answer can make another question irrelevant in turn."""
    current = dict(answers)
    while True:
        asked = {q.id for q in relevant(kb, current)}
        stale = [q for q in kb.questions if q.id not in asked and is_answered(current, q)]
        if not stale:
            return current
        current = without(current, stale)


def next_question(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Question | None:
    return next((q for q in relevant(kb, answers) if not is_answered(answers, q)), None)


def emergency_rules(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[Rule]:
    """Rules that make these answers an emergency ("Not sure" answers alone never stop the quiz)."""
    return [
        rule
        for rule, level, unsure in outcome.fired_rules(kb, answers)
        if level is Level.EMERGENCY and not unsure
    ]


def partial_result(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Result:
    """The result the answers so far lead to (used when the quiz stops early)."""
    facts = to_facts(answers)
    return outcome.build_result(kb, facts, for_knowledge(kb).fire(facts))


def review_rows(kb: KnowledgeBase, answers: Mapping[str, Any]) -> list[ReviewRow]:
    return [
        ReviewRow(q, answer_words(kb, q, answer_of(answers, q)))
        for q in relevant(kb, answers)
        if is_answered(answers, q)
    ]


# ---------------------------------------------------------------------------------------------
# The question loop


@dataclass(frozen=True)
class Finished:
    answers: Partial


@dataclass(frozen=True)
class Stopped:
    """An emergency answer stopped the quiz; `rules` are the emergency rules that fired."""

    answers: Partial
    rules: list[Rule]


@dataclass(frozen=True)
class Interrupted:
    answers: Partial


def run(
    kb: KnowledgeBase, asker: Asker, answers: Mapping[str, Any] | None = None
) -> Finished | Stopped | Interrupted:
    """Ask until every relevant question is answered and the person accepts the review, or an
    emergency answer stops the quiz, or the person interrupts it."""
    current = prune(kb, {"symptoms": {}, **(answers or {})})
    reviewing, section = False, None
    try:
        while True:
            if rules := emergency_rules(kb, current):
                return Stopped(current, rules)
            question = next_question(kb, current)
            if question is None:
                reviewing = True
                question = _chosen_for_change(kb, asker, current)
                if question is None:
                    return Finished(current)
            elif not reviewing and question.section != section:
                section = question.section
                asker.show(f"\n{SECTION_TITLES[question.section]}")
            value = asker.ask(question, answer_of(current, question))
            current = prune(kb, with_answer(current, question, value))
    except (QuizInterrupted, KeyboardInterrupt):
        return Interrupted(current)


def _chosen_for_change(kb: KnowledgeBase, asker: Asker, answers: Partial) -> Question | None:
    chosen = asker.review(review_rows(kb, answers))
    return kb.questions_by_id[chosen] if chosen is not None else None


def load_resume(path: str, kb: KnowledgeBase) -> Partial:
    """The answers in a resume file, without those that no longer apply."""
    return prune(kb, resume.read(path))


# ---------------------------------------------------------------------------------------------
# A whole quiz session: welcome, questions, result, saving


class Ending(Enum):
    COMPLETED = "completed"
    EMERGENCY = "emergency"
    INTERRUPTED = "interrupted"


@dataclass
class Session:
    """One run of the quiz from the welcome to the saved file.

    save_to:     write the assessment there without asking (ask before replacing a file).
    resume_from: the resume file the answers came from. It is updated in place if the quiz is
                 stopped again, and removed once the finished assessment has been saved.
    """

    kb: KnowledgeBase
    asker: Asker
    answers: Partial = field(default_factory=dict)
    save_to: Path | None = None
    resume_from: Path | None = None
    colour: bool = False
    directory: Path = Path(".")
    clock: Callable[[], datetime] = datetime.now

    def run(self) -> Ending:
        self.welcome()
        ending = run(self.kb, self.asker, self.answers)
        self.answers = ending.answers
        try:
            match ending:
                case Interrupted():
                    return self.keep_for_later()
                case Stopped():
                    self.stop_for_emergency()
                    return Ending.EMERGENCY
                case Finished():
                    self.finish()
                    return Ending.COMPLETED
        except (QuizInterrupted, KeyboardInterrupt):
            return self.keep_for_later()

    def welcome(self) -> None:
        info = self.kb.info
        parts = [info.welcome or "", info.disclaimer, KEYS_HELP]
        if self.resume_from is not None:
            parts.append(f"Continuing the quiz saved in {self.resume_from}.")
        self.asker.show("\n\n".join(_paragraph(part) for part in parts if part))

    def finish(self) -> None:
        answers = complete(self.answers)
        assert answers is not None, "the loop finishes only when every required answer is given"
        result = outcome.assess(answers, self.kb)
        self.asker.show("\nYour result\n\n" + render.to_text(result, self.kb, self.colour))
        self.asker.show(_message([f"In short: {result.headline}", ""]))
        saved = self.save_assessment(answers, result)
        if self.resume_from is not None:
            self.settle_resume_file(saved)

    def stop_for_emergency(self) -> None:
        result = partial_result(self.kb, self.answers)
        self.asker.show(
            "\nThe quiz stopped here: one of your answers can be a sign of an emergency.\n\n"
            + render.to_text(result, self.kb, self.colour)
        )
        self.asker.show(_message([f"In short: {result.headline}", ""]))
        answers = complete(self.answers)
        if answers is not None:
            self.save_assessment(answers, outcome.assess(answers, self.kb))
        elif self.save_to is not None or self.asker.confirm(
            "Save your answers so far to a file?", True
        ):
            self.save_incomplete()

    # -- saving ------------------------------------------------------------------------------

    def save_assessment(self, answers: Answers, result: Result) -> Path | None:
        text = document.to_json(document.new_document(answers, result, self.kb))
        if self.save_to is not None:
            path: Path | None = self.save_to
        elif self.asker.confirm("Save your answers and this result to a file?", True):
            path = self.ask_name(self.default_document_path())
        else:
            path = None
        saved = self.write(path, text) if path is not None else None
        if saved is not None:
            self.asker.show(
                _message(
                    [
                        "Saved your answers and result in:",
                        f"  {saved.resolve()}",
                        "The file is readable only by you. To see the result again:",
                        f"  triage assess {_quoted(saved)}",
                    ]
                )
            )
        else:
            self.asker.show("Not saved.")
        return saved

    def save_incomplete(self) -> None:
        missing = [
            self.kb.questions_by_id[name].short.lower()
            for name in REQUIRED_FIELDS
            if self.answers.get(name) is None
        ]
        path = self.write_resume()
        if path is None:
            return
        self.asker.show(
            _message(
                [
                    "Saved your answers so far in:",
                    f"  {path.resolve()}",
                    "The file is readable only by you. The quiz stopped before asking about "
                    f"{', '.join(missing)}, so this is a resume file with your answers so far, "
                    "not a complete assessment ('triage assess' cannot read it). To open it again:",
                    f"  triage quiz --resume {_quoted(path)}",
                ]
            )
        )

    def keep_for_later(self) -> Ending:
        """Ctrl-C or end of input: keep the answers so far in a resume file."""
        if not count(self.answers):
            self.asker.show("\nStopped. No answers were given yet, so nothing was saved.")
            return Ending.INTERRUPTED
        path = self.write_resume()
        if path is None:  # last resort: the answers on the screen, to copy
            self.asker.show(resume.to_text(self.answers, self.kb.label, self.clock()))
        else:
            again = f" --save {_quoted(self.save_to)}" if self.save_to is not None else ""
            self.asker.show(
                _message(
                    [
                        "",
                        f"Stopped. {_answers_so_far(count(self.answers))} saved in:",
                        f"  {path.resolve()}",
                        "The file is readable only by you. To continue where you left off:",
                        f"  triage quiz --resume {_quoted(path)}{again}",
                    ]
                )
            )
        return Ending.INTERRUPTED

    def write_resume(self) -> Path | None:
        text = resume.to_text(self.answers, self.kb.label, self.clock())
        if self.resume_from is not None:  # our own file: bring it up to date
            return self.write(self.resume_from, text, replace_own=True)
        directory = self.save_to.parent if self.save_to is not None else self.directory
        stamp = self.clock().strftime("%Y-%m-%d-%H%M%S")
        return self.write(files.free_path(directory, f"triage-resume-{stamp}"), text, ask=False)

    def settle_resume_file(self, saved: Path | None) -> None:
        assert self.resume_from is not None
        if saved is None:
            self.asker.show(
                _message([f"Your answers are still in the resume file {self.resume_from}."])
            )
        elif saved.resolve() != self.resume_from.resolve():
            self.resume_from.unlink(missing_ok=True)
            self.asker.show(
                _message(
                    [f"Removed the resume file {self.resume_from}: its answers are in {saved}."]
                )
            )

    def write(
        self, path: Path, text: str, *, ask: bool = True, replace_own: bool = False
    ) -> Path | None:
        """Write atomically (0600). Never replace a file without the person's yes; on a
        problem, say what it is and ask for another name (unless asking is not possible)."""
        candidate: Path | None = path
        while candidate is not None:
            replace = replace_own
            if candidate.exists() and not candidate.is_dir() and not replace:
                if not ask:
                    candidate = files.free_path(candidate.parent, candidate.stem)
                    continue
                replace = self.asker.confirm(f"{candidate} already exists. Replace it?", False)
                if not replace:
                    candidate = self.ask_name(self.default_document_path(candidate.parent))
                    continue
            try:
                return files.write_atomic(candidate, text, overwrite=replace)
            except TriageError as error:
                self.asker.show(_message([f"Could not save: {error.message()}"]))
                if not ask:
                    return None
                candidate = self.ask_name(self.default_document_path())
        return None

    def ask_name(self, default: Path) -> Path | None:
        name = self.asker.file_name("File name (empty: do not save):", str(default)).strip()
        return Path(name).expanduser() if name else None

    def default_document_path(self, directory: Path | None = None) -> Path:
        folder = directory or (self.save_to.parent if self.save_to is not None else self.directory)
        return files.free_path(folder, f"back-pain-{self.clock().date().isoformat()}")


def _paragraph(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), render.WIDTH)


def _answers_so_far(number: int) -> str:
    return "Your answer so far is" if number == 1 else f"Your {number} answers so far are"


def _message(lines: Sequence[str]) -> str:
    """Prose wrapped to the result's width; lines indented by two spaces (file names and
    commands to type) kept whole, so they can be copied."""
    return "\n".join(line if line.startswith("  ") else _paragraph(line) for line in lines)


def _quoted(path: Path) -> str:
    return shlex.quote(str(path))
