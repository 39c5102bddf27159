"""A request's runtime, for per-minute rates and the export: stated, else measured.

The portal does not always state a runtime. Then the programme's length is taken from what Slate
has already probed, in this order: the request's own runtime; its current Final Proxy (the
reference every deliverable is checked against); its own current AV file; and, for a subtitle or
dub that has neither, the same from another request of the same title (``movie_id``), the AV
request first. Nothing is probed again here: the figures were stored when the files arrived.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from slate.models import AssetCategory, AssetColor, SourceType
from slate.store import AssetRow, AssetVersionRow, SourceRequestRow

__all__ = ["FINAL_PROXY_ASSET", "runtimes"]

#: The asset proxy sync attaches a Final Proxy as (``slate.downloads.proxy_sync.ASSET_NAMES``; a test
#: keeps the two equal). Not imported: the portal client it would bring costs the CLI a second to load.
FINAL_PROXY_ASSET = "final_proxy"
_CURRENT = (AssetColor.LIGHT_BLUE.value, AssetColor.GRAY.value)
_CHUNK = 500


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _probe_seconds(probe: dict[str, Any]) -> Decimal | None:
    """The duration a stored probe states (a Final Proxy's keeps milliseconds, ffprobe's seconds)."""
    if probe.get("duration_ms") is not None:
        return Decimal(int(probe["duration_ms"])) / 1000
    if probe.get("duration_seconds") is not None:
        return Decimal(str(probe["duration_seconds"])).quantize(Decimal("0.001"))
    return None


def _measured(session: Session, request_ids: Sequence[str]) -> dict[str, Decimal]:
    """Runtimes probed from each request's Final Proxy, else its own AV file."""
    proxy: dict[str, tuple[int, Decimal]] = {}
    own: dict[str, tuple[int, Decimal]] = {}
    for part in _chunks(request_ids):
        rows = session.execute(
            select(AssetVersionRow.request_id, AssetRow.name, AssetVersionRow.number, AssetVersionRow.probe)
            .join(AssetRow, AssetRow.asset_id == AssetVersionRow.asset_id)
            .where(
                AssetVersionRow.request_id.in_(part),
                AssetVersionRow.color.in_(_CURRENT),
                or_(
                    AssetRow.name == FINAL_PROXY_ASSET,
                    and_(AssetRow.role == "deliverable", AssetRow.category == AssetCategory.VIDEO.value),
                ),
            )
        )
        for request_id, name, number, probe in rows:
            seconds = _probe_seconds(probe or {})
            if seconds is None:
                continue
            found = proxy if name == FINAL_PROXY_ASSET else own
            if request_id not in found or found[request_id][0] < number:
                found[request_id] = (number, seconds)
    return {r: (proxy.get(r) or own[r])[1] for r in request_ids if r in proxy or r in own}


def _stated(session: Session, request_ids: Sequence[str]) -> dict[str, tuple[str, str, Decimal | None]]:
    out: dict[str, tuple[str, str, Decimal | None]] = {}
    for part in _chunks(request_ids):
        rows = session.execute(
            select(
                SourceRequestRow.request_id,
                SourceRequestRow.movie_id,
                SourceRequestRow.source_type,
                SourceRequestRow.runtime_seconds,
            ).where(SourceRequestRow.request_id.in_(part))
        )
        for request_id, movie_id, source_type, runtime in rows:
            out[request_id] = (movie_id, source_type, runtime)
    return out


def _own(session: Session, request_ids: Sequence[str]) -> tuple[dict[str, Decimal | None], dict[str, str]]:
    stated = _stated(session, request_ids)
    found: dict[str, Decimal | None] = {r: s[2] for r, s in stated.items()}
    measured = _measured(session, [r for r, v in found.items() if v is None])
    found.update(measured)
    return found, {r: s[0] for r, s in stated.items()}


def _by_title(session: Session, movie_ids: set[str]) -> dict[str, Decimal]:
    """For each title, the runtime its requests give, the AV request's first."""
    siblings: list[tuple[str, str, str]] = []
    for part in _chunks(sorted(movie_ids)):
        siblings += session.execute(
            select(
                SourceRequestRow.request_id, SourceRequestRow.movie_id, SourceRequestRow.source_type
            ).where(SourceRequestRow.movie_id.in_(part))
        ).tuples()
    found, _ = _own(session, [s[0] for s in siblings])
    siblings.sort(key=lambda s: (s[2] != SourceType.AV_MUXED.value, s[0]))
    out: dict[str, Decimal] = {}
    for request_id, movie_id, _type in siblings:
        value = found.get(request_id)
        if value is not None and movie_id not in out:
            out[movie_id] = value
    return out


def runtimes(session: Session, request_ids: Sequence[str]) -> dict[str, Decimal | None]:
    """Each request's runtime in seconds, or None when nothing states or measured it."""
    found, movies = _own(session, list(dict.fromkeys(request_ids)))
    missing = {movies[r] for r, v in found.items() if v is None}
    if missing:
        titles = _by_title(session, missing)
        for request_id, value in found.items():
            if value is None:
                found[request_id] = titles.get(movies[request_id])
    return {r: found.get(r) for r in request_ids}
