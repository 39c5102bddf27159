"""`slate cost`, `slate ratecard`, `slate export`, `slate invoice`, `slate kpi` as an operator runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from slate.store import Database, open_database
from tests.cli.test_cli import _slate as slate
from tests.slate.reports import history


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"SLATE_HOME": str(tmp_path), "SLATE_LOG_FORMAT": "json", "SLATE_REPORTS_CURRENCY": "EUR"})
    env.pop("SLATE_DATABASE_URL", None)
    return env


@pytest.fixture
def store(tmp_path: Path) -> Database:
    database = open_database(f"sqlite:///{tmp_path / 'slate.db'}")
    history.request(database, "SR-1")
    database.dispose()
    return database


def test_costs_and_rates_are_entered_and_listed(home: dict[str, str], store: Database) -> None:
    done = slate(
        home, "cost", "add", "SR-1", "1,200.50", "--payee", "Lena", "--for", "spotting", "--third-party"
    )
    assert done.returncode == 0, done.stderr
    assert "THIRD_PARTY 1200.50 EUR to Lena" in done.stdout
    listed = json.loads(slate(home, "cost", "list", "SR-1", "--json").stdout)
    assert [(c["kind"], c["amount"], c["description"]) for c in listed] == [
        ("THIRD_PARTY", "1200.50", "spotting")
    ]
    refused = slate(home, "cost", "add", "SR-1", "3", "--payee", "x", "--currency", "usd")
    assert refused.returncode == 2 and "converts no currency" in refused.stderr
    assert slate(home, "cost", "add", "SR-404", "3", "--payee", "x").returncode == 2
    done = slate(home, "ratecard", "set", "SUBTITLING", "RUNTIME_MINUTE", "4.25", "--language", "ko")
    assert done.returncode == 0, done.stderr
    rates = json.loads(slate(home, "ratecard", "list", "--json").stdout)
    assert [(r["service_type"], r["unit"], r["language"], r["amount"], r["currency"]) for r in rates] == [
        ("SUBTITLING", "RUNTIME_MINUTE", "ko", "4.2500", "EUR")
    ]
