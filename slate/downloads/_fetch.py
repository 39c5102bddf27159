"""Download planned materials: concurrent, paced, resumable, verified, and honest about the disk.

Each file streams through the portal client, which writes ``.<name>.part`` beside the target,
resumes by HTTP Range (also after a killed process), fetches the file afresh once when its
checksum does not match, and renames it into place only when verified. Here we add what a whole
run needs: skipping files already complete and verified, one bandwidth budget shared by every
connection, a pool of N connections, progress, the manifest as files finish, and a clear stop
when the disk is full or not writable (the manifest still says exactly what is on disk).
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from slate.backlot import PortalClient, RateLimiter, TokenBucket
from slate.downloads._manifest import FileStatus, ManifestRow, write_manifest
from slate.downloads._selection import PlannedFile, fit_to_destination
from slate.downloads.rate import bytes_per_second
from slate.errors import IntegrityError, PortalError, StorageError
from slate.logging import get_logger

__all__ = [
    "DownloadReport",
    "FileOutcome",
    "Progress",
    "download_files",
    "manifest_row",
    "part_path",
    "rate_limiter",
]

log = get_logger(__name__)

#: Seconds between manifest writes while files complete (two small fsyncs each).
MANIFEST_EVERY = 1.0
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NO_PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}


class Progress(Protocol):
    """Told what happens, from the download threads (implementations must be thread-safe)."""

    def started(self, item: PlannedFile, already: int) -> None: ...
    def advanced(self, item: PlannedFile, nbytes: int) -> None: ...
    def finished(self, item: PlannedFile, outcome: FileOutcome) -> None: ...


class _Quiet:
    def started(self, item: PlannedFile, already: int) -> None:
        pass

    def advanced(self, item: PlannedFile, nbytes: int) -> None:
        pass

    def finished(self, item: PlannedFile, outcome: FileOutcome) -> None:
        pass


class FileOutcome(BaseModel):
    """What one file's download did."""

    row: ManifestRow
    #: Bytes received in this run (a resumed file counts only what was still missing).
    bytes_transferred: int = 0
    #: Bytes an earlier, interrupted attempt had left in the part file.
    resumed_from: int = 0
    seconds: float = 0.0


class DownloadReport(BaseModel):
    """What a run did, file by file."""

    dest: Path
    outcomes: list[FileOutcome]
    seconds: float

    @property
    def bytes_transferred(self) -> int:
        return sum(o.bytes_transferred for o in self.outcomes)

    @property
    def failures(self) -> list[ManifestRow]:
        bad = {FileStatus.FAILED, FileStatus.PARTIAL}
        return [o.row for o in self.outcomes if o.row.status in bad]


def part_path(target: Path) -> Path:
    """Where the portal client keeps an unfinished download of ``target``."""
    return target.with_name(f".{target.name}.part")


def manifest_row(
    item: PlannedFile, status: FileStatus, bytes_on_disk: int = 0, error: str = ""
) -> ManifestRow:
    """The manifest's line for a planned file."""
    asset = item.asset
    return ManifestRow(
        asset_id=asset.asset_id,
        movie_id=asset.movie_id,
        request_ids=item.request_ids,
        category=asset.category.value,
        type=asset.type.value,
        state=asset.state.value,
        file_name=asset.file_name,
        size=asset.size,
        checksum=asset.checksum,
        checksum_algorithm=asset.checksum_algorithm,
        path=item.relpath,
        status=status,
        bytes_on_disk=bytes_on_disk,
        error=error,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(4 * 1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _is_complete(target: Path, item: PlannedFile) -> bool:
    """The target is already there, the right size and the right checksum."""
    if _size(target) != item.asset.size or not target.is_file():
        return False
    return _sha256(target) == item.asset.checksum.lower()


def storage_error(exc: OSError, path: Path, operation: str) -> StorageError:
    """A clear error for a failing disk: full, not writable, or anything else."""
    if exc.errno in _DISK_FULL:
        free = shutil.disk_usage(path.parent if path.parent.exists() else Path(path.anchor)).free
        why = f"the disk is full ({free:,} bytes free)"
    elif exc.errno in _NO_PERMISSION:
        why = "permission denied"
    else:
        why = exc.strerror or str(exc)
    return StorageError(
        f"cannot {operation} {path}: {why}", path=str(path), errno=exc.errno, rule="destination writable"
    )


class _Fatal(Exception):
    """A disk failure that stops the run (other files would fail the same way)."""

    def __init__(self, outcome: FileOutcome, error: StorageError) -> None:
        super().__init__(error.message)
        self.outcome = outcome
        self.error = error


def _left_over(item: PlannedFile, target: Path, error: str) -> ManifestRow:
    """The row of a file that did not finish: partial if a part file is left, else failed."""
    left = _size(part_path(target))
    status = FileStatus.PARTIAL if left else FileStatus.FAILED
    return manifest_row(item, status, left, error)


def fetch_file(
    client: PortalClient,
    item: PlannedFile,
    dest: Path,
    *,
    limiter: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> FileOutcome:
    """Download one planned file (or find it already complete); raises _Fatal on a failing disk."""
    progress = progress or _Quiet()
    target = dest / item.folder / item.file_name
    if not item.downloadable:
        return FileOutcome(row=manifest_row(item, FileStatus.NOT_AVAILABLE))
    if _is_complete(target, item):
        outcome = FileOutcome(row=manifest_row(item, FileStatus.PRESENT, item.asset.size))
        progress.finished(item, outcome)
        return outcome
    resumed_from = _size(part_path(target))
    received = 0

    def on_chunk(nbytes: int) -> None:
        nonlocal received
        received += nbytes
        progress.advanced(item, nbytes)
        if limiter is not None:
            limiter(nbytes)

    progress.started(item, resumed_from)
    began = time.monotonic()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        result = client.download_asset(
            item.asset.asset_id, target, sha256=item.asset.checksum, rate_limiter=on_chunk
        )
        row = manifest_row(item, FileStatus.DOWNLOADED, result.size)
    except IntegrityError as exc:
        row = _left_over(item, target, f"checksum mismatch, also after fetching again: {exc.message}")
    except PortalError as exc:
        row = _left_over(item, target, exc.message)
    except OSError as exc:
        where = Path(exc.filename) if isinstance(exc.filename, str) else part_path(target)
        error = storage_error(exc, where, "write")
        outcome = FileOutcome(
            row=_left_over(item, target, error.message),
            bytes_transferred=received,
            resumed_from=resumed_from,
            seconds=time.monotonic() - began,
        )
        progress.finished(item, outcome)
        raise _Fatal(outcome, error) from exc
    outcome = FileOutcome(
        row=row, bytes_transferred=received, resumed_from=resumed_from, seconds=time.monotonic() - began
    )
    if row.status is not FileStatus.DOWNLOADED:
        log.warning("material not downloaded", asset_id=item.asset.asset_id, error=row.error)
    progress.finished(item, outcome)
    return outcome


def _not_attempted(item: PlannedFile, dest: Path, fatal: StorageError | None) -> FileOutcome:
    """The row of a file the run stopped before: what an earlier run left is still told truly."""
    target = dest / item.folder / item.file_name
    if _is_complete(target, item):
        return FileOutcome(row=manifest_row(item, FileStatus.PRESENT, item.asset.size))
    reason = f"not attempted: the run stopped ({fatal.message if fatal else 'unknown'})"
    return FileOutcome(row=_left_over(item, target, reason))


def _check_space(dest: Path, items: Sequence[PlannedFile]) -> None:
    """Refuse to start when the files still missing cannot fit on the destination's disk."""
    needed = 0
    for item in items:
        target = dest / item.folder / item.file_name
        if item.downloadable and _size(target) != item.asset.size:
            needed += max(0, item.asset.size - _size(part_path(target)))
    free = shutil.disk_usage(dest).free
    if needed > free:
        raise StorageError(
            f"cannot download to {dest}: the files need {needed:,} bytes, the disk has {free:,} free",
            path=str(dest),
            needed=needed,
            free=free,
            rule="enough free space",
        )


class _Run:
    """Shared state of one run: outcomes so far, the manifest, and the stop signal."""

    def __init__(self, client: PortalClient, dest: Path, limiter: RateLimiter | None, progress: Progress):
        self.client, self.dest, self.limiter, self.progress = client, dest, limiter, progress
        self.lock = threading.Lock()
        self.outcomes: dict[str, FileOutcome] = {}
        self.fatal: StorageError | None = None
        self.written = 0.0

    def record(self, outcome: FileOutcome) -> None:
        """Keep the outcome; rewrite the manifest at most every :data:`MANIFEST_EVERY` seconds.

        Between writes the manifest may miss the newest files, never claim a missing one; the
        run's end (or stop) always writes it in full.
        """
        with self.lock:
            self.outcomes[outcome.row.asset_id] = outcome
            if time.monotonic() - self.written < MANIFEST_EVERY:
                return
            try:
                write_manifest(self.dest, [o.row for o in self.outcomes.values()])
                self.written = time.monotonic()
            except StorageError as exc:
                self.fatal = self.fatal or exc

    def work(self, item: PlannedFile) -> None:
        if self.fatal is not None:
            return
        try:
            outcome = fetch_file(self.client, item, self.dest, limiter=self.limiter, progress=self.progress)
        except _Fatal as stop:
            with self.lock:
                self.fatal = self.fatal or stop.error
            outcome = stop.outcome
        self.record(outcome)


def rate_limiter(
    rate_mbps: int,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> TokenBucket:
    """The budget every connection of one run shares: ``rate_mbps``, with bursts of 1/20 s of it."""
    rate = bytes_per_second(rate_mbps)
    return TokenBucket(rate, burst=rate / 20, clock=clock, sleep=sleep)


def download_files(
    client: PortalClient,
    items: Sequence[PlannedFile],
    dest: Path,
    *,
    rate_mbps: int | None = None,
    concurrency: int = 4,
    progress: Progress | None = None,
    limiter: RateLimiter | None = None,
) -> DownloadReport:
    """Download ``items`` under ``dest`` with ``concurrency`` connections sharing ``rate_mbps``.

    ``limiter`` is the shared budget itself, when the caller holds it (a test with its own clock);
    otherwise one is made for ``rate_mbps``.

    Failures of single files (portal errors, checksum mismatches after a fresh fetch) are reported
    in the outcome and the manifest; a full or unwritable disk stops the run with
    :class:`StorageError` after the manifest has been brought up to date.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, dest, "create the destination") from exc
    items = fit_to_destination(items, dest)
    _check_space(dest, items)
    if limiter is None and rate_mbps is not None:
        limiter = rate_limiter(rate_mbps)
    run = _Run(client, dest, limiter, progress or _Quiet())
    began = time.monotonic()
    # Largest first: the last connections to finish then carry small files, not one big straggler.
    order = sorted(items, key=lambda item: item.asset.size, reverse=True)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="slate-download") as pool:
        list(pool.map(run.work, order))
    for item in items:
        if item.asset.asset_id not in run.outcomes:
            run.outcomes[item.asset.asset_id] = _not_attempted(item, dest, run.fatal)
    outcomes = [run.outcomes[item.asset.asset_id] for item in items]
    report = DownloadReport(dest=dest, outcomes=outcomes, seconds=time.monotonic() - began)
    try:
        write_manifest(dest, [o.row for o in report.outcomes])
    except StorageError as exc:
        run.fatal = run.fatal or exc
    if run.fatal is not None:
        raise StorageError(
            f"{run.fatal.message}; the manifest in {dest} lists what is on disk",
            **{
                **run.fatal.data,
                "downloaded": sum(o.row.status is FileStatus.DOWNLOADED for o in report.outcomes),
            },
        )
    return report
