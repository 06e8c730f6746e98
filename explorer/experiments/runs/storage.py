"""What a server keeps on its disk, and for how long: uploads, retention, a full disk.

Uploads: a zip or .keras file a visitor uploads is checked in memory and written under
runs/datasets/ or runs/models/ only when a run that uses it is submitted (`keep_used`), named
by its content (the first 16 hex digits of its SHA-256), so the same file uploaded twice is
stored once; written atomically, so a worker never reads half a file.

Retention (`enforce_retention`, which the job manager calls as it starts and after each run):
runs that have ended (finished, stopped, failed, interrupted; never a queued or training one)
are removed when they ended more than `keep_days` ago, then the oldest of them until runs and
uploads take at most `keep_bytes`; then the uploads no remaining run's spec.json names. Each
removal is logged and appended to runs/retention.log. A lock file makes a second process
running it at the same moment skip its turn, and a run is moved out of runs/ (into
runs/.trash/) in one rename before it is deleted, so no reader sees half of one.

A full disk: `disk_full` recognizes the error (ENOSPC, EDQUOT, EFBIG) and `disk_full_message`
says it in a sentence; the worker fails the run it was writing with it. `reserve_space` keeps
a little room, given back the moment a run needs it, so that sentence can still be written.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .folders import read_status
from .limits import ServerLimits

log = logging.getLogger(__name__)

DATASETS, MODELS = "datasets", "models"
UPLOAD_SUFFIXES = {DATASETS: ".zip", MODELS: ".keras"}
# An upload or run folder younger than this is never removed: between an upload's write and
# its run's spec.json (or a folder's spec.json and its status.json) there is a moment in
# which nothing names it yet.
GRACE_S = 600.0
LOG_NAME = "retention.log"
TRASH = ".trash"
LOCK_NAME = ".retention.lock"
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
DISK_FULL_EXIT = 28  # a worker that could not even write its run's failure exits with this (ENOSPC)
RESERVE_NAME = ".disk-reserve"
RESERVE_BYTES = 64 * 1024  # enough for status.json with its reason and traceback


# -- uploads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """An uploaded file, held in memory until a run uses it. `folder`: DATASETS or MODELS."""

    data: bytes
    folder: str

    def __post_init__(self) -> None:
        if self.folder not in UPLOAD_SUFFIXES:
            raise ValueError(f"an upload goes to {' or '.join(UPLOAD_SUFFIXES)}; got {self.folder!r}")

    @property
    def filename(self) -> str:
        """Its name in the store: the content's hash and the kind's suffix."""
        return hashlib.sha256(self.data).hexdigest()[:16] + UPLOAD_SUFFIXES[self.folder]

    def path(self, root: Path) -> Path:
        """Where it is (or will be) kept under `root` (the runs folder), absolute: a run's
        spec names this path, and a worker started elsewhere reads it."""
        return (Path(root) / self.folder / self.filename).resolve()


def keep_upload(upload: Upload, root: Path) -> Path:
    """Write an upload to the store (atomically; once: a file with its hash already there is
    kept, its time refreshed so retention's grace counts from now). Its path."""
    path = upload.path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.stat().st_size == len(upload.data):
        os.utime(path)
        return path
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(upload.data)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(path)) from error
    log.info("upload %s/%s kept (%d bytes)", upload.folder, upload.filename, len(upload.data))
    return path


def keep_used(uploads: Iterable[Upload], root: Path, paths: Iterable[str | None]) -> list[Path]:
    """Write the uploads whose store path is among `paths` (a dataset's and a model's, as a
    run's spec names them); the others stay in memory only. The paths written."""
    wanted = {str(Path(path).resolve()) for path in paths if path}
    return [keep_upload(upload, root) for upload in uploads if str(upload.path(root)) in wanted]


# -- a full disk -------------------------------------------------------------------------------


def disk_full(error: BaseException | None) -> OSError | None:
    """The disk-full OSError behind an error (itself, or its cause or context), or None.
    An error that is not an OSError but says "No space left on device" (TensorFlow's own
    file errors) counts too: it is returned as an OSError(ENOSPC)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return error
        if "No space left on device" in str(error):
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        error = error.__cause__ or error.__context__
    return None


def _written_name(filename) -> str:
    """The file a write was for: a temporary '.NAME.PID.tmp' names NAME."""
    name = Path(os.fsdecode(filename)).name
    if name == RESERVE_NAME:
        return "the run's first files"
    if name.startswith(".") and name.endswith(".tmp") and name.count(".") >= 3:
        name = name[1:].rsplit(".", 2)[0]
    return name


def disk_full_message(error: OSError) -> str:
    """What a run that filled the disk says, with what it was writing when it did."""
    what = _written_name(error.filename) if error.filename else "the run's files"
    return (
        f"the disk holding runs/ is full ({error.strerror or os.strerror(error.errno)}) while writing {what}: "
        "free space or lower AUGMENT_KEEP_GB"
    )


def reserve_space(run_dir: Path) -> Path:
    """A small file in the run folder (a hidden one: a run's zip leaves it out) that
    `release_space` deletes when the run fails for a full disk, so the failure can be written.
    OSError (the disk is full already) when even that does not fit."""
    path = Path(run_dir) / RESERVE_NAME
    try:
        with path.open("wb") as file:
            file.write(b"\0" * RESERVE_BYTES)
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        path.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(path)) from error
    return path


def release_space(run_dir: Path) -> None:
    (Path(run_dir) / RESERVE_NAME).unlink(missing_ok=True)


# -- retention ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Removal:
    """One thing retention removed: a run folder (`name` its id) or an upload (`name` as
    'datasets/<hash>.zip'); its age in days since it ended (an upload: since it was last
    used), its size in bytes and why."""

    kind: str  # "run" or "upload"
    name: str
    age_days: float
    size: int
    why: str

    @property
    def line(self) -> str:
        """As retention.log has it (after the time)."""
        return f"{self.kind} {self.name}\tage {self.age_days:.1f} days\t{self.size} bytes\t{self.why}"


@dataclass(frozen=True)
class RetentionReport:
    """What one pass removed and the bytes runs and uploads take after it. `skipped`: why
    nothing was done (another process held the lock), else ''."""

    removed: tuple[Removal, ...] = ()
    total_bytes: int = 0
    skipped: str = ""

    @property
    def freed(self) -> int:
        return sum(removal.size for removal in self.removed)

    @property
    def runs(self) -> tuple[str, ...]:
        return tuple(removal.name for removal in self.removed if removal.kind == "run")

    @property
    def uploads(self) -> tuple[str, ...]:
        return tuple(removal.name for removal in self.removed if removal.kind == "upload")


@dataclass(frozen=True)
class _Run:
    path: Path
    ended: bool
    ended_at: float  # when it last changed state (for an ended run: when it ended)
    size: int
    uploads: frozenset[str]  # the upload names ('datasets/<hash>.zip') its spec.json names


def _size(path: Path) -> int:
    """Bytes in a file or under a folder (links not followed)."""
    if path.is_symlink() or not path.is_dir():
        try:
            return path.lstat().st_size
        except OSError:
            return 0
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def _uploads_in(root: Path) -> dict[str, Path]:
    """Every stored upload, by its name relative to root ('models/<hash>.keras'), temporary
    files of an interrupted write included."""
    found = {}
    for folder in UPLOAD_SUFFIXES:
        store = root / folder
        if store.is_dir():
            found.update({f"{folder}/{path.name}": path for path in store.iterdir() if path.is_file()})
    return found


def _scan_run(path: Path, active_ids: set[str], upload_names: Iterable[str], now: float) -> _Run:
    status = read_status(path)
    try:
        spec_text = (path / "spec.json").read_text(errors="replace")
        made = (path / "spec.json").stat().st_mtime
    except OSError:
        spec_text, made = "", now
    changed = (status.updated or status.created or made) if status is not None else made
    # No status yet: a folder being made (or one half made long ago, which has ended).
    ended = path.name not in active_ids and (now - made > GRACE_S if status is None else not status.active)
    uploads = frozenset(name for name in upload_names if name.rsplit("/", 1)[-1] in spec_text)
    return _Run(path, ended, float(changed), _size(path), uploads)


def _append_log(root: Path, removal: Removal, now: float) -> None:
    line = f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.localtime(now))}\t{removal.line}\n"
    try:
        descriptor = os.open(root / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(descriptor, line.encode())  # one write: lines from two processes never mix
        finally:
            os.close(descriptor)
    except OSError as error:
        log.warning("could not append to %s: %s", root / LOG_NAME, error)


def _remove_run(root: Path, run: _Run, active_ids: set[str]) -> bool:
    """Move the run out of runs/ in one rename, then delete it; False when it became active
    meanwhile (more seeds asked for) or is gone."""
    status = read_status(run.path)
    if run.path.name in active_ids or (status is not None and status.active):
        return False
    target = root / TRASH / f"{run.path.name}.{os.getpid()}"
    try:
        target.parent.mkdir(exist_ok=True)
        os.rename(run.path, target)
    except FileNotFoundError:
        return False
    except OSError:  # no room even for that (a full disk): delete it where it is
        target = run.path
    shutil.rmtree(target, ignore_errors=True)
    return True


def enforce_retention(
    root: Path, limits: ServerLimits, active_ids: Iterable[str] = (), now: float | None = None
) -> RetentionReport:
    """Remove ended runs older than `limits.keep_days`, then the oldest ended runs while runs
    and uploads take more than `limits.keep_bytes`, then the uploads no remaining run names
    (0 turns a limit off; a run or upload younger than GRACE_S is never removed). Active runs
    (`active_ids`, or queued or training in their status.json) are never removed."""
    root = Path(root)
    if not root.is_dir():
        return RetentionReport()
    now = time.time() if now is None else now
    active = set(active_ids)
    try:
        lock = os.open(root / LOCK_NAME, os.O_WRONLY | os.O_CREAT, 0o644)
    except OSError:  # a disk too full for the lock file: clean up all the same (renames guard runs)
        return _enforce(root, limits, active, now)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return RetentionReport(skipped="another process is enforcing retention")
        return _enforce(root, limits, active, now)
    finally:
        os.close(lock)  # releases the lock


def _enforce(root: Path, limits: ServerLimits, active: set[str], now: float) -> RetentionReport:
    shutil.rmtree(root / TRASH, ignore_errors=True)  # what a pass that died left
    uploads = _uploads_in(root)
    runs = [
        _scan_run(path, active, uploads, now)
        for path in sorted(root.iterdir())
        if path.is_dir() and (path / "spec.json").is_file()
    ]
    removed: list[Removal] = []

    def remove(run: _Run, why: str) -> None:
        if now - run.ended_at < GRACE_S or not _remove_run(root, run, active):
            return
        removal = Removal("run", run.path.name, (now - run.ended_at) / 86400, run.size, why)
        removed.append(removal)
        runs.remove(run)
        log.info("retention removed %s", removal.line)
        _append_log(root, removal, now)

    oldest_first = sorted((run for run in runs if run.ended), key=lambda run: (run.ended_at, run.path.name))
    if limits.keep_days > 0:
        for run in oldest_first:
            if now - run.ended_at > limits.keep_days * 86400:
                remove(run, f"ended more than {limits.keep_days:g} days ago (AUGMENT_KEEP_DAYS)")

    def upload_age(path: Path) -> float:
        try:
            return now - path.stat().st_mtime
        except OSError:
            return 0.0

    def kept_uploads() -> set[str]:
        """The uploads that stay: those a run names, and young ones."""
        named = set().union(*(run.uploads for run in runs))
        return {name for name, path in uploads.items() if name in named or upload_age(path) < GRACE_S}

    def total() -> int:
        return sum(run.size for run in runs) + sum(_size(uploads[name]) for name in kept_uploads())

    if limits.keep_bytes > 0:
        for run in [run for run in oldest_first if run in runs]:
            size = total()
            if size <= limits.keep_bytes:
                break
            remove(run, f"runs and uploads took {size} bytes, over the {limits.keep_bytes} allowed (AUGMENT_KEEP_GB)")

    keep = kept_uploads()
    for name, path in sorted(uploads.items()):
        if name in keep:
            continue
        removal = Removal("upload", name, upload_age(path) / 86400, _size(path), "no run uses it")
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(removal)
        log.info("retention removed %s", removal.line)
        _append_log(root, removal, now)
    uploads = {name: path for name, path in uploads.items() if name in keep}
    return RetentionReport(tuple(removed), total())
