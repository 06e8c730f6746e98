"""Click to verdict in the page: the article's example 1 on `digits` with every default.

    python tests/benchmarks/bench_verdict.py [--config mild]

Starts `streamlit run app.py` on loopback, opens it in headless Debian Chromium with the
"over-augmentation" settings in the link on the train section, clicks Train (dataset digits, default seeds and
epochs) and times until the verdict shows. The same path a user takes: the job queue, a
worker process (TensorFlow imported there), training, the figures and the report, the
page's polling. The page is open --read seconds (10) before the click, as a user reads it:
long enough for the warm worker to have imported TensorFlow. Prints the time, its parts
from the worker's log, and the verdict.
Goal: <= 45 s on 2 cores, and verdict_code "hurt".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from browser import ROOT, chromium_page, streamlit_server  # noqa: E402

GOAL_SECONDS = 45
QUERIES = {
    "over-augmentation": (
        "/?rotation_range=40.0&width_shift_range=0.2&height_shift_range=0.2&shear_range=0.2"
        "&zoom_range=0.2&horizontal_flip=1"
    ),
    "mild": "/?rotation_range=10.0&width_shift_range=0.1&height_shift_range=0.1",
}


def _log_times(run_dir: Path) -> dict[str, float]:
    """When the worker started and finished the run, from worker.log's timestamps."""
    stamps = {}
    for line in (run_dir / "worker.log").read_text().splitlines():
        match = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) INFO \S+: run \S+: (\w+)", line)
        if match:
            stamps[match.group(2)] = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
    return stamps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", choices=sorted(QUERIES), default="over-augmentation")
    parser.add_argument(
        "--read",
        type=float,
        default=10.0,
        help="seconds the page is open before the click, as a user reads it (default 10)",
    )
    args = parser.parse_args()
    runs = Path(tempfile.mkdtemp()) / "runs"
    with streamlit_server(ROOT / "app.py", env={"AUGMENT_RUNS_DIR": str(runs)}) as url, chromium_page() as page:
        page.goto(url + QUERIES[args.config] + "&section=train")  # the train section, as a user opens it
        page.wait_for_selector(".st-key-train button:not([disabled])", timeout=60000)
        time.sleep(args.read)
        button = page.locator(".st-key-train button")
        button.scroll_into_view_if_needed()
        clicked = time.time()
        button.click()
        page.wait_for_selector("text=/^(Finished|Stopped): /", timeout=300000)
        shown = time.time()
    (run_dir,) = [path for path in runs.iterdir() if (path / "spec.json").is_file()]
    spec = json.loads((run_dir / "spec.json").read_text())
    summary = json.loads((run_dir / "result.json").read_text())["summary"]
    stamps = _log_times(run_dir)
    took = shown - clicked
    print(
        f"CPU cores: {os.cpu_count()}; {args.config} on {spec['dataset']['name']}, "
        f"{len(spec['settings']['seeds'])} seeds x {spec['settings']['epochs']} epochs (the page's defaults); "
        f"page open {args.read:g} s before the click"
    )
    if "started" in stamps and "finished" in stamps:
        print(
            f"click -> worker running {stamps['started'] - clicked:5.1f} s (worker start; TensorFlow's import "
            "unless a warm worker waited)"
        )
        done = stamps["finished"] - stamps["started"]
        print(f"worker running -> done   {done:5.1f} s (data, training, figures, report)")
        print(f"done -> verdict shown    {shown - stamps['finished']:5.1f} s (the page polls every 2 s)")
    print(f"click to verdict {took:.1f} s (goal <= {GOAL_SECONDS} s: {'met' if took <= GOAL_SECONDS else 'MISSED'})")
    print(f"verdict_code: {summary['verdict_code']}")
    print(f"verdict: {summary['verdict']}")


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_verdict.txt

    docs_output(main, "bench_verdict")
