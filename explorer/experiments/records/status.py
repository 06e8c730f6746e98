"""Where a run is in its life, as a typed record: the run states (`RunState`) and the run
folder's status.json (`RunStatus`). The file itself is read and written by
`runs.folders` (`read_status`, `write_status`, atomic); this module holds the record only.

A run is queued, then starting (its worker process imports TensorFlow and loads the data),
then running (from its first batch), then finished, stopped, failed or interrupted (its
process went away: a crash or a restart). The JSON layout is the one run folders have
always held (tests/fixtures/legacy_runs); `RunState` is a `StrEnum`, so a state compares
equal to its text and is written as it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class RunState(StrEnum):
    """A run's state (status.json's "status"; a result's own `RunResult.status` uses
    RUNNING, FINISHED and STOPPED).

    Example:
        >>> RunState("running") is RunState.RUNNING and RunState.RUNNING == "running"
        True
        >>> [state.value for state in RunState if state.active]
        ['queued', 'starting', 'running']
    """

    QUEUED = "queued"  # waiting for a worker
    STARTING = "starting"  # its worker loads TensorFlow and the data: no progress yet
    RUNNING = "running"  # reporting progress
    FINISHED = "finished"
    STOPPED = "stopped"  # by its owner, or by the server's limits
    FAILED = "failed"  # with the reason in `RunStatus.error`
    INTERRUPTED = "interrupted"  # the process running it went away; finished epochs are kept

    @property
    def active(self) -> bool:
        """Queued, starting or running: not ended."""
        return self in ACTIVE

    @classmethod
    def parse(cls, value: Any, default: RunState) -> RunState:
        """The state `value` names, or `default` for anything else (a file edited by hand)."""
        try:
            return cls(value)
        except ValueError:
            return default


ACTIVE = (RunState.QUEUED, RunState.STARTING, RunState.RUNNING)
ENDED = (RunState.FINISHED, RunState.STOPPED, RunState.FAILED, RunState.INTERRUPTED)


def _time(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class RunStatus:
    """A run folder's status.json. Times are `time.time()` seconds.

    Args:
        status: the run's state.
        created: when the run was queued.
        updated: when the file was last written.
        owner: the id of who submitted it (`folders.OWNER_ID` form); '' when none is recorded.
        pid: the worker process training it, once one was given it.
        started: when its worker began (None before).
        finished: when it ended (None before, and for a run that failed or was interrupted).
        note: why it is where it is, in a sentence ("stopped before it started").
        error: why it failed, in a sentence.
        traceback: the failure's last frames, for whoever debugs it.

    Example:
        >>> status = RunStatus(RunState.FAILED, created=1.0, updated=2.0, error="out of memory")
        >>> status.to_json()
        {'status': 'failed', 'created': 1.0, 'updated': 2.0, 'error': 'out of memory'}
        >>> RunStatus.from_json(status.to_json()) == status
        True
    """

    status: RunState
    created: float = 0.0
    updated: float = 0.0
    owner: str = ""
    pid: int | None = None
    started: float | None = None
    finished: float | None = None
    note: str = ""
    error: str = ""
    traceback: str = ""

    @property
    def active(self) -> bool:
        return self.status.active

    def to_json(self) -> dict:
        """The fields that are set (status.json has never held empty ones)."""
        return {key: value for key, value in asdict(self).items() if value not in (None, "")} | {
            "status": self.status.value
        }

    @classmethod
    def from_json(cls, data: Any) -> RunStatus:
        """Lenient with what old or hand-edited files leave out or garble: no state reads as
        interrupted (as the history has always shown it), an unknown field is ignored, a field
        of the wrong type reads as unset. Raises ValueError when `data` is not an object."""
        if not isinstance(data, dict):
            raise ValueError(f"status.json holds {type(data).__name__}, not an object")
        pid = data.get("pid")

        def text(key: str) -> str:
            value = data.get(key, "")
            return value if isinstance(value, str) else ""

        return cls(
            status=RunState.parse(data.get("status"), RunState.INTERRUPTED),
            created=_time(data.get("created")) or 0.0,
            updated=_time(data.get("updated")) or 0.0,
            owner=text("owner"),
            pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
            started=_time(data.get("started")),
            finished=_time(data.get("finished")),
            note=text("note"),
            error=text("error"),
            traceback=text("traceback"),
        )
