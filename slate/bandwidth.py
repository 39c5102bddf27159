"""Bandwidth limits that hold across every worker: a token bucket kept in the shared database.

Deliveries on several machines share one budget, so the bucket cannot live in a process. Each
worker takes a grant of bytes from the row in one short transaction (``SELECT … FOR UPDATE`` on
PostgreSQL, SQLite's database lock otherwise); a grant that puts the bucket in debt is paid by
sleeping until the debt is repaid at the bucket's rate. Grants are sized to about a tenth of a
second of traffic so the database sees tens of transactions a second, not one per chunk. An idle
bucket saves at most one grant of credit (so a transfer starts at once, without a free burst that
would make a short transfer faster than the rate), and a transfer gives back the part of its last
grant it did not use (:meth:`SharedBucket.release`).

Rates are set in steps of 10 Mb/s from 10 to 1000 Mb/s, the same rule the portal tools use;
any other value is refused with an error saying so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import select, update

from slate.errors import InvalidInput
from slate.store import Database, RateBucketRow

__all__ = ["SharedBucket", "mbps_to_bytes_per_second", "validate_rate_mbps"]

MIN_MBPS = 10
MAX_MBPS = 1000
STEP_MBPS = 10


def validate_rate_mbps(value: int | float | str) -> int:
    """Return ``value`` as an int if it is 10, 20, … 1000 Mb/s; otherwise raise :class:`InvalidInput`."""
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"rate {value!r} is not a number of Mb/s: {_RULE}", value=str(value), rule=_RULE
        ) from exc
    if number != int(number) or not MIN_MBPS <= number <= MAX_MBPS or int(number) % STEP_MBPS:
        raise InvalidInput(f"rate {value} Mb/s is not allowed: {_RULE}", value=str(value), rule=_RULE)
    return int(number)


_RULE = f"a rate is set in steps of {STEP_MBPS} Mb/s from {MIN_MBPS} to {MAX_MBPS} Mb/s"


def mbps_to_bytes_per_second(mbps: int) -> float:
    """Megabits (10^6 bits) per second to bytes per second."""
    return mbps * 1_000_000 / 8


class SharedBucket:
    """A rate limiter callable (``limiter(nbytes)``) whose budget every process shares.

    ``name`` selects the bucket: transfers using the same name share one rate, whichever worker
    runs them. The limiter asks the database for grants and sleeps off any debt. Give each rate
    its own name: the bucket refills at the rate of whoever took the last grant, so transfers of
    different rates in one bucket would starve the slower ones.
    """

    def __init__(
        self,
        database: Database,
        name: str,
        mbps: int,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.database = database
        self.name = name
        self.rate = mbps_to_bytes_per_second(validate_rate_mbps(mbps))
        self.grant = max(256 * 1024, int(self.rate * 0.1))
        self._clock = clock
        self._sleep = sleep
        self._credit = 0
        self._lock = threading.Lock()

    def __call__(self, nbytes: int) -> None:
        """Account for ``nbytes`` about to be sent, sleeping as long as the shared budget needs."""
        with self._lock:
            self._credit -= nbytes
            while self._credit < 0:
                wait = self._take(self.grant)
                self._credit += self.grant
                if wait > 0:
                    self._sleep(wait)

    def release(self) -> None:
        """Give the unused part of the last grant back to the shared budget (call when the transfer ends)."""
        with self._lock:
            unused, self._credit = self._credit, 0
        if unused > 0:
            self._take(-unused)

    def _take(self, amount: int) -> float:
        """Take ``amount`` bytes (negative: give back); return how long to wait to repay any debt."""
        with self.database.session() as session:
            query = select(RateBucketRow).where(RateBucketRow.name == self.name)
            if self.database.dialect == "postgresql":
                query = query.with_for_update()
            else:
                # SQLite: a write (to no row) takes the database's write lock before the read.
                session.execute(update(RateBucketRow).where(RateBucketRow.name == "").values(tokens=0))
            row = session.scalar(query)
            now = self._clock()
            if row is None:
                row = RateBucketRow(
                    name=self.name, rate_bps=self.rate, tokens=float(self.grant), updated_at=now
                )
                session.add(row)
            refilled = min(float(self.grant), row.tokens + (now - row.updated_at) * self.rate)
            row.rate_bps = self.rate
            row.tokens = refilled - amount
            row.updated_at = now
            return max(0.0, -row.tokens / self.rate)
