"""The run history on disk: one folder per comparison, plain JSON and PNG files.

runs/<time>-<id>/ holds spec.json (what to run), status.json (a `RunStatus`: queued,
starting, running, finished, stopped, failed or interrupted; see `RunState`), progress.json, result.json
(rewritten after every finished epoch, so a crash loses at most the epoch in progress),
ablation.json, figure.png, the report and tensorboard/; a suggest run search.json and
suggestion.json too. The JSON files are the typed
records of `records`, read back here. status.json also names the run's owner (an opaque id
of the `OWNER_ID` form, compared as text, never used as a path): the signed-in user's
(`owner_from_identity`, a hash: no e-mail or name is ever written) on a server with sign-in,
else the id the visitor's browser made. Run history shows a visitor their own runs, or
everyone's with AUGMENT_SHARED_HISTORY=1, and only the owner may change a run (`may_change`:
stop it, add seeds). No process has
to stay alive for the history to make sense: a run left active by a process that is gone is
reported as interrupted, with what it finished. Beside the run folders: the uploads runs
train on (datasets/, models/) and retention.log, what retention removed (`storage`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..analysis.ablation import current_analysis
from ..records.results import Progress, RunResult
from ..records.spec import RunSpec
from ..records.status import RunState, RunStatus
from ..suggest.space import SearchProgress, Suggestion


def runs_root() -> Path:
    """Where runs are kept: $AUGMENT_RUNS_DIR, else ./runs."""
    return Path(os.environ.get("AUGMENT_RUNS_DIR", "runs"))


def write_json(path: Path, data) -> None:
    """Write atomically: readers never see half a file. A write that fails (a full disk)
    leaves the old file whole, no temporary behind, and raises OSError naming `path`."""
    path = Path(path)
    text = json.dumps(data, indent=2, allow_nan=False)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(path)) from error


def read_json(path: Path, default=None):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return default


def shared_history() -> bool:
    """AUGMENT_SHARED_HISTORY=1: every visitor sees every run (a team server)."""
    return os.environ.get("AUGMENT_SHARED_HISTORY", "").strip().lower() in ("1", "true", "yes", "on")


OWNER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe(12) gives 16 such characters


def owner_from_identity(issuer: str, subject: str) -> str:
    """The owner id of a signed-in user: a hash of the OpenID Connect issuer and subject
    (`iss`, `sub`: the same user from any browser, two providers' users never mixed), of the
    OWNER_ID form; the user's e-mail or name never reaches a file."""
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()
    return f"user-{digest[:32]}"


def may_see(run_owner: str, owner: str | None, shared: bool | None = None) -> bool:
    """Whether a visitor (`owner`, None before they have one) may see a run owned by
    `run_owner` ('' for runs written before owners were recorded: only with shared history)."""
    if shared_history() if shared is None else shared:
        return True
    return bool(owner) and bool(run_owner) and run_owner == owner


def may_change(run_owner: str, owner: str | None, unowned: bool = False) -> bool:
    """Whether a visitor (`owner`) may stop a run or add seeds to it: its owner only, shared
    history or not. A run with no owner recorded (written before owners were, or queued from
    the command line) only where `unowned` says so (a server without sign-in)."""
    if not run_owner:
        return unowned
    return bool(owner) and run_owner == owner


def run_owner(run_dir: Path) -> str:
    """The session that submitted a run, '' when none is recorded."""
    status = read_status(run_dir)
    return status.owner if status is not None else ""


def new_run(spec: RunSpec, root: Path, owner: str | None = None) -> Path:
    """A new run folder with its spec, marked queued (and owned by `owner`, when given: kept
    in status.json, whose later updates keep it)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    run_dir = root / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    run_dir.mkdir()
    write_json(run_dir / "spec.json", spec.to_json())
    set_status(run_dir, RunState.QUEUED, owner=owner or "")
    return run_dir


def read_status(run_dir: Path) -> RunStatus | None:
    """The run's status.json; None when it is missing or does not hold an object (a folder
    being made, a file edited by hand)."""
    return read_record(Path(run_dir) / "status.json", RunStatus.from_json)


def write_status(run_dir: Path, status: RunStatus) -> None:
    """Write the run's status.json (atomically: `write_json`)."""
    write_json(Path(run_dir) / "status.json", status.to_json())


def set_status(run_dir: Path, state: RunState | str, **changes) -> RunStatus:
    """Move the run to `state`, with the `RunStatus` fields in `changes` (pid, note, ...);
    the other fields keep what status.json held. Stamps `updated` (and `created`, the first
    time). Returns what it wrote. Raises ValueError for a state that is not a `RunState`."""
    now = time.time()
    current = read_status(run_dir) or RunStatus(RunState(state), created=now)
    status = replace(current, **changes, status=RunState(state), updated=now, created=current.created or now)
    write_status(run_dir, status)
    return status


def pid_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class RunInfo:
    """A run folder as the history shows it. `spec`, `result` and `progress` are None where
    the file is missing or unreadable (a half-made folder, a file edited by hand)."""

    run_id: str
    path: Path
    status: RunState
    spec: RunSpec | None
    result: RunResult | None
    progress: Progress | None
    created: float
    error: str = ""  # why a failed run failed
    note: str = ""
    owner: str = ""  # the session that submitted it; '' for runs from before owners
    search: SearchProgress | None = None  # a suggest run's search, as it went
    suggestion: Suggestion | None = None  # a suggest run's outcome

    @property
    def headline(self) -> str:
        """The run's verdict in one sentence: a suggestion, an ablation's finding, else the
        comparison's."""
        if self.suggestion is not None:
            return self.suggestion.sentence
        if self.result is None:
            return ""
        if self.result.ablation is not None:
            return current_analysis(self.result).sentence  # as the page words it, for older runs too
        return self.result.summary.verdict if self.result.summary else ""


def read_record(path: Path, reader: Callable[[Any], Any]):
    """A record from a JSON file, or None when the file is missing or does not hold one."""
    data = read_json(path)
    if data is None:
        return None
    try:
        return reader(data)
    except (TypeError, ValueError, KeyError):
        return None


def load_run(run_dir: Path, active_ids: set[str] = frozenset()) -> RunInfo:
    """A run's files; an active run whose owner is gone is marked interrupted on disk."""
    run_dir = Path(run_dir)
    status = read_status(run_dir) or RunStatus(RunState.INTERRUPTED)  # none written: it has ended
    owner_alive = run_dir.name in active_ids or pid_alive(status.pid)
    if status.active and not owner_alive:
        note = "the process running it ended (crash or restart); finished epochs are kept"
        try:
            status = set_status(run_dir, RunState.INTERRUPTED, note=note)
        except OSError:  # a full disk: the history still shows it as it is, and says so next time
            status = replace(status, status=RunState.INTERRUPTED, note=note)
    return RunInfo(
        run_dir.name,
        run_dir,
        status.status,
        read_record(run_dir / "spec.json", RunSpec.from_json),
        read_record(run_dir / "result.json", RunResult.from_json),
        read_record(run_dir / "progress.json", Progress.from_json),
        status.created,
        status.error,
        status.note,
        status.owner,
        read_record(run_dir / "search.json", SearchProgress.from_json),
        read_record(run_dir / "suggestion.json", Suggestion.from_json),
    )


def list_runs(root: Path, active_ids: set[str] = frozenset()) -> list[RunInfo]:
    """Every run, newest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    runs = [load_run(path, active_ids) for path in root.iterdir() if (path / "spec.json").is_file()]
    return sorted(runs, key=lambda run: run.run_id, reverse=True)


def run_zip(run_dir: Path) -> bytes:
    """The run folder as a zip, for download."""
    run_dir = Path(run_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(run_dir.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                archive.write(path, f"{run_dir.name}/{path.relative_to(run_dir)}")
    return buffer.getvalue()
