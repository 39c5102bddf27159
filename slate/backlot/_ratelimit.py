"""A token bucket that caps the bytes per second of a transfer.

The client calls a :data:`~slate.backlot.RateLimiter` with each chunk's size before sending or after
receiving it; a :class:`TokenBucket` sleeps just long enough to keep the average under its rate.
One bucket may be shared by several transfers (it is thread-safe), so a delivery flow can give
all its uploads one budget; a global limit across workers is the orchestrator's business.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["TokenBucket"]


class TokenBucket:
    """Allows ``rate`` bytes per second on average, with bursts of up to ``burst`` bytes."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("a token bucket needs a positive rate")
        self.rate = rate
        self.burst = burst if burst is not None else rate
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def __call__(self, nbytes: int) -> None:
        """Take ``nbytes`` from the bucket, sleeping while it is in debt."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= nbytes
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
