"""Download Materials: search across requests, manifests, and the files themselves (with Range).

The file endpoint serves ``Range: bytes=N-`` (206), and applies the download faults: a flipped
byte (corruption), a connection cut after some bytes (interruption), and a per-connection
bandwidth cap.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from slate.backlot._contract import (
    DownloadAsset,
    DownloadAssetSearch,
    DownloadAssetType,
    Manifest,
    ManifestEntry,
    ManifestQuery,
    Page,
)
from slate.backlot.emulator._auth import Caller
from slate.backlot.emulator._db import AssetRow, RequestRow, encode_cursor
from slate.backlot.emulator._faults import DownloadRecord, FaultPlan
from slate.backlot.emulator._state import ApiError, Emulator, Principal, get_emulator
from slate.backlot.emulator._views import after_cursor, asset_view, visible_asset, visible_requests

__all__ = ["router"]

router = APIRouter(prefix="/v1/downloads", tags=["downloads"])
Portal = Annotated[Emulator, Depends(get_emulator)]

_RANGE = re.compile(r"bytes=(\d+)-(\d*)")
_CHUNK = 64 * 1024


def _visible_movies(caller: Principal, request_ids: list[str]) -> object:
    query = visible_requests(caller).with_only_columns(RequestRow.movie_id)
    if request_ids:
        query = query.where(RequestRow.request_id.in_(request_ids))
    return query.scalar_subquery()


@router.post("/searchDownloadAssets", response_model=Page[DownloadAsset], summary="Search download assets")
def search_download_assets(
    body: DownloadAssetSearch, emulator: Portal, caller: Caller
) -> Page[DownloadAsset]:
    """Materials of the titles of the given requests (or movies), filtered by category, type, state."""
    query = select(AssetRow).where(AssetRow.movie_id.in_(_visible_movies(caller, body.request_ids)))  # type: ignore[arg-type]
    query = query.where(visible_asset(caller))
    if body.movie_ids:
        query = query.where(AssetRow.movie_id.in_(body.movie_ids))
    types = {t.value for t in body.types}
    if body.categories:
        by_category = {t.value for t in _types_of(body)}
        types = types & by_category if types else by_category
    if body.types or body.categories:
        query = query.where(AssetRow.type.in_(types))
    if body.states:
        query = query.where(AssetRow.state.in_([s.value for s in body.states]))
    query = after_cursor(query, body.cursor, AssetRow.created_at, AssetRow.asset_id)
    with emulator.session() as session:
        rows = session.scalars(query.limit(body.limit + 1)).all()
    more = len(rows) > body.limit
    rows = rows[: body.limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].asset_id) if more else None
    return Page[DownloadAsset](items=[asset_view(r) for r in rows], next_cursor=next_cursor)


def _types_of(body: DownloadAssetSearch) -> list[DownloadAssetType]:
    return [t for t in DownloadAssetType if t.category in body.categories]


def _visible_asset_rows(emulator: Emulator, caller: Principal, asset_ids: list[str]) -> list[AssetRow]:
    query = (
        select(AssetRow)
        .where(AssetRow.asset_id.in_(asset_ids))
        .where(AssetRow.movie_id.in_(_visible_movies(caller, [])))  # type: ignore[arg-type]
        .where(visible_asset(caller))
        .order_by(AssetRow.movie_id, AssetRow.created_at, AssetRow.asset_id)
    )
    with emulator.session() as session:
        return list(session.scalars(query).all())


@router.post(
    "/getDownloadAssetsManifests", response_model=list[Manifest], summary="Manifests of download assets"
)
def get_download_assets_manifests(body: ManifestQuery, emulator: Portal, caller: Caller) -> list[Manifest]:
    """One manifest per title; ids the caller cannot see are left out, as the search leaves them out."""
    manifests: dict[str, Manifest] = {}
    for row in _visible_asset_rows(emulator, caller, body.asset_ids):
        view = asset_view(row)
        entry = ManifestEntry(
            asset_id=view.asset_id,
            type=view.type,
            type_display_name=view.type_display_name,
            qc_status=view.qc_status,
            file_name=view.file_name,
            size=view.size,
            checksum=view.checksum,
            download_path=f"/v1/downloads/assets/{view.asset_id}/content",
        )
        manifests.setdefault(row.movie_id, Manifest(movie_id=row.movie_id, entries=[])).entries.append(entry)
    return list(manifests.values())


async def _stream(
    path: Path, start: int, end: int, *, plan: FaultPlan, corrupt: bool, cut: bool, record: DownloadRecord
) -> AsyncIterator[bytes]:
    """Bytes ``start..end`` of the file, paced and broken as the fault plan says.

    Asynchronous, so a paced download waits on the event loop rather than holding one of the
    server's worker threads: many slow downloads can run at once (the bulk-download benchmark).
    Reads are small and from local disk, so they are done inline. ``record`` counts each chunk
    before it goes out, so a client that has received it can already see it counted.
    """
    sent = 0
    rate = plan.download_bytes_per_second
    chunk_size = min(_CHUNK, max(1024, rate // 10)) if rate else _CHUNK
    began = time.monotonic()
    with path.open("rb") as fh:
        fh.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = fh.read(min(chunk_size, left))
            if not chunk:
                return
            if cut and sent + len(chunk) > plan.interrupt_after_bytes:
                record.bytes_sent += plan.interrupt_after_bytes - sent
                yield chunk[: plan.interrupt_after_bytes - sent]
                raise ConnectionAbortedError("injected fault: download interrupted")
            if corrupt and sent == 0:
                chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
            record.bytes_sent += len(chunk)
            yield chunk
            sent += len(chunk)
            left -= len(chunk)
            if rate:
                ahead = sent / rate - (time.monotonic() - began)
                if ahead > 0:
                    await asyncio.sleep(ahead)


@router.get(
    "/assets/{asset_id}/content",
    summary="Download an asset's file (supports Range: bytes=N-)",
    response_class=StreamingResponse,
    responses={206: {"description": "the requested range"}, 416: {"description": "range not satisfiable"}},
)
def download_content(asset_id: str, request: Request, emulator: Portal, caller: Caller) -> StreamingResponse:
    rows = _visible_asset_rows(emulator, caller, [asset_id])
    if not rows:
        raise ApiError(404, f"download asset {asset_id} not found", "ASSET_NOT_FOUND")
    row = rows[0]
    path = Path(row.file_path)
    size = path.stat().st_size
    start, end, status = 0, size - 1, 200
    range_header = request.headers.get("range")
    match = _RANGE.fullmatch((range_header or "").strip())
    if match:
        start = int(match.group(1))
        end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        if start >= size or start > end:
            raise ApiError(
                416, f"range starts at {start}, the file has {size} bytes", "RANGE_NOT_SATISFIABLE"
            )
        status = 206
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(end - start + 1), "ETag": f'"{row.checksum}"'}
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    corrupt = emulator.faults.take("corrupt_downloads")
    cut = emulator.faults.take("interrupt_downloads")
    plan = emulator.faults.plan
    record = emulator.stats.download(asset_id, range_header, start)
    return StreamingResponse(
        _stream(path, start, end, plan=plan, corrupt=corrupt, cut=cut, record=record),
        status_code=status,
        headers=headers,
        media_type="application/octet-stream",
    )
