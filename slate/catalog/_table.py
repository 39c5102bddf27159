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
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, bindparam, case, func, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from slate.catalog._search import search_condition, search_words
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


def _read(session: Session, where: list[ColumnElement[bool]], keys: list[tuple[Any, ...]]) -> list[Any]:
    """The requests of the rows ``keys`` with the colour of their newest deliverable version.

    The keys travel as expanding parameters: the statement (and SQLAlchemy's cache key for it) is
    the same for every page, where 50 literal tuples cost more to build and cache than to run.
    """
    r = SourceRequestRow
    columns = (
        r.request_id, r.title, r.show_name, r.season, r.episode_number, r.episode_title, r.package_id,
        r.source_type, r.language, r.due_date, r.portal_status, r.material_status,
    )  # fmt: skip
    k = _keys()
    page = [k[0].in_(bindparam("titles", expanding=True)), tuple_(*k).in_(bindparam("rows", expanding=True))]
    records = session.execute(
        select(*columns).where(*where, *page), {"titles": sorted({key[0] for key in keys}), "rows": keys}
    ).all()
    ids = [rec.request_id for rec in records]
    newest = session.execute(
        select(AssetVersionRow.request_id, func.max(AssetVersionRow.version_id), func.count())
        .join(AssetRow, AssetRow.asset_id == AssetVersionRow.asset_id)
        .where(AssetVersionRow.request_id.in_(ids), AssetRow.role == "deliverable")
        .group_by(AssetVersionRow.request_id)
    ).all()
    counts = {rid: int(n) for rid, _v, n in newest}
    colours = dict(
        session.execute(
            select(AssetVersionRow.request_id, AssetVersionRow.color).where(
                AssetVersionRow.version_id.in_([v for _r, v, _n in newest])
            )
        )
        .tuples()
        .all()
    )
    return [
        SimpleNamespace(
            **rec._asdict(), color=colours.get(rec.request_id), versions=counts.get(rec.request_id, 0)
        )
        for rec in records
    ]


def _keys() -> list[ColumnElement[Any]]:
    """The row key in SQL: title, season, package, episode, and the request id where no episode applies.

    Written with literals (not bound parameters) and in this order so that it is exactly the
    expression index ``ix_source_requests_table_row`` of migration ``0007_people``: grouping and
    sorting by title then walk the index instead of sorting every request.
    """
    r = SourceRequestRow
    return [
        func.coalesce(r.show_name, r.title).label("k_title"),
        func.coalesce(r.season, literal_column("-1")).label("k_season"),
        func.coalesce(r.package_id, literal_column("''")).label("k_package"),
        func.coalesce(r.episode_number, literal_column("-1")).label("k_episode"),
        case((r.episode_number.is_(None), r.request_id), else_=literal_column("''")).label("k_solo"),
    ]


def _showing(category: AssetCategory, color: AssetColor) -> Any:
    """The requests of ``category`` whose chip the column filter for ``color`` keeps (SQL twin of
    :meth:`Chip.shows`).

    Each request's newest deliverable version is looked up by its own index seek (correlated, on
    ``ix_asset_versions_request``) for the requests of that category only: cheaper than grouping
    every version of every request to find the newest ones and joining them to all requests.
    """
    r = aliased(SourceRequestRow)
    deliverable = (
        select(AssetVersionRow.color)
        .join(AssetRow, AssetRow.asset_id == AssetVersionRow.asset_id)
        .where(AssetVersionRow.request_id == r.request_id, AssetRow.role == "deliverable")
    )
    newest = deliverable.order_by(AssetVersionRow.version_id.desc()).limit(1).scalar_subquery()
    if color is AssetColor.DARK_BLUE:
        versions = deliverable.with_only_columns(func.count()).scalar_subquery()
        shows = or_(newest == color.value, versions > 1)
    elif color is AssetColor.GRAY:
        shows = or_(newest.is_(None), newest == color.value)
    else:
        shows = newest == color.value
    kinds = [t.value for t in SourceType if t.category is category]
    return select(r.request_id).where(r.source_type.in_(kinds), shows)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.max(case((condition, 1), else_=0))


def _page_keys(
    session: Session, where: list[ColumnElement[bool]], query: TableQuery
) -> tuple[list[tuple[Any, ...]], int, int]:
    """The keys of the rows on the page asked for, in order; the number of rows; the page shown.

    One grouped statement, not wrapped in a subquery: sorted by title, the database walks the
    row-key index in order and stops after the page (SQLite otherwise sorted every row again).
    """
    r = SourceRequestRow
    keys = _keys()
    grouped = select(*keys).where(*where).group_by(*keys)
    filters = query.column_filters()
    if filters:
        # a row is kept when one of its (visible, searched) requests shows in each filtered column
        having = [_flag(r.request_id.in_(_showing(cat, color))) == 1 for cat, color in filters.items()]
        grouped = grouped.having(*having)
    open_ = r.material_status.not_in([s.value for s in _DONE])
    due = func.min(case((open_, r.due_date), else_=None))
    orders: dict[SortKey, list[Any]] = {
        SortKey.TITLE: keys,
        SortKey.DUE: [func.coalesce(due, date.max), *keys],
        SortKey.PACKAGE: [keys[2], *keys],
    }
    order = [o.desc() for o in orders[query.sort]] if query.desc else orders[query.sort]
    if not filters and not search_words(query.q):
        # without filters or search the count walks the covering index alone, cheaper than the window
        total = int(session.scalar(select(func.count()).select_from(grouped.subquery())) or 0)
        page = min(query.page, max(1, -(-total // PAGE_SIZE)))
        chosen = grouped.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        return [tuple(f) for f in session.execute(chosen)], total, page
    # a filtered or searched grouping is costly: the page and the count come from one pass over it
    # (the window count rides on every row of the page); asked past the end, the last page is read
    page = query.page
    while True:
        chosen = (
            grouped.add_columns(func.count().over().label("total"))
            .order_by(*order)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        found = session.execute(chosen).all()
        if found:
            return [tuple(f)[:5] for f in found], int(found[0].total), page
        if page == 1:
            return [], 0, 1
        total = int(session.scalar(select(func.count()).select_from(grouped.subquery())) or 0)
        page = max(1, -(-total // PAGE_SIZE))


def _row_key(rec: Any) -> tuple[str, int, str, int, str]:
    """The same key as :func:`_keys`, from a fetched record."""
    title = rec.show_name or rec.title
    season = -1 if rec.season is None else rec.season
    if rec.episode_number is None:
        return (title, season, rec.package_id or "", -1, rec.request_id)
    return (title, season, rec.package_id or "", rec.episode_number, "")


def _build_rows(records: list[Any], today: date, at_risk_days: int) -> dict[tuple[Any, ...], TableRow]:
    grouped: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for rec in records:
        grouped[_row_key(rec)].append(rec)
    rows: dict[tuple[Any, ...], TableRow] = {}
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
        rows[key] = TableRow(
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
    return rows


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return dict(sorted(counts.items()))


def _progress(
    session: Session, visible: ColumnElement[bool] | None, groups: set[tuple[str, int, str]]
) -> dict[tuple[str, int, str], tuple[int, int, int]]:
    """Requests, delivered and accepted per title/season/package shown (of all the person may see)."""
    if not groups:
        return {}
    r = SourceRequestRow
    keys = _keys()
    on_portal = [p.value for p in _ON_PORTAL]
    delivered = or_(r.material_status == MaterialStatus.DELIVERED.value, r.portal_status.in_(on_portal))
    query = (
        select(
            keys[0],
            keys[1],
            keys[2],
            func.count(),
            func.sum(case((delivered, 1), else_=0)),
            func.sum(case((r.portal_status == PortalStatus.ACCEPTED.value, 1), else_=0)),
        )
        .where(keys[0].in_({g[0] for g in groups}), *([visible] if visible is not None else []))
        .group_by(keys[0], keys[1], keys[2])
    )
    return {(t, s, p): (int(n), int(d or 0), int(a or 0)) for t, s, p, n, d, a in session.execute(query)}


def asset_table(
    session: Session,
    query: TableQuery,
    *,
    visible: ColumnElement[bool] | None = None,
    today: date | None = None,
    at_risk_days: int = 3,
) -> TablePage:
    """One page of the table for ``query``, limited to ``visible`` requests (all when None).

    Grouping, filtering, sorting and paging happen in the database (one grouped query); only the
    page's requests are then read and turned into chips, so a page costs the same at 100 or 100,000.
    """
    today = today or date.today()
    where = [c for c in (visible, search_condition(session, query.q)) if c is not None]
    keys, total, page = _page_keys(session, where, query)
    if not keys:
        return TablePage(groups=[], rows=total, page=page, pages=max(1, -(-total // PAGE_SIZE)))
    records = _read(session, where, keys)
    built = _build_rows(records, today, at_risk_days)
    progress = _progress(session, visible, {(key[0], key[1], key[2]) for key in keys})
    groups: list[PackageGroup] = []
    for key in keys:
        row = built[key]
        group_key = (key[0], key[1], key[2])
        if (
            not groups
            or (groups[-1].title, groups[-1].season or -1, groups[-1].package_id or "") != group_key
        ):
            total_n, delivered, accepted = progress.get(group_key, (0, 0, 0))
            groups.append(
                PackageGroup(
                    title=row.title,
                    season=row.season,
                    package_id=row.package_id,
                    total=total_n,
                    delivered=delivered,
                    accepted=accepted,
                    rows=[],
                )
            )
        groups[-1].rows.append(row)
    return TablePage(groups=groups, rows=total, page=page, pages=max(1, -(-total // PAGE_SIZE)))
