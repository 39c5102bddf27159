"""Helpers for the download tests: materials with chosen bytes and titles, on the real emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slate.backlot import DownloadAssetType
from slate.backlot.emulator._processing import add_asset
from tests.fixtures.portal import PortalServer


class Materials:
    """Creates assignments and materials on the emulator (through its admin API and file store)."""

    def __init__(self, portal: PortalServer) -> None:
        self.portal = portal

    def assignment(self, movie_id: str, **spec: Any) -> str:
        spec.setdefault("title", f"Title {movie_id}")
        spec.setdefault("source_type", "SUBTITLE")
        created = self.portal.create_assignment(movie_id=movie_id, **spec)
        return str(created["requestId"])

    def material(
        self,
        movie_id: str,
        kind: DownloadAssetType = DownloadAssetType.PRINTMASTER,
        *,
        size: int = 256 * 1024,
        name: str | None = None,
        data: bytes | None = None,
        **options: Any,
    ) -> str:
        """A material of ``size`` random bytes (or ``data``); returns its asset id."""
        name = name or f"{movie_id}_{kind.name.lower()}.bin"
        path: Path = self.portal.emulator.file_path("test-materials", movie_id, os.urandom(4).hex(), "f")
        path = path.with_name(name)
        path.write_bytes(data if data is not None else os.urandom(size))
        return str(add_asset(self.portal.emulator, movie_id=movie_id, kind=kind, path=path, **options))


@pytest.fixture
def materials(portal: PortalServer) -> Materials:
    return Materials(portal)


@pytest.fixture
def fp_env(portal: PortalServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[PortalServer]:
    """Point Slate's settings at the emulator (as the fulfillment partner) and a private home."""
    from slate.settings import reset_settings
    from tests.fixtures.portal import FP_CLIENT_ID, FP_SECRET

    monkeypatch.setenv("SLATE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SLATE_PORTAL_BASE_URL", portal.base_url)
    monkeypatch.setenv("SLATE_PORTAL_CLIENT_ID", FP_CLIENT_ID)
    monkeypatch.setenv("SLATE_PORTAL_CLIENT_SECRET", FP_SECRET)
    monkeypatch.setenv("SLATE_PORTAL_BACKOFF_BASE", "0.05")
    monkeypatch.setenv("SLATE_PORTAL_BACKOFF_MAX", "0.2")
    reset_settings()
    yield portal
    monkeypatch.undo()
    reset_settings()
