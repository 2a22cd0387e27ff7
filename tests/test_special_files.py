"""FIFOs, devices and oversized files from the probe of issue #18: as an answers file, a batch,
a resume file or a rule file, a FIFO hung the tool and /dev/zero never ended; the cache key read
every file under the rules folder without a limit (a FIFO hung it, a link to /dev/zero or a
huge file filled the memory, 1,100 levels of folders gave RecursionError), and a huge damaged
cache file was read whole. Each is now refused in one line, exit 2, or (the cache) skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from triage import kbcache, knowledge, session
from triage.errors import InputError

SECONDS = 30


def triage(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        capture_output=True,
        text=True,
        timeout=SECONDS,  # a hang fails the test instead of stopping the run
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "answers.json"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["assess", "{}"],
        ["assess", "--batch", "{}"],
        ["fhir", "{}", "--result"],
    ],
    ids=["assess", "batch", "fhir"],
)
def test_a_fifo_is_refused_not_waited_on(fifo, args) -> None:
    done = triage(*(str(fifo) if arg == "{}" else arg for arg in args))
    assert done.returncode == 2, done.stderr
    assert "not a plain file" in done.stderr and "Traceback" not in done.stderr


def test_a_fifo_as_a_resume_file_is_refused(fifo, kb) -> None:
    with pytest.raises(InputError, match="not a plain file"):
        session.load_resume(str(fifo), kb)


@pytest.mark.parametrize("batch", [False, True])
def test_dev_zero_and_a_link_to_it_are_refused(tmp_path, batch) -> None:
    link = tmp_path / "answers.json"
    link.symlink_to("/dev/zero")
    for path in ("/dev/zero", str(link)):
        done = triage("assess", *(["--batch"] if batch else []), path)
        assert done.returncode == 2 and "not a plain file" in done.stderr, done.stderr


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    return directory


def test_a_fifo_as_a_rule_file_is_refused(rules_dir) -> None:
    (rules_dir / "rules.yaml").unlink()
    os.mkfifo(rules_dir / "rules.yaml")
    done = triage("check", str(rules_dir))
    assert done.returncode == 2 and "not a plain file" in done.stderr, done.stderr


def test_the_cache_key_skips_what_it_cannot_read_safely(rules_dir) -> None:
    """No key (so no cache, the rules are read as they are) for a FIFO, a device, a huge file
    or folders nested deeper than a rule set has (os.walk is never let past 16 levels, so
    the probe's 1,100 cannot reach its recursion limit); never a hang or a RecursionError."""
    assert kbcache.content_key(rules_dir) is not None
    os.mkfifo(rules_dir / "notes.fifo")
    assert kbcache.content_key(rules_dir) is None
    (rules_dir / "notes.fifo").unlink()
    (rules_dir / "zero").symlink_to("/dev/zero")
    assert kbcache.content_key(rules_dir) is None
    (rules_dir / "zero").unlink()
    with (rules_dir / "huge.bin").open("wb") as stream:
        stream.truncate(kbcache.MAX_FILE + 1)  # sparse: no disk space used
    assert kbcache.content_key(rules_dir) is None
    (rules_dir / "huge.bin").unlink()
    deep = rules_dir
    for _ in range(200):  # (the probe used 1,100: RecursionError in os.walk)
        deep = deep / "d"
        deep.mkdir()
    try:
        assert kbcache.content_key(rules_dir) is None
    finally:
        while deep != rules_dir:  # one by one: removing the tree would recurse too
            deep.rmdir()
            deep = deep.parent


def test_a_huge_damaged_cache_file_is_ignored(tmp_path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    path = folder / "rules.cache"
    with path.open("wb") as stream:
        stream.truncate(kbcache.MAX_CACHE + 1)  # sparse, one huge "line" of zeros
    path.chmod(0o600)
    assert kbcache._read_cached(str(path), "key", dict) is None
