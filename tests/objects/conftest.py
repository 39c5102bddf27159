"""Fixtures for the blob store tests (the S3 server ones live in tests/fixtures/s3_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def blob_root(tmp_path: Path) -> Path:
    return tmp_path / "objects"
