"""The checked knowledge base, cached, so that start-up needs neither PyYAML nor the checks.

`load(directory, build, kind, language)` returns the knowledge base that `build(directory)` would
return (loaded from the YAML and checked, its texts in `language`), from a cache file when
nothing it depends on has changed. The cache file for a rules directory and a language is
`$XDG_CACHE_HOME/triage/rules-<hash of its path and the language>.cache` (`~/.cache/triage` by
default). Its first line holds the format and the key, the next two the quiz's welcome
and disclaimer in that language (for `quick_welcome`), the last the pickled knowledge base
(each in base64, so the file is text).

The key is a hash of the cache format, the tool's version, Python's version, the size and time
of change of every module of the package (as for Python's own bytecode cache, so that a changed
parser never reads an old knowledge base), the language, the directory as given and as resolved,
and the name
and content of every file under the directory (`rules/coverage.yaml`, the texts of each language
and any other file there included). Any change rebuilds and re-checks the knowledge base. A
missing, corrupt, unreadable or unwritable cache, or one that another user could have written,
is silently ignored: the rules are then loaded from the YAML as without a cache. A knowledge
base with problems is never cached (its error is reported every time), nor one whose directory
holds a link to another folder (what is behind it could change unseen).

`quick_welcome` is for the quiz's first screen: it imports nothing heavy (not even pathlib).
"""

from __future__ import annotations

import binascii
import hashlib
import os
import sys

from triage import __version__

TYPE_CHECKING = False  # typing costs milliseconds to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import TypeVar

    T = TypeVar("T")

FORMAT = 3  # 2: one cache file per language; 3: questions worded per person
MAGIC = "triage-knowledge-cache"
PACKAGE = os.path.dirname(os.path.abspath(__file__))
ENGLISH = "en"  # the knowledge base's own language (triage.language.ENGLISH, not imported: speed)


def cache_directory() -> str:
    """Where cache files live: `$XDG_CACHE_HOME/triage`, or `~/.cache/triage` (the XDG base
    directory rules: a relative XDG_CACHE_HOME is ignored)."""
    configured = os.environ.get("XDG_CACHE_HOME", "")
    base = configured if os.path.isabs(configured) else os.path.expanduser("~/.cache")
    return os.path.join(base, "triage")


def cache_file(directory: str | os.PathLike[str], language: str = ENGLISH) -> str:
    """The cache file of one rules directory in one language (one file each, replaced when
    stale)."""
    name = os.fsencode(os.path.abspath(directory))
    if language != ENGLISH:  # English keeps the name it always had
        name += b"\0" + os.fsencode(language)
    where = hashlib.sha256(name).hexdigest()[:24]
    return os.path.join(cache_directory(), f"rules-{where}.cache")


def load(directory: Path, build: Callable[[Path], T], kind: type[T], language: str = ENGLISH) -> T:
    """The knowledge base of `directory` in `language`: from the cache when it is current, else
    built with `build` (which raises on a broken knowledge base) and cached for the next
    start."""
    key = content_key(directory, language)
    if key is None:  # something under the directory cannot be read: no caching
        return build(directory)
    path = cache_file(directory, language)
    cached = _read_cached(path, key, kind)
    if cached is not None:
        return cached
    built = build(directory)
    if content_key(directory, language) == key:  # unchanged while it was built: the key fits it
        _write(path, key, built)
    return built


def default_directory() -> str:
    """The built-in `rules/`: inside an installed wheel, or beside the package in a checkout."""
    packaged = os.path.join(PACKAGE, "_rules")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(PACKAGE), "rules")


def quick_welcome(
    directory: str | os.PathLike[str] | None = None, language: str = ENGLISH
) -> str | None:
    """The quiz's welcome and disclaimer in `language` as two escaped paragraphs (one line each,
    separated by a blank line), from a current cache file of `directory` (default: the built-in
    rules) in that language; None when there is none."""
    directory = default_directory() if directory is None else directory
    key = content_key(directory, language)
    lines = _lines(cache_file(directory, language), 3) if key is not None else None
    if lines is None or _parts(lines[0])[:3] != [MAGIC, str(FORMAT), key]:
        return None
    from triage.safe_text import prose

    try:
        texts = [_text(line) for line in lines[1:]]
    except ValueError:
        return None
    return "\n\n".join(prose(text) for text in texts if text) or None


def content_key(directory: str | os.PathLike[str], language: str = ENGLISH) -> str | None:
    """A hash of everything a cached knowledge base in `language` depends on (see the module
    docstring), or None when something under the directory cannot be read."""
    digest = hashlib.sha256()
    for part in (MAGIC, str(FORMAT), __version__, sys.version, language, os.fspath(directory)):
        _add(digest, os.fsencode(part))
    try:
        _add(digest, os.fsencode(os.path.realpath(directory)))
        for name in sorted(os.listdir(PACKAGE)):
            if name.endswith(".py"):  # as Python's own bytecode cache: size and time of change
                status = os.stat(os.path.join(PACKAGE, name))
                _add(digest, os.fsencode(f"{name} {status.st_size} {status.st_mtime_ns}"))
        total = 0
        for relative, path in _files_under(os.fspath(directory)):
            data = _bytes(path)
            total += len(data)
            if total > MAX_TOTAL:
                return None
            _add(digest, relative, data)
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def _add(digest: hashlib._Hash, *parts: bytes) -> None:
    for part in parts:  # each part with its length, so that no two inputs hash alike
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)


MAX_FILE = 16_000_000  # bytes of one file under the rules folder read for the key
MAX_TOTAL = 64_000_000  # bytes of all of them
MAX_FOLDERS = 16  # levels of folders under the rules folder
MAX_CACHE = 64_000_000  # bytes of a cache file: a bigger one is damaged, never read


def _bytes(path: str) -> bytes:
    """A plain file's bytes; OSError for anything else (a FIFO, a device such as /dev/zero,
    even through a link) or for a file too big to be part of a rule set. Opened without
    blocking, so that a FIFO cannot hang the start."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(handle, "rb") as stream:
        status = os.fstat(handle)
        if status.st_mode & 0o170000 != 0o100000:
            raise OSError(f"{path}: not a plain file")
        if status.st_size > MAX_FILE:
            raise OSError(f"{path}: too big")
        data = stream.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise OSError(f"{path}: too big")
    return data


def _files_under(directory: str) -> list[tuple[bytes, str]]:
    """Every file under the directory (sub-directories too), by relative name, sorted."""
    if not os.path.isdir(directory):
        raise NotADirectoryError(directory)
    found = []
    top = directory.rstrip(os.sep).count(os.sep)
    for root, folders, names in os.walk(directory, onerror=_raise):
        if any(os.path.islink(os.path.join(root, folder)) for folder in folders):
            raise OSError(f"{root}: holds a link to a folder")  # os.walk would not look inside
        if folders and root.rstrip(os.sep).count(os.sep) - top >= MAX_FOLDERS:
            raise OSError(f"{root}: folders nested too deeply")  # before os.walk recurses
        for name in names:
            path = os.path.join(root, name)
            found.append((os.fsencode(os.path.relpath(path, directory)), path))
    return sorted(found)


def _raise(error: OSError) -> None:
    raise error


# ---------------------------------------------------------------------------------------------
# The cache file


def _lines(path: str, count: int) -> list[bytes] | None:
    """The first lines of a cache file we can trust, or None."""
    try:
        if not _trusted(path):
            return None
        with open(path, "rb") as stream:
            lines = [stream.readline().rstrip(b"\n") for _ in range(count)]
    except OSError:
        return None
    return lines


def _parts(line: bytes) -> list[str]:
    return line.decode("ascii", "replace").split(" ")


def _text(line: bytes) -> str:
    return binascii.a2b_base64(line, strict_mode=True).decode("utf-8")  # ValueError if damaged


def _trusted(path: str) -> bool:
    """Whether the file is a plain file, and it and its directory belong to this user and nobody
    else can write them: a pickle runs code when it is loaded, so a file that anybody else could
    have written is never read."""
    status = os.lstat(path)  # the file itself, never what a link points to
    regular = status.st_mode & 0o170000 == 0o100000 and status.st_size <= MAX_CACHE
    return regular and _private(status) and _private(os.stat(os.path.dirname(path)))


def _private(status: os.stat_result) -> bool:
    owner = os.geteuid() if hasattr(os, "geteuid") else status.st_uid
    return status.st_uid == owner and not status.st_mode & 0o022


def _read_cached(path: str, key: str, kind: type[T]) -> T | None:
    lines = _lines(path, 4)
    if lines is None or _parts(lines[0]) != [MAGIC, str(FORMAT), key, _libraries()]:
        return None
    import pickle

    try:
        loaded = pickle.loads(binascii.a2b_base64(lines[3], strict_mode=True))  # noqa: S301
    except Exception:  # noqa: BLE001 - any damage to the file means: build it again
        return None
    return loaded if type(loaded) is kind else None


def _write(path: str, key: str, built: object) -> None:
    import pickle
    from pathlib import Path

    from triage import files
    from triage.errors import TriageError

    info = getattr(built, "info", None)
    texts = [getattr(info, "welcome", None) or "", getattr(info, "disclaimer", None) or ""]
    try:
        body = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
        lines = [
            " ".join((MAGIC, str(FORMAT), key, _libraries())),
            *(_base64(text.encode("utf-8")) for text in texts),
            _base64(body),
        ]
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        if _private(os.stat(os.path.dirname(path))):
            files.write_atomic(Path(path), "\n".join(lines) + "\n", overwrite=True)
    except (OSError, TriageError, pickle.PicklingError, TypeError, AttributeError):
        return  # no cache this time; the next start builds it again


def _base64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def _libraries() -> str:
    """The versions of the libraries whose classes are pickled (known once they are imported,
    as they are whenever a knowledge base is loaded or cached)."""
    return f"pydantic-{getattr(sys.modules.get('pydantic'), 'VERSION', '?')}"
