"""Who owns a run, on a real server (issue 29, item 1): `streamlit run app.py` on 127.0.0.1,
driven by Debian's Chromium, each "browser" a fresh Chromium context (its own cookies).

Without sign-in: a link that plants someone's owner id and run shows neither (the same message
as for a run that does not exist), the browser keeps an id of its own in a cookie and sees its
own runs after a reload; with shared history, a copied link to someone else's run shows it
without Stop or Add seeds. With sign-in: against a real OpenID Connect provider on loopback
(oidc-provider-mock), through its login form: a user's run is theirs from another browser that
signs in as them, and no one else's. Nothing trains: runs are planted as the worker leaves them
(the Train click itself is tests/test_run_ownership.py's), and the one "running" run's worker
is a sleeping process whose command line says it is one.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from browser import CHROMIUM_ARGS, ROOT, _free_port, chromium_path, streamlit_server
from explorer.augment.config import AugmentConfig
from explorer.experiments.records.spec import DatasetRef, TrainSettings
from explorer.experiments.runs.folders import OWNER_ID, new_run, owner_from_identity, set_status
from explorer.experiments.runs.plan import build_spec
from explorer.ui.link import NO_RUN
from explorer.ui.results import READ_ONLY
from explorer.ui.session import OWNER_COOKIE

pytestmark = pytest.mark.slow
if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium for the sign-in tests: apt-get install -y chromium")
    pytest.skip("no chromium here (CI installs it)", allow_module_level=True)

SPEC = build_spec(
    AugmentConfig(rotation_range=20),
    DatasetRef("demo", "shapes"),
    TrainSettings(seeds=(0,), epochs=1, batch_size=16, image_size=16),
)
FINISHED = ROOT / "tests" / "fixtures" / "legacy_runs" / "20261202-050000-c0ffee"
ALICE, BOB = "alice-0123456789ab", "bob-0123456789abcd"
QUIET = {"AUGMENT_WARM_WORKER": "0"}  # no spare worker loading TensorFlow: nothing trains here
WAIT_MS = 60000
NOT_RUNNING = (
    "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"
)


def _finished(root: Path, owner: str | None) -> str:
    """A finished comparison with its result, as the worker leaves it."""
    run_dir = new_run(SPEC, root, owner)
    shutil.copy(FINISHED / "result.json", run_dir / "result.json")
    set_status(run_dir, "finished")
    return run_dir.name


@contextmanager
def _worker_left_running(root: Path, owner: str):
    """A run 'running' whose worker (a sleeping process named like one) outlived a server."""
    run_dir = new_run(SPEC, root, owner)
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "explorer", "worker"])
    try:
        set_status(run_dir, "running", pid=process.pid)
        yield run_dir.name
    finally:
        process.kill()
        process.wait()


@contextmanager
def _chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _open(page, url: str) -> None:
    """Open `url`, wait until the page has drawn and its script has stopped running."""
    page.goto(url)
    page.wait_for_selector(".st-key-section", timeout=WAIT_MS)
    _settled(page)


def _settled(page) -> None:
    """Until the script has not run for 0.5 s in a row (a rerun may follow the first run)."""
    for _ in range(2):
        page.wait_for_function(NOT_RUNNING, timeout=WAIT_MS)
        page.wait_for_timeout(500)


def _text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _history(page, run_ids: list[str]) -> list[str]:
    """Which of `run_ids` the page's Run history lists."""
    labels = page.locator('[data-testid="stExpander"] summary').all_inner_texts()
    return [run_id for run_id in run_ids if any(f"{run_id} · " in label for label in labels)]


def _cookie(context) -> str | None:
    return next((cookie["value"] for cookie in context.cookies() if cookie["name"] == OWNER_COOKIE), None)


# -- without sign-in -------------------------------------------------------------------------


def test_a_planted_owner_shows_nothing_of_theirs_and_the_browser_keeps_its_own_id(tmp_path):
    runs = tmp_path / "runs"
    alices = _finished(runs, ALICE)
    missing = re.sub(r"[0-9a-f]{6}$", "abcdef" if not alices.endswith("abcdef") else "fedcba", alices)
    with (
        streamlit_server(ROOT / "app.py", env={"AUGMENT_RUNS_DIR": str(runs), **QUIET}) as url,
        _chromium() as chromium,
    ):
        context = chromium.new_context()
        page = context.new_page()
        _open(page, f"{url}/?section=train&owner={ALICE}&run={alices}")  # a link sent with Alice's id and run
        said = _text(page)
        assert f"Ignored run='{alices}' from the link: {NO_RUN}" in said
        assert _history(page, [alices]) == [] and "owner=" not in page.url
        mine = _cookie(context)
        assert mine and OWNER_ID.fullmatch(mine) and mine != ALICE  # the browser's own id, in its cookie
        cookie = next(cookie for cookie in context.cookies() if cookie["name"] == OWNER_COOKIE)
        assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"

        _open(page, f"{url}/?section=train&run={missing}")  # a run that does not exist: the same words
        assert f"Ignored run='{missing}' from the link: {NO_RUN}" in _text(page)

        own = _finished(runs, mine)  # as if this browser had trained it (the Train click: test_run_ownership)
        page.reload()
        page.wait_for_selector(".st-key-section", timeout=WAIT_MS)
        _settled(page)
        assert _history(page, [own, alices]) == [own] and _cookie(context) == mine  # a reload keeps its runs

        other = chromium.new_context().new_page()  # another browser, given this browser's link
        _open(other, f"{url}/?section=train&run={own}")
        assert f"Ignored run='{own}' from the link: {NO_RUN}" in _text(other) and _history(other, [own]) == []


def test_with_shared_history_a_copied_link_shows_someone_elses_run_read_only(tmp_path):
    runs = tmp_path / "runs"
    bobs = _finished(runs, BOB)
    env = {"AUGMENT_RUNS_DIR": str(runs), "AUGMENT_SHARED_HISTORY": "1", **QUIET}
    with (
        _worker_left_running(runs, BOB) as running,
        streamlit_server(ROOT / "app.py", env=env) as url,
        _chromium() as chromium,
    ):
        page = chromium.new_context().new_page()
        _open(page, f"{url}/?section=train&run={bobs}")  # the link Bob copied from his address bar
        assert "Finished:" in _text(page) and READ_ONLY in _text(page)
        assert page.locator('[class*="st-key-add_seeds_"]').count() == 0
        _open(page, f"{url}/?section=train&run={running}")
        page.wait_for_selector("text=" + READ_ONLY, timeout=WAIT_MS)
        assert page.locator(".st-key-stop_run").count() == 0 and page.locator(".st-key-stop_search").count() == 0

        bob = chromium.new_context()  # Bob's own browser: its cookie holds his id
        bob.add_cookies([{"name": OWNER_COOKIE, "value": BOB, "url": url, "sameSite": "Strict"}])
        bobs_page = bob.new_page()
        _open(bobs_page, f"{url}/?section=train&run={running}")
        bobs_page.wait_for_selector(".st-key-stop_run", timeout=WAIT_MS)  # his run: he may stop it
        _open(bobs_page, f"{url}/?section=train&run={bobs}")
        bobs_page.wait_for_selector(f".st-key-add_seeds_current_{bobs}", timeout=WAIT_MS)


# -- with sign-in, against a real OpenID Connect provider on loopback -------------------------


@pytest.fixture
def provider():
    """oidc-provider-mock on loopback: its login form takes any subject."""
    oidc = pytest.importorskip("oidc_provider_mock")
    with oidc.run_server_in_thread() as server:
        url = f"http://localhost:{server.server_port}"
        with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=10) as response:
            issuer = json.loads(response.read())["issuer"]
        yield url, issuer


def _secrets(folder: Path, port: int, provider_url: str) -> Path:
    """The operator's sign-in settings: Streamlit's [auth] section."""
    path = folder / "secrets.toml"
    path.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "augmentation-explorer"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{provider_url}/.well-known/openid-configuration"
""")
    return path


def _sign_in(context, url: str, subject: str):
    """Sign in through the provider's form as `subject`; the page once back, signed in."""
    page = context.new_page()
    _open(page, url)
    page.locator(".st-key-sign_in button").click()
    page.wait_for_selector("input[name=sub]", timeout=WAIT_MS)  # the provider's own page
    page.fill("input[name=sub]", subject)
    page.locator("button[type=submit]", has_text="Authorize").click()
    page.wait_for_selector(".st-key-sign_out", timeout=WAIT_MS)  # back on the explorer
    _settled(page)
    return page


def test_sign_in_against_a_real_provider_files_runs_under_the_user_from_any_browser(tmp_path, provider):
    provider_url, issuer = provider
    runs, port = tmp_path / "runs", _free_port()
    env = {
        "AUGMENT_RUNS_DIR": str(runs),
        "STREAMLIT_SECRETS_FILES": str(_secrets(tmp_path, port, provider_url)),
        **QUIET,
    }
    alices = _finished(runs, owner_from_identity(issuer, "alice"))  # as if Alice had trained it
    with streamlit_server(ROOT / "app.py", env=env, port=port) as url, _chromium() as chromium:
        visitor = chromium.new_context().new_page()
        _open(visitor, f"{url}/?section=train&rotation_range=20")  # settings Train would take
        assert visitor.locator(".st-key-sign_in").count() == 1
        assert visitor.locator(".st-key-train button").is_disabled()
        assert "Sign in (at the top of the page) to train" in _text(visitor)

        first = _sign_in(chromium.new_context(), url, "alice")
        assert "Signed in as alice" in _text(first)
        _open(first, f"{url}/?section=train&rotation_range=20")
        assert _history(first, [alices]) == [alices] and not first.locator(".st-key-train button").is_disabled()

        second = _sign_in(chromium.new_context(), url, "alice")  # Alice from another browser
        _open(second, f"{url}/?section=train&run={alices}")
        assert _history(second, [alices]) == [alices] and "Finished:" in _text(second)
        second.wait_for_selector(f".st-key-add_seeds_current_{alices}", timeout=WAIT_MS)

        bob = _sign_in(chromium.new_context(), url, "bob")
        _open(bob, f"{url}/?section=train&run={alices}")
        assert f"Ignored run='{alices}' from the link: {NO_RUN}" in _text(bob) and _history(bob, [alices]) == []

        bob.locator(".st-key-sign_out button").click()  # signed out: nobody's runs, Train off
        end = bob.locator("button", has_text="End session")  # the provider asks to end its own session
        end.or_(bob.locator(".st-key-sign_in")).first.wait_for(timeout=WAIT_MS)
        if end.count():
            end.click()
        bob.wait_for_selector(".st-key-sign_in", timeout=WAIT_MS)
        _open(bob, f"{url}/?section=train&rotation_range=20&run={alices}")
        assert _history(bob, [alices]) == [] and bob.locator(".st-key-train button").is_disabled()
    assert "alice" not in (runs / alices / "status.json").read_text()  # an id, never the user's name
