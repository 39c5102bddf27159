"""The claim a worker holds on a request while it delivers, so two workers never upload at once.

An operator's delivery beside a lifecycle run, or a run that was thought dead beside its restart,
would otherwise both pass the "not delivered yet" check and both upload. A claim is the request's
one PENDING delivery row (a partial unique index allows one per request, migration 0005). While
it is held, a thread of the holder renews its ``lease_until`` every quarter lease, whatever the
upload is doing (sending, waiting for the portal's answer, backing off before a retry), so only
a worker that died (or froze for a whole lease) loses it. A worker that finds a live claim waits
for it to end; one that finds a claim whose lease ran out marks that attempt abandoned, only if
it is still PENDING, and takes over, then asks the portal whether the dead worker's bytes arrived.
Every change of the claim row is conditional on it still being PENDING, so a worker that lost
its claim can neither finish nor fail someone else's attempt.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.exc import IntegrityError as RowConflict
from sqlalchemy.orm import Session

from slate.errors import ConflictError
from slate.logging import get_logger
from slate.models import AssetVersion, DeliveryOutcome, Service
from slate.store import Database, DeliveryRow

__all__ = ["DeliveryClaim"]

log = get_logger(__name__)

_PENDING = DeliveryOutcome.PENDING.value
_RULE = "one delivery of a request at a time"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time Slate stores is UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Held(Exception):
    """A live claim of another worker (internal: turned into a wait, then a ConflictError)."""

    def __init__(self, attempt: int, lease_until: datetime) -> None:
        super().__init__(attempt, lease_until)
        self.attempt = attempt
        self.lease_until = lease_until


class _Contended(Exception):
    """The claim row changed under us (a race with another worker): read it again."""


class DeliveryClaim:
    """This worker's PENDING attempt of a request, renewed by a thread until it is ended."""

    def __init__(self, database: Database, request_id: str, attempt: int, lease_seconds: float) -> None:
        self.database = database
        self.request_id = request_id
        self.attempt = attempt
        self.lease_seconds = lease_seconds
        self._ended = threading.Event()
        self._lost = False
        self._renewed = time.monotonic()  # when the database last confirmed the claim
        self._renewer = threading.Thread(target=self._renew_loop, name="slate-claim", daemon=True)
        self._renewer.start()

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
        held: _Held | None = None
        while True:
            try:
                attempt = _insert_claim(database, version, service, destination, lease_seconds)
                return cls(database, version.request_id, attempt, lease_seconds)
            except _Held as live:
                if held is None:
                    log.info("waiting for another worker's delivery", request_id=version.request_id)
                held = live
            except _Contended:
                pass  # read the row again at once
            if time.monotonic() >= deadline:
                raise _refusal(version.request_id, held)
            time.sleep(min(1.0, max(0.05, lease_seconds / 10)))

    def check(self) -> None:
        """Raise if the claim was lost: called between chunks, so a lost claim stops the upload.

        Lost also means not confirmed for three quarters of a lease (the database unreachable):
        another worker may take over once the lease runs out, so this one stops first.
        """
        if not self._lost and time.monotonic() - self._renewed > 0.75 * self.lease_seconds:
            self._lost = True
        if self._lost:
            raise ConflictError(
                f"{self.request_id}: attempt {self.attempt} lost its claim (another worker took over, "
                "or the database could not confirm it in time); stopping this upload",
                request_id=self.request_id,
                attempt=self.attempt,
                rule=_RULE,
            )

    def finish(self, session: Session, **values: Any) -> None:
        """Record the attempt's outcome in ``session``; refused if the claim was lost meanwhile."""
        self._ended.set()
        moved = session.execute(
            update(DeliveryRow).where(self._mine()).values(lease_until=None, **values)
        ).rowcount  # type: ignore[attr-defined]
        if not moved:
            self._lost = True
            self.check()

    def abandon(self, error: BaseException) -> None:
        """End the claim after a failure: the attempt is FAILED with the error, the lease freed."""
        self._ended.set()
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

    def _renew_loop(self) -> None:
        while not self._ended.wait(self.lease_seconds / 4):
            try:
                with self.database.session() as session:
                    moved = session.execute(
                        update(DeliveryRow)
                        .where(self._mine())
                        .values(lease_until=_now() + timedelta(seconds=self.lease_seconds))
                    ).rowcount  # type: ignore[attr-defined]
            except Exception as exc:  # the database may be back at the next turn; the lease is long
                log.warning("delivery claim not renewed", request_id=self.request_id, error=str(exc))
                continue
            if not moved and not self._ended.is_set():
                self._lost = True
                return
            self._renewed = time.monotonic()

    def _mine(self) -> ColumnElement[bool]:
        return and_(
            DeliveryRow.request_id == self.request_id,
            DeliveryRow.attempt == self.attempt,
            DeliveryRow.outcome == _PENDING,
        )


def _refusal(request_id: str, held: _Held | None) -> ConflictError:
    if held is None:
        return ConflictError(
            f"{request_id}: could not claim the request for delivery (other workers kept changing "
            "its claim); try again",
            request_id=request_id,
            rule=_RULE,
        )
    return ConflictError(
        f"{request_id} is being delivered by another worker (attempt {held.attempt}, lease until "
        f"{held.lease_until:%H:%M:%S} UTC); not delivering it twice",
        request_id=request_id,
        attempt=held.attempt,
        rule=_RULE,
    )


def _retire_expired(session: Session, request_id: str, now: datetime) -> None:
    """Raise :class:`_Held` for a live claim; mark an expired one abandoned, if still PENDING."""
    current = session.scalar(
        select(DeliveryRow).where(DeliveryRow.request_id == request_id, DeliveryRow.outcome == _PENDING)
    )
    if current is None:
        return
    until = _aware(current.lease_until) if current.lease_until else None
    if until is not None and until > now:
        raise _Held(current.attempt, until)
    moved = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.delivery_id == current.delivery_id, DeliveryRow.outcome == _PENDING)
        .values(
            outcome=DeliveryOutcome.FAILED.value,
            lease_until=None,
            receipt={"abandoned": "its worker stopped renewing the claim; another took over"},
        )
    ).rowcount  # type: ignore[attr-defined]
    if not moved:  # it finished, or another worker retired it, since we read it
        raise _Contended


def _insert_claim(
    database: Database, version: AssetVersion, service: Service, destination: str, lease_seconds: float
) -> int:
    """One transaction: retire an expired claim, then insert ours (the unique index settles races)."""
    now = _now()
    try:
        with database.session() as session:
            _retire_expired(session, version.request_id, now)
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
    except ConflictError:
        # Another worker inserted its claim (same request, or the same attempt number) meanwhile:
        # the session reports a unique-key collision as a conflict.
        raise _Contended from None
    except RowConflict as exc:
        if "UNIQUE" in str(exc.orig).upper():
            raise _Contended from None
        raise
