"""Operations that create rows: a request, an asset, a version, a material from the portal.

They live beside the state machine so that no row ever exists in a state the machine did not put
it in: each new row is written in its first state and its audit line goes through
:func:`slate.lifecycle._machine.audit`, its colour changes through the same helpers as
:func:`~slate.lifecycle._machine.apply`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slate.errors import NotFound, TransitionError
from slate.lifecycle._machine import LifecycleEvent, apply, audit, load, now, set_color, supersede_others
from slate.lifecycle._table import DELIVERABLE, MATERIAL, Context, current_versions
from slate.models import AssetCategory, AssetColor, MaterialStatus, Service, SourceRequest, StoredFile
from slate.store import AssetRow, AssetVersionRow, SourceRequestRow
from slate.store._concurrency import insert_ignoring_duplicates, lock_row

__all__ = [
    "attach_material",
    "create_request",
    "ensure_asset",
    "receive_version",
    "record_portal_status",
    "set_service",
    "uncancel",
]

M = MaterialStatus
C = AssetColor


def ensure_asset(
    session: Session, request_id: str, name: str, category: AssetCategory, role: str
) -> AssetRow:
    """The asset ``name`` of a request, created on first use; its role never changes.

    Two runs may create the same asset at once (two proxy attaches, two ingests): the row is
    inserted with "on conflict do nothing" and then read, so both get the one row, on SQLite and
    PostgreSQL alike, instead of one failing on the unique (request, name) key.
    """
    values = {"request_id": request_id, "category": category.value, "name": name, "role": role}
    session.execute(insert_ignoring_duplicates(session, AssetRow, values, ["request_id", "name"]))
    asset = session.scalar(select(AssetRow).where(AssetRow.request_id == request_id, AssetRow.name == name))
    assert asset is not None  # inserted above, or by a concurrent run that committed first
    if asset.role != role:
        raise TransitionError(
            f"{request_id}: asset {name!r} holds {asset.role}s, not {role}s "
            "(rule: deliverables and portal materials are kept in separate assets)",
            request_id=request_id,
            asset=name,
            rule="deliverables and portal materials are kept in separate assets",
        )
    return asset


def create_request(
    session: Session, request: SourceRequest, *, actor: str, reason: str = ""
) -> list[LifecycleEvent]:
    """Create a request row, always ``NOT_RECEIVED`` whatever the record says, with its audit line."""
    if session.get(SourceRequestRow, request.request_id) is not None:
        raise TransitionError(f"request {request.request_id} already exists", request_id=request.request_id)
    data: dict[str, Any] = request.model_dump(exclude={"service", "material_status", "row_version"})
    row = SourceRequestRow(**data, material_status=M.NOT_RECEIVED.value)
    if request.service is not None:
        row.service_type = request.service.type.value
        row.service_other = request.service.other
    session.add(row)
    session.flush()
    ctx = Context(session, row, None)
    why = reason or "assignment created"
    return [
        audit(
            ctx,
            subject="material",
            transition="create",
            frm=None,
            to=M.NOT_RECEIVED.value,
            actor=actor,
            reason=why,
            automatic=False,
        )
    ]


def receive_version(
    session: Session,
    request_id: str,
    *,
    asset_name: str,
    category: AssetCategory,
    stored: StoredFile,
    actor: str,
) -> tuple[int, list[LifecycleEvent]]:
    """Store a new GRAY version of an asset (created on first use) and make the material RECEIVED.

    The previous current version of the same asset turns DARK_BLUE in the same transaction. The
    request's row is locked first, so two versions arriving at once are stored one after the other.
    """
    _locked_request(session, request_id)
    asset = ensure_asset(session, request_id, asset_name, category, DELIVERABLE)
    version = _new_version(session, asset, actor, stored)
    number = version.number
    events = apply(
        session,
        request_id,
        "receive",
        actor=actor,
        reason=f"version {number} of {asset_name} stored",
        version_id=version.version_id,
    )
    return version.version_id, events


def _locked_request(session: Session, request_id: str) -> SourceRequestRow:
    """The request's row, locked for this transaction before it is read (see ``lock_row``).

    Whatever creates rows under a request (assets, numbered versions) starts here, so a second
    worker doing the same waits for the first to commit and then reads what it wrote.
    """
    lock_row(session, SourceRequestRow, SourceRequestRow.request_id == request_id)
    request = session.get(SourceRequestRow, request_id, populate_existing=True)
    if request is None:
        raise NotFound(f"no source request {request_id!r}", request_id=request_id)
    return request


def _new_version(session: Session, asset: AssetRow, actor: str, stored: StoredFile) -> AssetVersionRow:
    """A GRAY version numbered after the asset's last one; its colour is the caller's business.

    Callers hold the request's lock (:func:`_locked_request`), so the number cannot be taken twice.
    """
    last = session.scalar(
        select(func.max(AssetVersionRow.number)).where(AssetVersionRow.asset_id == asset.asset_id)
    )
    version = AssetVersionRow(
        asset_id=asset.asset_id,
        request_id=asset.request_id,
        number=(last or 0) + 1,
        color=C.GRAY.value,
        frozen=False,
        created_by=actor,
        created_at=now(),
        **stored.model_dump(),
    )
    session.add(version)
    session.flush()
    return version


def set_service(session: Session, request_id: str, service: Service | None, *, actor: str) -> None:
    """Set (or clear) the Service Type of a request; refused once the request is delivered."""
    ctx = load(session, request_id, None)
    if ctx.request.material_status in (M.DELIVERED, M.CANCELED):
        raise TransitionError(
            f"{request_id}: the Service Type cannot change once the request is {ctx.request.material_status}",
            request_id=request_id,
            rule="the Service Type is fixed once a request is delivered or canceled",
        )
    ctx.request.service_type = service.type.value if service else None
    ctx.request.service_other = service.other if service else None
    session.flush()


def attach_material(
    session: Session,
    request_id: str,
    *,
    asset_name: str,
    category: AssetCategory,
    stored: StoredFile,
    actor: str,
) -> tuple[int, list[LifecycleEvent]]:
    """Store a material the portal gave us (a proxy, a template): LIGHT_BLUE at once.

    Materials are references for the vendor's work, not deliverables, so the request's material
    status does not move; a newer material of the same asset turns the previous one DARK_BLUE.
    Attaching the same bytes again changes nothing (reconcile and webhooks may both report it),
    also when two runs attach them at once: the request's row is locked first.
    """
    request = _locked_request(session, request_id)
    asset = ensure_asset(session, request_id, asset_name, category, MATERIAL)
    same = session.scalar(
        select(AssetVersionRow).where(
            AssetVersionRow.asset_id == asset.asset_id, AssetVersionRow.sha256 == stored.sha256
        )
    )
    if same is not None:
        return same.version_id, []
    version = _new_version(session, asset, actor, stored)
    number = version.number
    ctx = Context(session, request, version)
    events = supersede_others(ctx, actor)
    reason = f"material {asset_name} v{number} from the portal"
    event = set_color(
        ctx, version, to=C.LIGHT_BLUE, transition="attach", actor=actor, reason=reason, automatic=True
    )
    if event:
        events.append(event)
    session.flush()
    return version.version_id, events


def uncancel(session: Session, request_id: str, *, actor: str, reason: str = "") -> list[LifecycleEvent]:
    """Uncancel a request: back to RECEIVED when it has material to validate, else NOT_RECEIVED."""
    name = "uncancel_with_material" if current_versions(session, request_id) else "uncancel"
    return apply(session, request_id, name, actor=actor, reason=reason)


def record_portal_status(session: Session, request_id: str, to: str, *, actor: str) -> LifecycleEvent:
    """The portal changed the request's status: mirror it, with its audit line like every other change.

    The portal drives this status, so no transition guards it; Slate records what it was told.
    """
    ctx = load(session, request_id, None)
    frm = ctx.request.portal_status
    ctx.request.portal_status = to
    return audit(
        ctx,
        subject="portal",
        transition="portal-status",
        frm=frm,
        to=to,
        actor=actor,
        reason="the portal's status changed",
        automatic=True,
    )


def record_note(
    session: Session,
    request_id: str,
    *,
    subject: str,
    transition: str,
    to: str,
    actor: str,
    reason: str,
    version_id: int | None = None,
) -> LifecycleEvent:
    """An audit line for what is not a state change: an operator's decision, a step that failed.

    Written through the same path as every transition's line, so the trail has one shape.
    """
    return audit(
        load(session, request_id, None),
        subject=subject,
        transition=transition,
        frm=None,
        to=to,
        actor=actor,
        reason=reason,
        automatic=False,
        version_id=version_id,
    )
