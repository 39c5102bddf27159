"""IMF deliveries (``POST /v1/deliveries/imf``): the portal reads the package's ASSETMAP, PKL and
CPL, applies its IMF rules and answers per CPL and per track (NEW / MODIFIED / UNMODIFIED / ERROR).

The emulator keeps, per title (movie id), the last CPL it processed and the track files it has
seen, which is what the portal's five delivery checks compare against. Track-file transfer is not
modelled: a track file counts as uploaded once a processed PKL listed it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends

from slate.backlot._contract import ImfDelivery, ImfDeliveryResult, ImfTrackState, ImfTrackStatus
from slate.backlot.emulator._api_deliveries import DELIVERABLE
from slate.backlot.emulator._auth import Caller
from slate.backlot.emulator._db import RequestRow
from slate.backlot.emulator._state import ApiError, Emulator, get_emulator
from slate.backlot.emulator._views import visible_request, visible_requests
from slate.imf.findings import Findings, blocking
from slate.imf.models import AssetMap, Composition, PackingList, PklAsset
from slate.imf.package import Package
from slate.imf.readers import read_document
from slate.imf.studio import ImfRequest, StudioContext, check_delivery, track_statuses
from slate.imf.validate import check_document
from slate.models import AssetCategory, SourceType

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["deliveries"])
Portal = Annotated[Emulator, Depends(get_emulator)]


@dataclass
class _Title:
    """What the portal remembers of one title's IMF deliveries."""

    last_cpl: Composition | None = None
    track_files: set[str] = field(default_factory=set)
    #: Each SUCCESS answer, by request it went to: what a vendor asks after losing its record.
    accepted: dict[str, list[ImfDeliveryResult]] = field(default_factory=dict)


_TITLES: WeakKeyDictionary[Emulator, dict[str, _Title]] = WeakKeyDictionary()
_LOCK = threading.Lock()


def _read(data: str, name: str, kind: type, out: Findings) -> object | None:
    document = read_document(data.encode(), name, out)
    if document.model is not None and not isinstance(document.model, kind):
        out.add("IMF_WRONG_DOCUMENT", f"{name} is a {document.kind}, not the expected document")
        return None
    if document.model is not None:
        check_document(document.model, out)
    return document.model


def _documents(body: ImfDelivery) -> tuple[list[str], Package | None]:
    """The package as the portal reads it, or the reasons it cannot."""
    out = Findings()
    assetmap = _read(body.asset_map_xml, "ASSETMAP.xml", AssetMap, out)
    pkl = _read(body.packing_list_xml, "PKL.xml", PackingList, out)
    cpl = _read(body.composition_playlist_xml, "CPL.xml", Composition, out)
    errors = [f"{f.code}: {f.message}" for f in blocking(out.items)]
    if isinstance(assetmap, AssetMap) and isinstance(pkl, PackingList) and isinstance(cpl, Composition):
        if pkl.id not in {a.id for a in assetmap.assets if a.packing_list}:
            errors.append(f"IMF_UUID_MISMATCH: the ASSETMAP flags no PackingList {pkl.id}")
        if cpl.id not in {a.id for a in pkl.assets}:
            errors.append(f"IMF_UUID_MISMATCH: the PKL does not list CPL {cpl.id}")
        package = Package(root=Path("."), assetmap=assetmap, pkls=[pkl], cpls={cpl.id: cpl})
        return errors, package
    return errors or ["IMF_UNREADABLE: the package's documents cannot be read"], None


def _requests_for_tracks(rows: list[RequestRow], cpl: Composition) -> list[ImfRequest]:
    """Which IMF request each virtual track answers: image to the AV request, audio by language."""
    video = [r for r in rows if SourceType(r.source_type).category is AssetCategory.VIDEO]
    audio = [r for r in rows if SourceType(r.source_type).category is AssetCategory.AUDIO]
    mapped: list[ImfRequest] = []
    for track_id, sequences in cpl.tracks().items():
        kind = sequences[0].kind
        targets = video if kind == "MainImageSequence" or not audio else audio
        if kind not in {"MainImageSequence", "MainAudioSequence"}:
            continue
        mapped.extend(
            ImfRequest(request_id=r.request_id, track_id=track_id, expecting_delivery=r.status in DELIVERABLE)
            for r in targets
        )
    return mapped


def _movie_requests(
    emulator: Emulator, caller: Caller, request_ids: list[str]
) -> tuple[str, list[RequestRow]]:
    with emulator.session() as session:
        chosen = [visible_request(session, caller, r) for r in request_ids]
        movies = {r.movie_id for r in chosen}
        if len(movies) != 1:
            raise ApiError(422, "an IMF delivery goes to requests of one title", "IMF_MIXED_TITLES")
        movie = movies.pop()
        rows = list(session.scalars(visible_requests(caller).where(RequestRow.movie_id == movie)).all())
        session.expunge_all()
    return movie, rows


@router.post(
    "/deliveries/imf",
    response_model=ImfDeliveryResult,
    summary="Deliver an IMF package (ASSETMAP, PKL, CPL) to the IMF requests its CPL answers",
)
def deliver_imf(body: ImfDelivery, emulator: Portal, caller: Caller) -> ImfDeliveryResult:
    if not body.request_ids:
        raise ApiError(422, "requestIds is empty", "INVALID_REQUEST")
    movie, rows = _movie_requests(emulator, caller, body.request_ids)
    errors, package = _documents(body)
    if package is None or errors:
        return ImfDeliveryResult(cpl_id="", status="ERROR", errors=errors)
    cpl = next(iter(package.cpls.values()))
    with _LOCK:
        title = _TITLES.setdefault(emulator, {}).setdefault(movie, _Title())
        known = PackingList(id="", namespace="", assets=[PklAsset(id=t) for t in title.track_files])
        video = next((r for r in rows if r.request_id in body.request_ids), rows[0])
        context = StudioContext(
            language=video.language,
            original_language=(cpl.languages or [video.language])[0],
            title_has_complete_package=title.last_cpl is not None,
            original=Package(root=Path("."), pkls=[known]),
            requests=_requests_for_tracks(rows, cpl),
            delivering_to=body.request_ids,
            last_processed=title.last_cpl,
            uploaded_track_files=set(title.track_files),
        )
        refusals = check_delivery(package, cpl.id, context)
        statuses = track_statuses(cpl, title.last_cpl)
        result = ImfDeliveryResult(
            cpl_id=cpl.id,
            status="ERROR" if refusals else "SUCCESS",
            errors=[f"{f.code}: {f.message}" for f in refusals],
            track_status=[
                ImfTrackStatus(
                    request_id=r.request_id,
                    track_id=r.track_id,
                    status=ImfTrackState.ERROR
                    if refusals
                    else ImfTrackState(statuses[r.track_id].value.upper()),
                )
                for r in context.requests
                if r.request_id in body.request_ids
            ],
        )
        if not refusals:
            title.last_cpl = cpl
            title.track_files |= package.pkl_asset_ids()
            for request_id in body.request_ids:
                title.accepted.setdefault(request_id, []).append(result)
    return result


@router.get(
    "/requests/{request_id}/deliveries/imf",
    response_model=list[ImfDeliveryResult],
    summary="The IMF deliveries the portal accepted for a request (SUCCESS answers), oldest first",
)
def list_imf_deliveries(request_id: str, emulator: Portal, caller: Caller) -> list[ImfDeliveryResult]:
    with emulator.session() as session:
        movie = visible_request(session, caller, request_id).movie_id
    with _LOCK:
        title = _TITLES.get(emulator, {}).get(movie)
        return list(title.accepted.get(request_id, [])) if title is not None else []
