"""Hostile rule files from the probe of issue #18: explicit tags (`!!merge` slipping past the
merge-key check, `!!binary` slipping control characters past the printable check), one long
text aliased many times, deep nesting. Each is refused by `triage check` and by `assess
--rules` with exit 2 and one clear line, in a child process with time and memory limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_hostile_rules import append_rule, triage

from triage import knowledge
from triage.yamlfile import YamlProblem, read_yaml

HOSTILE = Path(__file__).parent / "data" / "hostile"
ANSWERS = Path(__file__).parent / "data" / "hostile" / "every-symptom-yes.json"


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(knowledge.default_directory(), directory)
    return directory


def refused_everywhere(directory: Path, fragment: str) -> None:
    for args in (["check", str(directory)], ["--rules", str(directory), "assess", str(ANSWERS)]):
        done, seconds = triage(*args)
        assert done.returncode == 2, (args, done.returncode, done.stderr[-500:])
        assert fragment in done.stderr and "Traceback" not in done.stderr, done.stderr[-500:]
        assert seconds < 20


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("merge-tag-rule.yaml", "'!!merge' are not allowed"),
        ("merge-tag-when.yaml", "'!!merge' are not allowed"),
        ("binary-title.yaml", "'!!binary' are not allowed"),
    ],
)
def test_the_probes_tagged_rules_are_refused(rules_dir, name, fragment) -> None:
    append_rule(rules_dir, (HOSTILE / name).read_text(encoding="utf-8"))
    refused_everywhere(rules_dir, fragment)


def test_one_long_text_aliased_many_times_is_refused_by_its_expanded_size(rules_dir) -> None:
    """1,000,000 characters aliased 170,000 times is 1.7 MB on disk (inside the file limit)
    and 170 GB of text once expanded."""
    path = rules_dir / "sources.yaml"
    aliases = ",".join(["*a"] * 170_000)
    path.write_text(
        path.read_text(encoding="utf-8") + f"\nx-long: &a {'y' * 1_000_000}\nx-many: [{aliases}]\n",
        encoding="utf-8",
    )
    refused_everywhere(rules_dir, "characters of text")


def test_deep_nesting_is_refused_not_a_recursion_error(rules_dir) -> None:
    path = rules_dir / "advice.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nx-deep: " + "[" * 995 + "]" * 995 + "\n",
        encoding="utf-8",
    )
    refused_everywhere(rules_dir, "levels deep")


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/name:os.system x\n",
        "a: !local x\n",
        "a: !!str yes\n",
        "a: !!map {b: 1}\n",
        "? !!merge a\n: {b: 1}\n",
    ],
)
def test_any_explicit_tag_is_refused(tmp_path, text) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(YamlProblem, match="not allowed in rule files"):
        read_yaml(path)


def test_plain_quoted_and_block_values_still_read(tmp_path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 'x'\nb: \"y\"\nc: [1, yes]\nd: {e: f}\ng: |\n  h\n", encoding="utf-8")
    assert read_yaml(path) == {"a": "x", "b": "y", "c": [1, "yes"], "d": {"e": "f"}, "g": "h\n"}
