"""Size and SHA-1 of a file, read once in large blocks.

The PKL gives each asset's SHA-1 in base64; hashing happens while the file is read, one pass, with
one reusable buffer so that a 4 GiB track file streams at the disk's pace rather than Python's.
"""

from __future__ import annotations

import base64
import hashlib
from contextlib import ExitStack
from pathlib import Path

from pydantic import BaseModel

__all__ = ["Digest", "digest_bytes", "digest_file"]

_BLOCK = 4 * 1024 * 1024


class Digest(BaseModel):
    """What the bytes of one file are: their count and their SHA-1 in base64 (as in a PKL)."""

    size: int
    sha1: str


def digest_bytes(data: bytes) -> Digest:
    """The digest of bytes already in memory (an XML document read to be parsed)."""
    return Digest(size=len(data), sha1=base64.b64encode(hashlib.sha1(data).digest()).decode())


def digest_file(path: Path, copy_to: Path | None = None) -> Digest:
    """Stream ``path`` through SHA-1 with one reused buffer, writing it to ``copy_to`` if given.

    Copying and hashing in the same pass is how the CPL editor writes a new package: the PKL then
    states the digest of the bytes written, read once.
    """
    sha1 = hashlib.sha1()
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    size = 0
    with path.open("rb", buffering=0) as stream, ExitStack() as stack:
        out = stack.enter_context(copy_to.open("wb")) if copy_to is not None else None
        while count := stream.readinto(buffer):
            sha1.update(view[:count])
            if out is not None:
                out.write(view[:count])
            size += count
    return Digest(size=size, sha1=base64.b64encode(sha1.digest()).decode())
