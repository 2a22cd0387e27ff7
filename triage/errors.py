"""One error hierarchy. Lower layers raise these; only the command line turns them into a
message on standard error and an exit code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from triage.i18n import _, ngettext


class TriageError(Exception):
    """Base of every error the tool reports to the user."""

    exit_code = 1

    def message(self) -> str:
        return str(self)


class UsageError(TriageError):
    """Bad input or bad usage: exit code 2."""

    exit_code = 2


class InputError(UsageError):
    """An answers file that cannot be read or does not follow the contract."""

    def __init__(self, file: str, problem: str, field: str | None = None) -> None:
        super().__init__(file, problem, field)
        self.file = file
        self.field = field
        self.problem = problem

    def message(self) -> str:
        where = _("field '{field}': ").format(field=self.field) if self.field else ""
        return f"{self.file}: {where}{self.problem}"


@dataclass(frozen=True)
class Problem:
    """One problem in a knowledge base, with the file and the id it concerns."""

    file: str
    item: str | None
    text: str

    def __str__(self) -> str:
        item = f" [{self.item}]" if self.item else ""
        return f"{self.file}{item}: {self.text}"

    def located(self, directory: Path) -> str:
        """The problem with its path: `DIR/FILE [item]: text`, or `DIR: text` for a problem of
        the directory itself (its `file` is empty)."""
        return f"{directory}/{self}" if self.file else f"{directory}: {self.text}"


class KnowledgeError(UsageError):
    """A knowledge base (rules/ directory) with problems."""

    def __init__(self, directory: Path, problems: list[Problem]) -> None:
        super().__init__(directory, problems)
        self.directory = directory
        self.problems = problems

    def message(self) -> str:
        first = self.problems[0].located(self.directory) if self.problems else str(self.directory)
        more = len(self.problems) - 1
        tail = ngettext(
            " (and {count} more; run 'triage check {directory}')",
            " (and {count} more; run 'triage check {directory}')",
            more,
        )
        tail = tail.format(count=more, directory=self.directory) if more > 0 else ""
        return _("the rules are not valid: {first}{tail}").format(first=first, tail=tail)


class EngineError(TriageError):
    """The rule engine failed or refused the rules; never turned into a silent result. Exit
    code 2, as for every refusal of the rules (`triage check` too)."""

    exit_code = 2


class EngineMissing(EngineError):
    """The rule engine cannot be loaded (an installation problem, not bad input): exit code 1."""

    exit_code = 1


class EngineStopped(KeyboardInterrupt):
    """An EngineError raised inside a prompt, passed on as a KeyboardInterrupt: the prompt
    library lets that through, where it catches an Exception raised by a key or a redraw and
    prints a traceback with "Press ENTER to continue..." again and again. The quiz keeps the
    answers and reports `error`."""

    def __init__(self, error: EngineError) -> None:
        super().__init__(str(error))
        self.error = error


def engine_failure(stop: BaseException) -> EngineError | None:
    """The engine error behind an interruption (an EngineStopped in its chain), if any."""
    seen: BaseException | None = stop
    for _depth in range(8):  # a short chain: QuizInterrupted raised while handling it
        if seen is None:
            return None
        if isinstance(seen, EngineStopped):
            return seen.error
        seen = seen.__cause__ or seen.__context__
    return None


class FileExistsRefused(UsageError):
    """Refused to replace an existing file without being asked to."""
