"""The checked knowledge base, cached, so that start-up needs neither PyYAML nor the checks.

`load(directory, build, kind)` returns the knowledge base that `build(directory)` would return
(loaded from the YAML and checked), from a cache file when nothing it depends on has changed.
The cache file for a rules directory, `$XDG_CACHE_HOME/triage/rules-<hash of its path>.cache`
(`~/.cache/triage` by default), holds one line of JSON (the key, and the quiz's welcome and
disclaimer for `quick_welcome`) and then the pickled knowledge base in base64.

The key is a hash of the cache format, the tool's version, Python's version, the source of every
module of the package (so that a changed parser never reads an old knowledge base), the
directory as given and as resolved, and the name and content of every file under the directory
(`rules/coverage.yaml` and any other file there included). Any change rebuilds and re-checks the
knowledge base. A missing, corrupt, unreadable or unwritable cache, or one that another user
could have written, is silently ignored: the rules are then loaded from the YAML as without a
cache. A knowledge base with problems is never cached (its error is reported every time).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from triage import __version__

FORMAT = 1
PACKAGE = Path(__file__).resolve().parent

T = TypeVar("T")


def cache_directory() -> Path:
    """Where cache files live: `$XDG_CACHE_HOME/triage`, or `~/.cache/triage` (the XDG base
    directory rules: a relative XDG_CACHE_HOME is ignored)."""
    configured = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(configured) if os.path.isabs(configured) else Path.home() / ".cache"
    return base / "triage"


def cache_file(directory: Path) -> Path:
    """The cache file of one rules directory (one file per directory, replaced when stale)."""
    where = hashlib.sha256(os.fsencode(os.path.abspath(directory))).hexdigest()[:24]
    return cache_directory() / f"rules-{where}.cache"


def load(directory: Path, build: Callable[[Path], T], kind: type[T]) -> T:
    """The knowledge base of `directory`: from the cache when it is current, else built with
    `build` (which raises on a broken knowledge base) and cached for the next start."""
    key = content_key(directory)
    if key is None:  # something under the directory cannot be read: no caching
        return build(directory)
    path = cache_file(directory)
    cached = _read_cached(path, key, kind)
    if cached is not None:
        return cached
    built = build(directory)
    if content_key(directory) == key:  # unchanged while it was built: the key fits it
        _write(path, key, built)
    return built


def quick_welcome(directory: Path) -> str | None:
    """The quiz's welcome and disclaimer, as two escaped paragraphs (one line each, separated
    by a blank line), from a current cache file; None when there is none. Imports neither
    pydantic, PyYAML nor the prompt library, so the quiz can show it at once."""
    key = content_key(directory)
    header = _header(cache_file(directory)) if key is not None else None
    if header is None or header.get("key") != key:
        return None
    from triage.safe_text import prose

    parts = (header.get("welcome"), header.get("disclaimer"))
    return "\n\n".join(prose(part) for part in parts if isinstance(part, str) and part) or None


def content_key(directory: Path) -> str | None:
    """A hash of everything a cached knowledge base depends on (see the module docstring), or
    None when something under the directory cannot be read."""
    digest = hashlib.sha256()
    for part in (f"triage-cache {FORMAT}", __version__, sys.version, str(directory)):
        _add(digest, part.encode())
    try:
        _add(digest, os.fsencode(directory.resolve()))
        for source in sorted(PACKAGE.glob("*.py")):
            _add(digest, source.name.encode(), source.read_bytes())
        for name, path in _files_under(directory):
            _add(digest, name, path.read_bytes())
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def _add(digest: Any, *parts: bytes) -> None:
    for part in parts:  # each part with its length, so that no two inputs hash alike
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)


def _files_under(directory: Path) -> list[tuple[bytes, Path]]:
    """Every file under the directory (sub-directories too), by relative name, sorted."""
    if not directory.is_dir():
        raise NotADirectoryError(directory)
    found = []
    for root, folders, names in os.walk(directory, onerror=_raise):
        folders.sort()
        for name in names:
            path = Path(root, name)
            found.append((os.fsencode(path.relative_to(directory)), path))
    return sorted(found)


def _raise(error: OSError) -> None:
    raise error


# ---------------------------------------------------------------------------------------------
# The cache file


def _header(path: Path) -> dict[str, Any] | None:
    """The first line of a cache file we can trust, or None."""
    try:
        if not _trusted(path):
            return None
        with path.open("rb") as stream:
            header = json.loads(stream.readline())
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) and header.get("format") == FORMAT else None


def _trusted(path: Path) -> bool:
    """Whether the file is a plain file and it and its directory belong to this user and nobody
    else can write them: a pickle runs code when it is loaded, so a file that anybody else could
    have written is never read."""
    status = path.lstat()  # the file itself, not what a link points to
    return (
        path.is_file()
        and not path.is_symlink()
        and _private(status)
        and _private_directory(path.parent)
    )


def _private_directory(directory: Path) -> bool:
    return _private(directory.stat())


def _private(status: os.stat_result) -> bool:
    owner = os.geteuid() if hasattr(os, "geteuid") else status.st_uid
    return status.st_uid == owner and not status.st_mode & 0o022


def _read_cached(path: Path, key: str, kind: type[T]) -> T | None:
    header = _header(path)
    if header is None or header.get("key") != key or header.get("libraries") != _libraries():
        return None
    try:
        with path.open("rb") as stream:
            stream.readline()
            loaded = pickle.loads(base64.b64decode(stream.read(), validate=True))  # noqa: S301
    except Exception:  # noqa: BLE001 - any damage to the file means: build it again
        return None
    return loaded if type(loaded) is kind else None


def _write(path: Path, key: str, built: Any) -> None:
    from triage import files
    from triage.errors import TriageError

    info = getattr(built, "info", None)
    header = {
        "format": FORMAT,
        "key": key,
        "libraries": _libraries(),
        "welcome": getattr(info, "welcome", None),
        "disclaimer": getattr(info, "disclaimer", None),
    }
    try:
        body = base64.b64encode(pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private_directory(path.parent):
            return
        text = json.dumps(header, ensure_ascii=True) + "\n" + body.decode("ascii")
        files.write_atomic(path, text, overwrite=True)
    except (OSError, TriageError, pickle.PicklingError, TypeError, AttributeError):
        return  # no cache this time; the next start builds it again


def _libraries() -> str:
    """The versions of the libraries whose classes are pickled (known once they are imported,
    as they are whenever a knowledge base is loaded or cached)."""
    return f"pydantic {getattr(sys.modules.get('pydantic'), 'VERSION', '?')}"
