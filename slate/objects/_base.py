"""The blob store contract: what every backend promises, and the key rules they share.

A key is a relative, slash-separated name such as ``requests/R1/v1/movie.mov``. The same rules
apply to every backend, so a key accepted by the local store on a laptop is accepted by S3 in
production and never escapes the local store's root.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from slate.errors import InvalidInput, NotFound, StorageError
from slate.objects._pipeline import CHUNK_SIZE, Progress, Readable, metered

__all__ = ["MAX_KEY_BYTES", "BlobStore", "ObjectInfo", "PutResult", "open_source", "validate_key"]

#: S3's limit on a key's length, applied to every backend.
MAX_KEY_BYTES = 1024


class PutResult(BaseModel):
    """What a put stored: the bytes counted and both digests, from the one read of the source."""

    model_config = ConfigDict(frozen=True)

    key: str
    size: int = Field(ge=0)
    md5: str = Field(pattern=r"^[0-9a-f]{32}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    #: How many pieces went over the wire (1 unless an S3 multipart upload).
    parts: int = Field(default=1, ge=1)


class ObjectInfo(BaseModel):
    """A stored object as ``head`` sees it; digests are ``None`` when the store never recorded them."""

    model_config = ConfigDict(frozen=True)

    key: str
    size: int = Field(ge=0)
    md5: str | None = None
    sha256: str | None = None
    modified: datetime


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative object name, else raise :class:`InvalidInput`.

    Refused: empty keys, absolute paths, backslashes, empty, ``.`` or ``..`` segments, control
    characters and keys longer than :data:`MAX_KEY_BYTES` in UTF-8.
    """
    rule = _broken_key_rule(key)
    if rule:
        raise InvalidInput(f"invalid object key {key!r}: {rule}", key=key, rule=rule)
    return key


def _broken_key_rule(key: str) -> str:
    if not isinstance(key, str) or not key:
        return "a key must be a non-empty string"
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return f"a key must be at most {MAX_KEY_BYTES} bytes in UTF-8"
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        return "a key must not contain control characters"
    if "\\" in key:
        return "a key must use '/' as separator, not '\\'"
    if key.startswith("/"):
        return "a key must be relative (no leading '/')"
    for segment in key.split("/"):
        if segment == "":
            return "a key must not have empty segments ('//' or a trailing '/')"
        if segment in (".", ".."):
            return "a key must not have '.' or '..' segments"
    return ""


class BlobStore(ABC):
    """Where Slate keeps media and documents, addressed by key.

    Obligations of every backend:

    * ``put_*`` read the source exactly once, computing size, MD5 and SHA-256 in that pass, and
      either store the whole object under the key or leave the key as it was; they verify what
      was stored and raise :class:`~slate.errors.IntegrityError` when it does not match.
    * ``get_to_path`` writes to a temporary name beside the destination and renames it, so the
      destination is either complete (and checked against the recorded digests) or untouched.
    * A missing key raises :class:`~slate.errors.NotFound`; a bad key raises
      :class:`~slate.errors.InvalidInput`; backend failures raise
      :class:`~slate.errors.StorageError`.
    """

    @abstractmethod
    def put_stream(self, key: str, readable: Readable) -> PutResult:
        """Store everything ``readable`` yields under ``key``."""

    def put_path(self, key: str, path: Path | str, *, progress: Progress | None = None) -> PutResult:
        """Store the file at ``path`` under ``key``; ``progress`` hears of every chunk read."""
        validate_key(key)
        with open_source(Path(path)) as source:
            return self.put_stream(key, metered(source, progress))

    @abstractmethod
    def open_stream(self, key: str) -> AbstractContextManager[Readable]:
        """A context manager giving a readable stream of the object's bytes."""

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The object's bytes in chunks of at most ``chunk_size``."""
        with self.open_stream(key) as stream:
            while chunk := stream.read(chunk_size):
                yield chunk

    @abstractmethod
    def get_to_path(self, key: str, path: Path | str) -> ObjectInfo:
        """Write the object to ``path`` atomically, checked against its recorded digests."""

    @abstractmethod
    def head(self, key: str) -> ObjectInfo:
        """Size, digests (where recorded) and modification time, without reading the bytes."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        try:
            self.head(key)
        except NotFound:
            return False
        return True

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove the object; ``False`` if there was none (deleting twice is not an error)."""

    #: Whether :meth:`presigned_url` can grant timed access (S3), so callers can send a browser to
    #: the store instead of streaming the bytes through their own process.
    presigns: ClassVar[bool] = False

    @abstractmethod
    def presigned_url(
        self, key: str, expires: timedelta = timedelta(hours=1), *, download_name: str | None = None
    ) -> str:
        """A URL that lets a third party download the object until ``expires`` has passed.

        With ``download_name``, the response asks the browser to save the bytes under that name.
        """

    @abstractmethod
    def list(self, prefix: str = "") -> builtins.list[str]:
        """Every key starting with ``prefix``, sorted."""


def open_source(path: Path) -> AbstractContextManager[Readable]:
    """Open a file to put, turning a missing or unreadable file into a clear Slate error."""
    try:
        return open(path, "rb", buffering=0)
    except FileNotFoundError as exc:
        raise NotFound(f"no file to put at {path}", path=str(path)) from exc
    except IsADirectoryError as exc:
        raise InvalidInput(f"{path} is a directory, not a file", path=str(path), rule="file") from exc
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}", path=str(path)) from exc
