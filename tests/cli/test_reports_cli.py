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


def test_export_and_invoice_write_workbooks_and_a_request_is_billed_once(
    home: dict[str, str], store: Database, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    import openpyxl

    database = open_database(store.url)
    version = history.version(database, "SR-1")
    history.deliver(database, "SR-1", version, datetime(2026, 3, 10, tzinfo=UTC))
    history.accept(database, "SR-1")
    database.dispose()
    done = slate(home, "export", "request", "SR-1", "--out", str(tmp_path / "export.xlsx"))
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(tmp_path / "export.xlsx")["Assets"].cell(2, 2).value == "SR-1"
    assert slate(home, "ratecard", "set", "SUBTITLING", "FILE", "75").returncode == 0
    args = ["invoice", "--partner", "Northlight Studios", "--from", "2026-03-01", "--to", "2026-03-31"]
    done = slate(home, *args, "--out", str(tmp_path / "inv.xlsx"))
    assert done.returncode == 0, done.stderr
    assert "1 requests, billed 75.00 EUR" in done.stdout
    again = slate(home, *args, "--out", str(tmp_path / "again.xlsx"))
    assert again.returncode == 2 and "nothing to invoice" in again.stderr
    assert not (tmp_path / "again.xlsx").exists()


def test_kpi_prints_the_quarters_and_the_last_30_days_as_json(home: dict[str, str], store: Database) -> None:
    from datetime import UTC, date, datetime

    database = open_database(store.url)
    history.request(database, "SR-2", due_date=date(2026, 2, 10))
    history.deliver(
        database, "SR-2", history.version(database, "SR-2"), datetime(2026, 2, 11, 7, 30, tzinfo=UTC)
    )
    database.dispose()
    env = {**home, "SLATE_REPORTS_TIMEZONE": "America/Los_Angeles"}
    done = slate(env, "kpi", "--from", "2026-01-01", "--to", "2026-03-31", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert [r["label"] for r in payload["kpis"]] == ["2026-Q1", "last 30 days"]
    on_time = next(k for k in payload["kpis"][0]["kpis"] if k["name"] == "on_time")
    assert (on_time["value"], on_time["met"]) == (1.0, True)  # 23:30 on the due day in Los Angeles
    table = slate(env, "kpi", "--from", "2026-01-01", "--to", "2026-03-31")
    assert table.returncode == 0 and "redelivery_rate" in table.stdout and "2026-Q1" in table.stdout
