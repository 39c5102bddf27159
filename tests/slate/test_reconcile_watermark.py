"""Reconcile: the watermark never moves past an item to retry; a queued correction is never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slate.backlot import RedeliveryRequest
from slate.errors import ConflictError, PortalUnavailable, TransitionError
from slate.reconcile import _failed, apply_redeliveries, watermark_after
from slate.store import Database, RejectionRow
from slate.store.reconcile_failures import list_failures
from tests.slate.builders import create, put_version

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
    assert _failed("SR-1", ValueError("a bug")).kind == "failed"


def test_what_reconcile_queues_for_a_rejection_is_stored_with_it_or_not_at_all(db: Database) -> None:
    create(db)
    put_version(db)
    item = RedeliveryRequest(
        redelivery_id="RR-9",
        request_id="SR-1",
        reason_code="METADATA_ONLY",
        reason="wrong tag",
        created_at=_at(1),
    )

    def crash(_session: Session, _item: RedeliveryRequest) -> None:
        raise RuntimeError("worker died before the event was stored")

    failed = apply_redeliveries(db, [item], "test", on_recorded=crash)
    assert [(c.kind, c.detail) for c in failed] == [
        ("failed", "RuntimeError: worker died before the event was stored")
    ]
    with db.session() as session:  # neither the rejection nor its event: the next run applies it again
        assert session.scalar(select(RejectionRow)) is None
        assert [f.item_id for f in list_failures(session)] == ["RR-9"]

    queued: list[str] = []
    changes = apply_redeliveries(db, [item], "test", on_recorded=lambda _s, i: queued.append(i.redelivery_id))
    assert [c.kind for c in changes] == ["redelivery"] and queued == ["RR-9"]
    with db.session() as session:  # applied: its failure is forgotten
        assert list_failures(session) == []
