"""Runs belong to their user (issue 16, items 5 and 6): one click queues one run; Run history
shows a browser session its own runs (everyone's with AUGMENT_SHARED_HISTORY=1), the session's
owner id kept in the link; a link to another session's run does not show it; "your folder"
only under AUGMENT_DATA_ROOT, nothing outside it (symlinks and '..' included)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from test_app import messages, page_record
from test_app import run_train_section as run_app

from explorer.augment.config import AugmentConfig
from explorer.errors import InputError
from explorer.experiments.jobs import JobManager
from explorer.experiments.plan import build_spec
from explorer.experiments.runs import load_run, may_see, new_run, run_owner, set_status
from explorer.experiments.spec import DatasetRef, RunSpec, TrainSettings
from explorer.ui import train
from explorer.ui.train import folder_under_root

SPEC = build_spec(AugmentConfig(rotation_range=20), DatasetRef("demo", "shapes"),
                  TrainSettings(seeds=(0,), epochs=1, batch_size=16, image_size=16))
TRAINABLE = {"dataset": "shapes", "rotation_range": "20"}  # a config that trains something
ALICE, BOB = "alice-0123456789ab", "bob-0123456789abcd"


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
    """A run that has ended (a queued one would be picked up by the page's job manager)."""
    run_dir = new_run(SPEC, root, owner)
    set_status(run_dir, "finished")
    return run_dir.name


def _history(at) -> list[str]:
    return [expander.label for expander in at.expander if " · " in expander.label]


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


# -- the page --------------------------------------------------------------------------------


def test_two_sessions_each_see_only_their_own_runs(root):
    alices, bobs, older = _ended(root, ALICE), _ended(root, BOB), _ended(root)
    alice, bob, stranger = run_app({"owner": ALICE}), run_app({"owner": BOB}), run_app()
    assert [label.split(" · ")[0] for label in _history(alice)] == [alices]
    assert [label.split(" · ")[0] for label in _history(bob)] == [bobs]
    assert _history(stranger) == [] and "Run history" not in [header.value for header in stranger.subheader]
    assert older not in " ".join(_history(alice) + _history(bob))


def test_shared_history_shows_every_run(root, monkeypatch):
    ids = {_ended(root, ALICE), _ended(root, BOB), _ended(root)}
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")
    at = run_app({"owner": ALICE})
    assert {label.split(" · ")[0] for label in _history(at)} == ids


def test_a_link_to_another_sessions_run_does_not_show_it(root, monkeypatch):
    bobs = _ended(root, BOB)
    at = run_app({"owner": ALICE, "run": bobs})
    assert f"Ignored run='{bobs}' from the link: this run belongs to another session" in messages(at)
    assert page_record(at).run_id is None
    assert bobs not in " ".join(_history(at)) and "run" not in at.query_params
    assert page_record(run_app({"owner": BOB, "run": bobs})).run_id == bobs  # its owner's link shows it
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")
    assert page_record(run_app({"owner": ALICE, "run": bobs})).run_id == bobs


def test_an_owner_id_that_is_not_one_is_ignored(root):
    _ended(root, ALICE)
    at = run_app({"owner": "../../etc/passwd"})
    assert "Ignored owner='../../etc/passwd' from the link: not a session id" in messages(at)
    assert _history(at) == [] and "owner" not in at.query_params


def test_a_sessions_owner_goes_into_the_link_when_it_trains_and_a_reload_shows_its_run(submitted, root):
    at = run_app(TRAINABLE)
    assert "owner" not in at.query_params  # no run, no owner: a shared link carries only the settings
    at.button(key="train").click().run()
    assert not at.exception and len(submitted) == 1
    owner = page_record(at).owner
    (run_dir,) = root.iterdir()
    assert json.loads((run_dir / "status.json").read_text())["owner"] == owner
    assert at.query_params["owner"] in (owner, [owner]) and at.query_params["run"] in (run_dir.name, [run_dir.name])
    set_status(run_dir, "finished")  # (a queued run would be queued again by a new job manager)
    reloaded = run_app({name: at.query_params[name] for name in at.query_params})
    assert [label.split(" · ")[0] for label in _history(reloaded)] == [run_dir.name]
    assert page_record(reloaded).run_id == run_dir.name


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
    (run_dir,) = root.iterdir()
    set_status(run_dir, "finished")
    at.run()
    assert not at.exception and not at.button(key="train").disabled
    assert not any("Train is off" in caption.value for caption in at.caption)
    at.button(key="train").click().run()
    assert len(submitted) == 2


def test_a_run_queued_behind_another_says_so_from_the_first_render(root, monkeypatch):
    manager = JobManager(root, command=(sys.executable, "-c", "import time; time.sleep(6)"), warm=False)
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
