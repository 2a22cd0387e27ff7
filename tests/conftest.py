"""Shared fixtures: the real knowledge base (loaded once) and the scenario files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from triage import knowledge
from triage.knowledge import KnowledgeBase

SCENARIO_DIR = Path(__file__).parent / "scenarios"


def scenario_files() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.json"))


def load_scenario(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return knowledge.load()
