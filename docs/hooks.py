"""MkDocs hooks (mkdocs.yml: hooks): what the pages show that the code, not a hand, writes.

- `<!-- cli-help: COMMAND -->` becomes `python -m explorer COMMAND --help` as argparse prints it
  (`<!-- cli-help -->` for the top level), so the reference cannot drift from the parser.
- `<!-- benchmark: NAME -->` becomes docs/benchmarks/NAME.txt, the lines a benchmark script
  wrote with `--docs` (tests/benchmarks/refresh_docs.py runs them all), or a line saying it has
  not been measured yet.
- `<!-- readme -->` becomes README.md, its links to docs/ and tests/screenshots/ pointed into the
  site (the site's home page is the README); `<!-- readme: notebook example -->` becomes the
  README's notebook example, the block tests/test_notebook.py runs.
- The screenshots in tests/screenshots/ (where the end-to-end run saves them) are added to the
  site as screenshots/NAME.jpg.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path

from mkdocs.structure.files import File

# The project being documented: the folder of the mkdocs.yml being built (on_config sets it).
ROOT = Path(__file__).resolve().parents[1]
CLI_HELP = re.compile(r"<!-- cli-help(?:: (?P<command>[a-z]+))? -->")
BENCHMARK = re.compile(r"<!-- benchmark: (?P<name>[a-z_]+) -->")
README_BLOCK = re.compile(r"<!-- readme -->")
NOTEBOOK_BLOCK = re.compile(r"<!-- readme: notebook example -->")
NOTEBOOK_MARKER = "<!-- notebook example: tests/test_notebook.py runs this block as it is -->"
HELP_WIDTH = "80"  # argparse wraps at the terminal's width; the page's is fixed


def cli_help(command: str | None) -> str:
    """The help argparse prints for `python -m explorer [COMMAND] --help`."""
    if str(ROOT) not in sys.path:  # mkdocs's own entry point does not put the project on the path
        sys.path.insert(0, str(ROOT))
    from explorer.cli import main

    argv = [command, "--help"] if command else ["--help"]
    out = io.StringIO()
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_WIDTH
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main(argv)
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    text = out.getvalue().strip()
    if not text:
        raise ValueError(f"python -m explorer {' '.join(argv)} printed nothing")
    return f"```text\n$ python -m explorer {' '.join(argv)}\n{text}\n```"


def benchmark_lines(name: str) -> str:
    """A benchmark's recorded lines as a code block, or the command that records them."""
    path = ROOT / "docs" / "benchmarks" / f"{name}.txt"
    if not path.is_file():
        return (
            f"*Not measured yet: run `python tests/benchmarks/refresh_docs.py` "
            f"(or `python tests/benchmarks/refresh_docs.py --only {name}`).*"
        )
    return f"```text\n{path.read_text(encoding='utf-8').rstrip()}\n```"


def readme() -> str:
    """README.md with its links pointed into the site."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.replace("](docs/", "](").replace("](tests/screenshots/", "](screenshots/")


def notebook_example() -> str:
    """The README's notebook example, as the README shows it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(NOTEBOOK_MARKER) + r"\s*(```python\n.*?```)", text, re.S)
    if match is None:
        raise ValueError("README.md has no notebook example under its marker")
    return match.group(1)


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = README_BLOCK.sub(lambda match: readme(), markdown)
    markdown = NOTEBOOK_BLOCK.sub(lambda match: notebook_example(), markdown)
    markdown = CLI_HELP.sub(lambda match: cli_help(match["command"]), markdown)
    return BENCHMARK.sub(lambda match: benchmark_lines(match["name"]), markdown)


def on_config(config):
    global ROOT
    ROOT = Path(config["config_file_path"]).resolve().parent
    return config


def on_files(files, config):
    for shot in sorted((ROOT / "tests" / "screenshots").glob("*.jpg")):
        files.append(
            File(
                f"screenshots/{shot.name}",
                src_dir=str(ROOT / "tests"),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    return files
