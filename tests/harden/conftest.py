"""Fixtures for the hardening tests: a Prefect API whose own database is PostgreSQL.

The poison events of issue 11 only broke Prefect on PostgreSQL (its ``jsonb`` refuses a NUL and
aborts the whole bulk transaction), so the dispatcher is tried against such a server: Prefect's
API in a subprocess, on a fresh database of the test PostgreSQL server, with the stand-in
deployments registered. Started once per session, on first request (it takes 20 to 60 s).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.deployments.conftest import stand_in_deployments  # noqa: F401  # a fixture, shared
from tests.deployments.helpers import free_port, prefect_api_process
from tests.deployments.stand_in_flows import STAND_INS


@pytest.fixture(scope="session")
def prefect_on_postgres(postgres_admin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API URL of a Prefect server storing its runs in PostgreSQL, stand-ins deployed."""
    name = f"prefect_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin).set(drivername="postgresql+asyncpg", database=name)
    home = tmp_path_factory.mktemp("prefect-pg")
    database_url = url.render_as_string(hide_password=False)
    try:
        # migrations on PostgreSQL take a while on a loaded machine
        with prefect_api_process(free_port(), home, database_url, timeout=420) as api_url:
            with temporary_settings(updates={PREFECT_API_URL: api_url}):
                for deployment, flow in STAND_INS.items():
                    flow.to_deployment(name=deployment.split("/")[1]).apply()
            yield api_url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
