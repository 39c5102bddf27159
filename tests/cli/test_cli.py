"""The command line end to end: the demo, then `slate status` reading what it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from slate.objects import LocalStore
from slate.store import open_database


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update({"SLATE_HOME": str(tmp_path), "SLATE_LOG_FORMAT": "json"})
    env.pop("SLATE_DATABASE_URL", None)
    return env


def _slate(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(home: dict[str, str]) -> None:
    done = _slate(home, "--help")
    assert done.returncode == 0
    for command in ("db", "status", "demo"):
        assert command in done.stdout


def test_db_upgrade_creates_the_schema(home: dict[str, str], tmp_path: Path) -> None:
    done = _slate(home, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    database = open_database(f"sqlite:///{tmp_path / 'slate.db'}", upgrade=False)
    try:
        assert "source_requests" in database.table_names()
    finally:
        database.dispose()


def test_demo_then_status_shows_both_panels_and_the_audit_trail(home: dict[str, str], tmp_path: Path) -> None:
    demo = _slate(home, "demo", "--local")
    assert demo.returncode == 0, demo.stderr
    assert "Portal" in demo.stdout and "Slate" in demo.stdout and "Audit trail" in demo.stdout
    request_id = next(w for w in demo.stdout.split() if w.startswith("SR-DEMO-"))
    status = _slate(home, "status", request_id, "--json")
    assert status.returncode == 0, status.stderr
    payload = json.loads(status.stdout)
    assert payload["request"]["material_status"] == "DELIVERED"
    assert payload["request"]["portal_status"] == "OPEN"
    assert [e["to_state"] for e in payload["audit"] if e["subject"] == "material"] == [
        "NOT_RECEIVED",
        "RECEIVED",
        "ACCEPTED",
        "DELIVERED",
    ]
    version = payload["versions"][0]
    stored = LocalStore(tmp_path / "objects").head(version["blob_key"])
    assert (stored.size, stored.sha256) == (version["size"], version["sha256"])


def test_status_of_an_unknown_request_says_so(home: dict[str, str]) -> None:
    done = _slate(home, "status", "SR-NOPE")
    assert done.returncode == 2
    assert "SR-NOPE" in done.stderr


def test_start_up_leaves_the_heavy_parts_for_the_command_that_needs_them() -> None:
    """Operators run `slate` all day: `--help` must not pay for the database, media or HTTP code."""
    probe = (
        "import sys, cli\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(cli.app, ['--help']).exit_code == 0\n"
        "heavy = ('sqlalchemy', 'alembic', 'numpy', 'soundfile', 'httpx', 'prefect', 'uvicorn')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
