"""explorer.experiments.records.status and its file (runs.folders.read_status/write_status):
status.json as a typed `RunStatus`, the run states as a `RunState` StrEnum, old folders still
read as they always were."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from explorer.augment.config import AugmentConfig
from explorer.experiments.records.results import RunResult
from explorer.experiments.records.spec import DatasetRef, TrainSettings
from explorer.experiments.records.status import ACTIVE, ENDED, RunState, RunStatus
from explorer.experiments.runs.folders import load_run, new_run, read_status, set_status, write_status
from explorer.experiments.runs.plan import build_spec

LEGACY = Path(__file__).resolve().parent / "fixtures" / "legacy_runs"
SPEC = build_spec(AugmentConfig(rotation_range=20), DatasetRef("demo", "digits"), TrainSettings(seeds=(0,)))
EVERY_FIELD = RunStatus(
    RunState.FAILED,
    created=10.0,
    updated=12.5,
    owner="a" * 16,
    pid=4242,
    started=10.5,
    finished=12.0,
    note="a note",
    error="out of memory",
    traceback="Traceback ...",
)


def test_states_are_their_json_text_and_split_into_active_and_ended():
    assert json.dumps({"status": RunState.STOPPED}) == '{"status": "stopped"}'
    assert RunState("queued") is RunState.QUEUED and RunState.QUEUED == "queued" and f"{RunState.FAILED}" == "failed"
    assert set(ACTIVE) | set(ENDED) == set(RunState) and not set(ACTIVE) & set(ENDED)
    assert [state.active for state in RunState] == [state in ACTIVE for state in RunState]
    assert RunState.parse("no such state", RunState.INTERRUPTED) is RunState.INTERRUPTED


def test_every_field_goes_through_json_and_back():
    assert {field.name for field in fields(RunStatus)} == set(EVERY_FIELD.to_json())  # none left out
    assert RunStatus.from_json(json.loads(json.dumps(EVERY_FIELD.to_json()))) == EVERY_FIELD


def test_unset_fields_are_left_out_of_the_file():
    assert RunStatus(RunState.QUEUED, created=1.0, updated=1.0).to_json() == {
        "status": "queued",
        "created": 1.0,
        "updated": 1.0,
    }


@pytest.mark.parametrize("run_id", sorted(path.name for path in LEGACY.iterdir()))
def test_a_status_file_written_before_the_record_reads_the_same(run_id):
    raw = json.loads((LEGACY / run_id / "status.json").read_text())
    status = RunStatus.from_json(raw)
    assert status.status is RunState.FINISHED and not status.active
    assert (status.pid, status.created, status.started, status.finished) == (
        raw["pid"],
        raw["created"],
        raw["started"],
        raw["finished"],
    )
    assert status.to_json() == raw  # written back, the file is what it was


@pytest.mark.parametrize(
    "raw, read",
    [
        ({}, RunStatus(RunState.INTERRUPTED)),  # no state: the history has always said interrupted
        ({"status": "paused", "pid": 7}, RunStatus(RunState.INTERRUPTED, pid=7)),  # an unknown state
        (
            {"status": "running", "pid": True, "owner": 3, "created": "yesterday", "note": None, "extra": 1},
            RunStatus(RunState.RUNNING),
        ),  # wrong types read as unset, unknown fields are ignored
    ],
)
def test_a_hand_edited_file_reads_leniently(raw, read):
    assert RunStatus.from_json(raw) == read


@pytest.mark.parametrize("raw", [[1, 2], "finished", None])
def test_a_file_that_holds_no_object_is_refused(raw):
    with pytest.raises(ValueError, match="not an object"):
        RunStatus.from_json(raw)


def test_status_file_is_written_and_read_as_the_record(tmp_path):
    assert read_status(tmp_path) is None  # none yet
    write_status(tmp_path, EVERY_FIELD)
    assert read_status(tmp_path) == EVERY_FIELD
    (tmp_path / "status.json").write_text("[1, 2]")
    assert read_status(tmp_path) is None
    (tmp_path / "status.json").write_text('{"status": "fini')  # half a file (never from write_json)
    assert read_status(tmp_path) is None


def test_set_status_changes_the_state_and_keeps_the_rest(tmp_path):
    run = new_run(SPEC, tmp_path, owner="b" * 16)
    queued = read_status(run)
    assert queued.status is RunState.QUEUED and queued.owner == "b" * 16 and queued.created == queued.updated
    set_status(run, RunState.STARTING, pid=99, started=queued.created + 1)
    ended = set_status(run, "finished", finished=queued.created + 2)  # the text of a state works too
    assert ended == read_status(run)
    assert (ended.status, ended.owner, ended.pid, ended.created) == (RunState.FINISHED, "b" * 16, 99, queued.created)
    assert ended.updated >= queued.updated and load_run(run).status is RunState.FINISHED


def test_set_status_refuses_what_is_no_state_or_no_field(tmp_path):
    run = new_run(SPEC, tmp_path)
    with pytest.raises(ValueError):
        set_status(run, "paused")
    with pytest.raises(TypeError):
        set_status(run, RunState.RUNNING, pids=3)
    assert read_status(run).status is RunState.QUEUED  # nothing was written


def test_a_result_carries_its_state_as_a_run_state():
    assert RunResult().status is RunState.RUNNING
    result = RunResult.from_json({"arms": {}, "status": "stopped"})
    assert result.status is RunState.STOPPED and result.to_json()["status"] == "stopped"
    assert RunResult.from_json({"arms": {}, "status": "odd"}).status is RunState.RUNNING
