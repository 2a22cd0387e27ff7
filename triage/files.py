"""Writing files safely: atomically (temporary file + rename), private (0600), and never over an
existing file unless the caller says so. A failed write leaves the old file as it was, and no
signal (Ctrl-C, SIGHUP, SIGTERM) can cut a write half-way or leave its temporary file behind.

Also where to keep answers when the chosen folder cannot be written (`fallback_directories`)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from triage import signals
from triage.errors import FileExistsRefused, UsageError
from triage.i18n import N_, _

EXISTS = N_("{file}: already exists; not replaced (choose another name)")

PRIVATE = 0o600


def write_atomic(path: Path, text: str, *, overwrite: bool = False) -> Path:
    """Write `text` to `path` atomically with permissions 0600; refuse to replace a file
    unless `overwrite` is true. Signals wait until the file is complete (or cleaned up); one
    that then acts (KeyboardInterrupt, signals.Stop) carries the complete file as `written`."""
    written: Path | None = None
    try:
        with signals.held():
            written = _write_atomic(Path(path), text, overwrite)
    except KeyboardInterrupt as stop:  # a signal held back during the write acts now
        if written is not None:  # the file is complete: say so to whoever catches it
            stop.written = written  # type: ignore[attr-defined]
        raise
    return written


def _write_atomic(path: Path, text: str, overwrite: bool) -> Path:
    if path.is_dir():
        raise UsageError(_("{file}: is a directory; give a file name").format(file=path))
    if path.exists() and not overwrite:
        raise FileExistsRefused(_(EXISTS).format(file=path))
    directory = path.parent if str(path.parent) else Path(".")
    try:
        # The temporary name is short whatever the name (a 250-character name is valid, and
        # the temporary one must fit the same limit of 255).
        prefix = f".{path.name[:64]}."
        handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
    except OSError as error:
        cannot = _("{file}: cannot write here: {reason}")
        raise UsageError(cannot.format(file=path, reason=error.strerror or error)) from None
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
            cannot = _("{file}: cannot write: {reason}")
            raise UsageError(cannot.format(file=path, reason=error.strerror or error)) from None
        raise
    return path


def free_path(directory: Path, stem: str, suffix: str = ".json") -> Path:
    """`directory/stem.json`, or `stem-2.json`, `stem-3.json`... whichever does not exist yet."""
    candidate, number = directory / f"{stem}{suffix}", 2
    while candidate.exists():
        candidate, number = directory / f"{stem}-{number}{suffix}", number + 1
    return candidate


def fallback_directories() -> list[Path]:
    """Where to keep answers when the chosen folder cannot be written, in order: the user's
    state folder ($XDG_STATE_HOME/triage, by default ~/.local/state/triage; created private),
    the home folder, and the temporary folder."""
    places: list[Path] = []
    with contextlib.suppress(RuntimeError, KeyError):  # no home folder at all
        home = Path.home()
        state = os.environ.get("XDG_STATE_HOME", "")
        # The XDG specification: a relative path is invalid and is ignored.
        base = Path(state) if os.path.isabs(state) else home / ".local" / "state"
        places += [base / "triage", home]
    places.append(Path(tempfile.gettempdir()))
    return list(dict.fromkeys(places))


def prepared(directory: Path) -> bool:
    """Make sure a folder for private files exists (created with mode 0700); False if it cannot."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    return directory.is_dir()


def _link_new(temporary: str, path: Path) -> None:
    """Move the temporary file into place only if nothing appeared there meanwhile."""
    try:
        os.link(temporary, path)  # fails if `path` exists: no race with another writer
    except FileExistsError:
        message = _(EXISTS).format(file=path)
        raise FileExistsRefused(message) from None
    except OSError:
        if path.exists():
            refused = _("{file}: already exists; not replaced")
            raise FileExistsRefused(refused.format(file=path)) from None
        os.replace(temporary, path)  # file systems without hard links
        return
    os.unlink(temporary)
