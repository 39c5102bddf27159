"""The programme's KPIs against its thresholds, per quarter and over the last 30 days.

* **Redelivery rate** (≤ 3 %): of the deliveries the portal received in the period, the share
  whose version the portal then rejected.
* **Blocker redelivery rate** (≤ 0.5 %) and **transfers with blocker errors** (≤ 10): the same,
  counting only rejections whose cause is graded Blocker.
* **On time** (≥ 97 %): of the requests first delivered in the period that have a due date, the
  share delivered by the end of the due date *in the report's time zone* (a due date is a day,
  not an instant: 23:59 on it is on time, 00:00 the next day is not).
* **Blocker redelivery velocity** (≤ 48 h): the average time from a Blocker rejection raised in
  the period to the next delivery of the same request; rejections not yet answered are counted
  apart (``open``), never as zero.

With them, the requests that cost the most: the most portal rejections in the period, Blockers
breaking ties, with what their cost lines add up to.

A period is whole days in the report's time zone. Each figure carries its numerator and
denominator, so a rate over three deliveries is not mistaken for one over three thousand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from slate.reports._costs import costs_by_request
from slate.reports._invoice import period_bounds
from slate.reports._severity import blocker_codes
from slate.store import DeliveryRow, RejectionRow, SourceRequestRow

__all__ = [
    "THRESHOLDS",
    "CostlyItem",
    "Kpi",
    "KpiReport",
    "costliest",
    "kpi_overview",
    "kpi_report",
    "quarters",
]

_DELIVERED = ("DELIVERED", "ACCEPTED")


class Kpi(BaseModel):
    """One KPI of one period: its value, threshold, and whether it is met (None: nothing to measure)."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: float | None
    threshold: float
    better: str  # "lower" or "higher"
    unit: str  # "ratio", "hours" or "count"
    numerator: float
    denominator: float
    met: bool | None
    note: str = ""


class CostlyItem(BaseModel):
    """A request that weighed on the KPIs: its portal rejections in the period and what it cost."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    title: str
    language: str
    source_type: str
    rejections: int
    blockers: int
    cost: Decimal
    currency: str


class KpiReport(BaseModel):
    """The KPIs of one period, and the requests that cost the most in it."""

    model_config = ConfigDict(frozen=True)

    label: str
    start: date
    end: date
    kpis: list[Kpi]
    costliest: list[CostlyItem] = []

    def missed(self) -> list[Kpi]:
        """The KPIs that cross their threshold."""
        return [k for k in self.kpis if k.met is False]


#: name → (threshold, "lower"/"higher" is better, unit)
THRESHOLDS: dict[str, tuple[float, str, str]] = {
    "redelivery_rate": (0.03, "lower", "ratio"),
    "blocker_redelivery_rate": (0.005, "lower", "ratio"),
    "blocker_transfers": (10, "lower", "count"),
    "on_time": (0.97, "higher", "ratio"),
    "blocker_velocity_hours": (48.0, "lower", "hours"),
}


def _kpi(name: str, numerator: float, denominator: float, *, ratio: bool = True, note: str = "") -> Kpi:
    threshold, better, unit = THRESHOLDS[name]
    value = (numerator / denominator if denominator else None) if ratio else numerator
    met = None if value is None else (value <= threshold if better == "lower" else value >= threshold)
    return Kpi(
        name=name, value=value, threshold=threshold, better=better, unit=unit,
        numerator=numerator, denominator=denominator, met=met, note=note,
    )  # fmt: skip


def _redeliveries(session: Session, first: datetime, after: datetime) -> tuple[int, int, int]:
    """Deliveries in the period; how many the portal rejected; how many for a Blocker."""
    portal = select(RejectionRow.version_id).where(RejectionRow.origin == "PORTAL")
    blocker = portal.where(func.upper(RejectionRow.reason_code).in_(blocker_codes()))
    row = session.execute(
        select(
            func.count(),
            func.sum(case((DeliveryRow.version_id.in_(portal), 1), else_=0)),
            func.sum(case((DeliveryRow.version_id.in_(blocker), 1), else_=0)),
        ).where(
            DeliveryRow.outcome.in_(_DELIVERED),
            DeliveryRow.finished_at >= first,
            DeliveryRow.finished_at < after,
        )
    ).one()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def _on_time(session: Session, start: date, end: date, zone: ZoneInfo) -> tuple[int, int]:
    """Requests first delivered in the period with a due date; how many by the end of it, locally.

    A first delivery is one in the period with no earlier one of its request: found through the
    date index and one probe per delivery, rather than grouping every delivery ever made.

    Counted in SQL rather than by reading each delivery into Python (a quarter is some 80,000).
    A first delivery was made on a local day of the period, so it is on time when its due date is
    on or after the period's last day, late when the due date is before the period, and otherwise
    on time when it came before the local midnight that ends the due date: that instant is worked
    out here once per day of the period (time zones and daylight saving stay in Python) and found
    in SQL by halving the days, a handful of comparisons per delivery rather than one per day.
    """
    first, after = period_bounds(start, end, zone)
    earlier = aliased(DeliveryRow)
    before = exists().where(
        earlier.request_id == DeliveryRow.request_id,
        earlier.outcome.in_(_DELIVERED),
        earlier.finished_at < DeliveryRow.finished_at,
    )
    due = SourceRequestRow.due_date
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    judged = [(due >= end, 1), (due < start, 0)]
    if days:
        judged.append((DeliveryRow.finished_at < _end_of_due_day(days, zone), 1))
    total, on_time = session.execute(
        select(func.count(), func.sum(case(*judged, else_=0)))
        .select_from(DeliveryRow)
        .join(SourceRequestRow, SourceRequestRow.request_id == DeliveryRow.request_id)
        .where(
            DeliveryRow.outcome.in_(_DELIVERED),
            DeliveryRow.finished_at >= first,
            DeliveryRow.finished_at < after,
            due.is_not(None),
            ~before,
        )
    ).one()
    return int(on_time or 0), int(total)


def _end_of_due_day(days: list[date], zone: ZoneInfo) -> ColumnElement[datetime]:
    """The instant ending the request's due date (one of ``days``, in order) in ``zone``, as SQL."""
    if len(days) == 1:
        return literal(period_bounds(days[0], days[0], zone)[1], DeliveryRow.finished_at.type)
    middle = len(days) // 2
    return case(
        (SourceRequestRow.due_date < days[middle], _end_of_due_day(days[:middle], zone)),
        else_=_end_of_due_day(days[middle:], zone),
    )


def _velocity(session: Session, first: datetime, after: datetime) -> tuple[list[float], int]:
    """Hours from each Blocker rejection raised in the period to the next delivery; how many are open."""
    answered = (
        select(func.min(DeliveryRow.finished_at))
        .where(
            DeliveryRow.request_id == RejectionRow.request_id,
            DeliveryRow.outcome.in_(_DELIVERED),
            DeliveryRow.finished_at > RejectionRow.raised_at,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(RejectionRow.raised_at, answered).where(
            and_(
                RejectionRow.origin == "PORTAL",
                func.upper(RejectionRow.reason_code).in_(blocker_codes()),
                RejectionRow.raised_at >= first,
                RejectionRow.raised_at < after,
            )
        )
    )
    hours: list[float] = []
    open_ = 0
    for raised, delivered in rows:
        if delivered is None:
            open_ += 1
        else:
            hours.append((_utc(delivered) - _utc(raised)).total_seconds() / 3600)
    return hours, open_


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def costliest(session: Session, first: datetime, after: datetime, limit: int = 10) -> list[CostlyItem]:
    """The requests the portal rejected most in the period (Blockers break ties)."""
    blocker = func.sum(case((func.upper(RejectionRow.reason_code).in_(blocker_codes()), 1), else_=0))
    in_period = (
        RejectionRow.origin == "PORTAL",
        RejectionRow.raised_at >= first,
        RejectionRow.raised_at < after,
    )
    ranked = session.execute(
        select(RejectionRow.request_id, func.count(), blocker)
        .where(*in_period)
        .group_by(RejectionRow.request_id)
        .order_by(func.count().desc(), blocker.desc(), RejectionRow.request_id)
        .limit(limit)
    ).all()
    ids = [r[0] for r in ranked]
    costs = costs_by_request(session, ids)
    rows = session.scalars(select(SourceRequestRow).where(SourceRequestRow.request_id.in_(ids)))
    requests = {r.request_id: r for r in rows}
    items = []
    for request_id, count, blockers in ranked:
        request, lines = requests[request_id], costs[request_id]
        own = (request.internal_cost or Decimal(0)) + (request.third_party_fee or Decimal(0))
        items.append(
            CostlyItem(
                request_id=request_id,
                title=request.title,
                language=request.language,
                source_type=request.source_type,
                rejections=int(count),
                blockers=int(blockers or 0),
                cost=sum((c.amount for c in lines), own),
                currency=lines[0].currency if lines else "",
            )
        )
    return items


def kpi_report(session: Session, start: date, end: date, zone: ZoneInfo, label: str = "") -> KpiReport:
    """The KPIs of the days from ``start`` to ``end`` (inclusive) in ``zone``."""
    first, after = period_bounds(start, end, zone)
    deliveries, redelivered, blocked = _redeliveries(session, first, after)
    on_time, due = _on_time(session, start, end, zone)
    hours, open_ = _velocity(session, first, after)
    kpis = [
        _kpi("redelivery_rate", redelivered, deliveries),
        _kpi("blocker_redelivery_rate", blocked, deliveries),
        _kpi("blocker_transfers", blocked, deliveries, ratio=False),
        _kpi("on_time", on_time, due),
        _kpi(
            "blocker_velocity_hours",
            sum(hours),
            len(hours),
            note=f"{open_} Blocker rejections not redelivered yet" if open_ else "",
        ),
    ]
    return KpiReport(
        label=label or f"{start} to {end}",
        start=start,
        end=end,
        kpis=kpis,
        costliest=costliest(session, first, after),
    )


def quarters(start: date, end: date) -> list[tuple[str, date, date]]:
    """The calendar quarters that overlap ``start``..``end``, each whole: (``2026-Q1``, first, last day)."""
    out = []
    year, quarter = start.year, (start.month - 1) // 3
    while date(year, quarter * 3 + 1, 1) <= end:
        first = date(year, quarter * 3 + 1, 1)
        following = date(year + (quarter == 3), (quarter + 1) % 4 * 3 + 1, 1)
        out.append((f"{year}-Q{quarter + 1}", first, following - timedelta(days=1)))
        year, quarter = following.year, (following.month - 1) // 3
    return out


def kpi_overview(session: Session, start: date, end: date, zone: ZoneInfo, today: date) -> list[KpiReport]:
    """The KPIs of every quarter overlapping the period, then of the 30 days up to ``today``."""
    reports = [kpi_report(session, first, last, zone, label) for label, first, last in quarters(start, end)]
    reports.append(kpi_report(session, today - timedelta(days=29), today, zone, "last 30 days"))
    return reports
