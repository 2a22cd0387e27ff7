"""A quiz session from the welcome to the saved file: the result, saving, resume files.

The question loop itself is `triage.quiz.run`; this module decides what happens around it: the
welcome, the result (or the emergency stop) with a way back to the questions, where answers
are saved, and what is kept when the quiz ends in any other way. Nothing answered is lost:
Ctrl-C, the end of input, the terminal closing (SIGHUP), SIGTERM and an unexpected error all
keep the answers in a resume file, without asking anything (the chosen folder, else a fallback
folder, else the answers are printed to copy), and only then say what happened.
"""

from __future__ import annotations

import json
import shlex
import shutil
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol, cast

from triage import conditions, document, files, markdown, outcome, render, resume, signals
from triage.errors import TriageError, engine_failure
from triage.i18n import N_, _, ngettext, pgettext
from triage.knowledge import KnowledgeBase, Question
from triage.models import REQUIRED_FIELDS, Answers, Result
from triage.quiz import (
    Asker,
    Finished,
    Interrupted,
    Partial,
    QuizInterrupted,
    Stopped,
    answer_of,
    complete,
    contract_form,
    count,
    is_answered,
    partial_result,
    prune,
    run,
)
from triage.safe_text import one_line, prose
from triage.wording import given_words

# Generic interface wording; every clinical word comes from the knowledge base. Marked with N_
# (triage.i18n) and translated where shown. The keys stay the same in every language.
KEYS_HELP = N_(
    "Answer warning signs with y (Yes), n (No) or ? (Not sure), other questions with the arrow "
    "keys, then press Enter. Esc goes back to the previous question. Before the result you can "
    "check and change every answer. Ctrl-C stops at any time and keeps the answers of every screen "
    "you confirmed with Enter, so that you can continue later."
)
READY = N_("When you have read this, press Enter to start the questions.")
STOPPED_HERE = N_("The quiz stopped here: one of your answers can be a sign of an emergency.")
WHAT_NEXT = N_("What next? Press a key (Enter: the first):")
IN_SHORT = N_("In short: {headline}")
REALLY_QUIT = N_("Finish without saving?")
MENU_LINES = 5  # the menu under a result: one line a choice, then the prompt
NOT_SAVED = N_("Not saved.")
SAVED_IN = N_("Your answers and result are saved in:")
DETAILS, BACK, SAVE, QUIT = "d", "b", "s", "q"
RESULT_OPTIONS = {
    DETAILS: N_("details: every reason, self-help, sources"),
    BACK: N_("go back and change my answer"),
    SAVE: N_("save, with a summary for your doctor"),
    QUIT: N_("finish without saving"),
}
EMERGENCY_OPTIONS = {
    SAVE: N_("save my answers so far"),
    BACK: N_("go back and change my answer"),
    DETAILS: N_("show the details"),
    QUIT: N_("finish without saving"),
}
FileKind = Literal["document", "resume", "summary"]


def menu_letters() -> dict[str, str]:
    """The key of each menu choice in the language in use (German: e, z, s, b), each a
    catalogue entry (msgctxt "key"); the English keys where a translation is not one letter
    each, all different."""
    letters = {
        # TRANSLATORS: the key for "details" in the menu under the result (one letter)
        DETAILS: pgettext("key", "d"),
        # TRANSLATORS: the key for "go back and change my answer" in that menu (one letter)
        BACK: pgettext("key", "b"),
        # TRANSLATORS: the key for "save" in that menu (one letter)
        SAVE: pgettext("key", "s"),
        # TRANSLATORS: the key for "finish without saving" in that menu (one letter)
        QUIT: pgettext("key", "q"),
    }
    values = [letter.lower() for letter in letters.values()]
    fine = all(len(v) == 1 and v.isalpha() for v in values) and len(set(values)) == len(values)
    return (
        {code: letter.lower() for code, letter in letters.items()}
        if fine
        else {code: code for code in letters}
    )


class Ending(Enum):
    """How a session ended (the command line turns it into the exit code)."""

    COMPLETED = "completed"
    EMERGENCY = "emergency"
    INTERRUPTED = "interrupted"  # Ctrl-C or the end of input
    CLOSED = "terminal_closed"  # SIGHUP: the terminal went away
    TERMINATED = "terminated"  # SIGTERM: asked to end
    FAILED = "error"  # an unexpected error, reported once the answers were kept


# Why a quiz stopped: the first line of the message on the way out, and the file's own note.
# (Marked with N_, translated where used.)
_STOPPED = {
    Ending.INTERRUPTED: N_("Stopped."),
    Ending.CLOSED: N_("The terminal was closed."),
    Ending.TERMINATED: N_("The quiz was asked to end (SIGTERM)."),
    Ending.FAILED: N_("The quiz stopped because of an internal error (reported below)."),
    Ending.EMERGENCY: N_("The quiz stopped at an answer that can be a sign of an emergency."),
}
_BECAUSE = {
    Ending.INTERRUPTED: N_("it was stopped (Ctrl-C or the end of input)"),
    Ending.CLOSED: N_("the terminal was closed"),
    Ending.TERMINATED: N_("it was asked to end (SIGTERM)"),
    Ending.FAILED: N_("of an internal error"),
    Ending.EMERGENCY: N_("one of the answers can be a sign of an emergency"),
}


class Loop(Protocol):
    """The question loop, `quiz.run`: `trail` (the screens answered, as the loop keeps them)
    and `back` (go back to the last of them) give the way back from the result."""

    def __call__(
        self,
        kb: KnowledgeBase,
        asker: Asker,
        answers: Mapping[str, Any] | None = None,
        *,
        trail: Sequence[Any] = (),
        back: bool = False,
    ) -> Finished | Stopped | Interrupted: ...


# ---------------------------------------------------------------------------------------------
# Resume files read back


@dataclass(frozen=True)
class Resumed:
    """A resume file read back: the answers that apply, and those that no longer do (their
    questions are not asked for the other answers), set aside."""

    answers: Partial
    set_aside: Partial


def load_resume(path: str, kb: KnowledgeBase) -> Resumed:
    given = resume.read(path)
    kept = prune(kb, given)
    return Resumed(kept, _left_out(given, kept))


def _left_out(given: Mapping[str, Any], kept: Mapping[str, Any]) -> Partial:
    left = {key: value for key, value in given.items() if key != "symptoms" and key not in kept}
    symptoms = {
        name: value
        for name, value in given.get("symptoms", {}).items()
        if name not in kept.get("symptoms", {})
    }
    return {**left, "symptoms": symptoms} if left or symptoms else {}


def _together(answers: Mapping[str, Any], set_aside: Mapping[str, Any]) -> Partial:
    """The answers with the set-aside ones back in (the answers given now win)."""
    fields = {key: value for key, value in set_aside.items() if key != "symptoms"}
    symptoms = {**set_aside.get("symptoms", {}), **answers.get("symptoms", {})}
    return {**fields, **answers, "symptoms": symptoms}


# ---------------------------------------------------------------------------------------------
# The session


def terminal_size() -> tuple[int, int]:
    size = shutil.get_terminal_size((80, 24))
    return size.columns, size.lines


@dataclass
class Session:
    """One run of the quiz from the welcome to the saved file.

    save_to:     write the assessment there without asking (ask before replacing a file); an
                 unfinished quiz keeps its answers there too (as a resume file, which says so).
    resume_from: the resume file the answers came from. It is updated in place if the quiz is
                 stopped again, and removed once the finished assessment has been saved.
    set_aside:   answers in that resume file that no longer apply: not used, but kept in the
                 file until the person agrees to let them go.
    command:     the command as it was started, for the commands printed to type later.
    """

    kb: KnowledgeBase
    asker: Asker
    answers: Partial = field(default_factory=dict)
    save_to: Path | None = None
    resume_from: Path | None = None
    set_aside: Partial = field(default_factory=dict)
    colour: bool = False
    directory: Path = Path(".")
    clock: Callable[[], datetime] = datetime.now
    command: str = "triage"
    screen: Callable[[], tuple[int, int]] = terminal_size
    loop: Loop = run
    trail: tuple[Any, ...] = ()
    error: Exception | None = None
    saved: Path | None = None  # the finished assessment, once saved
    kept: Path | None = None  # where the answers were kept on the way out
    welcomed: bool = False  # the welcome and disclaimer were printed already (triage.cli)

    def __post_init__(self) -> None:
        self.ui = cast(Asker, _Guarded(self.asker, self._note_error))

    def run(self) -> Ending:
        try:
            self.welcome()
            return self.ask_and_conclude()
        except (QuizInterrupted, KeyboardInterrupt) as stop:  # also SIGHUP and SIGTERM
            failed = engine_failure(stop)  # an engine error inside a prompt (EngineStopped)
            if failed is not None:
                self._note_error(failed)
            return self.keep_for_later()
        except Exception as error:  # a bug: keep the answers first, then report it
            self._note_error(error)
            return self.keep_for_later()

    def ask_and_conclude(self) -> Ending:
        back = False
        while True:
            ending = self.loop(self.kb, self.ui, self.answers, trail=self.trail, back=back)
            self.answers = ending.answers
            self.trail = tuple(getattr(ending, "trail", ()))
            match ending:
                case Interrupted(failed=failed):
                    if failed is not None:
                        self._note_error(failed)
                    return self.keep_for_later()
                case Stopped():
                    concluded = self.stop_for_emergency()
                case Finished():
                    concluded = self.finish()
            if concluded is not None:
                return concluded
            back = True

    # -- screens -----------------------------------------------------------------------------

    def welcome(self) -> None:
        info = self.kb.info
        keys = _(KEYS_HELP)
        parts = [keys] if self.welcomed else [info.welcome or "", info.disclaimer, keys]
        shown = [self._wrap(prose(part)) for part in parts if part]
        if self.resume_from is not None:
            continuing = _("Continuing the quiz saved in {file}.")
            shown.append(self._wrap(continuing.format(file=_named(self.resume_from))))
        above = "\n" if self.welcomed else ""  # a blank line under the welcome printed before
        self.ui.show(above + "\n\n".join(shown))
        if self.set_aside:
            self.tell_set_aside()
        if self.resume_from is None:  # a resumed quiz goes on where it stopped
            self.ui.ready(_(READY))

    def tell_set_aside(self) -> None:
        """Resumed answers that no longer apply: say which and why before going on, and keep
        them in the resume file unless the person lets them go."""
        assert self.resume_from is not None
        name = _named(self.resume_from)
        lines = [
            _("Some answers in {file} no longer apply, so they are not used:").format(file=name)
        ]
        for question in self.kb.questions:
            if is_answered(self.set_aside, question):
                words = given_words(self.kb, question, answer_of(self.set_aside, question))
                because = self._asked_only_for(question)
                lines.append(f"- {prose(question.short)}: {prose(words)}{because}.")
        lines.append(
            _(
                "They may come from an older version of the rules or from an edited file. They "
                "stay in {file} until you say they can go."
            ).format(file=name)
        )
        self.ui.show("\n" + self._message(lines))
        if self.ui.confirm(_("Let them go (leave them out when the file is next saved)?"), False):
            self.set_aside = {}

    def _asked_only_for(self, question: Question) -> str:
        condition = self.kb.conditions.get(f"question:{question.id}")
        names = {leaf.field for leaf in conditions.leaves(condition)} if condition else set()
        about = [prose(q.short).lower() for q in self.kb.questions if q.id in names]
        if not about:
            return _(" (this question is not asked for your other answers)")
        return _(" (asked only for some answers about {topics})").format(topics=", ".join(about))

    def finish(self) -> Ending | None:
        """The result, then the choice: details, back, save or finish. None: go back. An empty
        file name, a failed save or a "no" to finishing without saving comes back to the choice."""
        answers = complete(self.answers)
        assert answers is not None, "the loop finishes only when every required answer is given"
        result = outcome.assess(answers, self.kb)
        self.show_result(render.first_screen(result, self.kb, self.width(), self.colour), result)
        while True:
            match self.next_step(result, RESULT_OPTIONS):
                case "b":
                    return None
                case "s":
                    saved = self.save_assessment(answers, result)
                    if saved is None:
                        self.recap(result)
                        continue
                case _:
                    self.ui.show(self._wrap(_(NOT_SAVED)))
                    saved = None
            self.settle_resume_file(saved)
            return Ending.COMPLETED

    def stop_for_emergency(self) -> Ending | None:
        """What to do now comes first; then the choice: save, back, details or finish."""
        result = partial_result(self.kb, self.answers)
        screen = render.first_screen(result, self.kb, self.width(), self.colour, _(STOPPED_HERE))
        self.show_result(screen, result)
        while True:
            match self.next_step(result, EMERGENCY_OPTIONS):
                case "b":
                    return None
                case "s":
                    answers = complete(self.answers)
                    if answers is not None:
                        saved = self.save_assessment(
                            answers, outcome.assess(answers, self.kb), stopped=True
                        )
                    else:
                        saved = self.save_incomplete(result)
                    if saved is None:
                        self.recap(result)
                        continue
                case _:
                    self.ui.show(self._wrap(_(NOT_SAVED)))
            self.recap(result)  # the last words on the screen: what to do now
            return Ending.EMERGENCY

    def show_result(self, screen: str, result: Result) -> None:
        """The first screen and, under it, the menu, on the screen together with room for the
        line that answers the menu (and a blank line between them where there is more). Where
        they do not fit, the first screen comes a page at a time, its headline first, and the
        headline again above the menu."""
        lines = screen.rstrip("\n").count("\n") + 1
        spare = self.screen()[1] - (lines + MENU_LINES + 2)  # the answer, then the cursor
        self.ui.page(screen, skippable=False)
        if spare > 0:
            self.ui.show("")
        elif spare < 0 or getattr(self.ui, "last_lines_first", False):
            # a screen reader user hears the last lines first: the headline again there too
            self.recap(result)

    def recap(self, result: Result) -> None:
        in_short = _(IN_SHORT).format(headline=prose(result.headline))
        self.ui.show("\n" + self._wrap(in_short))

    def next_step(self, result: Result, options: Mapping[str, str]) -> str:
        """The choice made after a result; the details are shown in between, as often as asked,
        each time followed by the headline again; finishing without saving is asked once more."""
        letters = menu_letters()
        codes = {letters[code]: code for code in options}
        offered = [
            (letters[code], _(label))
            for code, label in options.items()
            if code != BACK or self.trail
        ]
        while True:
            code = codes[self.ui.choose(_(WHAT_NEXT), offered)]
            if code == QUIT and not self.ui.confirm(_(REALLY_QUIT), False):
                self.recap(result)
                continue
            if code != DETAILS:
                return code
            self.ui.page("\n" + render.details(result, self.kb, self.width(), self.colour))
            self.recap(result)

    # -- saving when asked -------------------------------------------------------------------

    def save_assessment(
        self, answers: Answers, result: Result, *, stopped: bool = False
    ) -> Path | None:
        """Save the assessment, then offer the summary for the doctor (marked incomplete when
        the quiz `stopped` early at an emergency)."""
        stop = document.STOPPED_EMERGENCY if stopped else None
        saved_document = document.new_document(answers, result, self.kb, stopped=stop)
        path = self.save_to or self.ask_name(self.default_path("document"))
        saved = self.write(path, document.to_json(saved_document), "document") if path else None
        if saved is None:
            self.ui.show(self._wrap(_(NOT_SAVED)))
            return None
        self.saved = saved
        created = saved_document.metadata.created
        text = markdown_text(answers, result, self.kb, created, incomplete=stopped)
        summary = self.offer_summary(text, saved)
        lines = [_("Saved your answers and result in:"), f"  {_shown(saved.resolve())}"]
        if summary is not None:
            lines += [
                _("The one-page summary for your doctor is in:"),
                f"  {_shown(summary.resolve())}",
            ]
        lines += [
            _("The files are readable only by you. To see the result again:"),
            f"  {self.command} assess {_quoted(saved.resolve())}",
        ]
        self.ui.show(self._message(lines))
        return saved

    def offer_summary(self, text: str, beside: Path) -> Path | None:
        if not self.ui.confirm(_("Also save a one-page summary for your doctor (Markdown)?"), True):
            return None
        return self.write(beside.with_suffix(".md"), text, "summary")

    def save_incomplete(self, result: Result) -> Path | None:
        """An emergency stop before the required answers: a resume file, which says so, and
        the summary for the doctor of what is known beside it, marked incomplete."""
        missing = [
            prose(self.kb.questions_by_id[name].short).lower()
            for name in REQUIRED_FIELDS
            if self.answers.get(name) is None
        ]
        path = self.save_to or self.ask_name(self.default_path("resume"))
        text = self.resume_text(Ending.EMERGENCY)
        saved = self.write(path, text, "resume") if path else None
        if saved is None:
            self.ui.show(self._wrap(_(NOT_SAVED)))
            return None
        text = markdown.to_markdown(
            contract_form(self.answers),
            result,
            self.kb,
            saved=None,
            made=document.now(),
            incomplete=True,
        )
        summary = self.offer_summary(text, saved)
        lines = [
            _("Saved your answers so far in:"),
            f"  {_shown(saved.resolve())}",
            _(
                "The file is readable only by you. The quiz stopped before asking about "
                "{topics}, so this is a resume file with your answers so far, not a "
                "complete assessment ('triage assess' cannot read it). To open it again:"
            ).format(topics=", ".join(missing)),
            f"  {self.command} quiz --resume {_quoted(saved.resolve())}",
        ]
        if summary is not None:
            lines += [
                _("The summary of what is known so far, for a doctor or the ambulance crew:"),
                f"  {_shown(summary.resolve())}",
            ]
        self.ui.show(self._message(lines))
        return saved

    def settle_resume_file(self, saved: Path | None) -> None:
        if self.resume_from is None:
            return
        name = _named(self.resume_from)
        if saved is None:
            self.ui.show(
                self._message([_("The resume file {file} is kept as it was.").format(file=name)])
            )
        elif saved.resolve() == self.resume_from.resolve():
            return  # the resume file has become the assessment
        elif self.set_aside:
            self.ui.show(
                self._message(
                    [
                        _(
                            "The resume file {file} is kept: it still holds answers that no "
                            "longer applied (see the start of the quiz). Delete it once you do "
                            "not need them."
                        ).format(file=name)
                    ]
                )
            )
        else:
            self.resume_from.unlink(missing_ok=True)
            self.ui.show(
                self._message(
                    [
                        _("Removed the resume file {file}: its answers are in {saved}.").format(
                            file=name, saved=_named(saved)
                        )
                    ]
                )
            )

    def write(self, path: Path, text: str, kind: FileKind) -> Path | None:
        """Write atomically (0600). Never replace a file without the person's yes (their own
        resume file excepted); on a problem, say what it is and ask for another name."""
        candidate: Path | None = path
        failed: set[Path] = set()
        while candidate is not None:
            replace = self._own(candidate)
            if candidate.exists() and not candidate.is_dir() and not replace:
                replace = self.ui.confirm(
                    _("{file} already exists. Replace it?").format(file=_named(candidate)), False
                )
                if not replace:
                    candidate = self.ask_name(self.default_path(kind, candidate.parent))
                    continue
            try:
                return files.write_atomic(candidate, text, overwrite=replace)
            except KeyboardInterrupt as stop:  # a signal during the save: the file is complete
                if kind == "document" and getattr(stop, "written", None) is not None:
                    self.saved = stop.written  # type: ignore[attr-defined]
                raise
            except TriageError as error:
                problem = one_line(error.message())
                self.ui.show(
                    self._message([_("Could not save: {problem}").format(problem=problem)])
                )
                failed.add(_folder(candidate))
                candidate = self.ask_name(self._retry_path(kind, failed))
        return None

    def _retry_path(self, kind: FileKind, failed: set[Path]) -> Path | None:
        """The name offered after a failed save: in the first folder that has not failed (here,
        then the fallback folders); None (offer nothing) once all have."""
        here = self.save_to.parent if self.save_to is not None else self.directory
        for folder in [here, *files.fallback_directories()]:
            if _folder(folder / "x") not in failed and folder.is_dir():
                return self.default_path(kind, folder)
        return None

    def ask_name(self, default: Path | None) -> Path | None:
        offered = "" if default is None else str(default)
        name = self.ui.file_name(_("File name (empty: do not save):"), offered).strip()
        return Path(name).expanduser() if name else None

    def default_path(self, kind: FileKind, directory: Path | None = None) -> Path:
        """A free name of the right kind: an assessment's (back-pain-DATE.json) is never offered
        for a resume file (triage-resume-DATE-TIME.json, or the file resumed from)."""
        folder = directory or (self.save_to.parent if self.save_to is not None else self.directory)
        now = self.clock()
        match kind:
            case "document":
                return files.free_path(folder, f"back-pain-{now.date().isoformat()}")
            case "summary":
                return files.free_path(folder, f"back-pain-{now.date().isoformat()}", ".md")
            case "resume":
                if self.resume_from is not None and directory is None:
                    return self.resume_from
                return files.free_path(folder, f"triage-resume-{now:%Y-%m-%d-%H%M%S}")

    # -- keeping the answers on every other way out ------------------------------------------

    def keep_for_later(self) -> Ending:
        """Ctrl-C, end of input, SIGHUP, SIGTERM or an error: keep the answers without asking
        anything (Ctrl-C again cannot stop this), then say where they are."""
        with signals.shielded():
            ending = self.why_stopped()
            if self.saved is not None:
                self.say([f"{_(_STOPPED[ending])} {_(SAVED_IN)}"])
                self.say_verbatim(f"  {_shown(self.saved.resolve())}")
            elif not count(self.answers):
                nothing = _("No answers were given yet, so nothing was saved.")
                self.say([f"{_(_STOPPED[ending])} {nothing}"])
            else:
                try:
                    self.keep_answers(ending)
                except Exception as error:  # noqa: BLE001 - a bug here: the answers on screen
                    self._note_error(error)
                    self.say_verbatim(json.dumps(self.answers, indent=2, default=str))
            return self.why_stopped()

    def why_stopped(self) -> Ending:
        number = signals.received()
        if number is not None:
            closed = number == getattr(signal, "SIGHUP", None)
            return Ending.CLOSED if closed else Ending.TERMINATED
        return Ending.FAILED if self.error is not None else Ending.INTERRUPTED

    def keep_answers(self, ending: Ending) -> None:
        answers = complete(self.answers)
        if answers is not None and self.save_to is not None and self._free_or_own(self.save_to):
            try:
                result = outcome.assess(answers, self.kb)
            except TriageError:  # the rule engine failed: a resume file keeps the answers
                result = None
            text = (
                ""
                if result is None
                else document.to_json(document.new_document(answers, result, self.kb))
            )
            if result is not None and self._try_write(self.save_to, text, []) is not None:
                self.saved = self.kept = self.save_to
                self.say([f"{_(_STOPPED[ending])} {_(SAVED_IN)}"])
                self.say_verbatim(f"  {_shown(self.save_to.resolve())}")
                return
        problems: list[str] = []
        text = self.resume_text(ending)
        for place in self.resume_places():
            path = self._try_write(place, text, problems)
            if path is not None:
                self.kept = path
                self.say_kept(path, problems, ending)
                return
        unsaved = _(
            "Your answers could not be saved anywhere ({problems}). Here they are: copy the "
            "lines between the marks into a file, for example triage-resume.json, and continue "
            "with:"
        ).format(problems="; ".join(problems))
        self.say(
            [
                f"{_(_STOPPED[ending])} {unsaved}",
                f"  {self.command} quiz --resume triage-resume.json",
                _("----- copy from the next line -----"),
            ]
        )
        self.say_verbatim(text + _("----- copy up to the line above -----"))

    def resume_places(self) -> list[Path]:
        """Where to keep the answers, in order: the resume file they came from, the --save
        file (unless another file is there), a new resume file beside it or in the current
        folder, then the fallback folders."""
        places: list[Path] = []
        if self.resume_from is not None:
            places.append(self.resume_from)
        if self.save_to is not None and self._free_or_own(self.save_to):
            places.append(self.save_to)
        stamp = f"triage-resume-{self.clock():%Y-%m-%d-%H%M%S}"
        folder = self.save_to.parent if self.save_to is not None else self.directory
        places.append(files.free_path(folder, stamp))
        for fallback in files.fallback_directories():
            if files.prepared(fallback):
                places.append(files.free_path(fallback, stamp))
        return list(dict.fromkeys(places))

    def resume_text(self, ending: Ending) -> str:
        answers = _together(self.answers, self.set_aside) if self.set_aside else self.answers
        note = _(
            "The answers so far from a quiz that stopped before the end, because {because}: "
            "not an assessment ('triage assess' cannot read it). Continue with: {command} quiz "
            "--resume FILE (this file)."
        ).format(because=_(_BECAUSE[ending]), command=self.command)
        return resume.to_text(answers, self.kb.label, self.clock(), stopped=ending.value, note=note)

    def say_kept(self, path: Path, problems: list[str], ending: Ending) -> None:
        again = f" --save {_quoted(self.save_to.resolve())}" if self.save_to is not None else ""
        lines = [""]
        if problems:
            planned = _("Could not save where planned ({problems}).")
            lines.append(planned.format(problems="; ".join(problems)))
        lines += [
            f"{_(_STOPPED[ending])} {_answers_so_far(count(self.answers))}",
            f"  {_shown(path.resolve())}",
            _("The file is readable only by you. To continue where you left off:"),
            f"  {self.command} quiz --resume {_quoted(path.resolve())}{again}",
        ]
        self.say(lines)

    def _try_write(self, path: Path, text: str, problems: list[str]) -> Path | None:
        try:
            return files.write_atomic(path, text, overwrite=self._own(path))
        except TriageError as error:
            problems.append(one_line(error.message()))
            return None

    def _own(self, path: Path) -> bool:
        """The resume file this quiz came from, which it may bring up to date."""
        return self.resume_from is not None and _same(path, self.resume_from)

    def _free_or_own(self, path: Path) -> bool:
        return self._own(path) or not path.exists()

    # -- output ------------------------------------------------------------------------------

    def say(self, lines: Sequence[str]) -> None:
        """A message on the way out: the terminal may be gone (SIGHUP), which loses nothing."""
        self.say_verbatim(self._message(lines))

    def say_verbatim(self, text: str) -> None:
        try:
            self.asker.show(text)
        except Exception:  # noqa: BLE001 - the answers are kept; only the message is lost
            return

    def width(self) -> int:
        return render.text_width(self.screen()[0])

    def _wrap(self, text: str) -> str:
        return render.wrap(text, self.width()).replace(NO_BREAK, " ")

    def _message(self, lines: Sequence[str]) -> str:
        """Prose wrapped to the screen; lines indented by two spaces (file names and commands
        to type) are kept whole, so they can be copied."""
        return "\n".join(line if line.startswith("  ") else self._wrap(line) for line in lines)

    def _note_error(self, error: Exception) -> None:
        if self.error is None:
            self.error = error


class _Guarded:
    """The asker, with any unexpected error inside it noted and turned into QuizInterrupted:
    the question loop then hands back the answers so far, as on Ctrl-C."""

    def __init__(self, asker: Asker, note: Callable[[Exception], None]) -> None:
        self._asker, self._note = asker, note

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._asker, name)
        if not callable(method):
            return method

        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except QuizInterrupted:
                raise
            except Exception as error:
                self._note(error)
                raise QuizInterrupted from error

        return guarded


def markdown_text(
    answers: Answers,
    result: Result,
    kb: KnowledgeBase,
    created: str | None,
    *,
    incomplete: bool = False,
) -> str:
    return markdown.to_markdown(
        answers, result, kb, saved=created, made=document.now(), incomplete=incomplete
    )


def _answers_so_far(number: int) -> str:
    return ngettext(
        "Your answer so far is saved in:", "Your {count} answers so far are saved in:", number
    ).format(count=number)


def _folder(path: Path) -> Path:
    try:
        return path.parent.resolve()
    except (OSError, RuntimeError):
        return path.parent


def _same(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except (OSError, RuntimeError):
        return False


def _shown(path: Path) -> str:
    return one_line(path)


NO_BREAK = "\u00a0"  # between the words of a file name in running text, until it is wrapped


def _named(path: Path) -> str:
    """A file name inside running text: never broken across lines (wrapping puts it whole on
    the next line; its spaces come back once the text is wrapped)."""
    return one_line(path).replace(" ", NO_BREAK)


def _quoted(path: Path) -> str:
    return one_line(shlex.quote(str(path)))
