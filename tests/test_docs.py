"""The documentation stays true: the README is short, its samples and screens are what the
program prints now, every relative link and anchor resolves, and the module map is complete."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCUMENTS = sorted(
    [
        README,
        ROOT / "CHANGELOG.md",
        ROOT / "benchmarks" / "README.md",
        *(ROOT / "docs").glob("*.md"),
    ]
)
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)")


def script(name: str) -> ModuleType:
    """A script of scripts/ (no .py ending) as a module."""
    path = ROOT / "scripts" / name
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans (a link there is not a link)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    found = set()
    for line in prose(path.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_the_readme_is_read_in_five_minutes() -> None:
    # about 200 lines: room for a few more entries in its "More documentation" list
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 210


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(prose(text)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        path = (document.parent / file).resolve() if file else document
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and anchor not in anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.name}")
    assert not broken, broken


def test_every_document_in_docs_is_linked_from_the_readme_or_another_document() -> None:
    linked = {
        (document.parent / target.partition("#")[0]).resolve()
        for document in DOCUMENTS
        for target in LINK.findall(prose(document.read_text(encoding="utf-8")))
    }
    for path in (ROOT / "docs").glob("*.md"):
        assert path.resolve() in linked, f"{path.name} is linked from nowhere"


def test_the_module_map_names_every_module() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    mapped = set(re.findall(r"^\| `(triage/\w+\.py)` \|", text, flags=re.MULTILINE))
    modules = {f"triage/{path.name}" for path in (ROOT / "triage").glob("*.py")}
    assert mapped == modules - {"triage/__init__.py"}


def test_the_readme_samples_are_what_the_commands_print_now() -> None:
    capture = script("capture-screens")
    readme = README.read_text(encoding="utf-8")
    shown = capture.outputs()
    assert set(shown) == set(re.findall(r"<!-- output: (\w+) -->", readme))
    assert capture.with_outputs(readme, shown) == readme, "run scripts/capture-screens"


def test_the_readme_screens_are_the_captured_ones() -> None:
    capture = script("capture-screens")
    readme = README.read_text(encoding="utf-8")
    names = re.findall(r"<!-- screen: (\w+) -->", readme)
    assert names == ["question", "result"]
    screens = {n: (ROOT / "docs" / "screens" / f"{n}.txt").read_text("utf-8") for n in names}
    assert capture.with_screens(readme, screens) == readme
    assert "Question 1 of about" in screens["question"] and "What next?" in screens["result"]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_new_capture_of_the_quiz_gives_the_committed_screens() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "capture-screens"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_the_readme_install_commands_use_the_install_script_with_python3() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Install and start\n.*?```sh\n(.*?)```", text, flags=re.DOTALL)
    assert block is not None
    assert block.group(1).splitlines() == [
        "python3 scripts/install && .venv/bin/triage",
        "python3 scripts/install --test && .venv/bin/python -m pytest",
    ]
