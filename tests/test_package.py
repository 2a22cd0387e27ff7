"""The source distribution a packager gets: every file of the repository (but CI's), and its own
tests pass from it (the catalogue test needs babel.cfg beside the package, for one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = (".ci/",)  # CI's script runs on a checkout, never from the sdist


def repository_files() -> set[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (run from the sdist itself): nothing to compare with")
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return {name for name in listed if not name.startswith(NOT_SHIPPED) and (ROOT / name).exists()}


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, built by the build backend, unpacked."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (archive,) = out.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(out, filter="data")
    (unpacked,) = (path for path in out.iterdir() if path.is_dir())
    return unpacked


def test_the_sdist_holds_every_file_of_the_repository(sdist: Path) -> None:
    shipped = {str(p.relative_to(sdist)) for p in sdist.rglob("*") if p.is_file()}
    missing = repository_files() - shipped
    assert not missing, f"not in the sdist: {sorted(missing)}"
    for needed in ("babel.cfg", "scripts/install", "CHANGELOG.md", "docs/answers.md"):
        assert needed in shipped


def test_the_catalogue_test_passes_from_the_sdist(sdist: Path) -> None:
    """The test that once failed from the sdist (no babel.cfg), run there on the sdist's code."""
    env = {**os.environ, "PYTHONPATH": str(sdist)}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_i18n.py"],
        cwd=sdist,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    probe = [sys.executable, "-c", "import triage; print(triage.__file__)"]
    where = subprocess.run(probe, cwd=sdist, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(sdist))  # the sdist's code was tested, not the checkout's
