"""Pydantic records of the domain: what crosses a boundary (flows, the CLI, the portal, reports).

The database rows live in :mod:`slate.store`; these are their typed, validated views. Versions and
audit events are immutable (``frozen=True``): a change makes a new record.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from slate.models._enums import (
    AssetCategory,
    AssetColor,
    AssetRole,
    DeliveryOutcome,
    MaterialStatus,
    PortalStatus,
    RejectionOrigin,
    ServiceType,
    SourceType,
)

__all__ = [
    "ID_MAX_LENGTH",
    "ID_PATTERN",
    "Asset",
    "AssetVersion",
    "AuditEvent",
    "Delivery",
    "Rejection",
    "Service",
    "SourceRequest",
]

#: What a portal id (a request id) may look like. It becomes a path segment of portal URLs, so
#: no ``/``, no ``..``, nothing to encode: a letter or digit first, then letters, digits, ``. _ : -``.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
#: The request id column's width (``source_requests.request_id``).
ID_MAX_LENGTH = 64


class _Record(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Service(_Record):
    """A Service Type, with the free text that ``OTHER`` requires."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ServiceType
    other: str | None = Field(default=None, max_length=256)

    @model_validator(mode="after")
    def _other_needs_text(self) -> Service:
        if self.type is ServiceType.OTHER and not (self.other and self.other.strip()):
            raise ValueError("service type OTHER needs a description in 'other'")
        if self.type is not ServiceType.OTHER and self.other:
            raise ValueError(f"service type {self.type} takes no 'other' text")
        return self

    def __str__(self) -> str:
        return f"OTHER: {self.other}" if self.type is ServiceType.OTHER else self.type.value


class SourceRequest(_Record):
    """One assignment: a deliverable asset the portal asks this vendor for."""

    # Limits are the widths of the ``source_requests`` columns (tests/harden checks they agree), so
    # an out-of-range record from the portal is refused here, the same on SQLite and PostgreSQL.
    request_id: str = Field(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)
    movie_id: str = Field(max_length=64)
    title: str = Field(max_length=512)
    show_name: str | None = Field(default=None, max_length=512)
    season: int | None = None
    episode_number: int | None = None
    episode_title: str | None = Field(default=None, max_length=512)
    package_id: str | None = Field(default=None, max_length=64)
    source_type: SourceType
    language: str = Field(min_length=1, max_length=35)
    service: Service | None = None
    due_date: date | None = None
    content_partner: str | None = Field(default=None, max_length=256)
    fulfillment_partner: str | None = Field(default=None, max_length=256)
    portal_status: PortalStatus = PortalStatus.OPEN
    material_status: MaterialStatus = MaterialStatus.NOT_RECEIVED
    runtime_seconds: Decimal | None = None
    #: Channels the delivered audio must have (6 for 5.1), when the portal states it.
    audio_channels: int | None = None
    notes: str = ""
    internal_cost: Decimal | None = None
    third_party_fee: Decimal | None = None
    row_version: int = 0


class Asset(_Record):
    """A slot for a file of a request; its contents are a sequence of immutable versions."""

    asset_id: int
    request_id: str
    category: AssetCategory
    name: str


def version_label(file_name: str, number: int) -> str:
    """How people see a version, everywhere they look: ``subtitle_es.xml v2``.

    The database id (``version_id``) stays in machine output (JSON, event resources) only.
    """
    return f"{file_name} v{number}"


class AssetVersion(_Record):
    """One stored file of an asset. Its bytes never change; colour and frozen flag may."""

    version_id: int
    asset_id: int
    request_id: str
    number: int
    file_name: str
    blob_key: str
    size: int
    md5: str
    sha256: str
    probe: dict[str, Any] = Field(default_factory=dict)
    color: AssetColor
    frozen: bool = False
    created_by: str
    created_at: datetime
    row_version: int = 0
    #: Filled by the queries that join the asset (``list_versions``); a deliverable by default.
    role: AssetRole = AssetRole.DELIVERABLE
    asset_name: str = ""

    @property
    def label(self) -> str:
        """``subtitle_es.xml v2``: the one name people see for this version."""
        return version_label(self.file_name, self.number)


class Delivery(_Record):
    """One attempt to deliver a version to the portal."""

    delivery_id: int
    request_id: str
    version_id: int
    attempt: int
    destination: str
    service: Service
    bytes_sent: int = 0
    seconds: float | None = None
    portal_delivery_id: str | None = None
    receipt: dict[str, Any] = Field(default_factory=dict)
    outcome: DeliveryOutcome
    started_at: datetime
    finished_at: datetime | None = None


class Rejection(_Record):
    """A rejection of a version: the portal's redelivery request or our own."""

    rejection_id: int
    request_id: str
    version_id: int | None
    origin: RejectionOrigin
    portal_ref: str | None = None
    reason_code: str
    description: str = ""
    timecodes: list[str] = Field(default_factory=list)
    raised_by: str
    raised_at: datetime
    resolution: str | None = None
    resolved_at: datetime | None = None


class AuditEvent(_Record):
    """One line of the append-only audit trail: who changed what, when, from, to, and why."""

    model_config = ConfigDict(from_attributes=True, extra="forbid", frozen=True)

    event_id: int
    request_id: str
    version_id: int | None
    subject: str  # "material" or "version"
    transition: str
    from_state: str | None
    to_state: str
    actor: str
    reason: str
    automatic: bool
    at: datetime
