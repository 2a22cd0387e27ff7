"""Shared fixtures: a private cache directory, the real knowledge base (loaded once) and the
scenario files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from triage import i18n, knowledge
from triage.knowledge import KnowledgeBase

SCENARIO_DIR = Path(__file__).parent / "scenarios"


def scenario_files() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.json"))


def load_scenario(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test (and every command a test starts) caches knowledge bases, and keeps fallback
    resume files, in temporary directories, never in the real home."""
    directory = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(directory))
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))
        # English unless a test says otherwise, whatever the locale of the machine running them
        for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
            patch.delenv(name, raising=False)
        patch.setenv("LANG", "C.UTF-8")
        patch.delenv("TRIAGE_PLAIN", raising=False)  # the full-screen tests stay full screen
        yield directory


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """`main(["--lang", "de", ...])` speaks German for the rest of the process (one person,
    one language): the next test starts in English again."""
    yield
    i18n.use(i18n.ENGLISH)


@pytest.fixture(scope="session")
def kb(private_cache: Path) -> KnowledgeBase:
    return knowledge.load()


@pytest.fixture
def german() -> Iterator[None]:
    """The interface in German for one test (triage.i18n), English again afterwards."""
    from triage import i18n

    i18n.use("de")
    try:
        yield
    finally:
        i18n.use("en")
