"""The claim a worker holds on a request while it delivers, so two workers never upload at once.

An operator's delivery beside a lifecycle run, or a run that was thought dead beside its restart,
would otherwise both pass the "not delivered yet" check and both upload. A claim is the request's
one PENDING delivery row (a partial unique index allows one per request); its ``lease_until`` is
renewed while bytes move. A worker that finds a live claim waits for it to end; one that finds
a claim whose lease ran out (its worker died) marks that attempt abandoned and takes over, then
asks the portal whether the dead worker's bytes arrived before sending them again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.exc import IntegrityError as RowConflict

from slate.errors import ConflictError
from slate.logging import get_logger
from slate.models import AssetVersion, DeliveryOutcome, Service
from slate.store import Database, DeliveryRow

__all__ = ["DeliveryClaim"]

log = get_logger(__name__)

_PENDING = DeliveryOutcome.PENDING.value


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time Slate stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Held(Exception):
    """A live claim of another worker (internal: turned into a wait, then a ConflictError)."""

    def __init__(self, attempt: int, lease_until: datetime) -> None:
        super().__init__(attempt, lease_until)
        self.attempt = attempt
        self.lease_until = lease_until


@dataclass
class DeliveryClaim:
    """This worker's PENDING attempt of a request; renew it while uploading, end it either way."""

    database: Database
    request_id: str
    attempt: int
    lease_seconds: float
    renewed_at: float

    @classmethod
    def take(
        cls,
        database: Database,
        version: AssetVersion,
        service: Service,
        destination: str,
        lease_seconds: float,
        *,
        wait_seconds: float | None = None,
    ) -> DeliveryClaim:
        """Claim the request, waiting up to ``wait_seconds`` (default 1.5 leases) for a live claim.

        A dead worker's lease always runs out within the default wait, so a restart takes over
        by itself; a live delivery that outlasts the wait raises :class:`ConflictError`.
        """
        deadline = time.monotonic() + (1.5 * lease_seconds if wait_seconds is None else wait_seconds)
        logged = False
        while True:
            try:
                attempt = _insert_claim(database, version, service, destination, lease_seconds)
                return cls(database, version.request_id, attempt, lease_seconds, time.monotonic())
            except _Held as held:
                if time.monotonic() >= deadline:
                    raise ConflictError(
                        f"{version.request_id} is being delivered by another worker (attempt {held.attempt}, "
                        f"lease until {held.lease_until:%H:%M:%S} UTC); not delivering it twice",
                        request_id=version.request_id,
                        attempt=held.attempt,
                        rule="one delivery of a request at a time",
                    ) from None
                if not logged:
                    log.info("waiting for another worker's delivery", request_id=version.request_id)
                    logged = True
                time.sleep(min(1.0, max(0.05, lease_seconds / 10)))

    def renew_if_due(self) -> None:
        """Push the lease forward (every quarter lease); a lost claim stops the upload."""
        if time.monotonic() - self.renewed_at < self.lease_seconds / 4:
            return
        with self.database.session() as session:
            moved = session.execute(
                update(DeliveryRow)
                .where(self._mine())
                .values(lease_until=_now() + timedelta(seconds=self.lease_seconds))
            ).rowcount  # type: ignore[attr-defined]
        if not moved:
            raise ConflictError(
                f"{self.request_id}: attempt {self.attempt} lost its claim (its lease ran out and "
                "another worker took over); stopping this upload",
                request_id=self.request_id,
                attempt=self.attempt,
                rule="one delivery of a request at a time",
            )
        self.renewed_at = time.monotonic()

    def abandon(self, error: BaseException) -> None:
        """End the claim after a failure: the attempt is FAILED with the error, the lease freed."""
        with self.database.session() as session:
            session.execute(
                update(DeliveryRow)
                .where(self._mine())
                .values(
                    outcome=DeliveryOutcome.FAILED.value,
                    lease_until=None,
                    finished_at=_now(),
                    receipt={"error": f"{type(error).__name__}: {error}"},
                )
            )

    def _mine(self) -> ColumnElement[bool]:
        return and_(
            DeliveryRow.request_id == self.request_id,
            DeliveryRow.attempt == self.attempt,
            DeliveryRow.outcome == _PENDING,
        )


def _insert_claim(
    database: Database, version: AssetVersion, service: Service, destination: str, lease_seconds: float
) -> int:
    """One transaction: retire an expired claim, then insert ours (the unique index settles races)."""
    now = _now()
    try:
        with database.session() as session:
            current = session.scalar(
                select(DeliveryRow).where(
                    DeliveryRow.request_id == version.request_id, DeliveryRow.outcome == _PENDING
                )
            )
            if current is not None:
                until = _aware(current.lease_until) if current.lease_until else None
                if until is not None and until > now:
                    raise _Held(current.attempt, until)
                current.outcome = DeliveryOutcome.FAILED.value
                current.receipt = {
                    "abandoned": "its worker stopped renewing the claim; a later attempt took over"
                }
                session.flush()
            attempt = (
                session.scalar(
                    select(func.max(DeliveryRow.attempt)).where(DeliveryRow.request_id == version.request_id)
                )
                or 0
            ) + 1
            session.add(
                DeliveryRow(
                    request_id=version.request_id,
                    version_id=version.version_id,
                    attempt=attempt,
                    destination=destination,
                    service_type=service.type.value,
                    service_other=service.other,
                    bytes_sent=0,
                    receipt={},
                    outcome=_PENDING,
                    started_at=now,
                    lease_until=now + timedelta(seconds=lease_seconds),
                )
            )
        return attempt
    except RowConflict:
        # Another worker inserted its claim between our read and our write.
        raise _Held(0, now + timedelta(seconds=lease_seconds)) from None
