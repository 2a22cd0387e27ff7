"""Standard output and standard error for the commands: every write either succeeds or says
plainly why not.

A reader that went away (`triage rules | head`) ends the command quietly with the usual status
of a command whose pipe closed (128 + SIGPIPE = 141). A write that fails (a full disk behind
`> /dev/full`, a closed standard output `>&-`) is an output fault, reported as such: never
blamed on the input file, never a traceback. After either, standard output is pointed at
/dev/null, so that Python's own flush at exit has nothing left to complain about.

Standard error is where those faults are reported, so a fault there has nowhere to go: the
message is dropped and the exit code stays what it was (a closed or full standard error never
turns a refusal, exit 2, into a crash, exit 1).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import IO

from triage.errors import TriageError
from triage.i18n import _

EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE (13), what a shell reports for `cmd | head`
MAX_WIDTH = 100  # longer lines are hard to read, however wide the terminal


def text_width(columns: int) -> int:
    """The width to wrap to in a terminal of `columns` columns: one column spare (some terminals
    wrap a full line early), at most MAX_WIDTH, at least 1. (Here, not in triage.render, so that
    the quiz's first words can be wrapped before the models are imported.)"""
    return max(1, min(columns - 1, MAX_WIDTH))


class OutputClosed(Exception):
    """The reader of standard output went away (a broken pipe): stop quietly."""


class OutputError(TriageError):
    """Standard output cannot be written."""

    exit_code = 2


class Output:
    """Standard output (or another text stream) with the faults above turned into exceptions."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        target = self._target()
        try:
            target.write(text)
        except OSError as error:
            raise _fault(error) from None

    def flush(self) -> None:
        target = self._target()
        try:
            target.flush()
        except OSError as error:
            raise _fault(error) from None

    def print(self, text: str = "", end: str = "\n") -> None:
        """`text` and `end`, flushed at once, so a fault shows where it happened."""
        self.write(text + end)
        self.flush()

    def _target(self) -> IO[str]:
        stream = self.stream if self.stream is not None else sys.stdout
        if stream is None:  # started with standard output closed (`>&-`)
            raise OutputError(_("standard output is closed, so nothing can be printed"))
        return stream


def _fault(error: OSError) -> Exception:
    if isinstance(error, BrokenPipeError):
        return OutputClosed()
    cannot = _("cannot write to standard output: {reason}")
    return OutputError(cannot.format(reason=error.strerror or error))


def discard(stream: IO[str] | None = None) -> None:
    """Point standard output (or `stream`) at /dev/null after a fault, so nothing more is
    written there and the flush at exit cannot fail."""
    stream = stream if stream is not None else sys.stdout
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def to_stderr(line: str) -> None:
    """`line` on standard error, if it can be written at all (see the module's docstring)."""
    stream = sys.stderr
    if stream is None:  # started with standard error closed (`2>&-`)
        return
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):  # full, a reader gone, or closed meanwhile
        discard(stream)


stdout = Output()
