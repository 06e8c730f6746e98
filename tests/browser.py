"""Real-browser plumbing for the end-to-end tests and the latency benchmark: start
`streamlit run` on a free port, wait for /_stcore/health, drive Debian's Chromium with
Playwright (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def streamlit_command(app: Path | str, port: int) -> list[str]:
    """`streamlit run app` headless on 127.0.0.1:`port`, without usage statistics."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]


@contextlib.contextmanager
def streamlit_server(app: Path, env: dict | None = None, timeout: float = 60, port: int | None = None):
    """`streamlit run app` on 127.0.0.1 (on `port`, else a free one); yields its URL once
    /_stcore/health says ok."""
    port = port or _free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"streamlit-{port}.log", "wb")
    process = subprocess.Popen(
        streamlit_command(app, port),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not become healthy; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("no chromium on PATH: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


TILE_IMAGES = '[data-testid="stImage"] img'


def first_tile_src(page) -> str:
    """The first augmented tile's image URL (image 0 is the original)."""
    return page.locator(TILE_IMAGES).nth(1).get_attribute("src")


def wait_for_new_tile(page, old: str, timeout: float = 15000) -> None:
    page.wait_for_function(
        "([selector, old]) => { const images = document.querySelectorAll(selector);"
        " return images.length > 1 && images[1].getAttribute('src') !== old; }",
        arg=[TILE_IMAGES, old],
        timeout=timeout,
    )


def press_slider(page, key: str, direction: str = "ArrowRight") -> None:
    """Move a slider by one step with the keyboard, found by its widget key."""
    page.locator(f".st-key-{key} input[type=range]").first.focus()
    page.keyboard.press(direction)
