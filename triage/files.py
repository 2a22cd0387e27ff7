"""Writing files safely: atomically (temporary file + rename), private (0600), and never over an
existing file unless the caller says so. A failed write leaves the old file as it was."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from triage.errors import FileExistsRefused, UsageError

PRIVATE = 0o600


def write_atomic(path: Path, text: str, *, overwrite: bool = False) -> Path:
    """Write `text` to `path` atomically with permissions 0600; refuse to replace a file
    unless `overwrite` is true."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; give a file name")
    if path.exists() and not overwrite:
        raise FileExistsRefused(f"{path}: already exists; not replaced (choose another name)")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise UsageError(f"{path}: cannot write here: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, PRIVATE)
        if overwrite:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):  # a full disk, an I/O error: say so, never crash
            raise UsageError(f"{path}: cannot write: {error.strerror or error}") from None
        raise
    return path


def free_path(directory: Path, stem: str) -> Path:
    """`directory/stem.json`, or `stem-2.json`, `stem-3.json`... whichever does not exist yet."""
    candidate, number = directory / f"{stem}.json", 2
    while candidate.exists():
        candidate, number = directory / f"{stem}-{number}.json", number + 1
    return candidate


def _link_new(temporary: str, path: Path) -> None:
    """Move the temporary file into place only if nothing appeared there meanwhile."""
    try:
        os.link(temporary, path)  # fails if `path` exists: no race with another writer
    except FileExistsError:
        message = f"{path}: already exists; not replaced (choose another name)"
        raise FileExistsRefused(message) from None
    except OSError:
        if path.exists():
            raise FileExistsRefused(f"{path}: already exists; not replaced") from None
        os.replace(temporary, path)  # file systems without hard links
        return
    os.unlink(temporary)
