"""Bandwidth: the 10 Mb/s steps, and one budget shared by limiters in different processes."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from slate.bandwidth import SharedBucket, mbps_to_bytes_per_second, validate_rate_mbps
from slate.errors import InvalidInput
from slate.store import Database, open_database


@pytest.mark.parametrize("value", [10, 20, 100, 990, 1000, "50"])
def test_rates_on_the_steps_are_allowed(value: int | str) -> None:
    assert validate_rate_mbps(value) == int(value)


@pytest.mark.parametrize("value", [0, 5, 15, 1010, 100.5, -10, "fast"])
def test_rates_off_the_steps_are_refused_with_the_rule(value: object) -> None:
    with pytest.raises(InvalidInput, match="steps of 10 Mb/s from 10 to 1000"):
        validate_rate_mbps(value)  # type: ignore[arg-type]


def _send(url: str, mbps: int, total: int, chunk: int) -> None:
    database = open_database(url, upgrade=False)
    limiter = SharedBucket(database, "test", mbps)
    for _ in range(total // chunk):
        limiter(chunk)
    database.dispose()


def test_two_processes_share_one_budget(db: Database) -> None:
    mbps, per_process = 80, 2_000_000  # 10 MB/s shared; 4 MB in all ≈ 0.4 s at the shared rate
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    started = time.monotonic()
    workers = [context.Process(target=_send, args=(url, mbps, per_process, 64 * 1024)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    elapsed = time.monotonic() - started
    rate = mbps_to_bytes_per_second(mbps)
    grant = max(256 * 1024, rate * 0.1)
    burst = 3 * grant  # the saved grant, and the grant each process holds when it starts
    floor = (2 * per_process - burst) / rate * 0.95
    assert elapsed >= floor, f"{elapsed:.2f}s is faster than the shared rate allows ({floor:.2f}s)"
