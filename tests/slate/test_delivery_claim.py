"""The delivery claim: one worker per request, a dead worker's claim taken over once, never a live one's.

On SQLite and on PostgreSQL (the ``db`` fixture), since the guarantee rests on the database: the
partial unique index on the PENDING row and conditional updates of it.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

import slate.delivery_claim as claims
from slate.delivery_claim import DeliveryClaim
from slate.errors import ConflictError
from slate.models import AssetVersion, DeliveryOutcome, Service, ServiceType
from slate.store import Database, DeliveryRow, get_version, open_database
from tests.slate.builders import create, put_version

SERVICE = Service(type=ServiceType.SUBTITLING)
PENDING, FAILED, DELIVERED = (
    o.value for o in (DeliveryOutcome.PENDING, DeliveryOutcome.FAILED, DeliveryOutcome.DELIVERED)
)


def _version(db: Database) -> AssetVersion:
    create(db)
    version_id = put_version(db)
    with db.session() as session:
        return get_version(session, version_id)


def _pending(version: AssetVersion, attempt: int, lease_until: datetime | None) -> DeliveryRow:
    """An attempt in flight, as a worker records it when it takes its claim."""
    return DeliveryRow(
        request_id=version.request_id,
        version_id=version.version_id,
        attempt=attempt,
        destination="portal",
        service_type=SERVICE.type.value,
        bytes_sent=0,
        receipt={},
        outcome=PENDING,
        started_at=datetime.now(UTC),
        lease_until=lease_until,
    )


def _dead_claim(db: Database, version: AssetVersion) -> None:
    """What a worker killed mid-upload leaves: a PENDING attempt whose lease ran out."""
    with db.session() as session:
        session.add(_pending(version, 1, datetime.now(UTC) - timedelta(seconds=5)))


def _rows(db: Database) -> list[tuple[int, str]]:
    with db.session() as session:
        return [
            (r.attempt, r.outcome) for r in session.scalars(select(DeliveryRow).order_by(DeliveryRow.attempt))
        ]


def test_the_database_refuses_a_second_attempt_in_flight(db: Database) -> None:
    version = _version(db)
    _dead_claim(db, version)
    with pytest.raises(ConflictError) as refused, db.session() as session:
        session.add(_pending(version, 2, None))
    assert re.search(r"(?i)unique|duplicate", refused.value.detail)


def test_only_one_of_several_workers_takes_over_a_dead_claim(db: Database) -> None:
    version = _version(db)
    _dead_claim(db, version)
    taken: list[DeliveryClaim] = []
    refused: list[ConflictError] = []

    def worker() -> None:
        try:
            taken.append(DeliveryClaim.take(db, version, SERVICE, "portal", 5, wait_seconds=2))
        except ConflictError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert len(taken) == 1 and len(refused) == 3, (taken, refused)
        assert _rows(db) == [(1, FAILED), (2, PENDING)]
        assert all(f"attempt {taken[0].attempt}" in str(exc) for exc in refused)
    finally:
        for claim in taken:
            claim.abandon(RuntimeError("test over"))


def test_a_dead_claim_that_finishes_meanwhile_is_not_retired(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slow worker finishes between our read of its claim and our write: its delivery stays."""
    version = _version(db)
    _dead_claim(db, version)
    real = claims._aware

    def finishes_now(moment: datetime) -> datetime:
        monkeypatch.setattr(claims, "_aware", real)
        with db.session() as session:
            session.execute(update(DeliveryRow).where(DeliveryRow.attempt == 1).values(outcome=DELIVERED))
        return real(moment)

    monkeypatch.setattr(claims, "_aware", finishes_now)
    claim = DeliveryClaim.take(db, version, SERVICE, "portal", 5, wait_seconds=2)
    try:
        assert _rows(db) == [(1, DELIVERED), (2, PENDING)]
    finally:
        claim.abandon(RuntimeError("test over"))


def test_a_held_claim_is_renewed_and_outlives_its_lease(db: Database) -> None:
    version = _version(db)
    claim = DeliveryClaim.take(db, version, SERVICE, "portal", 1.0)
    time.sleep(2.5)  # two and a half leases, with no upload calling anything
    with pytest.raises(ConflictError, match="being delivered by another worker"):
        DeliveryClaim.take(db, version, SERVICE, "portal", 1.0, wait_seconds=0.5)
    claim.abandon(RuntimeError("upload failed"))
    assert _rows(db) == [(1, FAILED)]
    second = DeliveryClaim.take(db, version, SERVICE, "portal", 1.0, wait_seconds=0.5)
    second.abandon(RuntimeError("test over"))


def test_a_worker_that_lost_its_claim_stops_and_cannot_finish(db: Database) -> None:
    version = _version(db)
    claim = DeliveryClaim.take(db, version, SERVICE, "portal", 0.2)
    with db.session() as session:  # another worker took it over (this one froze past its lease)
        session.execute(update(DeliveryRow).where(DeliveryRow.attempt == 1).values(outcome=FAILED))
    time.sleep(0.3)
    with pytest.raises(ConflictError, match="lost its claim"):
        claim.check()
    with pytest.raises(ConflictError, match="lost its claim"), db.session() as session:
        claim.finish(session, outcome=DELIVERED)
    assert _rows(db) == [(1, FAILED)]


def test_a_worker_that_cannot_confirm_its_claim_stops_before_its_lease_runs_out(
    db: Database, tmp_path: Path
) -> None:
    """Cut off from the database (but not from the portal), it must not upload on while another takes over."""
    version = _version(db)
    claim = DeliveryClaim.take(db, version, SERVICE, "portal", 0.4)
    claim.check()
    claim.database = open_database(f"sqlite:///{tmp_path / 'gone' / 'slate.db'}", upgrade=False)
    time.sleep(0.7)  # the renewals fail; more than three quarters of the lease pass unconfirmed
    with pytest.raises(ConflictError, match="could not confirm it in time"):
        claim.check()
    claim.database = db
    claim.abandon(RuntimeError("test over"))
