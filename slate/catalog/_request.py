"""Everything about one request, for its page: both panels, versions, QC, deliveries, rejections, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from slate.models import AssetColor, AssetVersion, AuditEvent, SourceRequest
from slate.store import (
    AssetRow,
    DeliveryRow,
    QCReportRow,
    RejectionRow,
    audit_trail,
    get_request,
    list_versions,
)

__all__ = ["QCFinding", "QCSummary", "RequestDetail", "VersionView", "request_detail"]


class VersionView(BaseModel):
    """A version as a person reads it: ``subtitle_es.xml v2``, colour, size, digests, who and when."""

    version: AssetVersion
    asset_name: str
    label: str


class QCFinding(BaseModel):
    code: str
    severity: str
    message: str
    where: str


class TimelineRow(BaseModel):
    """One resource of an IMF composition, where it sits (segment, sequence) and its extent."""

    segment: int
    sequence: str
    track_file_id: str
    edit_rate: str
    entry_point: int
    duration: int


class CompositionView(BaseModel):
    """An IMF package's CPL as its QC report measured it: what the request page lays out."""

    cpl_id: str
    title: str
    edit_rate: str
    frames: int
    rows: list[TimelineRow]


class QCSummary(BaseModel):
    report_id: int
    version_id: int
    profile: str
    worst: str | None
    blocked: bool
    created_at: datetime
    findings: list[QCFinding]
    #: The compositions of an IMF package (empty for any other file).
    timeline: list[CompositionView] = []


class DeliveryView(BaseModel):
    attempt: int
    version_id: int
    outcome: str
    service: str
    bytes_sent: int
    portal_delivery_id: str | None
    receipt: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None


class RejectionView(BaseModel):
    version_id: int | None
    origin: str
    reason_code: str
    description: str
    timecodes: list[str]
    raised_by: str
    raised_at: datetime
    resolution: str | None


class RequestDetail(BaseModel):
    request: SourceRequest
    versions: list[VersionView]
    qc: list[QCSummary]
    deliveries: list[DeliveryView]
    rejections: list[RejectionView]
    audit: list[AuditEvent]

    @property
    def current(self) -> VersionView | None:
        """The newest version that is not superseded or rejected (what would be delivered)."""
        live = [v for v in self.versions if v.version.color in (AssetColor.GRAY, AssetColor.LIGHT_BLUE)]
        return live[-1] if live else None


def _where(location: dict[str, Any]) -> str:
    parts = []
    if location.get("timecode"):
        parts.append(str(location["timecode"]))
    if location.get("event_index") is not None:
        parts.append(f"event {location['event_index']}")
    if location.get("channel"):
        parts.append(f"channel {location['channel']}")
    if location.get("start_seconds") is not None:
        parts.append(f"{location['start_seconds']:.2f}s")
    if location.get("line") is not None:
        parts.append(f"line {location['line']}")
    return ", ".join(parts)


def _qc(row: QCReportRow) -> QCSummary:
    findings = [
        QCFinding(
            code=str(f.get("code", "")),
            severity=str(f.get("severity", "")),
            message=str(f.get("message", "")),
            where=_where(f.get("location") or {}),
        )
        for f in row.report.get("findings", [])
    ]
    return QCSummary(
        report_id=row.report_id,
        version_id=row.version_id,
        profile=row.profile,
        worst=row.worst,
        blocked=row.blocked,
        created_at=row.created_at,
        findings=findings,
        timeline=_timeline(row.report.get("measurements", {}).get("imf", [])),
    )


def _timeline(compositions: list[dict[str, Any]]) -> list[CompositionView]:
    """The report's IMF measurements (``slate.imf.summary``) as rows: segment, sequence, resource."""
    return [
        CompositionView(
            cpl_id=str(cpl["cpl_id"]),
            title=str(cpl.get("title") or ""),
            edit_rate=str(cpl.get("edit_rate")),
            frames=int(cpl.get("frames") or 0),
            rows=[
                TimelineRow(
                    segment=number,
                    sequence=str(sequence["kind"]),
                    track_file_id=str(resource["track_file_id"]),
                    edit_rate=str(resource["edit_rate"]),
                    entry_point=int(resource["entry_point"] or 0),
                    duration=int(resource["duration"] or 0),
                )
                for number, segment in enumerate(cpl.get("segments", []), start=1)
                for sequence in segment.get("sequences", [])
                for resource in sequence.get("resources", [])
            ],
        )
        for cpl in compositions
    ]


def request_detail(session: Session, request_id: str) -> RequestDetail:
    """Everything the request page shows; :class:`~slate.errors.NotFound` for an unknown id."""
    request = get_request(session, request_id)
    names = dict(
        session.execute(select(AssetRow.asset_id, AssetRow.name).where(AssetRow.request_id == request_id))
        .tuples()
        .all()
    )
    versions = [
        VersionView(version=v, asset_name=names.get(v.asset_id, "?"), label=f"{v.file_name} v{v.number}")
        for v in list_versions(session, request_id)
    ]
    qc = session.scalars(
        select(QCReportRow).where(QCReportRow.request_id == request_id).order_by(QCReportRow.report_id)
    )
    deliveries = session.scalars(
        select(DeliveryRow).where(DeliveryRow.request_id == request_id).order_by(DeliveryRow.attempt)
    )
    rejections = session.scalars(
        select(RejectionRow).where(RejectionRow.request_id == request_id).order_by(RejectionRow.rejection_id)
    )
    return RequestDetail(
        request=request,
        versions=versions,
        qc=[_qc(r) for r in qc],
        deliveries=[
            DeliveryView(
                attempt=d.attempt,
                version_id=d.version_id,
                outcome=d.outcome,
                service=d.service_type + (f": {d.service_other}" if d.service_other else ""),
                bytes_sent=d.bytes_sent,
                portal_delivery_id=d.portal_delivery_id,
                receipt=d.receipt or {},
                started_at=d.started_at,
                finished_at=d.finished_at,
            )
            for d in deliveries
        ],
        rejections=[
            RejectionView(
                version_id=r.version_id,
                origin=r.origin,
                reason_code=r.reason_code,
                description=r.description,
                timecodes=list(r.timecodes or []),
                raised_by=r.raised_by,
                raised_at=r.raised_at,
                resolution=r.resolution,
            )
            for r in rejections
        ],
        audit=audit_trail(session, request_id),
    )
