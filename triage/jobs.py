"""Work spread over processes (`--jobs N`): each worker loads the knowledge bases once, chunks of
input lines go out in order and their results come back in the same order, and only a few
chunks are in flight at a time, so memory stays bounded however long the input is.

Workers are started with "spawn" (a fresh interpreter, as on every platform): nothing of the
parent's rule engine (durable-rules' C state, its lock) is copied half-way into a child.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from triage.errors import EngineError, UsageError
from triage.i18n import _

if TYPE_CHECKING:
    from concurrent.futures import Future

    from triage.knowledge import KnowledgeBase

T = TypeVar("T")
R = TypeVar("R")
CHUNK_LINES = 500  # lines per chunk: big enough to amortise the trip, small enough to stream
IN_FLIGHT_PER_JOB = 3  # chunks per worker waiting or running: bounds the memory

_loaded: tuple[KnowledgeBase, ...] = ()  # in a worker: the knowledge bases it was started with


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


def _result(future: Future[R]) -> R:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as error:
        raise EngineError(_("a worker process stopped unexpectedly")) from error


def _start(directories: tuple[Path | None, ...], language: str) -> None:
    """In a worker: speak the parent's language and load the knowledge bases, once."""
    import gc

    from triage import i18n, knowledge

    global _loaded
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    i18n.use(language)
    _loaded = tuple(knowledge.load(directory, language) for directory in directories)
    gc.freeze()  # what was loaded lives as long as the worker: later collections skip it


def knowledge() -> tuple[KnowledgeBase, ...]:
    """In a worker: the knowledge bases loaded at its start."""
    return _loaded
