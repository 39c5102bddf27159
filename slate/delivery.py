"""Delivery: send a request's current version to the portal, exactly once.

The order matters. Everything that can refuse (the rate, the Service Type, the state machine's
guards, the stored checksum) is checked before a byte moves, so a refused delivery changes
nothing. Each attempt is recorded as PENDING before the upload; if the process dies, the next
attempt first asks the portal whether it already holds this version's bytes (same SHA-256) and,
if so, records that delivery instead of sending the file again — so a version is never delivered
twice to the same request, even across crashes and workers.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select

from slate import lifecycle
from slate.backlot import (
    DeliveryDeclaration,
    DeliveryStatus,
    ImfDeliveryResult,
    PortalClient,
    PortalDelivery,
    TimeBase,
)
from slate.bandwidth import SharedBucket, validate_rate_mbps
from slate.delivery_claim import DeliveryClaim
from slate.errors import IntegrityError, InvalidInput, NotFound, TransitionError
from slate.imf.deliver import deliver_package, package_parts
from slate.imf.package import load_package
from slate.imf.source import is_imf_zip, unpack_zip
from slate.intake import sync_request
from slate.lifecycle import LifecycleEvent
from slate.logging import get_logger
from slate.media.ttml_head import read_ttml_head
from slate.models import AssetVersion, DeliveryOutcome, Service, SourceRequest
from slate.objects import BlobStore, ObjectInfo
from slate.store import Database, DeliveryRow, get_request
from slate.store import current_version as stored_current_version

log = get_logger(__name__)

__all__ = [
    "DeliveryReceipt",
    "Preflight",
    "declaration_for",
    "deliver_request",
    "delivery_bucket",
    "refresh_portal_status",
    "version_to_deliver",
]

_SPEAKERS = {"FL": "L", "FR": "R", "FC": "C", "LFE": "LFE", "BL": "Ls", "SL": "Ls", "BR": "Rs", "SR": "Rs"}
_DONE = {DeliveryStatus.PENDING_INSPECTION, DeliveryStatus.PROCESSED, DeliveryStatus.ACCEPTED}


def delivery_bucket(rate_mbps: int) -> str:
    """The shared bandwidth budget of the deliveries started at ``rate_mbps``.

    Deliveries started with one setting share it, on every worker; a delivery started with another
    setting has that setting's own budget. (One bucket for all rates would let a fast delivery
    starve a slow one: the bucket refills at the rate of whoever took the last grant.)
    """
    return f"delivery-{rate_mbps}mbps"


Progress = Callable[[int, int], None]
#: Sees the request, the version, its fetched bytes and their info; raises to refuse.
Preflight = Callable[[SourceRequest, AssetVersion, Path, ObjectInfo], None]


class DeliveryReceipt(BaseModel):
    """What a delivery left behind: the portal's id and verdict, the figures, and whether it was resumed."""

    request_id: str
    version_id: int
    #: ``subtitle_es.xml v2``: how people name the version (``version_id`` is for machines).
    version_label: str
    attempt: int
    portal_delivery_id: str
    portal_status: str
    outcome: DeliveryOutcome
    reason_code: str | None = None
    message: str | None = None
    file_name: str
    size: int
    md5: str
    sha256: str
    bytes_sent: int
    seconds: float
    rate_mbps: int
    recovered: bool = False
    #: ``file``: the version's bytes uploaded; ``imf``: its IMF package declared (the CPL's id is
    #: then ``portal_delivery_id``, the portal's IMF answer carrying no delivery id).
    kind: Literal["file", "imf"] = "file"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    events: list[LifecycleEvent] = []


def version_to_deliver(database: Database, request_id: str) -> AssetVersion:
    """The version a delivery would send (:func:`slate.store.current_version`), or :class:`NotFound`."""
    with database.session() as session:
        version = stored_current_version(session, request_id)
    if version is None:
        raise NotFound(f"{request_id} has no current version to deliver", request_id=request_id)
    return version


def declaration_for(version: AssetVersion, path: Path, service: Service) -> DeliveryDeclaration:
    """What the vendor declares: checksums and service, plus channel mapping or time base as they apply."""
    mapping = None
    audio = next((s for s in version.probe.get("streams", []) if s.get("codec_type") == "audio"), None)
    if audio and audio.get("channel_names"):
        mapping = [_SPEAKERS.get(name, name) for name in audio["channel_names"]]
    time_base, frame_rate = _timed_text_declarations(path)
    return DeliveryDeclaration(
        file_name=version.file_name,
        size=version.size,
        md5=version.md5,
        sha256=version.sha256,
        service_type=service.type,
        service_other=service.other,
        channel_mapping=mapping,
        time_base=time_base,
        frame_rate=frame_rate,
    )


def _timed_text_declarations(path: Path) -> tuple[TimeBase | None, str | None]:
    """The time base and frame rate a TTML file declares (TTML's default time base is media)."""
    if path.suffix.lower() not in (".ttml", ".dfxp", ".xml"):
        return None, None
    head = read_ttml_head(path)
    if head is None:
        return TimeBase.MEDIA, None
    known = {t.value for t in TimeBase}
    time_base = TimeBase(head.time_base) if head.time_base in known else TimeBase.MEDIA
    frame_rate = head.frame_rate
    parts = (head.frame_rate_multiplier or "").split()
    if frame_rate and frame_rate.isdigit() and len(parts) == 2 and all(p.isdigit() for p in parts):
        frame_rate = f"{int(frame_rate) * int(parts[0])}/{parts[1]}"
    return time_base, frame_rate


def refresh_portal_status(database: Database, portal: PortalClient, request_id: str) -> list[LifecycleEvent]:
    """Record what the portal says of the request now, before anything decides on its status.

    Slate's copy of the portal status is otherwise only as fresh as the last webhook or reconcile
    pass: a redelivery started by the portal's webhook would read PROCESSED and refuse to deliver
    what the portal is asking for. The change is recorded as intake records it (audit line, event).
    """
    fresh = portal.get_source_request(request_id)
    with database.session() as session:
        return sync_request(session, fresh, actor="portal")


def _prepare(
    database: Database, request_id: str, service: Service | None, actor: str
) -> tuple[Service, AssetVersion]:
    """Set the Service Type if given, and refuse now whatever would be refused after the upload."""
    if service is not None:
        with database.session() as session:
            lifecycle.set_service(session, request_id, service, actor=actor)
    version = version_to_deliver(database, request_id)
    lifecycle.check(database, request_id, "deliver", version_id=version.version_id)
    with database.session() as session:
        request = get_request(session, request_id)
    assert request.service is not None  # the check above refuses a request without one
    return request.service, version


def _recorded(database: Database, version: AssetVersion) -> DeliveryRow | None:
    with database.session() as session:
        return session.scalar(
            select(DeliveryRow).where(
                DeliveryRow.version_id == version.version_id,
                DeliveryRow.outcome.in_([DeliveryOutcome.DELIVERED.value, DeliveryOutcome.ACCEPTED.value]),
            )
        )


def _refuse_if_delivered(database: Database, version: AssetVersion) -> None:
    if _recorded(database, version) is not None:
        raise TransitionError(
            f"{version.request_id}: {version.label} is already delivered",
            request_id=version.request_id,
            version_id=version.version_id,
            rule="a version is delivered to its request once",
        )


def _already_on_portal(portal: PortalClient, version: AssetVersion) -> PortalDelivery | None:
    for delivery in portal.list_deliveries(version.request_id):
        if delivery.declaration.sha256 == version.sha256 and delivery.status in _DONE:
            return delivery
    return None


def _finish(
    database: Database,
    version: AssetVersion,
    claim: DeliveryClaim,
    delivered: PortalDelivery,
    figures: dict[str, Any],
    actor: str,
) -> list[LifecycleEvent]:
    """Record the portal's answer to an upload on our attempt, then apply it (see :func:`_record`)."""
    ok = delivered.status in _DONE
    outcome = (
        DeliveryOutcome.ACCEPTED if delivered.status is DeliveryStatus.ACCEPTED else DeliveryOutcome.DELIVERED
    )
    return _record(
        database,
        version,
        claim,
        outcome=outcome if ok else DeliveryOutcome.FAILED,
        portal_delivery_id=delivered.delivery_id,
        figures=figures,
        receipt=delivered.model_dump(mode="json", by_alias=True),
        reason=f"delivered as portal delivery {delivered.delivery_id} ({delivered.status.value})",
        actor=actor,
    )


def _record(
    database: Database,
    version: AssetVersion,
    claim: DeliveryClaim,
    *,
    outcome: DeliveryOutcome,
    portal_delivery_id: str,
    figures: dict[str, Any],
    receipt: dict[str, Any],
    reason: str,
    actor: str,
) -> list[LifecycleEvent]:
    """Record the portal's answer on our attempt (only while we hold the claim), then apply it.

    Two transactions: what the portal holds is recorded even if the lifecycle then refuses the
    transition (the request changed during the upload), so the portal's delivery is never lost.
    A FAILED outcome applies nothing: the request stays as it was, deliverable again.
    """
    with database.session() as session:
        claim.finish(
            session,
            outcome=outcome.value,
            portal_delivery_id=portal_delivery_id,
            bytes_sent=figures["bytes_sent"],
            seconds=figures["seconds"],
            finished_at=datetime.now(UTC),
            receipt={**receipt, **figures},
        )
    if outcome is DeliveryOutcome.FAILED:
        return []
    with database.session() as session:
        return lifecycle.apply(
            session, version.request_id, "deliver", actor=actor, reason=reason, version_id=version.version_id
        )


def _fetch(blobs: BlobStore, version: AssetVersion, folder: Path) -> tuple[Path, ObjectInfo]:
    """The version's bytes in a scratch folder, checked against the digest recorded at ingest."""
    path = folder / version.file_name
    info = blobs.get_to_path(version.blob_key, path)
    if info.sha256 is not None and info.sha256 != version.sha256:
        raise IntegrityError(
            f"stored object {version.blob_key} does not match the SHA-256 of {version.label}",
            key=version.blob_key,
            rule="stored checksums match",
        )
    return path, info


def _upload(
    portal: PortalClient,
    path: Path,
    version: AssetVersion,
    service: Service,
    limiter: Callable[[int], None],
    progress: Progress | None,
) -> tuple[PortalDelivery, dict[str, Any]]:
    sent = 0

    def metered(nbytes: int) -> None:
        nonlocal sent
        limiter(nbytes)
        sent += nbytes
        if progress:
            progress(sent, version.size)

    started = time.monotonic()
    delivered = portal.deliver(
        version.request_id, path, declaration_for(version, path, service), rate_limiter=metered
    )
    return delivered, {"bytes_sent": sent, "seconds": round(time.monotonic() - started, 3)}


def _send(
    database: Database,
    portal: PortalClient,
    path: Path,
    version: AssetVersion,
    service: Service,
    claim: DeliveryClaim,
    rate: int,
    progress: Progress | None,
) -> tuple[PortalDelivery, dict[str, Any]]:
    """Recover the delivery the portal already holds, or upload it; a lost claim stops the upload."""
    _refuse_if_delivered(database, version)  # a worker that held the claim before us may have finished
    found = _already_on_portal(portal, version)
    if found is not None:
        return found, {"bytes_sent": 0, "seconds": 0.0, "recovered": True}
    bucket = SharedBucket(database, delivery_bucket(rate), rate)

    def limiter(nbytes: int) -> None:
        claim.check()
        bucket(nbytes)

    try:
        return _upload(portal, path, version, service, limiter, progress)
    finally:
        bucket.release()


class _Answer(BaseModel):
    """The portal's answer to one attempt, whichever call made it, as the receipt shows it."""

    portal_delivery_id: str
    portal_status: str
    reason_code: str | None = None
    message: str | None = None


class _ImfPackage(BaseModel):
    """The IMF package of a stored ZIP, unpacked in the scratch folder, and the CPL it delivers."""

    folder: Path
    cpl_id: str
    #: The bytes of the ASSETMAP, PKL and CPL the declaration carries.
    size: int


def _imf_package(path: Path, scratch: Path) -> _ImfPackage:
    """Unpack the ZIP safely and find its package (at the root, or in its one top-level folder)."""
    unpacked = unpack_zip(path, scratch / "imf")
    roots = [unpacked, *sorted(p for p in unpacked.iterdir() if p.is_dir())]
    folder = next((r for r in roots if any((r / n).is_file() for n in ("ASSETMAP.xml", "ASSETMAP"))), None)
    if folder is None:
        raise InvalidInput(f"{path.name}: no ASSETMAP at the root of the ZIP or of its top-level folder")
    package = load_package(folder)
    if len(package.cpls) != 1:
        raise InvalidInput(
            f"{path.name} holds {len(package.cpls)} CPLs; a request's version delivers a package with one",
            rule="an IMF version holds one CPL",
        )
    cpl_id = next(iter(package.cpls))
    size = sum(part.stat().st_size for part in package_parts(package, cpl_id))
    return _ImfPackage(folder=folder, cpl_id=cpl_id, size=size)


def _imf_already_on_portal(
    portal: PortalClient, version: AssetVersion, cpl_id: str
) -> ImfDeliveryResult | None:
    """The portal's accepted answer for this CPL to this request, if an earlier attempt got one."""
    accepted = portal.list_imf_deliveries(version.request_id)
    return next((r for r in accepted if r.cpl_id == cpl_id and r.status == "SUCCESS"), None)


def _declare(
    database: Database,
    portal: PortalClient,
    package: _ImfPackage,
    version: AssetVersion,
    claim: DeliveryClaim,
) -> tuple[ImfDeliveryResult, dict[str, Any]]:
    """Recover the portal's answer for this CPL, or declare it (validated first) to the request."""
    _refuse_if_delivered(database, version)  # a worker that held the claim before us may have finished
    found = _imf_already_on_portal(portal, version, package.cpl_id)
    if found is not None:
        return found, {"bytes_sent": 0, "seconds": 0.0, "recovered": True}
    claim.check()
    started = time.monotonic()
    result = deliver_package(portal, package.folder, [version.request_id], cpl_id=package.cpl_id)
    return result, {"bytes_sent": package.size, "seconds": round(time.monotonic() - started, 3)}


def _finish_imf(
    database: Database,
    version: AssetVersion,
    claim: DeliveryClaim,
    package: _ImfPackage,
    result: ImfDeliveryResult,
    figures: dict[str, Any],
    actor: str,
) -> tuple[_Answer, list[LifecycleEvent]]:
    """Record the portal's IMF answer: SUCCESS delivers the version, ERROR fails the attempt.

    The answer has no delivery id; the CPL's id identifies what went (the portal refuses the same
    CPL twice unchanged, and lists the CPLs it accepted per request).
    """
    ok = result.status == "SUCCESS"
    codes = [error.split(":", 1)[0] for error in result.errors]
    answer = _Answer(
        portal_delivery_id=result.cpl_id or package.cpl_id,
        portal_status=result.status,
        reason_code=", ".join(dict.fromkeys(codes)) or None,
        message="; ".join(result.errors) or None,
    )
    events = _record(
        database,
        version,
        claim,
        outcome=DeliveryOutcome.DELIVERED if ok else DeliveryOutcome.FAILED,
        portal_delivery_id=answer.portal_delivery_id,
        figures=figures,
        receipt={"kind": "imf", **result.model_dump(mode="json", by_alias=True)},
        reason=f"delivered as IMF package, CPL {answer.portal_delivery_id} (SUCCESS)",
        actor=actor,
    )
    return answer, events


def deliver_request(
    database: Database,
    blobs: BlobStore,
    portal: PortalClient,
    request_id: str,
    *,
    service: Service | None = None,
    rate_mbps: int = 100,
    actor: str,
    destination: str = "portal",
    progress: Progress | None = None,
    preflight: Preflight | None = None,
    lease_seconds: float = 60.0,
) -> DeliveryReceipt:
    """Deliver the request's current version at most ``rate_mbps`` (shared by all workers).

    ``preflight`` sees the request, the version, and its bytes fetched from the store, and raises
    to refuse; the QC layer passes the delivery-preconditions validator (the file's content: the
    states were checked by the lifecycle's ``deliver`` transition above).
    ``lease_seconds`` bounds how long a worker that died mid-upload keeps others waiting.

    A version that is an IMF package (a ZIP with an ASSETMAP) is not uploaded: it is unpacked
    safely, validated, and its one CPL declared to the request with the portal's IMF call, under
    the same claim and records as an upload.
    """
    rate = validate_rate_mbps(rate_mbps)
    started_at = datetime.now(UTC)
    refreshed = refresh_portal_status(database, portal, request_id)
    service, version = _prepare(database, request_id, service, actor)
    _refuse_if_delivered(database, version)
    with tempfile.TemporaryDirectory(prefix="slate-deliver-") as scratch:
        path, info = _fetch(blobs, version, Path(scratch))
        package = _imf_package(path, Path(scratch)) if is_imf_zip(path) else None
        # A version the portal already holds (a delivery whose record was lost) is recorded, not
        # sent: the portal's status has moved on because of that very delivery.
        held = (
            _already_on_portal(portal, version)
            if package is None
            else _imf_already_on_portal(portal, version, package.cpl_id)
        )
        if preflight is not None and held is None:
            with database.session() as session:
                request = get_request(session, request_id)
            preflight(request, version, path, info)
        claim = DeliveryClaim.take(database, version, service, destination, lease_seconds)
        try:
            if package is None:
                delivered, figures = _send(database, portal, path, version, service, claim, rate, progress)
                events = _finish(database, version, claim, delivered, figures, actor)
                answer = _Answer(
                    portal_delivery_id=delivered.delivery_id,
                    portal_status=delivered.status.value,
                    reason_code=delivered.qc.reason_code,
                    message=delivered.qc.message,
                )
            else:
                result, figures = _declare(database, portal, package, version, claim)
                answer, events = _finish_imf(database, version, claim, package, result, figures, actor)
        except BaseException as exc:
            _abandon(claim, exc)
            raise
    return DeliveryReceipt(
        request_id=request_id,
        version_id=version.version_id,
        version_label=version.label,
        attempt=claim.attempt,
        **answer.model_dump(),
        outcome=DeliveryOutcome.DELIVERED if events else DeliveryOutcome.FAILED,
        file_name=version.file_name,
        size=version.size,
        md5=version.md5,
        sha256=version.sha256,
        bytes_sent=figures["bytes_sent"],
        seconds=figures["seconds"],
        rate_mbps=rate,
        recovered=bool(figures.get("recovered")),
        kind="file" if package is None else "imf",
        started_at=started_at,
        finished_at=datetime.now(UTC),
        events=refreshed + events,
    )


def _abandon(claim: DeliveryClaim, error: BaseException) -> None:
    """Free the claim after ``error``; failing that (the database is down), the lease frees it later
    and ``error`` is still the one the caller sees."""
    try:
        claim.abandon(error)
    except Exception as exc:
        log.warning(
            "delivery claim not freed; its lease will run out", request_id=claim.request_id, error=str(exc)
        )


#: The portal's verdict on a delivery → our attempt's outcome once the inspection has answered.
_VERDICT = {
    DeliveryStatus.ACCEPTED: DeliveryOutcome.ACCEPTED,
    DeliveryStatus.FAILED: DeliveryOutcome.FAILED,
    DeliveryStatus.REJECTED: DeliveryOutcome.FAILED,
}


def record_inspections(database: Database, portal: PortalClient, request_id: str) -> list[str]:
    """Write the portal's later verdict on each of the request's deliveries into our receipts.

    An upload ends PENDING_INSPECTION or PROCESSED; the portal's inspection and manual QC answer
    later (hours, sometimes). The receipt keeps the portal's latest status and when Slate saw it,
    and the attempt's outcome follows a final verdict (ACCEPTED, or FAILED when rejected), so the
    stored delivery says what happened to it. Returns one line per receipt that changed.
    """
    changed: list[str] = []
    deliveries = {d.delivery_id: d for d in portal.list_deliveries(request_id)}
    with database.session() as session:
        rows = session.scalars(
            select(DeliveryRow).where(
                DeliveryRow.request_id == request_id, DeliveryRow.portal_delivery_id.in_(list(deliveries))
            )
        ).all()
        for row in rows:
            portal_delivery = deliveries[row.portal_delivery_id or ""]
            status = portal_delivery.status.value
            if row.receipt.get("status") == status:
                continue
            row.receipt = {
                **row.receipt,
                "status": status,
                "inspected_at": datetime.now(UTC).isoformat(),
                "reason_code": portal_delivery.qc.reason_code,
                "message": portal_delivery.qc.message,
            }
            verdict = _VERDICT.get(portal_delivery.status)
            if verdict is not None and row.outcome != DeliveryOutcome.PENDING.value:
                row.outcome = verdict.value
            changed.append(f"delivery {row.portal_delivery_id}: {status}")
    return changed
