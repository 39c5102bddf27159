"""Achieved delivery throughput against the bandwidth setting, alone and four at once.

For each setting (10, 100 and 1000 Mb/s by default) it delivers, through Slate's own
``deliver_request``, to the portal emulator served over HTTP on loopback in its own process:

* one delivery of a file sized to last about ``--seconds`` at the setting;
* four deliveries of four requests at once, in four worker processes that share the one limit
  (Slate's ``SharedBucket`` in the shared SQLite database), each a quarter of that size.

A delivery is timed from its first paced byte to the portal's answer to the upload (the request's
creation, the copy out of the blob store and the bookkeeping afterwards are outside the window).
Four at once are measured over the union of their windows, bytes summed, and also over the
stretch when all four were sending (each worker copies its file out of the blob store before its
first byte, so the starts are staggered). The goal is the setting ±5 %, aggregate included.
The files are documents (``DIALOG_LIST``, a ``.pdf`` of random bytes), which Slate's ingest and
the emulator's inspection accept without decoding anything.

    uv run python bench/delivery_rate.py              # ~5 s per measurement, 6 measurements
    uv run python bench/delivery_rate.py --quick      # ~2 s each, 10 and 100 Mb/s only
    uv run python bench/delivery_rate.py --rates 1000 --concurrency 1 --seconds 10
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from _common import _process_cpu, load_average
from _portal import BenchPortal, portal_process

from slate.backlot import HttpPortalClient, RateLimiter
from slate.bandwidth import mbps_to_bytes_per_second
from slate.delivery import deliver_request
from slate.ingest import ingest_file
from slate.intake import sync_request
from slate.logging import configure_logging
from slate.models import Service, ServiceType
from slate.objects import open_blob_store
from slate.settings import reset_settings
from slate.store import Database, open_database

TOLERANCE = 0.05
_MIN_SAMPLES = 10
_BLOCK = 16 * 1024 * 1024


@dataclass(frozen=True)
class Window:
    """One delivery as a worker saw it (monotonic clock, shared by every process on Linux)."""

    request_id: str
    bytes_sent: int
    started: float
    ended: float
    cpu: float
    outcome: str
    #: (time, bytes released so far by the limiter) after each chunk, from (started, 0) to (ended, all).
    samples: list[tuple[float, int]]

    def sent_at(self, moment: float) -> float:
        """Bytes released by ``moment``, interpolated between samples."""
        earlier = (self.started, 0)
        for sample in self.samples:
            if sample[0] >= moment:
                span = sample[0] - earlier[0]
                share = (moment - earlier[0]) / span if span > 0 else 1.0
                return earlier[1] + share * (sample[1] - earlier[1])
            earlier = sample
        return float(self.bytes_sent)


@dataclass(frozen=True)
class Measurement:
    rate: int
    concurrency: int
    windows: list[Window]
    server_cpu: float
    load: float

    @property
    def bytes(self) -> int:
        return sum(w.bytes_sent for w in self.windows)

    @property
    def seconds(self) -> float:
        return max(w.ended for w in self.windows) - min(w.started for w in self.windows)

    @property
    def mbps(self) -> float:
        return self.bytes * 8 / 1e6 / self.seconds

    @property
    def ratio(self) -> float:
        return self.mbps / self.rate

    @property
    def overlap(self) -> tuple[float, float] | None:
        """Aggregate Mb/s and seconds while every delivery was sending (None if under a second)."""
        start, end = max(w.started for w in self.windows), min(w.ended for w in self.windows)
        inside = [sum(start <= t <= end for t, _ in w.samples) for w in self.windows]
        if end - start < 1.0 or min(inside) < _MIN_SAMPLES:
            return None  # too short, or too few chunks (1 MiB each) to interpolate on
        sent = sum(w.sent_at(end) - w.sent_at(start) for w in self.windows)
        return sent * 8 / 1e6 / (end - start), end - start


class _TimedClient(HttpPortalClient):
    """The real client, noting when the first byte is paced and when the upload is answered."""

    started: float | None = None
    ended: float | None = None
    samples: list[tuple[float, int]]

    def deliver(self, request_id: str, path: Path, declaration: Any, *, rate_limiter: Any = None) -> Any:
        released = 0
        self.samples = []

        def paced(nbytes: int) -> None:
            nonlocal released
            if self.started is None:
                self.started = time.monotonic()
            if rate_limiter is not None:
                rate_limiter(nbytes)
            released += nbytes
            self.samples.append((time.monotonic(), released))

        limiter: RateLimiter = paced
        delivered = super().deliver(request_id, path, declaration, rate_limiter=limiter)
        self.ended = time.monotonic()
        return delivered


def _worker(request_id: str, rate: int, barrier: Barrier, results: Any) -> None:
    """One worker process: open Slate's parts, wait for the others, deliver, report the window."""
    configure_logging("WARNING")
    database = open_database()
    blobs = open_blob_store()
    client = _TimedClient.from_settings()
    try:
        client.list_deliveries(request_id)  # log in before the start line
        barrier.wait(timeout=120)
        before = _cpu()
        receipt = deliver_request(
            database,
            blobs,
            client,
            request_id,
            service=Service(type=ServiceType.TEMPLATE_CREATION),
            rate_mbps=rate,
            actor="bench",
        )
        assert client.started is not None and client.ended is not None
        cpu = _cpu() - before
        samples = [*client.samples, (client.ended, receipt.bytes_sent)]
        window = Window(
            request_id, receipt.bytes_sent, client.started, client.ended, cpu, receipt.outcome.value, samples
        )
        results.put(asdict(window))
    finally:
        client.close()
        database.dispose()


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def main() -> None:
    args = _arguments()
    configure_logging("WARNING")
    work = Path(tempfile.mkdtemp(prefix="slate-bench-rate-", dir=args.dir))
    os.environ.pop("SLATE_DATABASE_URL", None)
    os.environ.update({"SLATE_HOME": str(work / "home"), "SLATE_LOG_LEVEL": "WARNING"})
    results: list[Measurement] = []
    try:
        with portal_process(work / "portal") as portal:
            os.environ.update(portal.slate_env())
            reset_settings()
            print(f"emulator {portal.base_url} (pid {portal.pid}); Slate home {work / 'home'}")
            print(f"start: {load_average()}")
            database = open_database()
            client = HttpPortalClient.from_settings()
            try:
                for rate in args.rates:
                    for concurrency in args.concurrency:
                        parts = (portal, database, client, work)
                        measurement = _measure(*parts, rate, concurrency, args.seconds)
                        _print_row(measurement)
                        results.append(measurement)
            finally:
                client.close()
                database.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"end: {load_average()}\n")
    _report(results, args.seconds)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~2 s per measurement, 10 and 100 Mb/s")
    parser.add_argument("--seconds", type=float, default=5.0, help="target duration of each measurement")
    parser.add_argument("--rates", type=int, nargs="+", default=[10, 100, 1000], help="settings in Mb/s")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4], help="deliveries at once")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where files go")
    args = parser.parse_args()
    if args.quick:
        args.seconds = min(args.seconds, 2.0)
        args.rates = [r for r in args.rates if r <= 100] or [10]
    return args


def _measure(
    portal: BenchPortal,
    database: Database,
    client: HttpPortalClient,
    work: Path,
    rate: int,
    concurrency: int,
    seconds: float,
) -> Measurement:
    """Prepare ``concurrency`` ingested requests, then deliver them at once in worker processes."""
    each = int(mbps_to_bytes_per_second(rate) * seconds / concurrency)
    source = _random_file(work / "dialog-list.pdf", each)
    request_ids = []
    blobs = open_blob_store()
    for _ in range(concurrency):
        request_id = _new_request(portal, client, database)
        ingest_file(database, blobs, request_id, str(source), actor="bench")
        request_ids.append(request_id)
    source.unlink()
    portal.idle()
    load = os.getloadavg()[0]
    server_before = _process_cpu(portal.pid)
    windows = _run_workers(request_ids, rate)
    server_cpu = _process_cpu(portal.pid) - server_before
    portal.idle()  # the emulator's inspection hashes each file: let it finish before the next one
    return Measurement(rate, concurrency, windows, server_cpu, load)


def _new_request(portal: BenchPortal, client: HttpPortalClient, database: Database) -> str:
    """An assignment on the portal, taken into Slate by intake from the portal's own record."""
    spec = {"movieId": "81900001", "title": "Bench Reel", "sourceType": "DIALOG_LIST", "language": "en"}
    request_id = str(portal.call("POST", "/assignments", json=spec)["requestId"])
    record = client.get_source_request(request_id)
    with database.session() as session:
        sync_request(session, record, actor="bench")
    return request_id


def _random_file(path: Path, size: int) -> Path:
    """``size`` bytes: one random block repeated (cheap to make, and nothing compresses it)."""
    block = os.urandom(min(_BLOCK, size))
    with path.open("wb") as handle:
        remaining = size
        while remaining:
            piece = block[: min(len(block), remaining)]
            handle.write(piece)
            remaining -= len(piece)
    return path


def _run_workers(request_ids: list[str], rate: int) -> list[Window]:
    context = mp.get_context("spawn")
    barrier = context.Barrier(len(request_ids))
    queue = context.Queue()
    workers = [
        context.Process(target=_worker, args=(request_id, rate, barrier, queue)) for request_id in request_ids
    ]
    for worker in workers:
        worker.start()
    windows = [_window(queue.get(timeout=600)) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        if worker.exitcode != 0:
            raise RuntimeError(f"a delivery worker exited with {worker.exitcode}")
    return windows


def _window(fields: dict[str, Any]) -> Window:
    fields["samples"] = [tuple(sample) for sample in fields["samples"]]
    return Window(**fields)


def _print_row(m: Measurement) -> None:
    verdict = "pass" if abs(m.ratio - 1) <= TOLERANCE else "FAIL"
    each = ", ".join(f"{w.bytes_sent * 8 / 1e6 / (w.ended - w.started):.1f}" for w in m.windows)
    first = min(w.started for w in m.windows)
    spans = " ".join(f"{w.started - first:+.2f}..{w.ended - first:.2f}" for w in m.windows)
    cpu = sum(w.cpu for w in m.windows)
    overlap = ""
    if m.concurrency > 1 and m.overlap:
        overlap = f"all {m.concurrency} sending ({m.overlap[1]:.2f} s): {m.overlap[0]:.1f} Mb/s; "
    print(
        f"{m.rate:>5} Mb/s x{m.concurrency}: {m.bytes / 1e6:8.1f} MB in {m.seconds:6.2f} s = "
        f"{m.mbps:7.1f} Mb/s ({m.ratio:.3f} of the setting) {verdict}; {overlap}"
        f"each {each} Mb/s, s {spans}; "
        f"CPU s client {cpu:.1f}, server {m.server_cpu:.1f}; load {m.load:.1f}; "
        f"outcomes {sorted({w.outcome for w in m.windows})}",
        flush=True,
    )


def _report(results: list[Measurement], seconds: float) -> None:
    print(f"Delivery throughput on loopback (target {seconds:g} s per measurement; goal ±{TOLERANCE:.0%})")
    header = (
        f"{'setting':>8} {'deliveries':>10} {'bytes':>12} {'seconds':>8} {'Mb/s':>8} {'ratio':>6} "
        f"{'verdict':>7} {'all sending':>11} {'client CPU s':>12} {'server CPU s':>12} {'load':>5}"
    )
    print(header)
    print("-" * len(header))
    for m in results:
        verdict = "pass" if abs(m.ratio - 1) <= TOLERANCE else "FAIL"
        overlap = f"{m.overlap[0] / m.rate:.3f}" if m.concurrency > 1 and m.overlap else "-"
        print(
            f"{m.rate:>8} {m.concurrency:>10} {m.bytes:>12} {m.seconds:>8.2f} {m.mbps:>8.1f} "
            f"{m.ratio:>6.3f} {verdict:>7} {overlap:>11} {sum(w.cpu for w in m.windows):>12.1f} "
            f"{m.server_cpu:>12.1f} {m.load:>5.1f}"
        )
    print(
        "ratio: bytes / (first byte paced .. last upload answered) over the setting; 'all sending': the\n"
        "same ratio over the stretch when every delivery of the measurement was sending (interpolated)"
    )


if __name__ == "__main__":
    main()
