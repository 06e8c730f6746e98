"""Habits the suite keeps: ruff's lint and format checks over the repository (pyproject.toml's
[tool.ruff] settings), and tests/README.md's map from each module of explorer/ to its tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "tests" / "README.md"


def ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """ruff from this interpreter's environment (tests/requirements.txt pins it), run at the root so
    pyproject.toml's settings and excludes apply; no cache written into the checkout."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache"],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_check_finds_nothing():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_would_change_nothing():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "source, code",
    [
        ("import os\n", "F401"),  # an unused import
        ("from typing import List\n\n\ndef f(x: List[int]) -> None:\n    pass\n", "UP006"),  # py311 writes list[int]
        ("def f(x=[]):\n    return x\n", "B006"),  # a mutable default
    ],
)
def test_the_lint_settings_are_in_force(source, code):
    result = ruff("check", "--stdin-filename", "explorer/example.py", "-", stdin=source)
    assert result.returncode == 1 and code in result.stdout, result.stdout + result.stderr


def test_the_formatter_reflows_code_but_leaves_the_script_doctors_exhibits_alone():
    crooked = "x = f(a,\n      b)\n"
    reflowed = ruff("format", "--stdin-filename", "explorer/example.py", "-", stdin=crooked)
    assert reflowed.returncode == 0 and reflowed.stdout == "x = f(a, b)\n", reflowed.stderr
    # tests/test_script_doctor.py pins the lines of the mistakes planted in tests/scripts/, written
    # as users write them: the formatter would move them, so pyproject.toml keeps it out.
    exhibits = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests" / "scripts").glob("*.py"))
    assert ruff("format", "--check", *exhibits).returncode == 1  # they are not in ruff's style
    kept_out = ruff("format", "--check", "--force-exclude", *exhibits)
    assert kept_out.returncode == 0, kept_out.stdout + kept_out.stderr


# -- the map of tests ------------------------------------------------------------------------------


def mapped() -> dict[str, list[str]]:
    """tests/README.md's map: each row `| explorer/x/y.py | test_a.py, test_b.py |` as path -> test files."""
    rows = re.findall(r"^\|\s*`(explorer/[\w/]+\.py)`\s*\|([^|\n]*)\|", MAP.read_text(encoding="utf-8"), re.M)
    assert rows, "tests/README.md has no map rows"
    return {module: re.findall(r"`(test_\w+\.py)`", tests) for module, tests in rows}


def modules() -> set[str]:
    """Every module of explorer/ with code of its own (a package's __init__ that only re-exports or
    says what the package is has no tests of its own)."""
    return {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "explorer").rglob("*.py") if path.name != "__init__.py"
    }


def test_every_module_of_explorer_is_in_the_map_of_tests():
    missing = sorted(modules() - set(mapped()))
    assert not missing, f"add these modules, with the tests that cover them, to tests/README.md: {missing}"


def test_the_map_names_only_modules_and_test_files_that_exist():
    table = mapped()
    gone = sorted(set(table) - modules())
    assert not gone, f"tests/README.md maps modules that are not there any more: {gone}"
    untested = sorted(module for module, tests in table.items() if not tests)
    assert not untested, f"tests/README.md names no test file for: {untested}"
    named = {test for tests in table.values() for test in tests}
    absent = sorted(test for test in named if not (ROOT / "tests" / test).is_file())
    assert not absent, f"tests/README.md names test files that are not there: {absent}"


def test_every_test_file_is_in_the_map():
    """A new test file is placed in the map, so its module's reader finds it."""
    text = MAP.read_text(encoding="utf-8")
    unlisted = sorted(path.name for path in (ROOT / "tests").glob("test_*.py") if f"`{path.name}`" not in text)
    assert not unlisted, f"tests/README.md does not mention: {unlisted}"
