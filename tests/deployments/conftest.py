"""Fixtures for the webhook receiver: a migrated database, the app on loopback, stand-in deployments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from pydantic import SecretStr

from deployments.webhook_receiver import create_app
from slate.settings import Settings
from slate.store import Database, open_database
from tests.deployments.helpers import SECRET, serving
from tests.deployments.stand_in_flows import STAND_INS
from tests.fixtures.prefect_server import PrefectServer


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a temporary home and the test secret."""
    return Settings(home=tmp_path, webhook_secret=SecretStr(SECRET), webhook_max_body_bytes=64 * 1024)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """The domain database (SQLite, every migration applied)."""
    db = open_database(settings.effective_database_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def receiver(settings: Settings, database: Database) -> Iterator[str]:
    """The receiver on loopback without its background dispatcher; yields its base URL."""
    with serving(create_app(settings, database=database, dispatch=False)) as url:
        yield url


@pytest.fixture(scope="session")
def stand_in_deployments(prefect_server: PrefectServer) -> dict[str, UUID]:
    """The deployments the routes table names, registered on the test server (nothing runs them)."""
    ids: dict[str, UUID] = {}
    for name, flow in STAND_INS.items():
        ids[name] = flow.to_deployment(name=name.split("/")[1]).apply()
    return ids
