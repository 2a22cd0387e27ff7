"""Work spread over processes (`--jobs N`): each worker loads the knowledge bases once, chunks of
input lines go out in order and their results come back in the same order, and only a few
chunks are in flight at a time, so memory stays bounded however long the input is.

Batch results are large (the advice texts make a result line about 15 kB): sending them back
through the parent would cost about a fifth of the work again. When standard output is a file
descriptor (from a shell: a file, a pipe, a terminal) each worker writes its chunk's output there
itself, in turn (`ordered_writes`): chunk k is written when chunk k - 1 has been, so the output
is the same as from one process, and only the counts travel back.

Workers are started with "spawn" (a fresh interpreter, as on every platform): nothing of the
parent's rule engine (durable-rules' C state, its lock) is copied half-way into a child.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from triage.errors import EngineError, UsageError
from triage.i18n import _

if TYPE_CHECKING:
    from concurrent.futures import Future

    from triage.knowledge import KnowledgeBase

T = TypeVar("T")
R = TypeVar("R")
CHUNK_LINES = 100  # lines per chunk: 1.5 MB of output, reused memory (larger: page faults)
IN_FLIGHT_PER_JOB = 3  # chunks per worker waiting or running: bounds the memory

_loaded: tuple[KnowledgeBase, ...] = ()  # in a worker: the knowledge bases it was started with
_order: _Order | None = None  # in a worker: whose turn it is to write, and where


def count(jobs: int) -> int:
    """The number of worker processes `--jobs N` asks for (0 = every core this process may use)."""
    if jobs < 0:
        raise UsageError(
            _("--jobs: {jobs} is not allowed; give 0 (every core) or more").format(jobs=jobs)
        )
    if jobs:
        return jobs
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def chunks(lines: Iterable[bytes], size: int = CHUNK_LINES) -> Iterator[tuple[int, list[bytes]]]:
    """The lines in chunks, each with the number of its first line (blank lines are kept, so
    numbers stay those of the input)."""
    iterator = iter(lines)
    start = 1
    while chunk := list(itertools.islice(iterator, size)):
        yield start, chunk
        start += len(chunk)


def ordered_map(
    work: Callable[[T], R],
    items: Iterable[T],
    jobs: int,
    directories: tuple[Path | None, ...],
    language: str,
) -> Iterator[R]:
    """`work` over the items in `jobs` worker processes, results in the order of the items.
    Each worker loads the knowledge bases of `directories` (None: the built-in rules) in
    `language` once, before its first item (`knowledge()` gives them to `work`)."""
    from concurrent.futures import ProcessPoolExecutor  # only with workers: start-up stays fast
    from multiprocessing import get_context

    context = get_context("spawn")
    pending: deque[Future[R]] = deque()
    limit = jobs * IN_FLIGHT_PER_JOB
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start, initargs=(directories, language)
    ) as pool:
        try:
            for item in items:
                pending.append(pool.submit(work, item))
                if len(pending) >= limit:
                    yield _result(pending.popleft())
            while pending:
                yield _result(pending.popleft())
        finally:
            for future in pending:
                future.cancel()


class _Order:
    """Shared by the workers of `ordered_writes`: the number of the chunk whose output is written
    next, a condition to wait for it, whether the parent gave up, and the output."""

    def __init__(self, context: Any, target: tuple[int, str, str]) -> None:
        self.turn = context.Value("q", 0, lock=False)
        self.aborted = context.Value("b", 0, lock=False)
        self.condition = context.Condition()
        self.descriptor, self.encoding, self.errors = target


def direct_output() -> tuple[int, str, str] | None:
    """Standard output's file descriptor, encoding and error handler, when workers can write it
    themselves; None when it is not a file descriptor (captured, replaced)."""
    stream = sys.stdout
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return descriptor, stream.encoding or "utf-8", stream.errors or "strict"


def ordered_writes(
    work: Callable[[T], tuple[str, R]],
    items: Iterable[T],
    jobs: int,
    directories: tuple[Path | None, ...],
    language: str,
    target: tuple[int, str, str],
) -> Iterator[R]:
    """As `ordered_map` for work that gives text for the output and a summary: each worker
    writes the text to `target` (see `direct_output`) in the order of the items, and the
    summaries come back in that order. A failed write is raised here as an output fault."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    context = get_context("spawn")
    order = _Order(context, target)
    pending: deque[Future[tuple[int, R]]] = deque()
    limit = jobs * IN_FLIGHT_PER_JOB
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start, initargs=(directories, language, order)
    ) as pool:
        try:
            for index, item in enumerate(items):
                pending.append(pool.submit(_write_in_turn, work, index, item))
                if len(pending) >= limit:
                    yield _written(_result(pending.popleft()))
            while pending:
                yield _written(_result(pending.popleft()))
        except BaseException:
            order.aborted.value = 1  # workers waiting for a turn that will not come stop
            raise
        finally:
            for future in pending:
                future.cancel()


def _written(done: tuple[int, R]) -> R:
    fault, summary = done
    if fault:
        from triage.output import _fault

        raise _fault(OSError(fault, os.strerror(fault)))
    return summary


def _write_in_turn(work: Callable[[T], tuple[str, R]], index: int, item: T) -> tuple[int, R]:
    """In a worker: do the work, then wait for this chunk's turn, write its text, and pass the
    turn on (also when the work failed, so that no other worker waits for ever)."""
    order = _order
    assert order is not None, "started by ordered_writes"
    summary: Any = None  # set by the work, or a failure is raised
    failure: BaseException | None = None
    try:
        text, summary = work(item)
        data = text.encode(order.encoding, order.errors)
    except BaseException as error:  # raised again below, after the turn is passed on
        failure, data = error, b""
    fault = 0
    with order.condition:
        while order.turn.value != index:
            if order.aborted.value:
                raise EngineError(_("a worker process stopped unexpectedly"))
            order.condition.wait(1.0)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(order.descriptor, view) :]
        except OSError as error:
            fault = error.errno or 5  # EIO when the system gives no number
        finally:
            order.turn.value = index + 1
            order.condition.notify_all()
    if failure is not None:
        raise failure
    return fault, summary


def _result(future: Future[R]) -> R:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as error:
        raise EngineError(_("a worker process stopped unexpectedly")) from error


def _start(
    directories: tuple[Path | None, ...], language: str, order: _Order | None = None
) -> None:
    """In a worker: speak the parent's language and load the knowledge bases, once."""
    import gc

    from triage import i18n, knowledge

    global _loaded, _order
    _order = order
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    i18n.use(language)
    _loaded = tuple(knowledge.load(directory, language) for directory in directories)
    gc.freeze()  # what was loaded lives as long as the worker: later collections skip it


def knowledge() -> tuple[KnowledgeBase, ...]:
    """In a worker: the knowledge bases loaded at its start."""
    return _loaded
