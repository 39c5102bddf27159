"""The table of lifecycle transitions and the guards each must pass.

A transition is data: the material statuses it may start from and the one it leads to, the
colours a version may have and the one it gets, and the guards that must hold. Reading this
module alone tells which moves exist and why each may be refused; :mod:`slate.lifecycle._machine`
applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slate.models import AssetColor, AssetRole, MaterialStatus, version_label
from slate.store import AssetVersionRow, SourceRequestRow, deliverable_versions

__all__ = [
    "DELIVERABLE",
    "MATERIAL",
    "TRANSITIONS",
    "Context",
    "Guard",
    "Transition",
    "current_versions",
    "deliverable_versions",
]

M = MaterialStatus
C = AssetColor
_ALL_LIVE = frozenset(set(M) - {M.CANCELED})
CURRENT = frozenset(c for c in C if c.current)  # colours of a version that is not superseded or rejected
DELIVERABLE = AssetRole.DELIVERABLE.value
MATERIAL = AssetRole.MATERIAL.value


@dataclass
class Context:
    """What a guard sees: the session, the request's row, and the version the transition acts on."""

    session: Session
    request: SourceRequestRow
    version: AssetVersionRow | None


Guard = Callable[[Context], str | None]


def label(version: AssetVersionRow) -> str:
    """``subtitle_es.xml v2``, as refusals name a version to people."""
    return version_label(version.file_name, version.number)


def current_versions(session: Session, request_id: str) -> list[AssetVersionRow]:
    """The current versions of the request's deliverables."""
    query = deliverable_versions(request_id).where(AssetVersionRow.color.in_([c.value for c in CURRENT]))
    return list(session.scalars(query))


def _needs_version(ctx: Context) -> str | None:
    return None if ctx.version is not None else "this transition acts on a version; none was given"


def _version_of_request(ctx: Context) -> str | None:
    if ctx.version is not None and ctx.version.request_id != ctx.request.request_id:
        return (
            f"{label(ctx.version)} belongs to request {ctx.version.request_id}, "
            f"not {ctx.request.request_id}; a version can never be delivered to another request"
        )
    return None


def _needs_service(ctx: Context) -> str | None:
    return None if ctx.request.service_type else "delivery needs a Service Type; set one first"


def _not_delivered_before(ctx: Context) -> str | None:
    if ctx.version is not None and ctx.version.frozen:
        return f"{label(ctx.version)} was already delivered to {ctx.request.request_id}"
    return None


def _is_newest(ctx: Context) -> str | None:
    assert ctx.version is not None
    newest = ctx.session.scalar(
        select(func.max(AssetVersionRow.number)).where(AssetVersionRow.asset_id == ctx.version.asset_id)
    )
    if ctx.version.number != newest:
        return f"{label(ctx.version)} is superseded by a newer version of its asset"
    return None


def _has_current_version(ctx: Context) -> str | None:
    return (
        None
        if current_versions(ctx.session, ctx.request.request_id)
        else "the request has no current version"
    )


def _has_no_current_version(ctx: Context) -> str | None:
    return (
        "the request still has a current version"
        if current_versions(ctx.session, ctx.request.request_id)
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
