"""The reconcile watermark never moves past an item that must be tried again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slate.errors import ConflictError, PortalUnavailable, TransitionError
from slate.reconcile import _failed, watermark_after

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_with_nothing_to_retry_the_watermark_moves_to_the_newest_change() -> None:
    assert watermark_after([("SR-1", _at(1)), ("SR-2", _at(5)), ("SR-3", _at(3))], set()) == _at(5)


def test_the_watermark_stops_short_of_the_oldest_item_to_retry() -> None:
    items = [("SR-1", _at(1)), ("SR-2", _at(2)), ("SR-3", _at(3)), ("SR-4", _at(4))]
    assert watermark_after(items, {"SR-3"}) == _at(2)
    assert watermark_after(items, {"SR-4", "SR-2"}) == _at(1)


def test_when_the_oldest_item_must_be_retried_the_watermark_stays() -> None:
    assert watermark_after([("SR-1", _at(1)), ("SR-2", _at(2))], {"SR-1"}) is None
    assert watermark_after([], set()) is None


def test_passing_failures_are_retried_and_refusals_are_skipped() -> None:
    assert _failed("SR-1", ConflictError("edited meanwhile")).kind == "retry"
    assert _failed("SR-1", PortalUnavailable("503", operation="get", status=503)).kind == "retry"
    assert _failed("SR-1", TransitionError("canceled")).kind == "skipped"
