"""A shared server under load: four browsers move sliders while a run trains.

    python tests/benchmarks/bench_shared_load.py [--moves 30] [--browsers 4]

One real server on 127.0.0.1 with its own runs folder. First the reference, measured in the
same run: one browser moving a slider on the idle server. Then a real run (demo "shapes",
small CNN, a real `python -m explorer worker`) is queued by a Train click and trains while `--browsers`
headless Chromium pages, each its own browser session, move rotation_range back and forth at
the same time. A move is timed from the key press to the first tile's new pixels (as
bench_latency.py does) and counts as answered when those pixels arrive within 30 s. The
benchmark stops itself: a bounded number of moves, the server and browsers closed, the run
stopped. It prints p50/p95 per move for the reference and under load, per browser and
together, how many moves were answered, and whether the run was training throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]

from browser import CHROMIUM_ARGS, ROOT, TILE_IMAGES, chromium_path, streamlit_server  # noqa: E402
from explorer.experiments.runs.folders import read_json, read_status  # noqa: E402

QUERY = (
    "/?rotation_range=40.0&width_shift_range=0.2&height_shift_range=0.2&shear_range=0.2"
    "&zoom_range=0.2&horizontal_flip=1"
)
TRAIN = "/?section=train&rotation_range=20.0&horizontal_flip=1&dataset=shapes&epochs=200&seeds=2&image_size=32"
ANSWER_S = 30


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def describe(samples: list[float]) -> str:
    if not samples:
        return "no answered moves"
    return f"p50 {statistics.median(samples):6.0f} ms   p95 {_p95(samples):6.0f} ms   ({len(samples)} moves)"


async def _first_tile(page) -> str | None:
    return await page.locator(TILE_IMAGES).nth(1).get_attribute("src")


async def move_sliders(context, url: str, moves: int, pause: float) -> tuple[list[float], int]:
    """One browser session: `moves` key presses on rotation_range; (times of answered moves
    in ms, moves not answered within ANSWER_S)."""
    page = await context.new_page()
    await page.goto(url + QUERY)
    await page.wait_for_selector(TILE_IMAGES, timeout=120000)
    await asyncio.sleep(1)
    times, missed = [], 0
    for move in range(moves + 2):
        old = await _first_tile(page)
        start = time.perf_counter()
        await page.locator(".st-key-rotation_range input[type=range]").first.focus()
        await page.keyboard.press("ArrowRight" if move % 2 == 0 else "ArrowLeft")
        try:
            await page.wait_for_function(
                "([selector, old]) => { const images = document.querySelectorAll(selector);"
                " return images.length > 1 && images[1].getAttribute('src') !== old; }",
                arg=[TILE_IMAGES, old],
                timeout=ANSWER_S * 1000,
            )
        except Exception:  # noqa: BLE001 - a timeout is a move not answered
            missed += move >= 2
            continue
        if move >= 2:  # the first two moves warm caches up
            times.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(pause)
    errors = await page.locator('[data-testid="stException"]').all_inner_texts()
    if errors:
        raise SystemExit(f"the page raised during the moves: {errors[0][:300]}")
    return times, missed


async def browsers(url: str, count: int, moves: int, pause: float) -> list[tuple[list[float], int]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(count)]
            return await asyncio.gather(*(move_sliders(context, url, moves, pause) for context in contexts))
        finally:
            await browser.close()


def _state(run_dir: Path) -> str:
    status = read_status(run_dir)
    return status.status if status is not None else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=30, help="moves per browser (default 30)")
    parser.add_argument("--browsers", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between a browser's moves")
    args = parser.parse_args()
    if chromium_path() is None:
        raise SystemExit("no chromium on PATH: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="shared-load-") as runs:
        env = {"AUGMENT_RUNS_DIR": runs, "AUGMENT_WARM_WORKER": "0"}
        with streamlit_server(ROOT / "app.py", env=env, timeout=120) as url:
            reference = asyncio.run(browsers(url, 1, args.moves, args.pause))
            # A run long enough to outlast the moves, queued by a fifth browser's Train click; the
            # server's queue trains it in a worker process.
            run_dir = asyncio.run(_click_train(url, Path(runs)))
            deadline = time.time() + 180
            while _state(run_dir) != "running":
                if time.time() > deadline or _state(run_dir) not in ("queued", "starting"):
                    raise SystemExit(f"the run did not start training: {_state(run_dir)}")
                time.sleep(0.5)
            started = time.time()
            loaded = asyncio.run(browsers(url, args.browsers, args.moves, args.pause))
            during = time.time() - started
            state = _state(run_dir)
            progress = read_json(run_dir / "progress.json", {}) or {}
            (run_dir / "STOP").touch()  # the worker stops within a batch; wait before the folder goes
            deadline = time.time() + 60
            while _state(run_dir) in ("queued", "starting", "running") and time.time() < deadline:
                time.sleep(0.5)
    print(
        f"{args.browsers} browsers moving sliders while a run trains, one server on 127.0.0.1, {os.cpu_count()} cores"
    )
    print(f"reference: 1 browser, idle server    {describe(reference[0][0])}")
    for number, (times, missed) in enumerate(loaded, start=1):
        print(f"browser {number} under load            {describe(times)}   not answered: {missed}")
    every = [value for times, _ in loaded for value in times]
    missed = sum(miss for _, miss in loaded)
    print(f"all {args.browsers} browsers under load        {describe(every)}")
    print(
        f"moves answered: {len(every)} of {len(every) + missed} (within {ANSWER_S} s); "
        f"the run was '{state}' after {during:.0f} s of moves ({progress.get('epochs_done', '?')} epochs done)"
    )


async def _click_train(url: str, runs: Path) -> Path:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.goto(url + TRAIN)
        await page.locator(".st-key-train button:not([disabled])").click(timeout=120000)
        deadline = time.time() + 60
        while not (made := [path for path in runs.iterdir() if (path / "spec.json").is_file()]):
            if time.time() > deadline:
                raise SystemExit("Train did not queue a run")
            await asyncio.sleep(0.2)
        await browser.close()
    return made[0]


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_shared_load.txt

    docs_output(main, "bench_shared_load")
