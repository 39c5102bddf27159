"""Files that appear whole or not at all.

On Linux the bytes go into an anonymous file (``O_TMPFILE``) in the destination's directory: if
the process dies mid-write the kernel frees it, so even ``kill -9`` leaves no litter. Only when
complete and flushed is it given a temporary name and renamed over the destination in one step.
Elsewhere (or on a filesystem without ``O_TMPFILE``) a named temporary file is used and removed
on any exception.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from slate.errors import InvalidInput, StorageError

__all__ = ["TEMP_PREFIX", "AtomicFile", "atomic_file", "disk_errors", "write_all"]

#: Names of temporary files start with this, so listings can skip them.
TEMP_PREFIX = ".slate-tmp-"
_O_TMPFILE = getattr(os, "O_TMPFILE", 0)
_FADV_DONTNEED: int | None = getattr(os, "POSIX_FADV_DONTNEED", None)


class AtomicFile:
    """An open, not yet visible file; ``fd`` is for writing."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.fd, self._temp_name = _open_temp(dest.parent)
        self._written = 0
        self._reserved = 0

    def reserve(self, size: int) -> None:
        """Allocate ``size`` bytes up front when the final size is known.

        Measured on ext4: writing into preallocated space costs about half the CPU of letting
        every write allocate blocks. Unsupported filesystems simply skip it.
        """
        if size > 0 and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(self.fd, 0, size)
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
                return
            self._reserved = size

    def write(self, chunk: bytes) -> None:
        """Write all of ``chunk`` (a consumer for :func:`~slate.objects._pipeline.pump`).

        Each written range is handed to the kernel for writeback at once (``FADV_DONTNEED``
        starts it without waiting), so the disk works while later chunks are still being read
        and hashed, the final ``fsync`` has little left to flush, and a multi-GiB object does
        not push everything else out of the page cache.
        """
        write_all(self.fd, chunk)
        if _FADV_DONTNEED is not None:
            os.posix_fadvise(self.fd, self._written, len(chunk), _FADV_DONTNEED)
        self._written += len(chunk)

    def commit(self) -> os.stat_result:
        """Flush to disk, put the file under its name in one rename, and return its status."""
        if self._reserved > self._written:  # the source was shorter than announced
            os.ftruncate(self.fd, self._written)
        os.fsync(self.fd)
        status = os.fstat(self.fd)
        temp = self._temp_name or self._link_anonymous()
        os.replace(temp, self.dest)
        self._temp_name = None
        _fsync_dir(self.dest.parent)
        return status

    def discard(self) -> None:
        """Forget the bytes written so far; nothing is left on disk."""
        if self._temp_name is not None:
            _unlink_quietly(self._temp_name)
            self._temp_name = None

    def close(self) -> None:
        os.close(self.fd)

    def _link_anonymous(self) -> Path:
        name = self.dest.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
        _link_fd(self.fd, name)
        self._temp_name = name
        return name


@contextmanager
def atomic_file(dest: Path) -> Iterator[AtomicFile]:
    """Yield an :class:`AtomicFile` for ``dest``; commit it inside the block to publish it.

    Leaving the block with an exception discards the temporary file; leaving it without having
    committed discards it too, so the destination only ever changes by a completed commit.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle = AtomicFile(dest)
    try:
        yield handle
    finally:
        handle.discard()
        handle.close()


@contextmanager
def disk_errors(key: str) -> Iterator[None]:
    """Turn the operating system's errors while storing ``key`` into Slate's, naming the key."""
    try:
        yield
    except (NotADirectoryError, FileExistsError, IsADirectoryError) as exc:
        raise InvalidInput(
            f"key {key!r} clashes with another key used as its folder (or the reverse): {exc.filename}",
            key=key,
            path=str(exc.filename),
            rule="a file path cannot be both a file and a folder",
        ) from exc
    except OSError as exc:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise StorageError(f"storing {key!r} on disk failed: {reason}", key=key) from exc


def write_all(fd: int, chunk: bytes) -> None:
    """``os.write`` until every byte is written (a write may be short)."""
    view = memoryview(chunk)
    while view:
        view = view[os.write(fd, view) :]


def _open_temp(directory: Path) -> tuple[int, Path | None]:
    if _O_TMPFILE and _anonymous_files_work(directory):
        return os.open(directory, _O_TMPFILE | os.O_WRONLY, 0o644), None
    name = directory / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), name


_probed: dict[str, bool] = {}


def _anonymous_files_work(directory: Path) -> bool:
    """Whether this filesystem supports ``O_TMPFILE`` and linking it via ``/proc`` (probed once)."""
    device = str(os.stat(directory).st_dev)
    if device not in _probed:
        _probed[device] = _probe(directory)
    return _probed[device]


def _probe(directory: Path) -> bool:
    name = directory / f"{TEMP_PREFIX}probe-{secrets.token_hex(8)}"
    try:
        fd = os.open(directory, _O_TMPFILE | os.O_WRONLY, 0o644)
    except OSError:
        return False
    try:
        _link_fd(fd, name)
    except OSError:
        return False
    finally:
        os.close(fd)
    _unlink_quietly(name)
    return True


def _link_fd(fd: int, name: Path) -> None:
    """Give the anonymous file open as ``fd`` the name ``name``.

    ``os.link`` follows the ``/proc/self/fd`` link only when it calls ``linkat`` with
    ``AT_SYMLINK_FOLLOW``, which CPython does only when a directory descriptor is given.
    """
    directory = os.open(name.parent, os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", name.name, dst_dir_fd=directory, follow_symlinks=True)
    finally:
        os.close(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)
