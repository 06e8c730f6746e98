"""Refresh the docs' benchmark figures: run every benchmark with `--docs`, one after another.

    python tests/benchmarks/refresh_docs.py                  # all of them (about 30 min on 2 cores)
    python tests/benchmarks/refresh_docs.py --only bench_engine,bench_preview
    python tests/benchmarks/refresh_docs.py --skip-training  # the engine, the drop-in, the layer, the page (4 min)

Each benchmark writes the lines it prints to docs/benchmarks/NAME.txt, under a header giving the
date, the machine's CPU count, the commit and the command; docs/benchmarks.md shows them (the
hook in docs/hooks.py reads the files when the site is built). A benchmark that fails leaves its
previous file as it was. Nothing here is typed by hand: rerun this to change a figure.

`docs_output(main, name)` is the `--docs` option every benchmark script shares (its
`if __name__ == "__main__"` block hands it its `main`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DOCS = ROOT / "docs" / "benchmarks"

# (the file written, the script, its arguments), cheapest first. Times measured on 2 cores
# (Dec 2026); the training ones add up to about 25 minutes by their own printed totals.
CHEAP = [
    ("bench_engine", "bench_engine.py", []),  # 28 s
    ("bench_preview", "bench_preview.py", []),  # 17 s
    ("bench_dropin", "bench_dropin.py", []),  # 18 s
    ("bench_idg_layer", "bench_idg_layer.py", []),  # 48 s
    ("bench_latency", "bench_latency.py", []),  # 47 s (headless Chromium)
    ("bench_shared_load", "bench_shared_load.py", []),  # 81 s (4 browsers and a run)
]
TRAINING = [
    ("bench_training", "bench_training.py", []),
    ("bench_verdict", "bench_verdict.py", []),
    ("bench_verdict_mild", "bench_verdict.py", ["--config", "mild"]),
    ("bench_ablation", "bench_ablation.py", []),
    ("bench_models", "bench_models.py", []),
    ("bench_suggest", "bench_suggest.py", ["--backends", "local,ray"]),
    ("bench_backends", "bench_backends.py", []),
]
BENCHMARKS = CHEAP + TRAINING


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def header(command: list[str]) -> str:
    """Where and when the lines below were measured."""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    shown = " ".join(["python", str(Path(command[0]).resolve().relative_to(ROOT)), *command[1:]])
    load = os.getloadavg()[0]  # other work on the machine slows what is measured
    return (
        f"measured {when} on {os.cpu_count()} CPU cores (load average {load:.1f} at the start), "
        f"commit {commit}\n$ {shown}\n"
    )


class _Tee(io.TextIOBase):
    """Writes to the real stdout and keeps a copy."""

    def __init__(self, stream):
        self.stream, self.copy = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def docs_output(main, name: str) -> None:
    """Run a benchmark's `main`; with `--docs [NAME]`, also write what it printed to
    docs/benchmarks/NAME.txt (default: the script's name), only if it finished."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--docs", nargs="?", const=name, default=None)
    known, rest = options.parse_known_args()
    command = [sys.argv[0], *rest] + ([] if known.docs is None else ["--docs", known.docs])
    sys.argv = [sys.argv[0], *rest]
    if "-h" in rest or "--help" in rest:  # some benchmarks have no parser: their docstring is their help
        print((sys.modules[main.__module__].__doc__ or "").strip())
        print(
            f"\n--docs [NAME]  also write the printed lines to docs/benchmarks/NAME.txt (default {name}) for the "
            "docs' Benchmarks page;\n               python tests/benchmarks/refresh_docs.py runs every benchmark so"
        )
        return
    if known.docs is None:
        main()
        return
    first_line = header(command)
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        main()
    DOCS.mkdir(parents=True, exist_ok=True)
    target = DOCS / f"{known.docs}.txt"
    target.write_text(first_line + tee.copy.getvalue(), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated file names: " + ", ".join(name for name, _, _ in BENCHMARKS))
    parser.add_argument("--skip-training", action="store_true", help="only the benchmarks that train nothing")
    args = parser.parse_args()
    chosen = CHEAP if args.skip_training else BENCHMARKS
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {name for name, _, _ in BENCHMARKS}
        if unknown:
            parser.error(f"no benchmark named {', '.join(sorted(unknown))}")
        chosen = [entry for entry in BENCHMARKS if entry[0] in wanted]
    failed = []
    started = time.perf_counter()
    for name, script, arguments in chosen:
        print(f"+ python tests/benchmarks/{script} {' '.join(arguments)} --docs {name}", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script), *arguments, "--docs", name], cwd=ROOT)
        print(f"  {name}: {time.perf_counter() - start:.0f} s{'' if done.returncode == 0 else ' FAILED'}", flush=True)
        if done.returncode != 0:
            failed.append(name)
    print(
        f"total {time.perf_counter() - started:.0f} s; "
        + (f"failed (files left as they were): {', '.join(failed)}" if failed else "every file written")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
