"""Fixtures for flow tests: Slate pointed at the emulator, a temporary home, and sample files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slate.media import synth
from slate.settings import reset_settings
from slate.store import Database, open_database
from tests.fixtures.portal import FP_CLIENT_ID, FP_SECRET, PortalServer
from tests.fixtures.prefect_server import PrefectServer

LINES = ["Where were you last night?", "At home. Alone.", "That is not what she said.", "Then she lied."]


def ttml(path: Path, *, lang: str = "en", offset_hours: int = 0) -> Path:
    """A small subtitle file; ``offset_hours`` shifts its timeline (the classic one-hour mistake)."""
    return synth.subtitle_ttml(path, LINES, lang=lang, offset_hours=offset_hours)


@pytest.fixture
def slate_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, portal: PortalServer, prefect_server: PrefectServer
) -> Iterator[dict[str, Any]]:
    """Slate's settings for this test: its own home, the emulator as portal, short pauses."""
    env = {
        "SLATE_HOME": str(tmp_path / "home"),
        "SLATE_PORTAL_BASE_URL": portal.base_url,
        "SLATE_PORTAL_CLIENT_ID": FP_CLIENT_ID,
        "SLATE_PORTAL_CLIENT_SECRET": FP_SECRET,
        "SLATE_PORTAL_BACKOFF_BASE": "0.05",
        "SLATE_PORTAL_BACKOFF_MAX": "0.2",
        "SLATE_PAUSE_POLL_SECONDS": "1",
        # A killed worker's delivery claim runs out in seconds, so its restart need not wait a minute.
        "SLATE_DELIVERY_LEASE_SECONDS": "3",
        "SLATE_LOG_FORMAT": "json",
    }
    monkeypatch.delenv("SLATE_DATABASE_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    yield env
    reset_settings()


@pytest.fixture
def slate_db(slate_env: dict[str, Any]) -> Iterator[Database]:
    """The test's domain database (the flows open their own connections to the same file)."""
    database = open_database()
    try:
        yield database
    finally:
        database.dispose()
