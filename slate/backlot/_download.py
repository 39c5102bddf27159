"""Streaming downloads that survive interruptions and prove their bytes.

Bytes go to ``.<name>.part`` beside the destination. When the stream breaks, the next request asks
for ``Range: bytes=<what we have>-`` and appends; a part file left by an earlier process is resumed
the same way. The file is renamed into place only once complete and its SHA-256 matches, so a
reader never sees a half or corrupt file at the destination.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from slate.backlot._errors import translate_errors
from slate.backlot._interface import DownloadResult, RateLimiter
from slate.backlot._transport import PortalTransport
from slate.errors import IntegrityError, PortalRejected, PortalUnavailable
from slate.logging import get_logger

__all__ = ["download_to"]

log = get_logger(__name__)

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _hash_existing(part: Path) -> tuple[int, hashlib._Hash]:
    """Size and running SHA-256 of what an earlier attempt left in the part file."""
    digest = hashlib.sha256()
    if not part.exists():
        return 0, digest
    with part.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return part.stat().st_size, digest


def _expected_total(status: int, headers: dict[str, str], offset: int) -> int | None:
    """The full size of the file from Content-Range (206) or Content-Length (200)."""
    if status == 206:
        match = _CONTENT_RANGE.fullmatch(headers.get("content-range", ""))
        if not match or int(match.group(1)) != offset:
            raise PortalUnavailable(
                "portal download: the server answered a different range than asked",
                operation="download",
                status=status,
            )
        return None if match.group(3) == "*" else int(match.group(3))
    length = headers.get("content-length")
    return int(length) if length and length.isdigit() else None


#: Chunks received but not yet written and hashed.
_WINDOW = 8


class _Download:
    """One download in progress: the part file, what it holds, and its running digest."""

    def __init__(self, transport: PortalTransport, url: str, dest: Path, chunk_size: int) -> None:
        self.transport = transport
        self.url = url
        self.dest = dest
        self.part = dest.with_name(f".{dest.name}.part")
        self.chunk_size = chunk_size
        self.offset, self.digest = _hash_existing(self.part)
        self.total: int | None = None

    def _receive(self, pieces: Iterator[bytes], fh: BinaryIO, rate_limiter: RateLimiter | None) -> None:
        """Write and hash on a second thread while this one reads the socket.

        Reading (HTTP parsing) holds the GIL; writing and SHA-256 release it, so the two overlap
        and a single download is not limited to the speed of hashing plus parsing in turn. One
        worker keeps the chunks in order; a bounded window of pending chunks bounds the memory.
        Pieces are gathered into chunks here rather than by httpx, so that when the connection
        breaks, what arrived since the last full chunk is still written and the resume asks
        only for the bytes that never came.
        """

        def store(chunk: bytes) -> None:
            fh.write(chunk)
            self.digest.update(chunk)
            self.offset += len(chunk)

        pending: deque[Future[None]] = deque()
        gathered: list[bytes] = []
        size = 0

        def flush() -> int:
            nonlocal gathered, size
            sent, chunk = size, b"".join(gathered)
            gathered, size = [], 0
            pending.append(writer.submit(store, chunk))
            if len(pending) >= _WINDOW:
                pending.popleft().result()
            return sent

        with ThreadPoolExecutor(1, thread_name_prefix="slate-download") as writer:
            try:
                for piece in pieces:
                    gathered.append(piece)
                    size += len(piece)
                    if size >= self.chunk_size and (sent := flush()) and rate_limiter is not None:
                        rate_limiter(sent)
                if gathered and (sent := flush()) and rate_limiter is not None:
                    rate_limiter(sent)
            except BaseException:
                if gathered:  # received before the stream broke: keep it, the resume starts after it
                    flush()
                raise
            finally:
                while pending:  # what was received is on disk and hashed before anyone looks
                    pending.popleft().result()

    def restart(self) -> None:
        """Throw away what we have and start from byte zero."""
        self.part.unlink(missing_ok=True)
        self.offset, self.digest = 0, hashlib.sha256()

    def attempt(self, rate_limiter: RateLimiter | None) -> None:
        """Fetch from the current offset to the end; raises PortalUnavailable if cut short."""
        # identity: the bytes are read raw (to keep a partial chunk on a cut), so they must not be
        # compressed in transit, and a Range counts bytes of the file, not of a gzip stream.
        headers = {"Accept-Encoding": "identity"}
        if self.offset:
            headers["Range"] = f"bytes={self.offset}-"
        with self.transport.stream("GET", self.url, operation="download", headers=headers) as response:
            if self.offset and response.status_code == 200:
                self.restart()  # the server ignored the range: take the whole file again
            total = _expected_total(response.status_code, dict(response.headers), self.offset)
            self.total = total if total is not None else self.total
            with translate_errors("download"), self.part.open("ab") as fh:
                self._receive(response.iter_raw(), fh, rate_limiter)
                fh.flush()
                os.fsync(fh.fileno())
        if self.total is not None and self.offset < self.total:
            raise PortalUnavailable(
                f"portal download: stream ended at byte {self.offset} of {self.total}",
                operation="download",
                status=None,
            )


def download_to(
    transport: PortalTransport,
    url: str,
    dest: Path,
    *,
    sha256: str | None,
    chunk_size: int,
    max_resumes: int,
    rate_limiter: RateLimiter | None = None,
    fresh_retries: int = 1,
) -> DownloadResult:
    """Download ``url`` to ``dest``; see the module docstring for the guarantees.

    A digest mismatch may be damage in transit, so the whole file is fetched again
    ``fresh_retries`` times before :class:`IntegrityError` is raised.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    job = _Download(transport, url, dest, chunk_size)
    resumes = 0
    for fresh in range(fresh_retries + 1):
        while True:
            try:
                job.attempt(rate_limiter)
                break
            except PortalUnavailable as exc:
                resumes += 1
                if resumes > max_resumes:
                    raise
                log.warning("portal download interrupted, resuming", offset=job.offset, error=exc.message)
            except PortalRejected as exc:
                if exc.data.get("status") == 416 and job.offset:
                    job.restart()  # our part file is longer than the file: it is not this file
                    continue
                raise
        actual = job.digest.hexdigest()
        if sha256 is None or actual == sha256.lower():
            os.replace(job.part, dest)
            return DownloadResult(path=dest, size=job.offset, sha256=actual, resumes=resumes)
        log.warning("portal download digest mismatch", expected=sha256, actual=actual, fresh=fresh)
        job.restart()
    raise IntegrityError(
        f"downloaded file does not match its checksum: {dest.name}",
        path=str(dest),
        expected_sha256=sha256,
        actual_sha256=actual,
    )
