"""The reports on a big store: 100,000 requests and 300,000 deliveries.

One run fills an empty store (SQLite in a temporary folder, or the PostgreSQL database named by
``--url``, which must be empty) with ``--requests`` requests, three deliveries each, one version
per delivery, a portal rejection on the first two deliveries of every 30th request (Blocker and
Issue in turn), a 500-request package, and 5,000 accepted requests of one partner delivered in
May 2026 with a cost line each. Then it times, each beside a plain SQL query reading the same rows
in the same run:

* the KPIs: every quarter of 2025-07-01..2026-06-30 and the last 30 days (goal ≤ 1 s on SQLite);
* the rejection metrics of that year;
* the export of the 500-request package to .xlsx (goal ≤ 2 s);
* an invoice of the 5,000 requests (5,000 service lines, 5,000 cost lines) written to .xlsx, in a
  process of its own whose peak resident memory is reported (goal ≤ 200 MB).

    uv run python bench/reports.py
    uv run python bench/reports.py --url postgresql://slate:slate@127.0.0.1:5432/slate_bench
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from _common import load_average
from sqlalchemy import insert, text

from slate.models import ServiceType
from slate.reports import (
    RateSpec,
    RateUnit,
    ReportSettings,
    export_request,
    kpi_overview,
    make_invoice,
    rejection_metrics,
    set_rate,
    write_invoice_workbook,
)
from slate.store import (
    AssetRow,
    AssetVersionRow,
    CostLineRow,
    Database,
    DeliveryRow,
    RejectionRow,
    SourceRequestRow,
    open_database,
)

UTC_ZONE = ZoneInfo("UTC")
PARTNER = "Bench Partner"
BIG = 500  # the first requests form one package
BILLED = range(10_000, 15_000)  # accepted work of PARTNER in May 2026
START = datetime(2025, 7, 1, tzinfo=UTC)
_BATCH = 20_000
_CPU: list[float] = []


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds and the result; the CPU seconds of this process go to ``_CPU`` (a shared machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    _CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started, result


def _request(i: int) -> dict[str, Any]:
    big = i < BIG
    return {
        "request_id": f"SR-{i:06d}",
        "movie_id": "M-BIG" if big else f"M-{i // 10}",
        "title": "Big Package" if big else f"Title {i // 10}",
        "package_id": "PKG-BIG" if big else f"PKG-{i // 10}",
        "source_type": "AV_MUXED" if i % 10 == 0 else "SUBTITLE",
        "language": ("en", "fr", "de", "es", "ko", "ja")[i % 6],
        "service_type": "SUBTITLING",
        "due_date": (START + timedelta(minutes=5 * i + 2 * 1440)).date(),
        "content_partner": PARTNER if i in BILLED else f"Studio {i % 7}",
        "portal_status": "ACCEPTED",
        "material_status": "DELIVERED",
        "runtime_seconds": Decimal(2700),
        "notes": "",
        "row_version": 1,
    }


def _delivered_at(i: int, attempt: int) -> datetime:
    if i in BILLED:
        return datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=8 * (i - BILLED.start) + attempt)
    return START + timedelta(minutes=5 * i + 600 * attempt)


def _rows(i: int, per: int) -> dict[str, list[dict[str, Any]]]:
    request_id = f"SR-{i:06d}"
    out: dict[str, list[dict[str, Any]]] = {"assets": [], "versions": [], "deliveries": [], "rejections": []}
    out["assets"].append({
        "asset_id": i + 1, "request_id": request_id, "category": "TIMED_TEXT", "name": "main",
        "role": "deliverable", "row_version": 1,
    })  # fmt: skip
    for attempt in range(1, per + 1):
        version_id = i * per + attempt
        at = _delivered_at(i, attempt)
        out["versions"].append({
            "version_id": version_id, "asset_id": i + 1, "request_id": request_id, "number": attempt,
            "file_name": "f.ttml", "blob_key": f"k/{version_id}", "size": 1, "md5": "0" * 32,
            "sha256": "0" * 64,
            "probe": {}, "color": "LIGHT_BLUE" if attempt == per else "RED", "frozen": True,
            "created_by": ("alice", "bob", "lena")[version_id % 3], "created_at": at, "row_version": 1,
        })  # fmt: skip
        out["deliveries"].append({
            "request_id": request_id, "version_id": version_id, "attempt": attempt, "destination": "portal",
            "service_type": "SUBTITLING", "bytes_sent": 1, "receipt": {}, "outcome": "DELIVERED",
            "started_at": at, "finished_at": at,
        })  # fmt: skip
        if i % 30 == 0 and attempt < per:
            out["rejections"].append({
                "request_id": request_id, "version_id": version_id, "origin": "PORTAL",
                "reason_code": "TIMED_TEXT_OFFSET" if attempt == 1 else "READING_SPEED", "description": "",
                "timecodes": [], "raised_by": "portal", "raised_at": at + timedelta(hours=3),
            })  # fmt: skip
    return out


def fill(db: Database, requests: int, deliveries: int) -> None:
    """Write the store in batches (Core inserts: the ORM would take minutes)."""
    per = deliveries // requests
    tables = {
        "assets": AssetRow,
        "versions": AssetVersionRow,
        "deliveries": DeliveryRow,
        "rejections": RejectionRow,
    }
    for first in range(0, requests, _BATCH):
        batch = range(first, min(first + _BATCH, requests))
        pending: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
        for i in batch:
            for name, rows in _rows(i, per).items():
                pending[name] += rows
        with db.session() as session:
            session.execute(insert(SourceRequestRow), [_request(i) for i in batch])
            for name, table in tables.items():
                if pending[name]:
                    session.execute(insert(table), pending[name])
            costs = [
                {"request_id": f"SR-{i:06d}", "kind": "THIRD_PARTY", "payee": "Lena",
                 "description": "spotting", "amount": Decimal("12.50"), "currency": "EUR",
                 "entered_by": "bench", "entered_at": START}
                for i in batch if i in BILLED
            ]  # fmt: skip
            if costs:
                session.execute(insert(CostLineRow), costs)
    with db.session() as session:
        spec = RateSpec(
            service_type=ServiceType.SUBTITLING,
            unit=RateUnit.RUNTIME_MINUTE,
            amount=Decimal("3.5"),
            currency="EUR",
        )
        set_rate(session, spec, actor="bench")


def _plain(db: Database, sql: str, **params: Any) -> tuple[float, int]:
    """The same rows read by a bare SQL query (no ORM, no records)."""
    with db.engine.connect() as connection:
        seconds, rows = _timed(lambda: connection.execute(text(sql), params).all())
    return seconds, len(rows)


def _peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss``, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _invoice_child(url: str, out: str, queue: Any) -> None:
    """Make and write the invoice in a fresh process; report its time and peak resident memory."""
    try:
        db = open_database(url, upgrade=False)
        baseline_mb = _peak_rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        with db.session() as session:
            made = make_invoice(session, PARTNER, date(2026, 5, 1), date(2026, 5, 31), currency="EUR",
                                zone=UTC_ZONE, actor="bench")  # fmt: skip
            write_invoice_workbook(made, Path(out), UTC_ZONE)
            session.rollback()  # leave the requests unbilled, so the bench can be rerun on this store
    except Exception as error:  # the parent waits on the queue: an hour if nothing came
        queue.put(error)
        return
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = _peak_rss_mb()
    queue.put((seconds, cpu, peak_mb, baseline_mb, len(made.lines), str(made.billed)))


def _measure(db: Database, scratch: Path) -> list[tuple[str, float, str]]:
    zone = UTC_ZONE
    first, last, today = date(2025, 7, 1), date(2026, 6, 30), date(2026, 6, 30)
    year = {"a": datetime(2025, 7, 1), "b": datetime(2026, 7, 1)}
    results: list[tuple[str, float, str]] = []
    with db.session() as session:
        seconds, reports = _timed(lambda: kpi_overview(session, first, last, zone, today))
    q = reports[0].kpis[0]
    results.append(
        ("KPIs (4 quarters + last 30 days)", seconds, f"{q.name} {q.numerator:g}/{q.denominator:g}")
    )
    plain = "SELECT request_id, version_id, finished_at FROM deliveries WHERE finished_at BETWEEN :a AND :b"
    seconds, count = _plain(db, plain, **year)
    results.append(("  plain SQL: the year's deliveries", seconds, f"{count} rows"))
    with db.session() as session:
        seconds, metrics = _timed(lambda: rejection_metrics(session, first, last, zone))
    detail = f"{metrics.total} rejections, {metrics.deliveries} deliveries"
    results.append(("rejection metrics (a year)", seconds, detail))
    seconds, count = _plain(db, "SELECT * FROM rejections WHERE raised_at >= :a AND raised_at < :b", **year)
    results.append(("  plain SQL: the year's rejections", seconds, f"{count} rows"))
    out = scratch / "export.xlsx"
    with db.session() as session:
        seconds, report = _timed(lambda: export_request(session, "SR-000000", out, ReportSettings()))
    detail = f"{len(report.assets)} rows, {len(report.history)} history lines, {out.stat().st_size:,} B"
    results.append(("export of the 500-request package", seconds, detail))
    package = "SELECT * FROM source_requests r JOIN deliveries d USING (request_id) WHERE r.package_id = :p"
    seconds, count = _plain(db, package, p="PKG-BIG")
    results.append(("  plain SQL: the package's requests and deliveries", seconds, f"{count} rows"))
    spawn = multiprocessing.get_context("spawn")
    queue: Any = spawn.Queue()
    child = spawn.Process(target=_invoice_child, args=(db.url, str(scratch / "invoice.xlsx"), queue))
    child.start()
    answer = queue.get(timeout=3600)
    child.join()
    if isinstance(answer, Exception):  # e.g. fewer than 15,000 requests: no billed work in May 2026
        raise SystemExit(f"the invoice failed: {answer}")
    seconds, cpu, peak, baseline, lines, billed = answer
    _CPU.append(cpu)
    detail = f"{lines} lines, billed {billed}; peak RSS {peak:.0f} MB (after imports: {baseline:.0f} MB)"
    results.append(("invoice of 5,000 requests (own process)", seconds, detail))
    seconds, count = _plain(db, "SELECT * FROM source_requests WHERE content_partner = :p", p=PARTNER)
    results.append(("  plain SQL: the partner's requests", seconds, f"{count} rows"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an empty database (default: SQLite in a temporary folder)")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="slate-bench-reports-") as tmp:
        scratch = Path(tmp)
        db = open_database(args.url or f"sqlite:///{scratch / 'slate.db'}")
        print(f"{db.dialect}, {args.requests:,} requests, {args.deliveries:,} deliveries; {load_average()}")
        seconds, _ = _timed(lambda: fill(db, args.requests, args.deliveries))
        print(f"filled in {seconds:.1f} s")
        for (label, took, detail), cpu in zip(_measure(db, scratch), _CPU[1:], strict=True):
            print(f"{label:<52} {took:7.3f} s wall {cpu:7.3f} s CPU   {detail}")
        print(load_average())
        db.dispose()


if __name__ == "__main__":
    main()
