"""Files that appear whole or not at all: the building block under both stores' writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from slate.objects._atomic import atomic_file
from tests.objects.helpers import all_files


def test_commit_publishes_and_a_short_write_is_trimmed_to_what_was_written(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "file.bin"
    with atomic_file(dest) as handle:
        handle.reserve(1_000_000)  # announced size, but the source ends early
        handle.write(b"only this")
        assert not dest.exists()
        handle.commit()
    assert dest.read_bytes() == b"only this"
    assert all_files(tmp_path) == ["out/file.bin"]


def test_leaving_without_commit_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(dest) as handle:
        handle.reserve(10)
        handle.write(b"new bytes")
        raise RuntimeError("failed half-way")
    with atomic_file(dest) as handle:
        handle.write(b"never committed")
    assert dest.read_bytes() == b"old"
    assert all_files(tmp_path) == ["file.bin"]
