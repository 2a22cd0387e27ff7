"""A quiz session from the welcome to the saved file: the result, saving, resume files.

The question loop itself is `triage.quiz.run`; this module decides what happens around it:
the welcome, the result (or the emergency stop), where answers are saved, and what is kept
when the quiz is stopped.
"""

from __future__ import annotations

import shlex
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path

from triage import document, files, outcome, render, resume
from triage.errors import TriageError
from triage.knowledge import KnowledgeBase
from triage.models import REQUIRED_FIELDS, Answers, Result
from triage.quiz import (
    Asker,
    Finished,
    Interrupted,
    Partial,
    QuizInterrupted,
    Stopped,
    complete,
    count,
    partial_result,
    prune,
    run,
)

KEYS_HELP = (
    "Answer with the arrow keys, or y (Yes), n (No) and ? (Not sure), then press Enter. Esc "
    "goes back to the previous question. Before the result you can check and change every "
    "answer. Ctrl-C stops at any time and keeps your answers so that you can continue later."
)


def load_resume(path: str, kb: KnowledgeBase) -> Partial:
    """The answers in a resume file, without those that no longer apply."""
    return prune(kb, resume.read(path))


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
