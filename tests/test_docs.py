"""The documentation: the README stays short with its two set-up lines, and the MkDocs site builds
with --strict (a broken link, a missing anchor or an API reference that names nothing fails)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
README_LINES = 200
# The two set-up lines, as users copy them; .ci/run runs the second (it greps for it).
APP_LINE = "python3.11 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && streamlit run app.py"
TEST_LINE = re.compile(r"^python3\.11 -m venv .*tests/requirements\.txt.*pytest", re.M)


def _build(config: Path, site: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _page(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def test_readme_is_at_most_200_lines_with_both_set_up_lines():
    lines = README.splitlines()
    assert len(lines) <= README_LINES, f"README.md has {len(lines)} lines"
    assert APP_LINE in lines
    assert TEST_LINE.search(README), "the test set-up line .ci/run runs is missing"


def test_readme_links_into_the_docs_name_pages_that_exist():
    targets = re.findall(r"\]\((docs/[^)#]+)", README)
    assert len(targets) >= 10
    missing = sorted({target for target in targets if not (ROOT / target).is_file()})
    assert missing == []


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    done = _build(ROOT / "mkdocs.yml", site)
    assert done.returncode == 0, done.stderr[-4000:]
    return site


def test_site_builds_strict_with_every_page_of_the_nav(site):
    for page in (
        "index.html",
        "preview.html",
        "train.html",
        "dropin.html",
        "benchmarks.html",
        "architecture.html",
        "reference/generator.html",
        "reference/cli.html",
        "screenshots/preview.jpg",
    ):
        assert (site / page).is_file(), page


def test_home_page_is_the_readme_with_its_links_pointed_into_the_site(site):
    home = _page(site, "index.html")
    assert 'id="four-ways-in"' in home and 'id="what-it-checks-and-answers"' in home
    assert 'href="architecture.html"' in home and 'src="screenshots/preview.jpg"' in home
    assert 'href="docs/' not in home


def test_api_reference_is_generated_from_the_docstrings(site):
    pages = {
        "reference/generator.html": ["FastImageDataGenerator", "flow_from_directory"],
        "reference/layer.html": ["IDGAugmentation"],
        "reference/notebook.html": ["compare", "ablate"],
        "reference/suggest.html": ["suggest"],
        "reference/data.html": ["load_image", "load_dataset"],
        "reference/iterators.html": ["flow_from_dataframe"],
    }
    for page, names in pages.items():
        html = _page(site, page)
        assert 'class="doc doc-object' in html, f"{page}: mkdocstrings rendered nothing"
        for name in names:
            assert f'id="{name}"' in html or f'.{name}"' in html or f">{name}<" in html, f"{page}: {name}"


def test_cli_reference_is_the_parsers_own_help(site):
    html = _page(site, "reference/cli.html")
    for command in ("compare", "ablate", "suggest", "doctor", "worker"):
        assert f"$ python -m explorer {command} --help" in html
    # Options the parser declares show up, so the page cannot drift from it.
    for option in ("--dataset", "--no-leave-one-out", "--check-seeds", "--json", "--wait", "--ray-address"):
        assert option in html, option


def test_benchmarks_page_shows_each_recorded_file_or_says_how_to_measure_it(site):
    html = _page(site, "benchmarks.html")
    names = re.findall(r"<!-- benchmark: ([a-z_]+) -->", (ROOT / "docs" / "benchmarks.md").read_text())
    assert len(names) >= 10
    for name in names:
        recorded = ROOT / "docs" / "benchmarks" / f"{name}.txt"
        if recorded.is_file():
            first = recorded.read_text(encoding="utf-8").splitlines()[0]
            assert first.startswith("measured ") and first in html, name
        else:
            assert f"refresh_docs.py --only {name}" in html, name


@pytest.mark.slow
def test_strict_build_fails_on_a_broken_anchor(tmp_path):
    # The same site, with one link to a heading that does not exist: --strict must refuse it.
    for name in ("explorer", "tests", "README.md"):
        (tmp_path / name).symlink_to(ROOT / name)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    page = tmp_path / "docs" / "architecture.md"
    page.write_text(page.read_text() + "\nSee [nowhere](train.md#no-such-heading-here).\n")
    done = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-heading-here" in done.stderr
