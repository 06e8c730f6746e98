"""Runs belong to their user (issue 16, items 5 and 6; issue 29, item 1): one click queues one
run; Run history shows a visitor their own runs (everyone's with AUGMENT_SHARED_HISTORY=1, the
others' read-only); the owner is the signed-in user's (a hash of issuer and subject) on a server
with sign-in, else an id the browser made and keeps in a cookie, never one from the link; a link
to a run that is not the visitor's says the same as one to a run that does not exist; the share
link carries no owner; "your folder" only under AUGMENT_DATA_ROOT, nothing outside it
(symlinks and '..' included). The same on a real server, in Chromium, and sign-in against a
real OpenID Connect provider: tests/test_signin.py."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.augment.config import AugmentConfig
from explorer.errors import InputError
from explorer.experiments.records.spec import DatasetRef, RunSpec, TrainSettings
from explorer.experiments.runs.folders import (
    OWNER_ID,
    load_run,
    may_change,
    may_see,
    new_run,
    owner_from_identity,
    run_owner,
    set_status,
)
from explorer.experiments.runs.plan import build_spec
from explorer.experiments.runs.queue import JobManager
from explorer.ui import train
from explorer.ui.actions import NOT_YOURS
from explorer.ui.link import NO_RUN, query_from_record, record_from_query
from explorer.ui.record import PageState
from explorer.ui.results import READ_ONLY
from explorer.ui.session import OWNER
from explorer.ui.train import folder_under_root
from headless_page import APP, TIMEOUT, messages, page_record
from headless_page import run_train_section as run_app

SPEC = build_spec(
    AugmentConfig(rotation_range=20),
    DatasetRef("demo", "shapes"),
    TrainSettings(seeds=(0,), epochs=1, batch_size=16, image_size=16),
)
TRAINABLE = {"dataset": "shapes", "rotation_range": "20"}  # a config that trains something
ALICE, BOB = "alice-0123456789ab", "bob-0123456789abcd"
FINISHED = Path(__file__).parent / "fixtures" / "legacy_runs" / "20261202-050000-c0ffee"
ISSUER = "https://id.example.org"
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "s" * 32,
    "client_id": "explorer",
    "client_secret": "secret",
    "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
}


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    runs = tmp_path / "runs"
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(runs))
    monkeypatch.delenv("AUGMENT_SHARED_HISTORY", raising=False)
    monkeypatch.delenv("AUGMENT_DATA_ROOT", raising=False)
    return runs


@pytest.fixture
def submitted(root, monkeypatch):
    """Nothing trains: each submitted run gets its folder (owned, queued, its 'worker' this
    live process), and its spec is listed here."""
    specs: list[RunSpec] = []

    def submit(self, spec, owner=None):
        specs.append(spec)
        run_dir = new_run(spec, self.root, owner)
        set_status(run_dir, "queued", pid=os.getpid())
        return run_dir.name

    monkeypatch.setattr(JobManager, "submit", submit)
    return specs


def _ended(root: Path, owner: str | None = None) -> str:
    """A run that has ended (a queued one would be picked up by the page's job manager), with
    a result (a finished comparison from tests/fixtures), so its verdict and Add seeds show."""
    run_dir = new_run(SPEC, root, owner)
    shutil.copy(FINISHED / "result.json", run_dir / "result.json")
    set_status(run_dir, "finished")
    return run_dir.name


def _active(root: Path, owner: str | None = None) -> str:
    """A run 'running' in this live process (no worker picks it up)."""
    run_dir = new_run(SPEC, root, owner)
    set_status(run_dir, "running", pid=os.getpid())
    return run_dir.name


def _runs(root: Path) -> list[Path]:
    """The run folders (the store may keep other files beside them)."""
    return sorted(path for path in root.iterdir() if (path / "spec.json").is_file())


def _history(at) -> list[str]:
    return [expander.label.split(" · ")[0] for expander in at.expander if " · " in expander.label]


def browser(
    owner: str | None = None, query: dict | None = None, user: dict | None = None, state: PageState | None = None
) -> AppTest:
    """The page on its train section, opened by a browser whose cookie holds `owner` (AppTest
    sends no cookies: the session is given what the cookie would give it), or, on a server with
    sign-in, by `user` (st.user's claims; {} for nobody signed in)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"section": "train", **(query or {})})
    if owner is not None:
        at.session_state[OWNER] = owner
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    if state is not None:
        at.session_state["page"] = state
    at.run()
    assert not at.exception, at.exception
    return at


def _signed_in(sub: str, **claims) -> dict:
    return {"is_logged_in": True, "iss": ISSUER, "sub": sub, **claims}


def _button_keys(at) -> set[str]:
    return {button.key for button in at.button}


# -- ownership, on disk ----------------------------------------------------------------------


def test_a_run_keeps_its_owner_through_status_updates(root):
    run_dir = new_run(SPEC, root, ALICE)
    set_status(run_dir, "starting", pid=12345)
    set_status(run_dir, "finished")
    assert run_owner(run_dir) == ALICE and load_run(run_dir).owner == ALICE
    assert load_run(new_run(SPEC, root)).owner == ""  # written without one, as before


def test_who_may_see_a_run():
    assert may_see(ALICE, ALICE, shared=False) and not may_see(ALICE, BOB, shared=False)
    assert not may_see(ALICE, None, shared=False) and not may_see("", None, shared=False)
    assert not may_see("", ALICE, shared=False)  # runs from before owners: shared history only
    assert may_see(ALICE, BOB, shared=True) and may_see("", None, shared=True)


def test_only_its_owner_may_change_a_run_shared_history_or_not():
    assert may_change(ALICE, ALICE) and not may_change(ALICE, BOB) and not may_change(ALICE, None)
    assert not may_change(ALICE, BOB, unowned=True)  # `unowned` is about runs with no owner only
    assert may_change("", BOB, unowned=True) and not may_change("", BOB, unowned=False)


def test_a_signed_in_users_owner_id_is_a_hash_of_issuer_and_subject():
    alice = owner_from_identity(ISSUER, "alice@example.org")
    assert OWNER_ID.fullmatch(alice) and "alice" not in alice and "example" not in alice
    assert owner_from_identity(ISSUER, "alice@example.org") == alice  # the same from any browser
    assert owner_from_identity(ISSUER, "bob@example.org") != alice
    assert owner_from_identity("https://other.example.org", "alice@example.org") != alice  # another provider's


# -- the link never says who the visitor is --------------------------------------------------


def test_the_link_and_the_share_link_carry_no_owner_and_an_old_links_owner_is_not_read(root):
    alices = _ended(root, ALICE)
    state = PageState(run_id=alices, section="train")
    assert "owner" not in query_from_record(state) and query_from_record(state)["run"] == alices
    shown, problems = record_from_query({"owner": ALICE, "run": alices}, owner=BOB)
    assert shown.run_id is None and problems == [f"Ignored run='{alices}' from the link: {NO_RUN}"]
    shown, problems = record_from_query({"owner": ALICE, "run": alices}, owner=ALICE)
    assert shown.run_id == alices and problems == []  # shown to its owner, who the link did not name


def test_a_run_that_is_not_yours_and_one_that_does_not_exist_get_the_same_message(root):
    bobs = _ended(root, BOB)
    missing = bobs[:-6] + ("0" * 6 if not bobs.endswith("0" * 6) else "1" * 6)
    texts = [messages(browser(ALICE, {"run": run_id})).replace(run_id, "RUN") for run_id in (bobs, missing)]
    assert texts[0] == texts[1] and f"Ignored run='RUN' from the link: {NO_RUN}" in texts[0]
    assert "another session" not in texts[0] and "no such run" not in texts[0]


def test_a_planted_owner_in_a_link_is_not_adopted_and_new_runs_are_the_browsers_own(submitted, root):
    alices = _ended(root, ALICE)
    at = browser(query={**TRAINABLE, "owner": ALICE, "run": alices})  # a link someone sent, with Alice's id
    assert f"Ignored run='{alices}' from the link: {NO_RUN}" in messages(at)
    assert page_record(at).run_id is None and _history(at) == [] and "owner" not in at.query_params
    at.button(key="train").click().run()
    assert not at.exception and len(submitted) == 1
    mine = at.session_state[OWNER]
    assert OWNER_ID.fullmatch(mine) and mine != ALICE
    (run_dir,) = [path for path in _runs(root) if path.name != alices]
    assert run_owner(run_dir) == mine and run_owner(root / alices) == ALICE
    assert "owner" not in at.query_params and at.query_params["run"] in (run_dir.name, [run_dir.name])
    cookie = [element.proto.body for element in at.get("html") if "augment_owner" in element.proto.body]
    assert cookie and f"augment_owner={mine}; path=/;" in cookie[0] and "SameSite=Strict" in cookie[0]
    assert _history(at) == [run_dir.name]  # Alice's run is not among them


def test_two_browsers_each_see_only_their_own_runs(root):
    alices, bobs, older = _ended(root, ALICE), _ended(root, BOB), _ended(root)
    assert _history(browser(ALICE)) == [alices] and _history(browser(BOB)) == [bobs]
    stranger = browser()
    assert _history(stranger) == [] and "Run history" not in [header.value for header in stranger.subheader]
    assert older not in _history(browser(ALICE)) + _history(browser(BOB))


def test_a_reload_of_the_same_browser_shows_its_run_again(submitted, root):
    at = browser(query=TRAINABLE)
    at.button(key="train").click().run()
    (run_dir,) = _runs(root)
    set_status(run_dir, "finished")  # (a queued run would be queued again by a new job manager)
    link = {name: at.query_params[name] for name in at.query_params}
    reloaded = browser(at.session_state[OWNER], link)  # the cookie comes back with the reload
    assert _history(reloaded) == [run_dir.name] and page_record(reloaded).run_id == run_dir.name
    elsewhere = browser(query=link)  # the same link in another browser
    assert _history(elsewhere) == [] and page_record(elsewhere).run_id is None


# -- shared history: everyone's runs, the others' read-only ----------------------------------


def test_shared_history_shows_every_run_and_only_your_own_take_more_seeds(root, monkeypatch):
    alices, bobs, older = _ended(root, ALICE), _ended(root, BOB), _ended(root)
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")
    at = browser(ALICE)
    assert set(_history(at)) == {alices, bobs, older}
    seeds = {key for key in _button_keys(at) if key and key.startswith("add_seeds_")}
    assert seeds == {f"add_seeds_history_{alices}", f"add_seeds_history_{older}"}  # no owner: a laptop's own
    assert any(caption.value == READ_ONLY for caption in at.caption)


def test_a_copied_link_to_someone_elses_run_shows_it_read_only(root, monkeypatch):
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")
    bobs_ended, bobs_running = _ended(root, BOB), _active(root, BOB)
    at = browser(ALICE, {"run": bobs_ended})
    assert page_record(at).run_id == bobs_ended and not any(
        key.startswith("add_seeds_") for key in _button_keys(at) if key
    )
    at = browser(ALICE, {"run": bobs_running})
    assert page_record(at).run_id == bobs_running and "stop_run" not in _button_keys(at)
    assert any(caption.value == READ_ONLY for caption in at.caption)
    assert "stop_run" in _button_keys(browser(BOB, {"run": bobs_running}))  # its owner may stop it
    assert not browser(ALICE, {**TRAINABLE, "run": bobs_running}).button(key="train").disabled  # not hers
    assert browser(BOB, {**TRAINABLE, "run": bobs_running}).button(key="train").disabled  # one click, one run


def test_stop_and_add_seeds_refuse_a_run_that_is_not_yours_even_from_a_page_drawn_before(root):
    running, ended = _active(root, ALICE), _ended(root, ALICE)
    at = browser(ALICE, {"run": running})
    stop = at.button(key="stop_run")
    set_status(root / running, "running", owner=BOB)  # no longer Alice's when the click arrives
    stop.click().run()
    assert NOT_YOURS in messages(at) and load_run(root / running).status == "running"
    at = browser(ALICE, {"run": ended})
    add = at.button(key=f"add_seeds_current_{ended}")
    set_status(root / ended, "finished", owner=BOB)
    add.click().run()
    assert NOT_YOURS in messages(at) and load_run(root / ended).status == "finished"


# -- a server with sign-in -------------------------------------------------------------------


def test_with_sign_in_train_needs_a_signed_in_user_and_runs_are_filed_under_their_hashed_id(submitted, root):
    nobody = browser(query=TRAINABLE, user={})
    assert "sign_in" in _button_keys(nobody) and nobody.button(key="train").disabled
    assert any("Sign in (at the top of the page) to train" in caption.value for caption in nobody.caption)
    at = browser(query=TRAINABLE, user=_signed_in("alice-sub", name="Alice", email="alice@example.org"))
    assert "sign_out" in _button_keys(at) and "sign_in" not in _button_keys(at)
    assert any(caption.value == "Signed in as **Alice**" for caption in at.caption)
    at.button(key="train").click().run()
    (run_dir,) = _runs(root)
    assert run_owner(run_dir) == owner_from_identity(ISSUER, "alice-sub")
    assert "alice" not in (run_dir / "status.json").read_text().lower()  # no name, no e-mail in the files
    shutil.copy(FINISHED / "result.json", run_dir / "result.json")  # as if it had trained
    set_status(run_dir, "finished")
    again = browser(query={"run": run_dir.name}, user=_signed_in("alice-sub"))  # another browser, signed in
    assert _history(again) == [run_dir.name] and page_record(again).run_id == run_dir.name
    assert f"add_seeds_current_{run_dir.name}" in _button_keys(again)
    bob = browser(query={"run": run_dir.name}, user=_signed_in("bob-sub"))
    assert _history(bob) == [] and f"Ignored run='{run_dir.name}' from the link: {NO_RUN}" in messages(bob)
    planted = browser(ALICE, {"run": run_dir.name}, user={})  # a browser cookie is no identity here
    assert _history(planted) == [] and planted.button(key="train").disabled


def test_with_sign_in_a_run_with_no_owner_is_read_only_for_everyone(root, monkeypatch):
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")
    older = _ended(root)
    at = browser(query={"run": older}, user=_signed_in("alice-sub"))
    assert page_record(at).run_id == older and not any(key.startswith("add_seeds_") for key in _button_keys(at) if key)


def test_the_share_box_carries_the_settings_and_the_run_but_no_owner(submitted, root):
    at = browser(query=TRAINABLE)
    at.button(key="train").click().run()
    run_id = page_record(at).run_id
    shared = [block.value for block in at.code if "run=" in block.value]
    assert shared and f"run={run_id}" in shared[0] and "rotation_range=20" in shared[0]
    assert "owner" not in shared[0] and at.session_state[OWNER] not in shared[0]


# -- one click, one run ----------------------------------------------------------------------


def test_train_is_off_while_the_sessions_run_is_active_and_on_again_when_it_ends(submitted, root):
    at = run_app(TRAINABLE)
    enabled = at.button(key="train")
    assert not enabled.disabled
    enabled.click().run()
    assert not at.exception and len(submitted) == 1
    assert at.button(key="train").disabled and at.button(key="stop_run")
    assert any("Train is off while your run is queued or running" in caption.value for caption in at.caption)
    enabled.click().run()  # a second click, from the page as drawn before the button went off
    assert not at.exception and len(submitted) == 1 and len(list(root.iterdir())) == 1
    assert at.button(key="train").disabled
    (run_dir,) = _runs(root)
    set_status(run_dir, "finished")
    at.run()
    assert not at.exception and not at.button(key="train").disabled
    assert not any("Train is off" in caption.value for caption in at.caption)
    at.button(key="train").click().run()
    assert len(submitted) == 2


def test_a_run_queued_behind_another_says_so_from_the_first_render(root, monkeypatch):
    # Bob's run outlasts the page's first render however slow the machine (both are stopped below).
    manager = JobManager(root, command=(sys.executable, "-c", "import time; time.sleep(120)"), warm=False)
    monkeypatch.setattr(train, "_jobs", lambda _root: manager)
    other = manager.submit(SPEC, owner=BOB)
    deadline = time.time() + 10
    while manager.position(other) != 0 and time.time() < deadline:
        time.sleep(0.05)
    at = run_app(TRAINABLE)
    at.button(key="train").click().run()
    mine = page_record(at).run_id
    try:
        assert not at.exception and manager.ahead(mine) == 1
        assert "Queued: 1 run(s) ahead of yours." in [box.value for box in at.info]
        assert at.button(key="train").disabled
    finally:
        manager.stop(mine)
        manager.stop(other)


# -- "your folder" ---------------------------------------------------------------------------


@pytest.fixture
def data(tmp_path) -> tuple[Path, Path]:
    """A data root holding a folder of classes and a symlink to a folder outside it."""
    data_root, outside = tmp_path / "data", tmp_path / "private"
    for folder in (data_root / "flowers" / "rose", data_root / "flowers" / "tulip", outside / "secrets"):
        folder.mkdir(parents=True)
    (data_root / "escape").symlink_to(outside, target_is_directory=True)
    (data_root / "notes.txt").write_text("not a folder")
    return data_root, outside


def test_only_folders_inside_the_data_root_can_be_chosen(data):
    data_root, outside = data
    inside = (data_root / "flowers").resolve()
    assert folder_under_root("flowers", data_root) == inside
    assert folder_under_root(str(data_root / "flowers"), data_root) == inside
    assert folder_under_root("flowers/rose/..", data_root) == inside
    for escape in ("../private", "flowers/../../private", str(outside), "escape", "escape/secrets", "/etc"):
        with pytest.raises(InputError, match="outside this server's data folder"):
            folder_under_root(escape, data_root)
    for name in ("notes.txt", "~", "missing"):  # "~" is a name under the root, not the home folder
        with pytest.raises(InputError, match="is not a folder under"):
            folder_under_root(name, data_root)


def test_your_folder_is_not_offered_without_a_data_root(root):
    at = run_app()
    assert "your folder" not in at.selectbox(key="train_dataset").options
    at = run_app({**TRAINABLE, "dataset": "your folder"})
    assert "Ignored dataset='your folder' from the link: this server has no data folder" in messages(at)
    assert at.selectbox(key="train_dataset").value == "digits" and not at.exception


def test_with_a_data_root_a_folder_inside_trains_and_one_outside_is_refused(data, submitted, monkeypatch):
    data_root, _ = data
    monkeypatch.setenv("AUGMENT_DATA_ROOT", str(data_root))
    at = run_app({**TRAINABLE, "dataset": "your folder"})
    assert "your folder" in at.selectbox(key="train_dataset").options
    for escape in ("../private", "escape"):
        at.text_input(key="train_folder").input(escape).run()
        assert any("outside this server's data folder" in error.value for error in at.error), escape
        assert at.button(key="train").disabled
    at.text_input(key="train_folder").input("flowers").run()
    assert not at.error and not at.button(key="train").disabled
    at.button(key="train").click().run()
    assert [spec.dataset.path for spec in submitted] == [str((data_root / "flowers").resolve())]
