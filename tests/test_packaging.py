"""pyproject.toml agrees with the requirements files and the source tree (no install needed)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirement_lines(path: Path) -> list[str]:
    """The requirements a pip requirements file names: no comments, blanks or -r includes."""
    lines = (line.split(" #")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-r"))]


def _declared_package_data() -> list[tuple[str, str]]:
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]
    return [(package, pattern) for package, patterns in package_data.items() for pattern in patterns]


def test_runtime_dependencies_are_requirements_txt_line_for_line():
    assert PYPROJECT["project"]["dependencies"] == _requirement_lines(ROOT / "requirements.txt")


def test_gpu_requirements_are_the_runtime_ones_with_tensorflows_cuda_build():
    runtime = _requirement_lines(ROOT / "requirements.txt")
    gpu = _requirement_lines(ROOT / "requirements-gpu.txt")
    swapped = [line.replace("tensorflow-cpu", "tensorflow[and-cuda]") for line in runtime]
    assert gpu == swapped and any(line.startswith("tensorflow[and-cuda]") for line in gpu)


def test_test_extra_is_tests_requirements_txt_without_the_runtime_include():
    expected = _requirement_lines(ROOT / "tests" / "requirements.txt")
    assert PYPROJECT["project"]["optional-dependencies"]["test"] == expected


def test_console_script_runs_the_same_main_as_python_m_explorer():
    assert PYPROJECT["project"]["scripts"] == {"augment-explorer": "explorer.cli:main"}
    import explorer.cli

    assert callable(explorer.cli.main)
    assert "from .cli import main" in (ROOT / "explorer" / "__main__.py").read_text()


@pytest.mark.parametrize(("package", "pattern"), _declared_package_data())
def test_declared_package_data_exists(package, pattern):
    folder = ROOT.joinpath(*package.split("."))
    assert (folder / "__init__.py").is_file(), f"{package} is not a package"
    assert sorted(folder.glob(pattern)), f"{package}: no file matches {pattern}"


def test_every_source_folder_is_a_package_the_wheel_finds():
    # packages.find (not find_namespace) only finds folders with an __init__.py.
    assert PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"] == ["explorer*"]
    folders = {path.parent for path in (ROOT / "explorer").rglob("*.py")}
    missing = sorted(str(folder.relative_to(ROOT)) for folder in folders if not (folder / "__init__.py").is_file())
    assert not missing, f"folders with Python files but no __init__.py (left out of the wheel): {missing}"


def test_docs_extra_is_in_the_test_requirements_so_the_suite_builds_the_docs():
    docs = PYPROJECT["project"]["optional-dependencies"]["docs"]
    assert {line.split(">")[0] for line in docs} == {"mkdocs", "mkdocs-material", "mkdocstrings[python]"}
    assert set(docs) <= set(_requirement_lines(ROOT / "tests" / "requirements.txt"))
