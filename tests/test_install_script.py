"""scripts/install, the README's first command: the define on 3.13 and later, the one line when
the C build cannot work, and its refusals, without installing anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_docs import script

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def install():
    return script("install")


def test_the_define_is_set_from_python_3_13(install, monkeypatch) -> None:
    monkeypatch.setenv("CPPFLAGS", "-I/opt/include")
    monkeypatch.setattr(sys, "version_info", (3, 13, 0))
    assert install.engine_build_env()["CPPFLAGS"] == (
        "-I/opt/include -DPyEval_CallObject=PyObject_CallObject"
    )
    monkeypatch.setattr(sys, "version_info", (3, 11, 7))
    assert install.engine_build_env()["CPPFLAGS"] == "-I/opt/include"


def test_the_engine_requirement_is_the_pin_in_pyproject(install) -> None:
    assert install.engine_requirement() == "durable-rules==2.0.28"


def test_a_failed_c_build_names_the_packages_to_install(install) -> None:
    log = "error: command '/usr/bin/gcc' failed with exit code 1\nFailed to build durable-rules\n"
    assert install.build_failed(log)
    quiet = "ERROR: Failed building wheel for durable-rules\nERROR: Could not build wheels for x\n"
    assert install.build_failed(quiet)  # what pip -q says when the compiler is missing
    assert "build-essential python3-dev" in install.BUILD_TOOLS
    assert "\n" not in install.BUILD_TOOLS  # one line
    assert not install.build_failed("ERROR: No matching distribution found for pydantic")


def test_a_missing_compiler_counts_as_a_failed_build(install, monkeypatch) -> None:
    monkeypatch.setattr(install.shutil, "which", lambda name: None)
    assert install.build_failed("ERROR: something else")


def test_it_says_what_it_does(install) -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "install"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0 and "--test" in completed.stdout
    assert "--dev" in completed.stdout and "--venv" in completed.stdout


def test_an_older_python_is_named_before_anything_is_made(install, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "version_info", (3, 10, 13))
    monkeypatch.setattr(sys, "argv", ["scripts/install", "--venv", str(tmp_path / "venv")])
    assert install.main() == 1
    assert capsys.readouterr().err.startswith("install: error: triage needs Python 3.11 or later")
    assert not (tmp_path / "venv").exists()
