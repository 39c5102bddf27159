"""The asset table as the portal shows it: a row per episode, four asset columns of coloured chips.

One query reads every request a person may see (with the colour of its newest deliverable
version) through the indexes of migration ``0007_people``; rows, filters, sorting and package
progress are then computed from that one read, so a page costs one round trip whatever it shows.
A row is an episode (title, season, episode, package) or, where no episode applies, one request.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from slate.models import AssetCategory, AssetColor, MaterialStatus, PortalStatus, SourceType
from slate.store import AssetRow, AssetVersionRow, SourceRequestRow

__all__ = ["Chip", "ChipState", "PackageGroup", "TablePage", "TableQuery", "TableRow", "asset_table"]

PAGE_SIZE = 50


class ChipState(StrEnum):
    """The column filters: each names one asset colour."""

    ACTIVE = "active"
    NOT_AVAILABLE = "not_available"
    UPGRADED = "upgraded"
    REJECTED = "rejected"


STATE_COLOR: dict[ChipState, AssetColor] = {
    ChipState.ACTIVE: AssetColor.LIGHT_BLUE,
    ChipState.NOT_AVAILABLE: AssetColor.GRAY,
    ChipState.UPGRADED: AssetColor.DARK_BLUE,
    ChipState.REJECTED: AssetColor.RED,
}


class SortKey(StrEnum):
    TITLE = "title"
    DUE = "due"
    PACKAGE = "package"


class TableQuery(BaseModel):
    """What a table view asks for; every field travels in the URL so a view can be shared."""

    model_config = ConfigDict(frozen=True)

    q: str = Field(default="", max_length=200)
    video: ChipState | None = None
    audio: ChipState | None = None
    timed_text: ChipState | None = None
    docs: ChipState | None = None
    sort: SortKey = SortKey.TITLE
    desc: bool = False
    page: int = Field(default=1, ge=1)

    def column_filters(self) -> dict[AssetCategory, AssetColor]:
        chosen = {
            AssetCategory.VIDEO: self.video,
            AssetCategory.AUDIO: self.audio,
            AssetCategory.TIMED_TEXT: self.timed_text,
            AssetCategory.DOCS: self.docs,
        }
        return {c: STATE_COLOR[s] for c, s in chosen.items() if s is not None}


class Chip(BaseModel):
    """One request in its asset column: its kind, language, colour and both statuses."""

    request_id: str
    source_type: SourceType
    language: str
    color: AssetColor
    #: How many versions it has had; more than one means it was upgraded (older ones are DARK_BLUE).
    versions: int
    material_status: MaterialStatus
    portal_status: PortalStatus

    @property
    def upgraded(self) -> bool:
        return self.color is AssetColor.DARK_BLUE or self.versions > 1

    def shows(self, color: AssetColor) -> bool:
        """Whether the column filter for ``color`` keeps this chip (Upgraded: any earlier version)."""
        return self.upgraded if color is AssetColor.DARK_BLUE else self.color is color


class TableRow(BaseModel):
    key: str
    title: str
    season: int | None
    episode_number: int | None
    episode_title: str | None
    package_id: str | None
    chips: dict[AssetCategory, list[Chip]]
    due_date: date | None
    late: bool
    at_risk: bool
    material: dict[str, int]
    portal: dict[str, int]


class PackageGroup(BaseModel):
    """Rows of one title, season and package, with the package's progress."""

    title: str
    season: int | None
    package_id: str | None
    total: int
    delivered: int
    accepted: int
    rows: list[TableRow]

    @property
    def percent_accepted(self) -> int:
        return round(100 * self.accepted / self.total) if self.total else 0


class TablePage(BaseModel):
    groups: list[PackageGroup]
    rows: int
    page: int
    pages: int


_DONE = frozenset({MaterialStatus.DELIVERED, MaterialStatus.CANCELED})
_READY = frozenset({MaterialStatus.ACCEPTED, MaterialStatus.DELIVERED, MaterialStatus.CANCELED})
_ON_PORTAL = frozenset({PortalStatus.DELIVERED, PortalStatus.PROCESSED, PortalStatus.ACCEPTED})


def _search(q: str) -> ColumnElement[bool] | None:
    q = q.strip().lower()
    if not q:
        return None
    like = f"%{q.replace('%', '').replace('_', '')}%"
    return or_(
        func.lower(SourceRequestRow.title).like(like),
        func.lower(SourceRequestRow.show_name).like(like),
        func.lower(SourceRequestRow.episode_title).like(like),
        func.lower(SourceRequestRow.request_id).like(like),
        func.lower(SourceRequestRow.package_id).like(like),
        func.lower(SourceRequestRow.language) == q,
    )


def _read(session: Session, where: list[ColumnElement[bool]]) -> list[Any]:
    newest = (
        select(
            AssetVersionRow.request_id,
            func.max(AssetVersionRow.version_id).label("version_id"),
            func.count(AssetVersionRow.version_id).label("versions"),
        )
        .join(AssetRow, AssetRow.asset_id == AssetVersionRow.asset_id)
        .where(AssetRow.role == "deliverable")
        .group_by(AssetVersionRow.request_id)
        .subquery()
    )
    r = SourceRequestRow
    query = (
        select(
            r.request_id, r.title, r.show_name, r.season, r.episode_number, r.episode_title, r.package_id,
            r.source_type, r.language, r.due_date, r.portal_status, r.material_status,
            AssetVersionRow.color, newest.c.versions,
        )
        .outerjoin(newest, newest.c.request_id == r.request_id)
        .outerjoin(AssetVersionRow, AssetVersionRow.version_id == newest.c.version_id)
        .where(*where)
    )  # fmt: skip
    return list(session.execute(query).all())


def _row_key(rec: Any) -> tuple[str, int | None, int | None, str | None, str]:
    title = rec.show_name or rec.title
    if rec.episode_number is None:
        return (title, rec.season, None, rec.package_id, rec.request_id)
    return (title, rec.season, rec.episode_number, rec.package_id, "")


def _build_rows(records: list[Any], today: date, at_risk_days: int) -> list[TableRow]:
    grouped: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for rec in records:
        grouped[_row_key(rec)].append(rec)
    rows = []
    for key, recs in grouped.items():
        chips: dict[AssetCategory, list[Chip]] = {c: [] for c in AssetCategory}
        late = at_risk = False
        dues = []
        for rec in sorted(recs, key=lambda x: (x.source_type, x.language)):
            status = MaterialStatus(rec.material_status)
            chip = Chip(
                request_id=rec.request_id,
                source_type=SourceType(rec.source_type),
                language=rec.language,
                color=AssetColor(rec.color) if rec.color else AssetColor.GRAY,
                versions=rec.versions or 0,
                material_status=status,
                portal_status=PortalStatus(rec.portal_status),
            )
            chips[chip.source_type.category].append(chip)
            if rec.due_date is not None and status not in _DONE:
                dues.append(rec.due_date)
                late = late or rec.due_date < today
                at_risk = at_risk or (
                    status not in _READY and rec.due_date <= today + timedelta(days=at_risk_days)
                )
        first = recs[0]
        rows.append(
            TableRow(
                key="|".join("" if k is None else str(k) for k in key),
                title=key[0],
                season=first.season,
                episode_number=first.episode_number,
                episode_title=first.episode_title if first.episode_number is not None else first.title,
                package_id=first.package_id,
                chips=chips,
                due_date=min(dues) if dues else None,
                late=late,
                at_risk=at_risk and not late,
                material=_count(r.material_status for r in recs),
                portal=_count(r.portal_status for r in recs),
            )
        )
    return rows


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return dict(sorted(counts.items()))


def _matches(row: TableRow, filters: dict[AssetCategory, AssetColor]) -> bool:
    return all(any(c.shows(color) for c in row.chips[cat]) for cat, color in filters.items())


def _sort(rows: list[TableRow], key: SortKey, desc: bool) -> None:
    def by_title(r: TableRow) -> tuple[Any, ...]:
        return (r.title.lower(), r.season or 0, r.package_id or "", r.episode_number or 0, r.key)

    if key is SortKey.DUE:
        rows.sort(key=lambda r: (r.due_date or date.max, *by_title(r)), reverse=desc)
    elif key is SortKey.PACKAGE:
        rows.sort(key=lambda r: (r.package_id or "", *by_title(r)), reverse=desc)
    else:
        rows.sort(key=by_title, reverse=desc)


def _progress(records: list[Any]) -> dict[tuple[Any, ...], tuple[int, int, int]]:
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for rec in records:
        counts = totals[(rec.show_name or rec.title, rec.season, rec.package_id)]
        counts[0] += 1
        portal = PortalStatus(rec.portal_status)
        counts[1] += rec.material_status == MaterialStatus.DELIVERED or portal in _ON_PORTAL
        counts[2] += portal is PortalStatus.ACCEPTED
    return {k: (v[0], v[1], v[2]) for k, v in totals.items()}


def asset_table(
    session: Session,
    query: TableQuery,
    *,
    visible: ColumnElement[bool] | None = None,
    today: date | None = None,
    at_risk_days: int = 3,
) -> TablePage:
    """One page of the table for ``query``, limited to ``visible`` requests (all when None)."""
    where = [c for c in (visible, _search(query.q)) if c is not None]
    records = _read(session, where)
    rows = _build_rows(records, today or date.today(), at_risk_days)
    filters = query.column_filters()
    if filters:
        rows = [r for r in rows if _matches(r, filters)]
    _sort(rows, query.sort, query.desc)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(query.page, pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    progress = _progress(records)
    groups: list[PackageGroup] = []
    for row in shown:
        group_key = (row.title, row.season, row.package_id)
        if not groups or (groups[-1].title, groups[-1].season, groups[-1].package_id) != group_key:
            total, delivered, accepted = progress.get(group_key, (0, 0, 0))
            groups.append(
                PackageGroup(
                    title=row.title,
                    season=row.season,
                    package_id=row.package_id,
                    total=total,
                    delivered=delivered,
                    accepted=accepted,
                    rows=[],
                )
            )
        groups[-1].rows.append(row)
    return TablePage(groups=groups, rows=len(rows), page=page, pages=pages)
