"""The lifecycle state machine: every change of material status and asset colour goes through here.

The allowed transitions are data (:data:`TRANSITIONS`): for each, the material statuses it may
start from and the one it leads to, the colours a version may have and the one it gets, and the
guards that must hold. :func:`apply` checks one transition, writes the change and its audit
events in the caller's database transaction, and returns the events to emit. A refused
transition raises :class:`~slate.errors.TransitionError` naming from, to and the rule, and —
because the caller's transaction rolls back on any error — writes nothing.

Operations that create rows (a request, a version) live here too, so that no row ever exists in
a state the machine did not put it in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slate.errors import NotFound, TransitionError
from slate.models import (
    AssetCategory,
    AssetColor,
    AssetRole,
    MaterialStatus,
    Service,
    SourceRequest,
    version_label,
)
from slate.store import (
    AssetRow,
    AssetVersionRow,
    AuditEventRow,
    Database,
    SourceRequestRow,
    deliverable_versions,
)
from slate.store._concurrency import insert_ignoring_duplicates, lock_row

__all__ = [
    "TRANSITIONS",
    "LifecycleEvent",
    "Transition",
    "apply",
    "attach_material",
    "check",
    "create_request",
    "deliverable_versions",
    "ensure_asset",
    "receive_version",
    "record_note",
    "set_service",
    "uncancel",
]

M = MaterialStatus
C = AssetColor
_ALL_LIVE = frozenset(set(M) - {M.CANCELED})
_CURRENT = frozenset({C.GRAY, C.LIGHT_BLUE})  # colours of a version that is not superseded or rejected
DELIVERABLE = AssetRole.DELIVERABLE.value
MATERIAL = AssetRole.MATERIAL.value


class LifecycleEvent(BaseModel):
    """An event to emit after the transaction commits (e.g. as a Prefect event)."""

    model_config = ConfigDict(frozen=True)

    event: str
    request_id: str
    version_id: int | None = None
    from_state: str | None
    to_state: str
    automatic: bool = False


@dataclass
class _Context:
    session: Session
    request: SourceRequestRow
    version: AssetVersionRow | None


Guard = Callable[[_Context], str | None]


def _needs_version(ctx: _Context) -> str | None:
    return None if ctx.version is not None else "this transition acts on a version; none was given"


def _version_of_request(ctx: _Context) -> str | None:
    if ctx.version is not None and ctx.version.request_id != ctx.request.request_id:
        return (
            f"{_label(ctx.version)} belongs to request {ctx.version.request_id}, "
            f"not {ctx.request.request_id}; a version can never be delivered to another request"
        )
    return None


def _needs_service(ctx: _Context) -> str | None:
    return None if ctx.request.service_type else "delivery needs a Service Type; set one first"


def _not_delivered_before(ctx: _Context) -> str | None:
    if ctx.version is not None and ctx.version.frozen:
        return f"{_label(ctx.version)} was already delivered to {ctx.request.request_id}"
    return None


def _is_newest(ctx: _Context) -> str | None:
    assert ctx.version is not None
    newest = ctx.session.scalar(
        select(func.max(AssetVersionRow.number)).where(AssetVersionRow.asset_id == ctx.version.asset_id)
    )
    if ctx.version.number != newest:
        return f"{_label(ctx.version)} is superseded by a newer version of its asset"
    return None


def _has_current_version(ctx: _Context) -> str | None:
    return (
        None
        if _current_versions(ctx.session, ctx.request.request_id)
        else "the request has no current version"
    )


def _has_no_current_version(ctx: _Context) -> str | None:
    return (
        "the request still has a current version"
        if _current_versions(ctx.session, ctx.request.request_id)
        else None
    )


@dataclass(frozen=True)
class Transition:
    """One allowed move: from which states, to which, and under which guards."""

    name: str
    material_from: frozenset[MaterialStatus]
    material_to: MaterialStatus | None
    rule: str
    version_from: frozenset[AssetColor] | None = None
    version_to: AssetColor | None = None
    guards: tuple[Guard, ...] = field(default=())
    freeze: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "receive",
            frozenset({M.NOT_RECEIVED, M.RECEIVED, M.ACCEPTED, M.REDELIVERY_REQUESTED}),
            M.RECEIVED,
            "a new upload makes the material RECEIVED and supersedes the previous version",
            frozenset({C.GRAY}),
            C.GRAY,
            (_needs_version, _version_of_request),
        ),
        Transition(
            "accept",
            frozenset({M.RECEIVED}),
            M.ACCEPTED,
            "a clean validation or an operator's approval accepts the newest received version",
            frozenset({C.GRAY, C.LIGHT_BLUE}),
            C.LIGHT_BLUE,
            (_needs_version, _version_of_request, _is_newest),
        ),
        Transition(
            "deliver",
            frozenset({M.ACCEPTED}),
            M.DELIVERED,
            "only an ACCEPTED request's LIGHT_BLUE version, with a Service Type, is delivered, once",
            frozenset({C.LIGHT_BLUE}),
            C.LIGHT_BLUE,
            (_needs_version, _version_of_request, _needs_service, _not_delivered_before),
            freeze=True,
        ),
        Transition(
            "reject",
            frozenset({M.RECEIVED, M.ACCEPTED, M.DELIVERED}),
            M.REDELIVERY_REQUESTED,
            "a rejection (portal QC or our own) turns the version RED and asks for a redelivery",
            frozenset({C.GRAY, C.LIGHT_BLUE}),
            C.RED,
            (_needs_version, _version_of_request),
        ),
        Transition(
            "cancel",
            _ALL_LIVE,
            M.CANCELED,
            "the portal can cancel a request in any live state",
        ),
        Transition(
            "uncancel",
            frozenset({M.CANCELED}),
            M.NOT_RECEIVED,
            "an uncanceled request without material waits for it again",
            guards=(_has_no_current_version,),
        ),
        Transition(
            "uncancel_with_material",
            frozenset({M.CANCELED}),
            M.RECEIVED,
            "an uncanceled request that has material must be validated again",
            guards=(_has_current_version,),
        ),
    )
}


def _label(version: AssetVersionRow) -> str:
    """``subtitle_es.xml v2``, as refusals name a version to people."""
    return version_label(version.file_name, version.number)


def _now() -> datetime:
    return datetime.now(UTC)


def _current_versions(session: Session, request_id: str) -> list[AssetVersionRow]:
    """The current versions of the request's deliverables."""
    query = deliverable_versions(request_id).where(AssetVersionRow.color.in_([c.value for c in _CURRENT]))
    return list(session.scalars(query))


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


def _load(session: Session, request_id: str, version_id: int | None) -> _Context:
    request = session.get(SourceRequestRow, request_id)
    if request is None:
        raise NotFound(f"no source request {request_id!r}", request_id=request_id)
    version = None
    if version_id is not None:
        version = session.get(AssetVersionRow, version_id)
        if version is None:
            raise NotFound(f"no asset version {version_id}", version_id=version_id)
    return _Context(session, request, version)


def _refuse(t: Transition, request_id: str, frm: str, to: str, why: str) -> TransitionError:
    return TransitionError(
        f"{request_id}: cannot {t.name} from {frm} to {to}: {why} (rule: {t.rule})",
        request_id=request_id,
        transition=t.name,
        from_state=frm,
        to_state=to,
        rule=t.rule,
        reason=why,
    )


def _check(t: Transition, ctx: _Context, *, guards_only: bool = False) -> None:
    """Refuse ``t`` unless the request's state, the guards and the version's colour allow it.

    ``guards_only`` checks the guards alone, for a transition that an automatic one will lead
    into: the refusal then still names the state the request is really in.
    """
    material = M(ctx.request.material_status)
    target = str(t.material_to or material)
    if not guards_only and material not in t.material_from:
        allowed = ", ".join(sorted(s.value for s in t.material_from))
        raise _refuse(t, ctx.request.request_id, material, target, f"allowed only from {allowed}")
    for guard in t.guards:
        why = guard(ctx)
        if why:
            raise _refuse(t, ctx.request.request_id, material, target, why)
    if guards_only:
        return
    if t.version_from is not None and ctx.version is not None and C(ctx.version.color) not in t.version_from:
        allowed = ", ".join(sorted(c.value for c in t.version_from))
        why = f"{_label(ctx.version)} is {ctx.version.color}; needs {allowed}"
        raise _refuse(t, ctx.request.request_id, material, target, why)


def _audit(
    ctx: _Context,
    *,
    subject: str,
    transition: str,
    frm: str | None,
    to: str,
    actor: str,
    reason: str,
    automatic: bool,
    version_id: int | None = None,
) -> LifecycleEvent:
    ctx.session.add(
        AuditEventRow(
            request_id=ctx.request.request_id,
            version_id=version_id,
            subject=subject,
            transition=transition,
            from_state=frm,
            to_state=to,
            actor=actor,
            reason=reason,
            automatic=automatic,
            at=_now(),
        )
    )
    return LifecycleEvent(
        event=f"slate.{subject}.{transition}",
        request_id=ctx.request.request_id,
        version_id=version_id,
        from_state=frm,
        to_state=to,
        automatic=automatic,
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
    return _audit(
        _load(session, request_id, None),
        subject=subject,
        transition=transition,
        frm=None,
        to=to,
        actor=actor,
        reason=reason,
        automatic=False,
        version_id=version_id,
    )


def _set_color(
    ctx: _Context,
    version: AssetVersionRow,
    *,
    to: AssetColor,
    transition: str,
    actor: str,
    reason: str,
    automatic: bool,
) -> LifecycleEvent | None:
    if version.color == to:
        return None
    frm = version.color
    version.color = to.value
    return _audit(
        ctx,
        subject="version",
        transition=transition,
        frm=frm,
        to=to.value,
        actor=actor,
        reason=reason,
        automatic=automatic,
        version_id=version.version_id,
    )


def _supersede_others(ctx: _Context, actor: str) -> list[LifecycleEvent]:
    assert ctx.version is not None
    events = []
    others = ctx.session.scalars(
        select(AssetVersionRow).where(
            AssetVersionRow.asset_id == ctx.version.asset_id,
            AssetVersionRow.version_id != ctx.version.version_id,
            AssetVersionRow.color.in_([c.value for c in _CURRENT]),
        )
    )
    for other in others:
        why = f"superseded by version {ctx.version.number}"
        event = _set_color(
            ctx, other, to=C.DARK_BLUE, transition="supersede", actor=actor, reason=why, automatic=True
        )
        if event:
            events.append(event)
    return events


def _apply_checked(
    ctx: _Context, t: Transition, actor: str, reason: str, automatic: bool = False
) -> list[LifecycleEvent]:
    _check(t, ctx)
    events: list[LifecycleEvent] = []
    if t.name == "receive":
        events += _supersede_others(ctx, actor)
    if t.version_to is not None and ctx.version is not None:
        event = _set_color(
            ctx,
            ctx.version,
            to=t.version_to,
            transition=t.name,
            actor=actor,
            reason=reason,
            automatic=automatic,
        )
        if event:
            events.append(event)
        if t.freeze:
            ctx.version.frozen = True
    if t.material_to is not None:
        frm = ctx.request.material_status
        ctx.request.material_status = t.material_to.value
        events.append(
            _audit(
                ctx,
                subject="material",
                transition=t.name,
                frm=frm,
                to=t.material_to.value,
                actor=actor,
                reason=reason,
                automatic=automatic,
                version_id=ctx.version.version_id if ctx.version else None,
            )
        )
    return events


def apply(
    session: Session,
    request_id: str,
    name: str,
    *,
    actor: str,
    reason: str = "",
    version_id: int | None = None,
) -> list[LifecycleEvent]:
    """Apply the transition ``name`` to a request (and a version) inside ``session``'s transaction.

    Delivering a request that is still ``RECEIVED`` first accepts it, recorded as automatic (the
    "forgot to declare" rule). Returns the events to emit once the transaction commits.
    """
    if name not in TRANSITIONS:
        raise TransitionError(f"unknown transition {name!r}", transition=name)
    ctx = _load(session, request_id, version_id)
    events: list[LifecycleEvent] = []
    if name == "deliver" and ctx.request.material_status == M.RECEIVED:
        # The delivery's own rules first, while the request is still RECEIVED: a refusal must not
        # speak of the ACCEPTED state that the automatic accept would only have set in memory.
        _check(TRANSITIONS[name], ctx, guards_only=True)
        why = "accepted automatically on delivery (the material was never declared ACCEPTED)"
        events += _apply_checked(ctx, TRANSITIONS["accept"], actor, why, automatic=True)
    events += _apply_checked(ctx, TRANSITIONS[name], actor, reason)
    session.flush()
    return events


def check(database: Database, request_id: str, name: str, *, version_id: int | None = None) -> None:
    """Raise the :class:`TransitionError` that :func:`apply` would raise, and write nothing.

    Lets a flow refuse before slow work (an upload) rather than after it. The transition is
    applied in a session that is always rolled back. Delivering a RECEIVED request is checked as
    if it had been accepted first, as :func:`apply` would do.
    """
    session = database.new_session()
    try:
        apply(session, request_id, name, actor="check", version_id=version_id)
    finally:
        session.rollback()
        session.close()


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
    ctx = _Context(session, row, None)
    why = reason or "assignment created"
    return [
        _audit(
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
    file_name: str,
    blob_key: str,
    size: int,
    md5: str,
    sha256: str,
    probe: dict[str, Any] | None = None,
    actor: str,
) -> tuple[int, list[LifecycleEvent]]:
    """Store a new GRAY version of an asset (created on first use) and make the material RECEIVED.

    The previous current version of the same asset turns DARK_BLUE in the same transaction. The
    request's row is locked first, so two versions arriving at once are stored one after the other.
    """
    _locked_request(session, request_id)
    asset = ensure_asset(session, request_id, asset_name, category, DELIVERABLE)
    version = _new_version(
        session,
        asset,
        actor,
        file_name=file_name,
        blob_key=blob_key,
        size=size,
        md5=md5,
        sha256=sha256,
        probe=probe or {},
    )
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


def _new_version(session: Session, asset: AssetRow, actor: str, **stored: Any) -> AssetVersionRow:
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
        created_at=_now(),
        **stored,
    )
    session.add(version)
    session.flush()
    return version


def set_service(session: Session, request_id: str, service: Service | None, *, actor: str) -> None:
    """Set (or clear) the Service Type of a request; refused once the request is delivered."""
    ctx = _load(session, request_id, None)
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
    file_name: str,
    blob_key: str,
    size: int,
    md5: str,
    sha256: str,
    probe: dict[str, Any] | None = None,
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
            AssetVersionRow.asset_id == asset.asset_id, AssetVersionRow.sha256 == sha256
        )
    )
    if same is not None:
        return same.version_id, []
    version = _new_version(
        session,
        asset,
        actor,
        file_name=file_name,
        blob_key=blob_key,
        size=size,
        md5=md5,
        sha256=sha256,
        probe=probe or {},
    )
    number = version.number
    ctx = _Context(session, request, version)
    events = _supersede_others(ctx, actor)
    reason = f"material {asset_name} v{number} from the portal"
    event = _set_color(
        ctx, version, to=C.LIGHT_BLUE, transition="attach", actor=actor, reason=reason, automatic=True
    )
    if event:
        events.append(event)
    session.flush()
    return version.version_id, events


def uncancel(session: Session, request_id: str, *, actor: str, reason: str = "") -> list[LifecycleEvent]:
    """Uncancel a request: back to RECEIVED when it has material to validate, else NOT_RECEIVED."""
    name = "uncancel_with_material" if _current_versions(session, request_id) else "uncancel"
    return apply(session, request_id, name, actor=actor, reason=reason)
