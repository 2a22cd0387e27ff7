"""Writing files: atomic (a temporary file in the same folder, then a rename or link), private
(0600, whatever the umask), never over an existing file unless asked, and a failed write leaves
the old file as it was and no temporary file behind."""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage import files, signals
from triage.errors import FileExistsRefused, TriageError, UsageError

TEXT = '{"answers": {"age": 40}}\n'


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name not in keep)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that lets everyone read new files: the 0600 must not depend on the umask."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def test_a_new_file_is_written_whole_and_private(tmp_path, open_umask) -> None:
    path = tmp_path / "assessment.json"
    assert files.write_atomic(path, TEXT) == path
    assert path.read_text(encoding="utf-8") == TEXT
    assert mode(path) == 0o600
    assert leftovers(tmp_path, {"assessment.json"}) == []


def test_unicode_text_is_written_as_utf8(tmp_path) -> None:
    path = tmp_path / "a.json"
    files.write_atomic(path, "Fieber: ja, 38 °C – “Rücken”\n")
    assert path.read_bytes().decode("utf-8") == "Fieber: ja, 38 °C – “Rücken”\n"


def test_an_existing_file_is_never_replaced_unless_asked(tmp_path) -> None:
    path = tmp_path / "assessment.json"
    path.write_text("old")
    with pytest.raises(FileExistsRefused, match="already exists"):
        files.write_atomic(path, TEXT)
    assert path.read_text() == "old"
    assert leftovers(tmp_path, {"assessment.json"}) == []


def test_replacing_when_asked_is_atomic_and_private(tmp_path, open_umask, monkeypatch) -> None:
    path = tmp_path / "assessment.json"
    path.write_text("old")
    path.chmod(0o644)
    renames = []
    real_replace = os.replace

    def watched_replace(source, target) -> None:
        # At the moment of the rename the new text is complete, private and in the same folder,
        # and the old file is still untouched.
        renames.append((Path(source).parent, Path(source).read_text(), mode(Path(source))))
        assert path.read_text() == "old"
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", watched_replace)
    files.write_atomic(path, TEXT, overwrite=True)
    assert renames == [(tmp_path, TEXT, 0o600)]
    assert path.read_text() == TEXT and mode(path) == 0o600
    assert leftovers(tmp_path, {"assessment.json"}) == []


def test_a_new_file_appears_complete_in_one_step(tmp_path, monkeypatch) -> None:
    path = tmp_path / "assessment.json"
    links = []
    real_link = os.link

    def watched_link(source, target) -> None:
        assert not path.exists()
        links.append(Path(source).read_text())
        real_link(source, target)

    monkeypatch.setattr(os, "link", watched_link)
    files.write_atomic(path, TEXT)
    assert links == [TEXT] and path.read_text() == TEXT


def test_a_file_that_appears_meanwhile_is_not_replaced(tmp_path, monkeypatch) -> None:
    """Another program creates the file between the check and the move: it wins."""
    path = tmp_path / "assessment.json"
    real_link = os.link

    def someone_else_first(source, target) -> None:
        Path(target).write_text("theirs")
        real_link(source, target)

    monkeypatch.setattr(os, "link", someone_else_first)
    with pytest.raises(FileExistsRefused):
        files.write_atomic(path, TEXT)
    assert path.read_text() == "theirs"
    assert leftovers(tmp_path, {"assessment.json"}) == []


def test_file_systems_without_hard_links_still_get_the_file(tmp_path, monkeypatch) -> None:
    def no_links(source, target) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "assessment.json"
    files.write_atomic(path, TEXT)
    assert path.read_text() == TEXT and mode(path) == 0o600
    assert leftovers(tmp_path, {"assessment.json"}) == []


@pytest.mark.parametrize("overwrite", [False, True], ids=["new", "replace"])
@pytest.mark.parametrize("failing", ["fsync", "write", "chmod"])
def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(
    tmp_path, monkeypatch, failing, overwrite
) -> None:
    path = tmp_path / "assessment.json"
    if overwrite:
        path.write_text("old")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if failing == "write":
        real_fdopen = os.fdopen

        def fdopen_with_failing_write(*args, **kwargs):
            stream = real_fdopen(*args, **kwargs)
            stream.write = disk_full
            return stream

        monkeypatch.setattr(os, "fdopen", fdopen_with_failing_write)
    else:
        monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(UsageError, match="cannot write: No space left on device"):
        files.write_atomic(path, TEXT, overwrite=overwrite)
    monkeypatch.undo()
    if overwrite:
        assert path.read_text() == "old"
    else:
        assert not path.exists()
    assert leftovers(tmp_path, {"assessment.json"}) == []


def test_an_interrupted_write_leaves_nothing_behind(tmp_path, monkeypatch) -> None:
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(tmp_path / "a.json", TEXT)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_a_directory_is_not_a_file_name(tmp_path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        files.write_atomic(tmp_path, TEXT, overwrite=True)


def test_a_folder_that_does_not_exist(tmp_path) -> None:
    with pytest.raises(UsageError, match="cannot write here"):
        files.write_atomic(tmp_path / "no" / "such" / "a.json", TEXT)


def test_a_folder_without_write_permission(tmp_path, monkeypatch) -> None:
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    with pytest.raises(UsageError, match="cannot write here: Permission denied"):
        files.write_atomic(tmp_path / "a.json", TEXT)


def test_write_errors_are_triage_errors_the_command_line_reports() -> None:
    """Callers (the quiz, the command line) catch TriageError; a raw OSError would crash them."""
    assert issubclass(UsageError, TriageError) and issubclass(FileExistsRefused, TriageError)


# ---------------------------------------------------------------------------------------------
# Signals during a write: the file is finished (or cleaned up) first, then the signal acts


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_during_a_write_acts_once_the_file_is_complete(
    tmp_path, monkeypatch, number
) -> None:
    real_fsync = os.fsync
    path = tmp_path / "a.json"

    def signalled_fsync(descriptor: int) -> None:
        os.kill(os.getpid(), number)  # e.g. the terminal closes while the disk is busy
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", signalled_fsync)
    expected = KeyboardInterrupt if number == signal.SIGINT else signals.Stop
    with signals.handled(), pytest.raises(expected):
        files.write_atomic(path, TEXT)
    assert path.read_text() == TEXT and mode(path) == 0o600
    assert leftovers(tmp_path, {"a.json"}) == []


def test_outside_a_quiz_a_signal_during_a_write_keeps_its_own_effect(tmp_path, monkeypatch) -> None:
    seen: list[tuple[int, bool]] = []
    path = tmp_path / "a.json"

    def handler(number: int, frame: object) -> None:
        seen.append((number, path.exists()))

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        real_fsync = os.fsync

        def signalled_fsync(descriptor: int) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            assert seen == []  # held back while the file is written
            real_fsync(descriptor)

        monkeypatch.setattr(os, "fsync", signalled_fsync)
        files.write_atomic(path, TEXT)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [(signal.SIGTERM, True)]
    assert signal.getsignal(signal.SIGTERM) is previous


def test_a_signal_while_saving_on_the_way_out_is_only_noted(tmp_path) -> None:
    with signals.handled():
        with signals.shielded():
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)
            files.write_atomic(tmp_path / "a.json", TEXT)
        assert signals.received() == signal.SIGTERM
    assert (tmp_path / "a.json").read_text() == TEXT


# ---------------------------------------------------------------------------------------------
# Fallback places for answers that cannot be saved where planned


def test_fallback_places_are_the_state_folder_home_and_temp(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    assert files.fallback_directories() == [
        tmp_path / "state" / "triage",
        tmp_path / "home",
        tmp_path / "tmp",
    ]
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")  # invalid by the XDG specification
    assert files.fallback_directories()[0] == tmp_path / "home" / ".local" / "state" / "triage"


def test_a_fallback_folder_is_created_private(tmp_path) -> None:
    folder = tmp_path / "state" / "triage"
    assert files.prepared(folder) and mode(folder) == 0o700
    (tmp_path / "file").write_text("")
    assert not files.prepared(tmp_path / "file" / "triage")


def test_free_names_of_any_suffix(tmp_path) -> None:
    (tmp_path / "back-pain.md").write_text("")
    assert files.free_path(tmp_path, "back-pain", ".md") == tmp_path / "back-pain-2.md"
    assert files.free_path(tmp_path, "back-pain") == tmp_path / "back-pain.json"
