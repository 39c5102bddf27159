"""Task of delivery: send the current version to the portal, with progress and a receipt."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from pydantic import ValidationError

from slate.delivery import DeliveryReceipt, deliver_request
from slate.errors import InvalidInput, TransitionError
from slate.models import AssetVersion, Service, ServiceType, SourceRequest
from slate.objects import ObjectInfo
from slate.settings import get_settings
from slate.store import get_request
from tasks._runtime import actor, blobs, database, emit, portal, progress_reporter
from validators import QCContext, Severity
from validators.delivery import DeliveryCandidate
from validators.delivery import validate as validate_delivery

__all__ = ["check_preconditions", "deliver_version", "parse_service"]


def parse_service(value: str | None) -> Service | None:
    """``SUBTITLING`` → Service; ``OTHER: text`` carries its text; None or empty → None.

    A bad value is refused with the allowed ones listed, since an operator types it in a form.
    """
    if not value:
        return None
    kind, _, other = value.partition(":")
    allowed = ", ".join(t.value for t in ServiceType)
    try:
        service_type = ServiceType(kind.strip().upper())
    except ValueError:
        raise InvalidInput(
            f"service_type {value!r} is not a Service Type; one of {allowed} (OTHER: text for another)",
            parameter="service_type",
            value=value,
            rule="a Service Type from the portal's list",
        ) from None
    try:
        return Service(type=service_type, other=other.strip() or None)
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]) for e in exc.errors())
        raise InvalidInput(
            f"service_type {value!r}: {reason}",
            parameter="service_type",
            value=value,
            rule="OTHER carries a text: 'OTHER: what the service is'",
        ) from None


def check_preconditions(request: SourceRequest, version: AssetVersion, path: Path, info: ObjectInfo) -> None:
    """The delivery-preconditions validator over the bytes about to go; any blocker refuses the delivery."""
    candidate = DeliveryCandidate.of(
        request,
        version,
        recomputed_size=path.stat().st_size,
        recomputed_md5=info.md5,
        recomputed_sha256=info.sha256,
    )
    context = QCContext(asset_type="delivery", language=request.language, profile_name="delivery")
    report = validate_delivery(candidate, context)
    blockers = [f for f in report.findings if f.severity is Severity.BLOCKER]
    if blockers:
        raise TransitionError(
            f"{request.request_id}: not delivered, the preconditions fail: "
            + "; ".join(f"{f.code}: {f.message}" for f in blockers),
            request_id=request.request_id,
            findings=[f.code for f in blockers],
            rule="delivery preconditions (validators.delivery)",
        )


def _receipt_markdown(receipt: DeliveryReceipt) -> str:
    rate = receipt.bytes_sent * 8 / 1e6 / receipt.seconds if receipt.seconds else 0.0
    rows = [
        ("request", receipt.request_id),
        ("version", receipt.version_label),
        ("attempt", str(receipt.attempt)),
        ("portal delivery", receipt.portal_delivery_id),
        ("portal status", receipt.portal_status),
        (
            "outcome",
            receipt.outcome.value
            + (f" ({receipt.reason_code}: {receipt.message})" if receipt.reason_code else ""),
        ),
        ("size", f"{receipt.size:,} bytes"),
        ("md5", f"`{receipt.md5}`"),
        ("sha256", f"`{receipt.sha256}`"),
        (
            "transfer",
            f"{receipt.bytes_sent:,} bytes in {receipt.seconds:.1f} s "
            f"({rate:.1f} Mb/s, limit {receipt.rate_mbps})",
        ),
        ("sent as", "IMF package (the CPL declared)" if receipt.kind == "imf" else "file upload"),
        ("recovered", "yes: the portal already had these bytes" if receipt.recovered else "no"),
        ("started", f"{receipt.started_at:%Y-%m-%d %H:%M:%S} UTC" if receipt.started_at else "-"),
        ("finished", f"{receipt.finished_at:%Y-%m-%d %H:%M:%S} UTC" if receipt.finished_at else "-"),
    ]
    return "# Delivery receipt\n\n| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows) + "\n"


@task(name="deliver to portal")
def deliver_version(request_id: str, service_type: str | None, rate_mbps: int) -> DeliveryReceipt:
    """Deliver the request's current version once; store and show the receipt."""
    with database() as db, portal() as client:
        receipt = deliver_request(
            db,
            blobs(),
            client,
            request_id,
            service=parse_service(service_type),
            rate_mbps=rate_mbps,
            actor=actor(),
            progress=progress_reporter("Upload to the portal"),
            preflight=check_preconditions,
            lease_seconds=get_settings().delivery_lease_seconds,
        )
        with db.session() as session:
            emit(receipt.events, get_request(session, request_id))
    create_markdown_artifact(
        _receipt_markdown(receipt),
        key=f"receipt-{request_id.lower()}"[:64],
        description=f"Delivery receipt {request_id}: {receipt.version_label} {receipt.outcome.value}",
    )
    return receipt
