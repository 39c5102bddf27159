"""What people do on a request: each action checked by role, share and state, then handed to the domain.

Upload goes through :func:`slate.ingest.ingest_file` (the function the ingest flow runs); the
Service Type through :func:`slate.lifecycle.set_service`; validation and delivery start the
``validate`` and ``deliver`` deployments, as the Prefect UI would; a paused validation's decision
and a failed step's retry go through :mod:`deployments.operator_runs` (the rules ``slate retry``
applies too). The person signed in is the actor.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from slate import lifecycle
from slate.bandwidth import validate_rate_mbps
from slate.delivery import version_to_deliver
from slate.errors import ConflictError, InvalidInput, NotFound
from slate.ingest import ingest_file
from slate.logging import get_logger
from slate.models import Service, ServiceType
from slate.people import (
    Action,
    ShareSubject,
    SignedIn,
    create_share,
    require,
    revoke_share,
    shares_of_request,
)
from slate.store import get_request, update_request
from workspace._web import RequestAccess, access, check_csrf, parts, signed_in

router = APIRouter()
log = get_logger("slate.workspace.actions")

Who = Annotated[SignedIn, Depends(signed_in)]


async def _allowed(request: Request, who: SignedIn, request_id: str, action: Action) -> RequestAccess:
    await check_csrf(request, who)
    seen = access(parts(request), who, request_id)
    require(who.user, action, seen.state, seen.grant)
    return seen


def _back(request_id: str, **params: str) -> Response:
    query = "&".join(f"{k}={quote(v)}" for k, v in params.items() if v)
    return RedirectResponse(
        f"/requests/{quote(request_id)}" + (f"?{query}" if query else ""), status_code=303
    )


def _field(form: object, name: str) -> str:
    value = form.get(name)  # type: ignore[attr-defined]
    return value.strip() if isinstance(value, str) else ""


@router.post("/requests/{request_id}/upload")
async def upload(request: Request, request_id: str, who: Who) -> Response:
    p = parts(request)
    # parsed once here with the upload's size limit; the CSRF check below reads the same form
    form = await request.form(max_part_size=p.settings.max_upload_bytes)
    sent = form.get("file")
    try:
        await _allowed(request, who, request_id, Action.UPLOAD)
        if not isinstance(sent, UploadFile) or not sent.filename:
            raise InvalidInput("choose a file to upload")
        name = Path(sent.filename.replace("\\", "/")).name
        if name in ("", ".", ".."):
            raise InvalidInput("the uploaded file has no usable name")
        with tempfile.TemporaryDirectory(prefix="slate-upload-") as scratch:
            target = Path(scratch) / name
            with target.open("wb") as out:
                shutil.copyfileobj(sent.file, out, 1024 * 1024)
            result = ingest_file(p.database, p.blobs, request_id, str(target), actor=who.user.actor)
    finally:
        await form.close()
    log.info("version uploaded", user=who.user.name, request_id=request_id, version_id=result.version_id)
    return _back(request_id, done=f"uploaded {result.file_name}")


@router.post("/requests/{request_id}/service")
async def set_service(request: Request, request_id: str, who: Who) -> Response:
    await _allowed(request, who, request_id, Action.SET_SERVICE)
    form = await request.form()
    try:
        service = Service(type=ServiceType(_field(form, "service_type")), other=_field(form, "other") or None)
    except ValueError as exc:
        raise InvalidInput(f"not a Service Type: {exc}") from exc
    with parts(request).database.session() as session:
        lifecycle.set_service(session, request_id, service, actor=who.user.actor)
    return _back(request_id, done=f"Service Type set to {service}")


@router.post("/requests/{request_id}/validate")
async def validate(request: Request, request_id: str, who: Who) -> Response:
    await _allowed(request, who, request_id, Action.VALIDATE)
    # On a worker thread: Prefect's run_deployment called in the event loop returns its coroutine.
    run = await run_in_threadpool(
        parts(request).starter,
        "validate/validate",
        {"request_id": request_id},
        tags=[request_id, f"by:{who.user.name}"],
    )
    return _back(request_id, run=run, done="validation started")


@router.post("/requests/{request_id}/deliver")
async def deliver(request: Request, request_id: str, who: Who) -> Response:
    await _allowed(request, who, request_id, Action.DELIVER)
    form = await request.form()
    rate = validate_rate_mbps(int(_field(form, "rate_mbps") or "100"))
    with parts(request).database.session() as session:
        current = get_request(session, request_id)
    if current.service is None:
        raise InvalidInput(f"{request_id}: set the Service Type before delivering")
    version = version_to_deliver(parts(request).database, request_id)
    # refused now, with the rule, rather than in a run later
    lifecycle.check(parts(request).database, request_id, "deliver", version_id=version.version_id)
    params = {"request_id": request_id, "service_type": str(current.service), "rate_mbps": rate}
    run = await run_in_threadpool(
        parts(request).starter, "deliver/deliver", params, tags=[request_id, f"by:{who.user.name}"]
    )
    return _back(request_id, run=run, done=f"delivery started at {rate} Mb/s")


def _prefect_runs(request: Request) -> None:
    if not parts(request).settings.prefect_runs:
        raise ConflictError("this workspace is not connected to Prefect (SLATE_WORKSPACE_PREFECT_RUNS)")


@router.post("/requests/{request_id}/decide")
async def decide(request: Request, request_id: str, who: Who) -> Response:
    """Answer a paused validation, as the Prefect pause form would, signed by the person signed in."""
    from deployments.operator_runs import decide as decide_run

    await _allowed(request, who, request_id, Action.DECIDE)
    _prefect_runs(request)
    form = await request.form()
    answer = {name: _field(form, name) for name in ("action", "justification", "reason")}
    decision = await run_in_threadpool(decide_run, request_id, _field(form, "run_id"), answer, who.user.actor)
    log.info("validation decided", user=who.user.name, request_id=request_id, action=decision.action.value)
    return _back(request_id, done=f"decision sent: {decision.action.value}")


@router.post("/requests/{request_id}/retry")
async def retry(request: Request, request_id: str, who: Who) -> Response:
    """Run a failed step again (the same rules as ``slate retry``), in the person's name."""
    from deployments.operator_runs import retry as retry_step

    await _allowed(request, who, request_id, Action.RETRY)
    _prefect_runs(request)
    form = await request.form()
    retried = await run_in_threadpool(
        lambda: retry_step(
            request_id,
            step=_field(form, "step") or None,
            actor=who.user.actor,
            database=parts(request).database,
        )
    )
    log.info("step retried", user=who.user.name, request_id=request_id, step=retried.step)
    return _back(request_id, run=retried.run_id, done=f"{retried.step} retried")


@router.post("/requests/{request_id}/notes")
async def edit_notes(request: Request, request_id: str, who: Who) -> Response:
    await _allowed(request, who, request_id, Action.EDIT_METADATA)
    form = await request.form()
    with parts(request).database.session() as session:
        update_request(
            session,
            request_id,
            expected_row_version=int(_field(form, "row_version") or "0"),
            notes=_field(form, "notes")[:10000],
        )
    return _back(request_id, done="notes saved")


def _expiry(value: str) -> datetime | None:
    if not value:
        return None
    try:
        days = float(value)
    except ValueError as exc:
        raise InvalidInput("the expiry is a number of days") from exc
    return datetime.now(UTC) + timedelta(days=days)


@router.post("/requests/{request_id}/shares")
async def share(request: Request, request_id: str, who: Who) -> Response:
    await _allowed(request, who, request_id, Action.SHARE)
    form = await request.form()
    p = parts(request)
    with p.database.session() as session:
        current = get_request(session, request_id)
        kind = ShareSubject(_field(form, "subject") or "request")
        subject_id = {
            ShareSubject.REQUEST: request_id,
            ShareSubject.PACKAGE: current.package_id or "",
            ShareSubject.VERSION: _field(form, "version_id"),
            ShareSubject.ASSET: _field(form, "asset_id"),
        }[kind]
        if kind in (ShareSubject.VERSION, ShareSubject.ASSET) and not _belongs(
            session, kind, subject_id, request_id
        ):
            raise NotFound(f"no {kind.value} {subject_id!r} on {request_id}")
        created = create_share(
            session,
            kind,
            subject_id,
            grantee=_field(form, "grantee"),
            created_by=who.user.actor,
            can_download=bool(form.get("can_download")),
            can_upload=bool(form.get("can_upload")),
            can_edit=bool(form.get("can_edit")),
            expires_at=_expiry(_field(form, "expires_days")),
            note=_field(form, "note")[:2000],
        )
    log.info(
        "shared", user=who.user.name, share_id=created.share_id, grantee=created.grantee, subject=kind.value
    )
    return _back(request_id, done=f"shared with {created.grantee}")


def _belongs(session: object, kind: ShareSubject, subject_id: str, request_id: str) -> bool:
    from slate.store import AssetRow, AssetVersionRow

    if not subject_id.isdigit():
        return False
    row_type = AssetVersionRow if kind is ShareSubject.VERSION else AssetRow
    row = session.get(row_type, int(subject_id))  # type: ignore[attr-defined]
    return row is not None and row.request_id == request_id


@router.post("/requests/{request_id}/shares/{share_id}/revoke")
async def revoke(request: Request, request_id: str, share_id: int, who: Who) -> Response:
    await _allowed(request, who, request_id, Action.SHARE)
    with parts(request).database.session() as session:
        if share_id not in {s.share_id for s in shares_of_request(session, request_id)}:
            raise NotFound(f"no share {share_id} on {request_id}")
        revoke_share(session, share_id, actor=who.user.actor)
    return _back(request_id, done="share revoked")
