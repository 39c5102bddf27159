"""Read a stream once and hand every chunk to several consumers running side by side.

Why threads: ``hashlib`` and ``os.write`` release the GIL on large buffers, so MD5, SHA-256 and
the write to disk (or the upload) can each use a core while the reader fetches the next chunk.
Each consumer has its own bounded queue, so a slow consumer (MD5 is the slowest digest here)
holds the reader back instead of letting memory grow, while a consumer that stalls briefly (a
disk flush) does not stop the others. Chunks are immutable ``bytes``; no buffer is shared for
writing, so no consumer can see a chunk change under it.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from types import TracebackType
from typing import Protocol

__all__ = ["BUFFER_BYTES", "CHUNK_SIZE", "Digests", "FanOut", "Progress", "Readable", "metered", "pump"]

#: Bytes read per chunk: large enough that hashlib releases the GIL and syscalls are few.
CHUNK_SIZE = 4 * 1024 * 1024
#: How far a consumer may lag behind the reader, in bytes. Measured on a busy two-core machine:
#: deep queues (32 chunks) let each thread run whenever it gets a core instead of waiting for
#: the slowest one chunk by chunk; 4 chunks made the same put 40-60 % slower.
BUFFER_BYTES = 128 * 1024 * 1024


class Readable(Protocol):
    """The one method Slate needs from a binary stream."""

    def read(self, size: int = -1, /) -> bytes: ...


#: Told how many more bytes of the source were read; a long put reports its progress through it.
Progress = Callable[[int], None]


class _Metered:
    """A readable that reports the size of each chunk read from it."""

    def __init__(self, inner: Readable, report: Progress) -> None:
        self._inner = inner
        self._report = report

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._inner.read(size)
        if chunk:
            self._report(len(chunk))
        return chunk


def metered(inner: Readable, report: Progress | None) -> Readable:
    """``inner`` itself, or ``inner`` reporting its progress to ``report``."""
    return inner if report is None else _Metered(inner, report)


class _Worker:
    """One consumer thread fed through its own bounded queue, in order."""

    def __init__(self, consume: Callable[[bytes], None], name: str, depth: int) -> None:
        self._consume = consume
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self.error is None:
                try:
                    self._consume(chunk)
                except BaseException as exc:  # handed to the feeding thread
                    self.error = exc

    def put(self, chunk: bytes | None) -> None:
        self._queue.put(chunk)

    def join(self) -> None:
        self._thread.join()


class FanOut:
    """Give each chunk to every consumer; the first consumer error stops the feed.

    Use as a context manager: leaving the block normally waits for every consumer and raises the
    first error one of them met; leaving it with an exception stops the consumers and lets the
    exception through.
    """

    def __init__(self, consumers: Sequence[Callable[[bytes], None]], chunk_size: int = CHUNK_SIZE) -> None:
        depth = max(2, BUFFER_BYTES // max(chunk_size, 1))
        self._workers = [_Worker(c, f"slate-fanout-{i}", depth) for i, c in enumerate(consumers)]
        self._closed = False

    def feed(self, chunk: bytes) -> None:
        """Queue ``chunk`` for every consumer (blocks while one lags a full buffer behind)."""
        self._raise_first_error()
        for worker in self._workers:
            worker.put(chunk)

    def close(self) -> None:
        """Wait for every consumer to finish and raise the first error one of them met."""
        if not self._closed:
            self._closed = True
            for worker in self._workers:
                worker.put(None)
            for worker in self._workers:
                worker.join()
        self._raise_first_error()

    def _raise_first_error(self) -> None:
        for worker in self._workers:
            if worker.error is not None:
                raise worker.error

    def __enter__(self) -> FanOut:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
            return
        with suppress(BaseException):  # the exception already leaving the block is the one to report
            self.close()


class Digests:
    """MD5 and SHA-256 of one stream, each updated in its own thread of a :class:`FanOut`."""

    def __init__(self) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha256 = hashlib.sha256()
        self.size = 0

    @property
    def consumers(self) -> list[Callable[[bytes], None]]:
        """The two hash updates, to run side by side."""
        return [self._md5.update, self._sha256.update]

    def count(self, chunk: bytes) -> None:
        """Add a chunk's length; called by the feeding thread, so it needs no lock."""
        self.size += len(chunk)

    @property
    def md5(self) -> str:
        return self._md5.hexdigest()

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()


def pump(readable: Readable, sinks: Sequence[Callable[[bytes], None]] = ()) -> Digests:
    """Read ``readable`` to its end once, hashing every chunk and passing it to each sink."""
    digests = Digests()
    with FanOut([*digests.consumers, *sinks]) as fan:
        while chunk := readable.read(CHUNK_SIZE):
            digests.count(chunk)
            fan.feed(chunk)
    return digests
