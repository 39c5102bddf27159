"""Applying a transition: check it against the table, write the change and its audit rows.

:func:`apply` checks one transition, writes the change and its audit events in the caller's
database transaction, and returns the events to emit. A refused transition raises
:class:`~slate.errors.TransitionError` naming from, to and the rule, and — because the caller's
transaction rolls back on any error — writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from slate.errors import NotFound, TransitionError
from slate.lifecycle._table import CURRENT, TRANSITIONS, Context, Transition, label
from slate.models import AssetColor, MaterialStatus
from slate.store import AssetVersionRow, AuditEventRow, Database, SourceRequestRow

__all__ = ["LifecycleEvent", "apply", "audit", "check", "load", "now", "set_color", "supersede_others"]

M = MaterialStatus
C = AssetColor


class LifecycleEvent(BaseModel):
    """An event to emit after the transaction commits (e.g. as a Prefect event)."""

    model_config = ConfigDict(frozen=True)

    event: str
    request_id: str
    version_id: int | None = None
    from_state: str | None
    to_state: str
    automatic: bool = False


def now() -> datetime:
    """The time an audit row or a new row is stamped with (UTC)."""
    return datetime.now(UTC)


def load(session: Session, request_id: str, version_id: int | None) -> Context:
    """The request's row (and the version's) for a transition; NotFound when either is missing."""
    request = session.get(SourceRequestRow, request_id)
    if request is None:
        raise NotFound(f"no source request {request_id!r}", request_id=request_id)
    version = None
    if version_id is not None:
        version = session.get(AssetVersionRow, version_id)
        if version is None:
            raise NotFound(f"no asset version {version_id}", version_id=version_id)
    return Context(session, request, version)


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


def _check(t: Transition, ctx: Context, *, guards_only: bool = False) -> None:
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
        why = f"{label(ctx.version)} is {ctx.version.color}; needs {allowed}"
        raise _refuse(t, ctx.request.request_id, material, target, why)


def audit(
    ctx: Context,
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
    """One audit row in the session and the event it stands for; every change of state writes one."""
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
            at=now(),
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


def set_color(
    ctx: Context,
    version: AssetVersionRow,
    *,
    to: AssetColor,
    transition: str,
    actor: str,
    reason: str,
    automatic: bool,
) -> LifecycleEvent | None:
    """Turn ``version`` to ``to`` with its audit row; None when it already has that colour."""
    if version.color == to:
        return None
    frm = version.color
    version.color = to.value
    return audit(
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


def supersede_others(ctx: Context, actor: str) -> list[LifecycleEvent]:
    """The asset's other current versions turn DARK_BLUE: only one version of an asset is current."""
    assert ctx.version is not None
    events = []
    others = ctx.session.scalars(
        select(AssetVersionRow).where(
            AssetVersionRow.asset_id == ctx.version.asset_id,
            AssetVersionRow.version_id != ctx.version.version_id,
            AssetVersionRow.color.in_([c.value for c in CURRENT]),
        )
    )
    for other in others:
        why = f"superseded by version {ctx.version.number}"
        event = set_color(
            ctx, other, to=C.DARK_BLUE, transition="supersede", actor=actor, reason=why, automatic=True
        )
        if event:
            events.append(event)
    return events


def _apply_checked(
    ctx: Context, t: Transition, actor: str, reason: str, automatic: bool = False
) -> list[LifecycleEvent]:
    _check(t, ctx)
    events: list[LifecycleEvent] = []
    if t.name == "receive":
        events += supersede_others(ctx, actor)
    if t.version_to is not None and ctx.version is not None:
        event = set_color(
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
            audit(
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
    ctx = load(session, request_id, version_id)
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
