"""One table of file kinds: ingest, the delivery check and the timed-text readers agree on every extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from slate.errors import InvalidInput
from slate.ingest import classify
from slate.models import FILE_EXTENSIONS, AssetCategory, category_of
from validators.timed_text.readers import detect_format


def test_the_readers_read_every_timed_text_extension_and_no_other() -> None:
    for suffix in FILE_EXTENSIONS[AssetCategory.TIMED_TEXT]:
        assert detect_format("", f"episode{suffix}") is not None, suffix
    assert detect_format("", "episode.stl") is None


def test_an_extension_names_one_category_whatever_its_case() -> None:
    assert category_of("EPISODE.TTML") is AssetCategory.TIMED_TEXT
    assert category_of("mix.wav") is AssetCategory.AUDIO
    assert category_of("notes.pdf") is AssetCategory.DOCS
    assert category_of("README") is None


def test_a_file_ingest_refuses_is_a_file_delivery_refuses(tmp_path: Path) -> None:
    """EBU STL once passed the delivery check but not ingest; now neither table takes it."""
    stl = tmp_path / "episode.stl"
    stl.write_bytes(b"850STL25.01" + bytes(1013))
    assert category_of(stl.name) is None
    with pytest.raises(InvalidInput):
        classify(stl)
