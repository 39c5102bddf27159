"""Rejection metrics: every rejection (the portal's and our own) and its counts and rates by dimension.

Each rejection is seen with its cause code, its severity, the version it rejected and who made
that version, and the request's service, language and title. Counts are split by origin: the
portal's rejections are what the studio measures; our own show what QC caught before it. The
rate of a person, language, title or service is its rejections over its deliveries in the same
period (a version delivered and rejected counts once in each); a cause's rate is its share of
all rejections.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slate.reports._invoice import period_bounds
from slate.reports._severity import Severity, severity_of
from slate.store import AssetVersionRow, DeliveryRow, RejectionRow, SourceRequestRow

__all__ = ["DIMENSIONS", "RejectionCount", "RejectionFact", "RejectionMetrics", "rejection_metrics"]

#: The dimensions counted, in the order shown.
DIMENSIONS = ("cause", "severity", "person", "language", "title", "service", "origin")
_DELIVERED = ("DELIVERED", "ACCEPTED")


class RejectionFact(BaseModel):
    """One rejection as the metrics see it."""

    model_config = ConfigDict(frozen=True)

    rejection_id: int
    request_id: str
    raised_at: datetime
    origin: str
    cause: str
    severity: Severity
    version: int | None
    person: str
    service: str
    language: str
    title: str
    raised_by: str


class RejectionCount(BaseModel):
    """The rejections of one value of a dimension (one cause, one person, one language, …)."""

    model_config = ConfigDict(frozen=True)

    key: str
    rejections: int
    portal: int
    internal: int
    blockers: int
    deliveries: int | None
    #: Rejections per delivery, or (for causes, severities and origins) the share of all rejections.
    rate: float | None


class RejectionMetrics(BaseModel):
    """Rejections in a period and their counts by every dimension."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    total: int
    deliveries: int
    rejections: list[RejectionFact]
    by: dict[str, list[RejectionCount]]


def _facts(session: Session, first: datetime, after: datetime) -> list[RejectionFact]:
    query = (
        select(
            RejectionRow.rejection_id,
            RejectionRow.request_id,
            RejectionRow.raised_at,
            RejectionRow.origin,
            RejectionRow.reason_code,
            AssetVersionRow.number,
            AssetVersionRow.created_by,
            SourceRequestRow.service_type,
            SourceRequestRow.language,
            SourceRequestRow.title,
            RejectionRow.raised_by,
        )
        .join(SourceRequestRow, SourceRequestRow.request_id == RejectionRow.request_id)
        .outerjoin(AssetVersionRow, AssetVersionRow.version_id == RejectionRow.version_id)
        .where(RejectionRow.raised_at >= first, RejectionRow.raised_at < after)
        .order_by(RejectionRow.raised_at, RejectionRow.rejection_id)
    )
    return [
        RejectionFact(
            rejection_id=rid,
            request_id=req,
            raised_at=at,
            origin=origin,
            cause=code,
            severity=severity_of(code),
            version=number,
            person=by or "",
            service=service or "",
            language=language,
            title=title,
            raised_by=raised_by,
        )
        for rid, req, at, origin, code, number, by, service, language, title, raised_by in session.execute(
            query
        )
    ]


def _deliveries(session: Session, first: datetime, after: datetime) -> dict[str, Counter[str]]:
    """Deliveries in the period counted by person (who made the version), language, title and service."""
    in_period = (
        DeliveryRow.outcome.in_(_DELIVERED),
        DeliveryRow.finished_at >= first,
        DeliveryRow.finished_at < after,
    )
    out: dict[str, Counter[str]] = {d: Counter() for d in ("person", "language", "title", "service")}
    people = (
        select(AssetVersionRow.created_by, func.count())
        .select_from(DeliveryRow)
        .join(AssetVersionRow, AssetVersionRow.version_id == DeliveryRow.version_id)
        .where(*in_period)
        .group_by(AssetVersionRow.created_by)
    )
    for person, count in session.execute(people):
        out["person"][person] += count
    requests = (
        select(SourceRequestRow.language, SourceRequestRow.title, SourceRequestRow.service_type, func.count())
        .select_from(DeliveryRow)
        .join(SourceRequestRow, SourceRequestRow.request_id == DeliveryRow.request_id)
        .where(*in_period)
        .group_by(SourceRequestRow.language, SourceRequestRow.title, SourceRequestRow.service_type)
    )
    for language, title, service, count in session.execute(requests):
        out["language"][language] += count
        out["title"][title] += count
        out["service"][service or ""] += count
    return out


def _key(fact: RejectionFact, dimension: str) -> str:
    return fact.severity.value if dimension == "severity" else str(getattr(fact, dimension))


def _counts(
    facts: list[RejectionFact], dimension: str, delivered: Counter[str] | None
) -> list[RejectionCount]:
    groups: dict[str, list[RejectionFact]] = defaultdict(list)
    for fact in facts:
        groups[_key(fact, dimension)].append(fact)
    rows = []
    for key, group in groups.items():
        deliveries = delivered.get(key, 0) if delivered is not None else None
        if delivered is None:
            rate: float | None = len(group) / len(facts)
        else:
            rate = len(group) / deliveries if deliveries else None
        rows.append(
            RejectionCount(
                key=key,
                rejections=len(group),
                portal=sum(f.origin == "PORTAL" for f in group),
                internal=sum(f.origin == "INTERNAL" for f in group),
                blockers=sum(f.severity is Severity.BLOCKER for f in group),
                deliveries=deliveries,
                rate=rate,
            )
        )
    rows.sort(key=lambda r: (-r.rejections, r.key))
    return rows


def rejection_metrics(session: Session, start: date, end: date, zone: ZoneInfo) -> RejectionMetrics:
    """Every rejection raised from ``start`` to ``end`` (whole days in ``zone``), counted every way."""
    first, after = period_bounds(start, end, zone)
    facts = _facts(session, first, after)
    delivered = _deliveries(session, first, after)
    by = {d: _counts(facts, d, delivered.get(d)) for d in DIMENSIONS}
    return RejectionMetrics(
        start=start,
        end=end,
        total=len(facts),
        deliveries=sum(delivered["language"].values()),
        rejections=facts,
        by=by,
    )
