"""The pages people read: the asset table, a request's page, and version downloads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response, StreamingResponse

from slate.catalog import ChipState, SortKey, TableQuery, asset_table, request_detail
from slate.errors import AccessDenied, NotFound, SlateError
from slate.logging import get_logger
from slate.models import AssetCategory, ServiceType
from slate.people import Action, SignedIn, log_download, shares_of_request, visible_requests
from slate.store import get_version
from workspace._runs import run_url
from workspace._web import RequestAccess, access, parts, render, signed_in

if TYPE_CHECKING:
    from deployments.operator_runs import RequestRuns

router = APIRouter()
log = get_logger("slate.workspace.pages")

COLUMNS = [
    (AssetCategory.VIDEO, "video", "Video"),
    (AssetCategory.AUDIO, "audio", "Audio"),
    (AssetCategory.TIMED_TEXT, "timed_text", "Timed Text"),
    (AssetCategory.DOCS, "docs", "Docs"),
]
STATE_LABELS = {
    ChipState.ACTIVE: "Active",
    ChipState.NOT_AVAILABLE: "Not Available",
    ChipState.UPGRADED: "Upgraded",
    ChipState.REJECTED: "Rejected",
}


def _query(request: Request) -> TableQuery:
    """The view the URL asks for; a malformed parameter falls back to its default rather than failing."""
    raw = {k: v for k, v in request.query_params.items() if k in TableQuery.model_fields and v != ""}
    try:
        return TableQuery.model_validate(raw)
    except ValidationError:
        clean = {}
        for key, value in raw.items():
            try:
                TableQuery.model_validate({key: value})
                clean[key] = value
            except ValidationError:
                continue
        return TableQuery.model_validate(clean)


def _link(query: TableQuery, **changes: object) -> str:
    data = query.model_dump(mode="json") | changes
    kept = {k: v for k, v in data.items() if v not in (None, "", False) and not (k == "page" and v == 1)}
    return "/?" + urlencode(kept) if kept else "/"


@router.get("/")
def table(request: Request, who: Annotated[SignedIn, Depends(signed_in)]) -> Response:
    p = parts(request)
    query = _query(request)
    with p.database.session() as session:
        page = asset_table(
            session, query, visible=visible_requests(who.user), at_risk_days=p.settings.at_risk_days
        )
    return render(
        request,
        "table.html",
        who=who,
        page=page,
        query=query,
        columns=COLUMNS,
        states=STATE_LABELS,
        sorts=list(SortKey),
        link=lambda **c: _link(query, **c),
        today=date.today(),
    )


@router.get("/requests/{request_id}")
def request_page(
    request: Request,
    request_id: str,
    who: Annotated[SignedIn, Depends(signed_in)],
    run: Annotated[str, Query(max_length=64)] = "",
    done: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    p = parts(request)
    seen = access(p, who, request_id)
    with p.database.session() as session:
        detail = request_detail(session, request_id)
        shares = shares_of_request(session, request_id) if seen.may(Action.SHARE) else []
    versions = [v for v in detail.versions if seen.version_visible(v.version.version_id)]
    runs, runs_error = _request_runs(p.settings.prefect_runs, seen, request_id)
    return render(
        request,
        "request.html",
        who=who,
        d=detail,
        versions=versions,
        shares=shares,
        may={a.value: seen.may(a) for a in Action},
        grant=seen.grant,
        services=list(ServiceType),
        run_link=run_url(p.settings.prefect_ui_url, run) if run.replace("-", "").isalnum() and run else "",
        done=done,
        runs_url=p.settings.prefect_ui_url.rstrip("/") + "/runs",
        runs=runs,
        runs_error=runs_error,
        decision_form=_decision_form() if runs and runs.waiting else None,
        prefect_ui_url=p.settings.prefect_ui_url,
        run_url=run_url,
    )


def _decision_form() -> dict[str, Any]:
    """The pause form's fields and choices, from the flow's own model (titles included)."""
    from flows.validate import Action as DecisionAction
    from flows.validate import QCDecision

    return {"fields": QCDecision.model_fields, "actions": [a.value for a in DecisionAction]}


def _request_runs(enabled: bool, seen: RequestAccess, request_id: str) -> tuple[RequestRuns | None, str]:
    """The request's paused validations and failed steps, for who may act on them.

    A Prefect API that does not answer costs the page its run controls, not the page itself.
    """
    if not enabled or not (seen.may(Action.DECIDE) or seen.may(Action.RETRY)):
        return None, ""
    from deployments.operator_runs import request_runs

    try:
        return request_runs(request_id), ""
    except SlateError as exc:
        return None, f"the runs could not be read: {exc}"
    except Exception as exc:
        log.warning("Prefect runs not read", request_id=request_id, error=str(exc)[:300])
        return None, f"the runs could not be read from Prefect ({type(exc).__name__})"


@router.get("/versions/{version_id}/download")
def download(request: Request, version_id: int, who: Annotated[SignedIn, Depends(signed_in)]) -> Response:
    """A stored version's bytes; through a share, the download is logged against it.

    On S3 the browser is sent (303) to a short-lived presigned URL, so the bytes flow from the
    store and not through this process; the local store has no such URL, so its bytes stream here.
    Either way the access check and the log come first.
    """
    p = parts(request)
    with p.database.session() as session:
        try:
            version = get_version(session, version_id)
        except NotFound:
            raise NotFound(f"no version {version_id}") from None
    seen = access(p, who, version.request_id)
    if not seen.version_visible(version_id):
        raise NotFound(f"no version {version_id}")
    if not seen.may(Action.DOWNLOAD):
        raise AccessDenied(f"{who.user.name} may not download {version.file_name}")
    if who.user.external and seen.grant.download_share_id is not None:
        with p.database.session() as session:
            log_download(session, seen.grant.download_share_id, who.user, version_id)
    log.info("version downloaded", user=who.user.name, version_id=version_id, request_id=version.request_id)
    if p.blobs.presigns and p.settings.download_redirect:
        url = p.blobs.presigned_url(
            version.blob_key,
            timedelta(seconds=p.settings.download_link_seconds),
            download_name=version.file_name,
        )
        return RedirectResponse(url, status_code=303)
    name = quote(version.file_name)
    return StreamingResponse(
        p.blobs.iter_chunks(version.blob_key),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "Content-Length": str(version.size),
        },
    )
