"""``LocalStore``: objects as files under one root directory, the default backend.

Layout under the root::

    data/<key>          the object's bytes
    meta/<key>.json     size, digests and the data file's identity, written after the data

The data is written to an unnamed temporary file and renamed into place (see ``_atomic``), so a
crash mid-put leaves the key as it was. The sidecar lets ``head`` answer with digests without
rereading the bytes; it records the data file's inode, size and mtime, so a sidecar that does not
describe the current data file (a crash between the two renames) is ignored, never believed.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ValidationError

from slate.errors import ConfigurationError, NotFound
from slate.logging import get_logger
from slate.objects._atomic import TEMP_PREFIX, atomic_file, disk_errors
from slate.objects._base import BlobStore, ObjectInfo, PutResult, open_source, validate_key
from slate.objects._pipeline import Progress, Readable, metered, pump
from slate.objects._verify import check_digests

__all__ = ["LocalStore"]

log = get_logger(__name__)


class _Sidecar(BaseModel):
    """What ``meta/<key>.json`` holds."""

    size: int
    md5: str
    sha256: str
    inode: int
    mtime_ns: int


class LocalStore(BlobStore):
    """Blob store in a directory; every write is atomic and flushed to disk before it is visible."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._data = self.root / "data"
        self._meta = self.root / "meta"

    def put_stream(self, key: str, readable: Readable) -> PutResult:
        return self._put(key, readable, size_hint=0)

    def put_path(self, key: str, path: Path | str, *, progress: Progress | None = None) -> PutResult:
        validate_key(key)
        source = Path(path)
        with open_source(source) as stream:
            return self._put(key, metered(stream, progress), size_hint=source.stat().st_size)

    def _put(self, key: str, readable: Readable, size_hint: int) -> PutResult:
        dest = self._data_path(key)
        with disk_errors(key), atomic_file(dest) as handle:
            handle.reserve(size_hint)
            digests = pump(readable, [handle.write])
            status = handle.commit()
        sidecar = _Sidecar(
            size=digests.size,
            md5=digests.md5,
            sha256=digests.sha256,
            inode=status.st_ino,
            mtime_ns=status.st_mtime_ns,
        )
        with disk_errors(key), atomic_file(self._meta_path(key)) as meta:
            meta.write(sidecar.model_dump_json().encode())
            meta.commit()
        log.info("blob stored", backend="local", key=key, size=digests.size)
        return PutResult(key=key, size=digests.size, md5=digests.md5, sha256=digests.sha256)

    @contextmanager
    def open_stream(self, key: str) -> Iterator[Readable]:
        path = self._data_path(key)
        try:
            stream = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(f"no object under key {key!r}", key=key) from exc
        with stream:
            yield stream

    def get_to_path(self, key: str, path: Path | str) -> ObjectInfo:
        info = self.head(key)
        with self.open_stream(key) as source, disk_errors(key), atomic_file(Path(path)) as handle:
            handle.reserve(info.size)
            digests = pump(source, [handle.write])
            check_digests(info, digests, where=str(path))
            handle.commit()
        return info

    def head(self, key: str) -> ObjectInfo:
        path = self._data_path(key)
        try:
            status = path.stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(f"no object under key {key!r}", key=key) from exc
        if not path.is_file():
            raise NotFound(f"no object under key {key!r} (a prefix of other keys)", key=key)
        sidecar = self._read_sidecar(key, status)
        return ObjectInfo(
            key=key,
            size=status.st_size,
            md5=sidecar.md5 if sidecar else None,
            sha256=sidecar.sha256 if sidecar else None,
            modified=datetime.fromtimestamp(status.st_mtime_ns / 1e9, tz=UTC),
        )

    def delete(self, key: str) -> bool:
        path = self._data_path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return False
        except IsADirectoryError:
            return False
        self._meta_path(key).unlink(missing_ok=True)
        log.info("blob deleted", backend="local", key=key)
        return True

    def presigned_url(
        self, key: str, expires: timedelta = timedelta(hours=1), *, download_name: str | None = None
    ) -> str:
        raise ConfigurationError(
            "presigned URLs need the s3 blob backend; the local store cannot grant timed access",
            key=key,
            backend="local",
            rule="presigned URLs need blob_backend=s3",
        )

    def list(self, prefix: str = "") -> builtins.list[str]:
        keys: builtins.list[str] = []
        for directory, _subdirs, files in os.walk(self._data):
            relative = Path(directory).relative_to(self._data)
            for name in files:
                if name.startswith(TEMP_PREFIX):
                    continue
                key = (relative / name).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def _data_path(self, key: str) -> Path:
        return self._data / validate_key(key)

    def _meta_path(self, key: str) -> Path:
        return self._meta / f"{validate_key(key)}.json"

    def _read_sidecar(self, key: str, status: os.stat_result) -> _Sidecar | None:
        try:
            sidecar = _Sidecar.model_validate_json(self._meta_path(key).read_bytes())
        except (OSError, ValidationError):
            return None
        current = (status.st_ino, status.st_size, status.st_mtime_ns)
        if (sidecar.inode, sidecar.size, sidecar.mtime_ns) != current:
            return None
        return sidecar
