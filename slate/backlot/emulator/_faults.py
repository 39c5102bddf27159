"""Faults the emulator injects on request, so Slate's resilience is tested against real HTTP.

An admin sets a :class:`FaultPlan`; counters are consumed as calls arrive (thread-safe), so "the
next three calls answer 429" means exactly three. :class:`FaultMiddleware` applies the per-call
faults (status bursts, slowness) before the API sees the call and counts every call for the
statistics tests assert on.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from pydantic.alias_generators import to_camel
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["CallFault", "FaultMiddleware", "FaultPlan", "Faults"]


class FaultPlan(BaseModel):
    """What to break next. Counts are "how many more times"; zero means off."""

    model_config = {"alias_generator": to_camel, "populate_by_name": True}

    #: The next ``status_burst`` API calls (under ``path_prefix``) answer ``status``.
    status_burst: int = Field(default=0, ge=0)
    status: int = Field(default=503, ge=400, le=599)
    retry_after: int | None = Field(default=None, ge=0)
    #: The next ``slow_calls`` API calls wait ``slow_seconds`` before being answered.
    slow_calls: int = Field(default=0, ge=0)
    slow_seconds: float = Field(default=0.0, ge=0)
    path_prefix: str = "/v1/"
    #: The next webhooks are marked sent without being sent (lost), or sent twice.
    drop_webhooks: int = Field(default=0, ge=0)
    duplicate_webhooks: int = Field(default=0, ge=0)
    #: The next downloads have a flipped byte, or stop after ``interrupt_after_bytes``.
    corrupt_downloads: int = Field(default=0, ge=0)
    interrupt_downloads: int = Field(default=0, ge=0)
    interrupt_after_bytes: int = Field(default=0, ge=0)
    #: Bytes per second per download connection; None is unlimited. Stays until cleared.
    download_bytes_per_second: int | None = Field(default=None, ge=1)


@dataclass(frozen=True)
class CallFault:
    """The fault one API call gets."""

    delay: float = 0.0
    status: int | None = None
    retry_after: int | None = None


class Faults:
    """The current plan, consumed call by call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan = FaultPlan()

    @property
    def plan(self) -> FaultPlan:
        with self._lock:
            return self._plan.model_copy()

    def set(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan.model_copy()

    def clear(self) -> None:
        self.set(FaultPlan())

    def take_call(self, path: str) -> CallFault:
        """The fault for an API call to ``path`` (consumes one of each active counter)."""
        with self._lock:
            plan = self._plan
            if not path.startswith(plan.path_prefix):
                return CallFault()
            delay = 0.0
            if plan.slow_calls:
                plan.slow_calls -= 1
                delay = plan.slow_seconds
            if plan.status_burst:
                plan.status_burst -= 1
                return CallFault(delay=delay, status=plan.status, retry_after=plan.retry_after)
            return CallFault(delay=delay)

    def take(self, name: str) -> bool:
        """Consume one of the counter ``name`` (e.g. ``drop_webhooks``); True if it was set."""
        with self._lock:
            left = int(getattr(self._plan, name))
            if left <= 0:
                return False
            setattr(self._plan, name, left - 1)
            return True


class DownloadRecord:
    """One file download as served: the ``Range`` asked for and the bytes actually sent.

    Lets tests prove that a client resumes from the right offset and transfers only what it
    was missing (a call count alone cannot tell a resume from a fresh start).
    """

    def __init__(self, asset_id: str, range_header: str | None, start: int) -> None:
        self.asset_id = asset_id
        self.range = range_header
        self.start = start
        self.bytes_sent = 0

    def view(self) -> dict[str, Any]:
        return {
            "assetId": self.asset_id,
            "range": self.range,
            "start": self.start,
            "bytesSent": self.bytes_sent,
        }


class Stats:
    """How many calls each ``METHOD /path`` received (faulted ones included), and the downloads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._downloads: list[DownloadRecord] = []

    def count(self, key: str) -> None:
        with self._lock:
            self._calls[key] += 1

    def download(self, asset_id: str, range_header: str | None, start: int) -> DownloadRecord:
        """A new download's record; the streamer adds to ``bytes_sent`` before each chunk goes out."""
        record = DownloadRecord(asset_id, range_header, start)
        with self._lock:
            self._downloads.append(record)
        return record

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    def downloads(self) -> list[dict[str, Any]]:
        with self._lock:
            return [record.view() for record in self._downloads]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._downloads.clear()


class FaultMiddleware:
    """Counts each call, then delays or answers it with an error as the plan says."""

    def __init__(self, app: ASGIApp, faults: Faults, stats: Stats) -> None:
        self.app = app
        self.faults = faults
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        self.stats.count(f"{scope['method']} {path}")
        fault = self.faults.take_call(path)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is None:
            await self.app(scope, receive, send)
            return
        headers: dict[str, Any] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        response = JSONResponse(
            {"message": f"injected fault: HTTP {fault.status}", "reasonCode": "INJECTED_FAULT"},
            status_code=fault.status,
            headers=headers,
        )
        await response(scope, receive, send)
