"""Helpers for the blob store tests: generated payloads and streams that fail on purpose."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

MiB = 1024 * 1024


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic, incompressible-looking bytes (cheap: a hash-seeded block repeated)."""
    block = hashlib.shake_256(f"slate-{seed}".encode()).digest(64 * 1024)
    return (block * (size // len(block) + 1))[:size]


def write_file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def digests(data: bytes) -> tuple[str, str]:
    return hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()


class FailingStream:
    """A readable that gives ``good`` bytes, then raises as a broken source would."""

    def __init__(self, good: bytes, chunk: int = MiB) -> None:
        self._good = good
        self._chunk = chunk
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        if self._offset >= len(self._good):
            raise OSError("source went away half-way")
        size = self._chunk if size < 0 else min(size, self._chunk)
        piece = self._good[self._offset : self._offset + size]
        self._offset += len(piece)
        return piece


def all_files(root: Path) -> list[str]:
    """Every file under ``root``, relative, for checking that nothing was left behind."""
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _s, files in os.walk(root) for f in files)
