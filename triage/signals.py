"""Signals that end a quiz: the answers survive the terminal closing and a request to end.

While a quiz runs (`handled()`), SIGHUP (the terminal was closed) and SIGTERM (a request to end,
e.g. at shutdown) raise `Stop`, a KeyboardInterrupt: every place that keeps the answers on
Ctrl-C keeps them on these as well. `received()` says which of them ended the quiz; the command
line exits with 128 + its number (129, 143), as a shell reports a process ended by it.

`held()` keeps Ctrl-C, SIGHUP and SIGTERM back while a file is written, so that a save is never
cut half-way and leaves no temporary file: a signal that arrives meanwhile takes effect when the
block ends (with its usual effect outside a quiz). Inside `shielded()`, while the answers are
saved on the way out, signals are only noted: pressing Ctrl-C again cannot stop that save.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

INTERRUPT = signal.SIGINT
# SIGHUP does not exist on Windows.
ENDING = tuple(getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name))
WATCHED = (INTERRUPT, *ENDING)

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class Stop(KeyboardInterrupt):
    """The terminal was closed (SIGHUP) or the process was asked to end (SIGTERM)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class _State:
    def __init__(self) -> None:
        self.quiz = False  # handlers installed by `handled()`
        self.depth = 0  # nesting of held() and shielded()
        self.shields = 0
        self.pending: list[int] = []
        self.received: int | None = None


_state = _State()


def received() -> int | None:
    """SIGHUP or SIGTERM, if one of them arrived during the quiz (the first one)."""
    return _state.received


@contextmanager
def handled() -> Iterator[None]:
    """For the length of a quiz: Ctrl-C, SIGHUP and SIGTERM raise (KeyboardInterrupt, Stop),
    except inside held() and shielded(). The previous handlers come back afterwards."""
    if not _in_main_thread():
        yield
        return
    _state.received = None
    previous = _install()
    _state.quiz = True
    try:
        yield
    finally:
        _state.quiz = False
        _state.received = None  # the quiz has read it (Session.why_stopped)
        _restore(previous)


@contextmanager
def held() -> Iterator[None]:
    """Keep signals back until the block ends (a file being written), then let them act."""
    with _holding(drop=False):
        yield


@contextmanager
def shielded() -> Iterator[None]:
    """Note signals but never act on them inside the block (saving on the way out)."""
    with _holding(drop=True):
        yield


@contextmanager
def _holding(drop: bool) -> Iterator[None]:
    if not _in_main_thread():  # only the main thread receives signals
        yield
        return
    previous = {} if _state.quiz else _install()
    _state.depth += 1
    _state.shields += drop
    try:
        yield
    finally:
        _state.depth -= 1
        _state.shields -= drop
        _restore(previous)
        if _state.depth == 0:
            pending = _state.pending[:1]
            _state.pending.clear()  # before it acts: a signal acts once (it raises)
            _deliver(pending=pending, outside_quiz=bool(previous))


def _deliver(pending: list[int], outside_quiz: bool) -> None:
    for number in pending:
        if outside_quiz:
            signal.raise_signal(number)  # what it would have done without us (e.g. end)
        else:
            _act(number)


def _handler(number: int, frame: FrameType | None) -> None:
    if number in ENDING and _state.received is None:
        _state.received = number
    if _state.depth:
        if not _state.shields:
            _state.pending.append(number)
        return
    _act(number)


def _act(number: int) -> None:
    if number == INTERRUPT:
        raise KeyboardInterrupt
    raise Stop(number)


def _install() -> dict[int, Handler]:
    return {number: signal.signal(number, _handler) for number in WATCHED}


def _restore(previous: dict[int, Handler]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
