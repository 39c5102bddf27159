"""What the request export shows: the related requests of a package, and their deliveries and rejections.

A package is what the portal groups (``package_id``); a request without one is grouped with the
other requests of its title (``movie_id``). The AV request comes first, then the other video,
audio, timed text and documents, each by language. Everything is read in a few set queries,
never one per request, so a package of hundreds of requests reads as fast as one of ten.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slate.errors import NotFound
from slate.models import AssetCategory, SourceType
from slate.reports._costs import chunks, costs_by_request
from slate.reports._models import CostKind
from slate.reports._runtime import runtimes
from slate.reports._severity import Severity, severity_of
from slate.store import AssetVersionRow, DeliveryRow, RejectionRow, SourceRequestRow

__all__ = ["AssetLine", "HistoryLine", "PackageReport", "package_report"]

_DELIVERED = ("DELIVERED", "ACCEPTED")
_ORDER = {c: i for i, c in enumerate(AssetCategory)}


class AssetLine(BaseModel):
    """One related request, as a row of the Assets sheet."""

    model_config = ConfigDict(frozen=True)

    package_id: str | None
    request_id: str
    source_type: str
    language: str
    title: str
    show_name: str | None
    season: int | None
    episode: int | None
    episode_title: str | None
    content_partner: str | None
    due_date: date | None
    portal_status: str
    material_status: str
    service: str
    runtime_seconds: Decimal | None
    deliveries: int
    redeliveries: int
    rejections: int
    first_delivered: datetime | None
    notes: str
    internal_cost: Decimal
    third_party_fees: Decimal
    currency: str


class HistoryLine(BaseModel):
    """One delivery or rejection of a related request, as a row of the History sheet."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    language: str
    source_type: str
    event: str  # "delivery" or "rejection"
    at: datetime
    detail: str  # the delivery's outcome, or the rejection's origin
    attempt: int | None = None
    reason_code: str = ""
    severity: Severity | None = None
    description: str = ""
    version: int | None = None
    made_by: str = ""
    raised_by: str = ""
    portal_ref: str = ""


class PackageReport(BaseModel):
    """The whole export: what it was asked for, and its two sheets."""

    model_config = ConfigDict(frozen=True)

    anchor: str
    package: str
    assets: list[AssetLine]
    history: list[HistoryLine]


def _related(session: Session, request_id: str) -> tuple[str, list[SourceRequestRow]]:
    anchor = session.get(SourceRequestRow, request_id)
    if anchor is None:
        raise NotFound(f"no source request {request_id!r}", request_id=request_id)
    if anchor.package_id:
        key, where = anchor.package_id, SourceRequestRow.package_id == anchor.package_id
    else:
        key, where = f"title {anchor.movie_id}", SourceRequestRow.movie_id == anchor.movie_id
    rows = list(session.scalars(select(SourceRequestRow).where(where)))
    rows.sort(
        key=lambda r: (
            r.source_type != SourceType.AV_MUXED.value,
            _ORDER[SourceType(r.source_type).category],
            r.source_type,
            r.language,
            r.request_id,
        )
    )
    return key, rows


def _versions(session: Session, ids: list[str]) -> dict[int, tuple[int, str]]:
    """Version id → (number, who made it)."""
    out: dict[int, tuple[int, str]] = {}
    for part in chunks(ids):
        query = select(AssetVersionRow.version_id, AssetVersionRow.number, AssetVersionRow.created_by)
        for version_id, number, by in session.execute(query.where(AssetVersionRow.request_id.in_(part))):
            out[version_id] = (number, by)
    return out


def _history(session: Session, rows: list[SourceRequestRow]) -> list[HistoryLine]:
    """Every delivery and rejection of the requests, read as the columns shown rather than ORM objects."""
    ids = [r.request_id for r in rows]
    by_id = {r.request_id: r for r in rows}
    versions = _versions(session, ids)
    lines: list[HistoryLine] = []
    for part in chunks(ids):
        deliveries = select(
            DeliveryRow.request_id,
            DeliveryRow.version_id,
            DeliveryRow.finished_at,
            DeliveryRow.started_at,
            DeliveryRow.outcome,
            DeliveryRow.attempt,
            DeliveryRow.portal_delivery_id,
        )
        for d in session.execute(deliveries.where(DeliveryRow.request_id.in_(part))):
            number, by = versions.get(d.version_id, (None, ""))
            request = by_id[d.request_id]
            lines.append(
                HistoryLine(
                    request_id=d.request_id,
                    language=request.language,
                    source_type=request.source_type,
                    event="delivery",
                    at=d.finished_at or d.started_at,
                    detail=d.outcome,
                    attempt=d.attempt,
                    version=number,
                    made_by=by,
                    portal_ref=d.portal_delivery_id or "",
                )
            )
        rejections = select(
            RejectionRow.request_id,
            RejectionRow.version_id,
            RejectionRow.raised_at,
            RejectionRow.origin,
            RejectionRow.reason_code,
            RejectionRow.description,
            RejectionRow.raised_by,
            RejectionRow.portal_ref,
        )
        for j in session.execute(rejections.where(RejectionRow.request_id.in_(part))):
            number, by = versions.get(j.version_id, (None, "")) if j.version_id else (None, "")
            request = by_id[j.request_id]
            lines.append(
                HistoryLine(
                    request_id=j.request_id,
                    language=request.language,
                    source_type=request.source_type,
                    event="rejection",
                    at=j.raised_at,
                    detail=j.origin,
                    reason_code=j.reason_code,
                    severity=severity_of(j.reason_code),
                    description=j.description,
                    version=number,
                    made_by=by,
                    raised_by=j.raised_by,
                    portal_ref=j.portal_ref or "",
                )
            )
    order = {r: i for i, r in enumerate(ids)}
    lines.sort(key=lambda line: (order[line.request_id], line.at, line.event))
    return lines


def _counts(
    session: Session, ids: list[str]
) -> tuple[dict[str, tuple[int, datetime | None]], dict[str, int]]:
    delivered: dict[str, tuple[int, datetime | None]] = {}
    rejected: dict[str, int] = defaultdict(int)
    for part in chunks(ids):
        query = (
            select(DeliveryRow.request_id, func.count(), func.min(DeliveryRow.finished_at))
            .where(DeliveryRow.request_id.in_(part), DeliveryRow.outcome.in_(_DELIVERED))
            .group_by(DeliveryRow.request_id)
        )
        for request_id, count, first in session.execute(query):
            delivered[request_id] = (int(count), first)
        query2 = (
            select(RejectionRow.request_id, func.count())
            .where(RejectionRow.request_id.in_(part))
            .group_by(RejectionRow.request_id)
        )
        for request_id, count in session.execute(query2):
            rejected[request_id] = int(count)
    return delivered, rejected


def package_report(session: Session, request_id: str, *, currency: str) -> PackageReport:
    """Every request related to ``request_id`` with its figures, and the history of them all.

    ``currency`` is the one of the request's own cost fields and of requests with no cost line.
    """
    key, rows = _related(session, request_id)
    ids = [r.request_id for r in rows]
    delivered, rejected = _counts(session, ids)
    costs = costs_by_request(session, ids)
    runtime = runtimes(session, ids)
    assets = []
    for r in rows:
        lines = costs[r.request_id]
        count, first = delivered.get(r.request_id, (0, None))
        internal = sum(
            (c.amount for c in lines if c.kind is CostKind.INTERNAL), r.internal_cost or Decimal(0)
        )
        fees = sum(
            (c.amount for c in lines if c.kind is CostKind.THIRD_PARTY), r.third_party_fee or Decimal(0)
        )
        service = f"OTHER: {r.service_other}" if r.service_type == "OTHER" else (r.service_type or "")
        assets.append(
            AssetLine(
                package_id=r.package_id,
                request_id=r.request_id,
                source_type=r.source_type,
                language=r.language,
                title=r.title,
                show_name=r.show_name,
                season=r.season,
                episode=r.episode_number,
                episode_title=r.episode_title,
                content_partner=r.content_partner,
                due_date=r.due_date,
                portal_status=r.portal_status,
                material_status=r.material_status,
                service=service,
                runtime_seconds=runtime[r.request_id],
                deliveries=count,
                redeliveries=max(count - 1, 0),
                rejections=rejected.get(r.request_id, 0),
                first_delivered=first,
                notes=r.notes or "",
                internal_cost=internal,
                third_party_fees=fees,
                currency=lines[0].currency if lines else currency,
            )
        )
    return PackageReport(anchor=request_id, package=key, assets=assets, history=_history(session, rows))
