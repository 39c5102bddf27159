"""Proxy sync: store each new proxy the portal reports and attach it to its requests.

The reconcile flow and the webhook-driven flow both call :func:`sync_proxies`. For every open
request in Slate's database (or the ones named, with the other requests of their titles), it
asks the portal for the active Final and Locked proxies of the request's title, fetches each one
Slate has not stored yet (verified against the portal's checksum) into the blob store under a key
of its own, and attaches it with :func:`slate.lifecycle.attach_material` as ``final_proxy`` or
``locked_proxy`` (kept apart). A newer Final Proxy turns the previous one ``DARK_BLUE``; the same
bytes reported twice (webhook and reconcile) change nothing.

A locked proxy carries the watermark of the fulfillment partner it was made for, and the portal
says whose (``watermarkPartner``). Before one is stored, that partner must be Slate's own
(``SLATE_FULFILLMENT_PARTNER_NAME``): a proxy watermarked for another vendor, or for nobody the
portal names, is refused and nothing of it is stored. The request's partner today is not the
test: a request reassigned after the proxy was made does not change whose name is on the picture.

The Final Proxy is probed once, at attach time, for the program's timing (read by
:func:`slate.program.program_timing`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select

from slate.backlot import AssetState, DownloadAsset, DownloadAssetType, PortalClient
from slate.downloads._naming import safe_file_name, safe_name
from slate.errors import MediaError
from slate.lifecycle import attach_material
from slate.logging import get_logger
from slate.media import probe as probe_media
from slate.media import probe_timing
from slate.models import AssetCategory, AssetColor, PortalStatus, SourceRequest, StoredFile
from slate.objects import BlobStore, PutResult
from slate.settings import get_settings
from slate.store import AssetRow, AssetVersionRow, Database, list_requests

__all__ = [
    "ASSET_NAMES",
    "SyncedProxy",
    "current_final_proxy",
    "sync_proxies",
]

log = get_logger(__name__)

#: The asset each proxy kind is kept in, per request.
ASSET_NAMES = {DownloadAssetType.FINAL_PROXY: "final_proxy", DownloadAssetType.LOCKED_PROXY: "locked_proxy"}


class SyncedProxy(BaseModel):
    """What proxy sync did with one proxy for one request."""

    request_id: str
    portal_asset_id: str
    kind: DownloadAssetType
    asset_name: str
    outcome: Literal["attached", "unchanged", "refused"]
    version_id: int | None = None
    blob_key: str | None = None
    sha256: str
    reason: str = ""


def _requests(db: Database, request_ids: Sequence[str] | None) -> list[SourceRequest]:
    """Slate's open requests to sync: all, or those named plus the other requests of their titles.

    A proxy belongs to a title, so a webhook naming the AV request also serves the subtitle and
    audio requests of that episode. Ids Slate does not hold are skipped (and logged).
    """
    with db.session() as session:
        open_requests = [r for r in list_requests(session) if r.portal_status is not PortalStatus.CANCELED]
    if request_ids is None:
        return open_requests
    held = {r.request_id: r for r in open_requests}
    unknown = [r for r in request_ids if r not in held]
    if unknown:
        log.warning("proxy sync skips requests Slate does not hold", request_ids=unknown)
    movies = {held[r].movie_id for r in request_ids if r in held}
    return [r for r in open_requests if r.movie_id in movies]


def _newest_proxies(client: PortalClient, requests: list[SourceRequest]) -> list[DownloadAsset]:
    """The newest active proxy of each kind for each title of ``requests``."""
    found = client.iter_download_assets(
        request_ids=[r.request_id for r in requests],
        types=list(ASSET_NAMES),
        states=[AssetState.ACTIVE],
    )
    newest: dict[tuple[str, DownloadAssetType], DownloadAsset] = {}
    for asset in found:
        key = (asset.movie_id, asset.type)
        if key not in newest or asset.created_at > newest[key].created_at:
            newest[key] = asset
    return sorted(newest.values(), key=lambda a: (a.movie_id, a.type.value))


def _blob_key(asset: DownloadAsset) -> str:
    kind = ASSET_NAMES[asset.type]
    movie = safe_name(asset.movie_id, identity=asset.movie_id)
    asset_id = safe_name(asset.asset_id, identity=asset.asset_id)
    return f"materials/{movie}/{kind}/{asset_id}/{safe_file_name(asset.file_name, identity=asset.asset_id)}"


def _store(
    client: PortalClient, blobs: BlobStore, asset: DownloadAsset
) -> tuple[PutResult, dict[str, object]]:
    """Fetch the proxy (verified), put it in the blob store, and probe its timing."""
    key = _blob_key(asset)
    with tempfile.TemporaryDirectory(prefix="slate-proxy-") as tmp:
        local = Path(tmp) / "proxy"
        client.download_asset(asset.asset_id, local, sha256=asset.checksum)
        facts: dict[str, object] = {}
        if asset.type is DownloadAssetType.FINAL_PROXY:
            try:
                summary = probe_media(local).model_dump(mode="json", exclude={"path"})
                facts = {**summary, **probe_timing(local).model_dump(exclude={"source"})}
            except MediaError as exc:
                log.warning("final proxy could not be probed", asset_id=asset.asset_id, error=exc.message)
        stored = blobs.put_path(key, local)
    return stored, facts


def _has_version(db: Database, request_id: str, asset: DownloadAsset) -> bool:
    with db.session() as session:
        return (
            session.scalar(
                select(AssetVersionRow.version_id)
                .join(AssetRow, AssetRow.asset_id == AssetVersionRow.asset_id)
                .where(
                    AssetRow.request_id == request_id,
                    AssetRow.name == ASSET_NAMES[asset.type],
                    AssetVersionRow.sha256 == asset.checksum.lower(),
                )
            )
            is not None
        )


def _same_partner(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _refusal(asset: DownloadAsset) -> str:
    """Why this proxy must not be stored ("" when it may): a locked proxy not watermarked for us.

    The portal shows a vendor only its own locked proxies, so a refusal means a portal fault or
    credentials of another partner's account; either way the copy must not enter our store.
    """
    if asset.type is not DownloadAssetType.LOCKED_PROXY:
        return ""
    ours = get_settings().fulfillment_partner_name
    marked = asset.watermark_partner
    if marked is not None and _same_partner(marked, ours):
        return ""
    whose = f"watermarked for {marked}" if marked else "watermarked for a partner the portal does not name"
    return f"locked proxy {asset.asset_id} ({asset.file_name}) is {whose}, not for {ours}"


def _sync_one(
    client: PortalClient, db: Database, blobs: BlobStore, asset: DownloadAsset, targets: list[SourceRequest]
) -> list[SyncedProxy]:
    name = ASSET_NAMES[asset.type]
    base = {"portal_asset_id": asset.asset_id, "kind": asset.type, "asset_name": name}
    base["sha256"] = asset.checksum
    reason = _refusal(asset)
    if reason:
        log.warning("locked proxy refused", asset_id=asset.asset_id, reason=reason)
        return [
            SyncedProxy(request_id=r.request_id, outcome="refused", reason=reason, **base) for r in targets
        ]
    if all(_has_version(db, r.request_id, asset) for r in targets):
        return [SyncedProxy(request_id=r.request_id, outcome="unchanged", **base) for r in targets]
    stored, probe = _store(client, blobs, asset)
    actor = get_settings().actor
    results: list[SyncedProxy] = []
    with db.session() as session:
        for request in targets:
            version_id, events = attach_material(
                session,
                request.request_id,
                asset_name=name,
                category=AssetCategory.VIDEO,
                stored=StoredFile(
                    file_name=asset.file_name,
                    blob_key=stored.key,
                    size=stored.size,
                    md5=stored.md5,
                    sha256=stored.sha256,
                    probe=probe,
                ),
                actor=actor,
            )
            outcome: Literal["attached", "unchanged"] = "attached" if events else "unchanged"
            results.append(
                SyncedProxy(
                    request_id=request.request_id,
                    outcome=outcome,
                    version_id=version_id,
                    blob_key=stored.key,
                    **base,
                )
            )
    return results


def sync_proxies(
    client: PortalClient, db: Database, blobs: BlobStore, request_ids: Sequence[str] | None = None
) -> list[SyncedProxy]:
    """Store and attach every new proxy of the requests (all of Slate's open requests by default).

    Named requests bring the other open requests of their titles along (a proxy serves the whole
    episode); names Slate does not hold are skipped. The Final Proxy's probe (ffprobe summary plus
    ``duration_ms``, ``frame_rate``, ``start_timecode``) is kept on its version for validators.
    """
    requests = _requests(db, request_ids)
    if not requests:
        return []
    by_movie: dict[str, list[SourceRequest]] = {}
    for request in requests:
        by_movie.setdefault(request.movie_id, []).append(request)
    results: list[SyncedProxy] = []
    for asset in _newest_proxies(client, requests):
        results += _sync_one(client, db, blobs, asset, by_movie.get(asset.movie_id, []))
    log.info(
        "proxy sync done",
        attached=sum(r.outcome == "attached" for r in results),
        refused=sum(r.outcome == "refused" for r in results),
    )
    return results


def current_final_proxy(db: Database, request_id: str) -> AssetVersionRow | None:
    """The request's active Final Proxy version (detached from its session), or None."""
    with db.session() as session:
        row = session.scalars(
            select(AssetVersionRow)
            .join(AssetRow, AssetRow.asset_id == AssetVersionRow.asset_id)
            .where(
                AssetRow.request_id == request_id,
                AssetRow.name == ASSET_NAMES[DownloadAssetType.FINAL_PROXY],
                AssetVersionRow.color == AssetColor.LIGHT_BLUE.value,
            )
            .order_by(AssetVersionRow.number.desc())
        ).first()
        if row is not None:
            session.expunge(row)
        return row
