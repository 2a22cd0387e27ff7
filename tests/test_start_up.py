"""Start-up: the knowledge base cache (triage/kbcache.py) and garbage collection during start-up.

The cache must give exactly the knowledge base the YAML gives, notice a change to any file under
the rules directory, and fall back to the YAML silently whenever it cannot be used.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from triage import __version__, cli, kbcache, knowledge
from triage.errors import KnowledgeError

RULES = knowledge.default_directory()


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory of this test's own."""
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the shipped rules that a test may change."""
    return Path(shutil.copytree(RULES, tmp_path / "rules"))


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The directories loaded from the YAML (not from the cache), in order."""
    built: list[Path] = []
    real = knowledge._checked

    def counting(directory: Path, *language: str) -> knowledge.KnowledgeBase:
        built.append(directory)
        return real(directory, *language)

    monkeypatch.setattr(knowledge, "_checked", counting)
    return built


def same_knowledge(a: knowledge.KnowledgeBase, b: knowledge.KnowledgeBase) -> bool:
    return (a.directory, a.info, a.questions, a.rules, a.advice, a.sources, a.conditions) == (
        b.directory,
        b.info,
        b.questions,
        b.rules,
        b.advice,
        b.sources,
        b.conditions,
    )


def test_a_second_load_comes_from_the_cache_and_equals_the_first(cache_home, rules, builds):
    first = knowledge.load(rules)
    second = knowledge.load(rules)
    assert builds == [rules]
    assert second is not first and same_knowledge(first, second)
    (cached,) = (cache_home / "triage").iterdir()
    assert cached.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "change",
    [
        "rules.yaml",
        "ruleset.yaml",
        "questions.yaml",
        "advice.yaml",
        "sources.yaml",
        "coverage.yaml",
        "de/rules.yaml",
    ],
)
def test_a_change_to_any_rule_file_rebuilds(cache_home, rules, builds, change):
    knowledge.load(rules)
    path = rules / change
    path.write_text(path.read_text(encoding="utf-8") + "\n# reviewed again\n", encoding="utf-8")
    knowledge.load(rules)
    knowledge.load(rules)
    assert builds == [rules, rules]


def test_a_new_file_anywhere_under_the_rules_rebuilds(cache_home, rules, builds):
    knowledge.load(rules)
    (rules / "xx").mkdir()  # say, texts in one more language
    (rules / "xx" / "texts.txt").write_text("Rückenschmerzen\n", encoding="utf-8")
    knowledge.load(rules)
    (rules / "xx" / "texts.txt").write_text("Kreuzschmerzen\n", encoding="utf-8")
    knowledge.load(rules)
    assert builds == [rules, rules, rules]


def test_the_rebuilt_knowledge_base_has_the_change(cache_home, rules):
    knowledge.load(rules)
    path = rules / "ruleset.yaml"
    text = path.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.0.1")
    path.write_text(text, encoding="utf-8")
    assert knowledge.load(rules).info.version == "1.0.1"
    assert knowledge.load(rules).info.version == "1.0.1"


def test_rules_with_a_linked_folder_are_not_cached(cache_home, rules, builds, tmp_path):
    elsewhere = tmp_path / "texts"
    elsewhere.mkdir()
    (rules / "xx").symlink_to(elsewhere, target_is_directory=True)
    knowledge.load(rules)
    knowledge.load(rules)
    assert builds == [rules, rules]


def test_another_tool_version_rebuilds(cache_home, rules, builds, monkeypatch):
    knowledge.load(rules)
    monkeypatch.setattr(kbcache, "__version__", __version__ + ".dev1")
    knowledge.load(rules)
    assert builds == [rules, rules]


def test_a_changed_module_of_the_package_rebuilds(cache_home, rules, builds, monkeypatch, tmp_path):
    """A changed parser must never read a knowledge base that an older one built."""
    package = tmp_path / "package"
    package.mkdir()
    (package / "conditions.py").write_text("# the parser\n", encoding="utf-8")
    monkeypatch.setattr(kbcache, "PACKAGE", str(package))
    knowledge.load(rules)
    knowledge.load(rules)
    (package / "conditions.py").write_text("# the parser, changed\n", encoding="utf-8")
    knowledge.load(rules)
    assert builds == [rules, rules]


def test_a_broken_knowledge_base_is_never_cached(cache_home, rules, builds):
    (rules / "rules.yaml").write_text("rules: []\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(KnowledgeError):
            knowledge.load(rules)
    assert builds == [rules, rules]
    assert not (cache_home / "triage").exists() or not any((cache_home / "triage").iterdir())


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a cache\n",
        b"triage-knowledge-cache 1\n",
        "the knowledge base cut in half",
        "the knowledge base not in base64",
        "another object in place of the knowledge base",
        "the welcome not in base64",
    ],
)
def test_a_corrupt_cache_falls_back_silently_and_is_rebuilt(cache_home, rules, builds, damage):
    first = knowledge.load(rules)
    path = Path(kbcache.cache_file(rules))
    lines = path.read_bytes().split(b"\n")
    match damage:
        case "the knowledge base cut in half":
            lines[3] = lines[3][: len(lines[3]) // 2]
        case "the knowledge base not in base64":
            lines[3] = b"%%%" + lines[3]
        case "another object in place of the knowledge base":
            lines[3] = b"gASVBQAAAAAAAACMAXiULg=="  # the pickled string "x"
        case "the welcome not in base64":
            lines[1] = b"%%%"
        case bytes():
            lines = [damage]
    path.write_bytes(b"\n".join(lines))
    again = knowledge.load(rules)
    assert same_knowledge(first, again)
    if damage != "the welcome not in base64":
        assert builds == [rules, rules]
        knowledge.load(rules)
        assert builds == [rules, rules]  # rebuilt, so the next start uses the cache again
    assert kbcache.quick_welcome(rules) is not None or damage == "the welcome not in base64"


def test_a_cache_that_others_can_write_is_not_read(cache_home, rules, builds):
    knowledge.load(rules)
    path = Path(kbcache.cache_file(rules))
    path.chmod(0o666)
    knowledge.load(rules)
    assert builds == [rules, rules]
    assert path.stat().st_mode & 0o777 == 0o600  # replaced by a private one


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_cache_of_another_user_is_not_read(cache_home, rules, builds):
    knowledge.load(rules)
    os.chown(kbcache.cache_file(rules), 12345, -1)
    knowledge.load(rules)
    assert builds == [rules, rules]


def test_an_unwritable_cache_place_still_loads(tmp_path, rules, builds, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # triage/ cannot be made inside a file
    first = knowledge.load(rules)
    second = knowledge.load(rules)
    assert same_knowledge(first, second)
    assert builds == [rules, rules]


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write a read-only directory"
)
def test_a_read_only_cache_directory_still_loads(cache_home, rules, builds):
    (cache_home / "triage").mkdir(parents=True)
    (cache_home / "triage").chmod(0o500)
    try:
        knowledge.load(rules)
        knowledge.load(rules)
    finally:
        (cache_home / "triage").chmod(0o700)
    assert builds == [rules, rules]


def test_an_unreadable_rules_file_is_reported_not_cached(cache_home, rules, builds):
    (rules / "advice.yaml").unlink()
    (rules / "advice.yaml").mkdir()  # cannot be read as a file, by anybody
    with pytest.raises(KnowledgeError, match="advice.yaml"):
        knowledge.load(rules)


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert kbcache.cache_directory() == str(tmp_path / ".cache" / "triage")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert kbcache.cache_directory() == str(tmp_path / ".cache" / "triage")


def test_quick_welcome_comes_from_a_current_cache_only(cache_home, rules):
    assert kbcache.quick_welcome(rules) is None  # nothing cached yet
    kb = knowledge.load(rules)
    welcome = kbcache.quick_welcome(rules)
    assert welcome is not None
    first, second = welcome.split("\n\n")
    assert first == " ".join((kb.info.welcome or "").split())
    assert second == " ".join(kb.info.disclaimer.split())
    (rules / "sources.yaml").write_text(
        (rules / "sources.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert kbcache.quick_welcome(rules) is None  # stale


def test_quick_welcome_reads_the_built_in_rules_by_default(cache_home):
    kb = knowledge.load()
    assert knowledge.default_directory() == Path(kbcache.default_directory())
    welcome = kbcache.quick_welcome()
    assert welcome is not None and welcome.startswith(" ".join((kb.info.welcome or "").split()))


def test_quick_welcome_escapes_control_characters(cache_home, rules):
    path = rules / "ruleset.yaml"
    escape = 'welcome: "\\e[2J hello"\n'  # YAML's \e is the escape character
    text = re.sub(r"welcome: >-\n(  .*\n)+", lambda _: escape, path.read_text("utf-8"))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError, match="control character"):
        knowledge.load(rules)  # a text that is not printable never enters the cache
    welcome = kbcache.quick_welcome(rules)
    assert welcome is None or "\x1b" not in welcome


def python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_cached_start_imports_no_yaml_and_quick_welcome_no_heavy_library(cache_home, rules):
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    load = (
        "import sys; from pathlib import Path; from triage import knowledge; "
        f"knowledge.load(Path({str(rules)!r})); print('yaml' in sys.modules)"
    )
    assert python(load, env) == "True"  # built from the YAML
    assert python(load, env) == "False"  # from the cache
    welcome = (
        "import sys; from triage import kbcache; "
        f"text = kbcache.quick_welcome({str(rules)!r}); "
        "heavy = [m for m in ('pydantic', 'yaml', 'prompt_toolkit', 'questionary', "
        "'durable_rules_engine', 'pathlib', 'typing', 'pickle') if m in sys.modules]; "
        "print(bool(text), heavy)"
    )
    assert python(welcome, env) == "True []"


# ---------------------------------------------------------------------------------------------
# Garbage collection during start-up


def test_collection_is_off_while_the_rules_load_and_on_afterwards(monkeypatch, capsys):
    seen = []
    real = knowledge.load

    def watching(directory=None, language="en"):
        seen.append(gc.isenabled())
        return real(directory, language)

    monkeypatch.setattr(knowledge, "load", watching)
    assert cli.main(["rules"]) == 0
    assert seen == [False]
    assert gc.isenabled()


@pytest.mark.parametrize(
    "argv",
    [["--no-such-option"], ["--help"], ["rules", "--rules", "/no/such/dir"], ["assess"]],
)
def test_collection_is_always_turned_back_on(argv, capsys):
    with contextlib.suppress(SystemExit):  # argparse exits for --help and bad options
        cli.main(argv)
    assert gc.isenabled()


def test_collection_stays_off_when_the_caller_turned_it_off(capsys):
    gc.disable()
    try:
        cli.main(["rules"])
        assert not gc.isenabled()
    finally:
        gc.enable()


# ---------------------------------------------------------------------------------------------
# The quiz's first words come from the cache, before the prompt library loads; once


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")
def test_the_quiz_welcome_is_printed_once_with_a_cold_and_a_warm_cache(cache_home, tmp_path):
    import pexpect

    from triage import knowledge, quiz
    from triage.session import READY

    kb = knowledge.load()
    welcome = re.escape(" ".join((kb.info.welcome or "").split()[:6]))
    disclaimer = re.escape(" ".join(kb.info.disclaimer.split()[:6]))
    first_page = quiz.pages(kb)[0]
    page = re.escape(first_page.title or first_page.questions[0].text[:30])
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env["XDG_CACHE_HOME"] = str(cache_home)
    shown = []
    for _ in ("cold", "warm"):
        child = pexpect.spawn(
            sys.executable,
            ["-m", "triage"],
            cwd=str(tmp_path),
            env=env,
            dimensions=(60, 200),
            encoding="utf-8",
            timeout=60,
        )
        child.expect(re.escape(" ".join(READY.split()[:4])))  # the prompt to start
        shown.append(" ".join(child.before.split()))
        child.send("\r")
        child.expect(page)
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
        child.close()
    assert list((cache_home / "triage").iterdir()), "the first run wrote the cache"
    for before in shown:  # each run: the welcome, then the disclaimer, each once
        assert len(re.findall(welcome, before)) == 1, before
        assert len(re.findall(disclaimer, before)) == 1, before
        assert re.search(welcome, before).start() < re.search(disclaimer, before).start()
