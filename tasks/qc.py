"""Tasks of validation: run the registered validators on a version, keep the report, show it."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from pydantic import BaseModel

from slate import lifecycle
from slate.delivery import version_to_deliver
from slate.imf.source import is_imf_zip
from slate.ingest import materialize
from slate.models import AssetVersion, RejectionOrigin, SourceRequest, SourceType
from slate.program import ProgramTiming, program_timing
from slate.redelivery import record_rejection
from slate.settings import get_settings
from slate.store import QCReportRow, get_request
from tasks._runtime import actor, apply_and_emit, blobs, database
from tasks.imf_qc import imf_report, timeline_markdown
from validators import QCContext, Report, run_validators
from validators.profiles import load_profile

__all__ = [
    "QCOutcome",
    "accept_version",
    "qc_context",
    "qc_kind",
    "reject_version",
    "run_qc",
    "validate_file",
]

#: Which validators (the ``slate qc --type``) a source type gets. Types not here get none yet.
QC_KIND: dict[SourceType, str] = {
    SourceType.SUBTITLE: "subtitle",
    SourceType.SDH_CC: "sdh",
    SourceType.FORCED_NARRATIVE: "forced",
    SourceType.ENGLISH_TEMPLATE: "template",
    SourceType.AUDIO_PRINTMASTER: "printmaster",
    SourceType.AUDIO_ME: "me",
    SourceType.SECONDARY_AUDIO: "secondary_audio",
    SourceType.AUDIO_DESCRIPTION: "secondary_audio",
}
_LAYOUTS = {2: "2.0", 6: "5.1", 8: "7.1"}


class QCOutcome(BaseModel):
    """The verdict on one version: its report, whether it blocks, and where the report is kept."""

    request_id: str
    version_id: int
    kind: str | None
    report: Report
    report_id: int

    @property
    def blocked(self) -> bool:
        """True when a finding reaches BLOCKER."""
        return self.report.blocked


def qc_kind(source_type: SourceType) -> str | None:
    """The QC kind of a source type, or None when Slate has no validator for it yet."""
    return QC_KIND.get(source_type)


def qc_context(request: SourceRequest, kind: str, timing: ProgramTiming | None) -> QCContext:
    """What validators may know of the program: the request's facts, else the Final Proxy's.

    ``timing`` is :func:`slate.program.program_timing` of the request (None when
    nothing states it). The start timecode matters as much as the duration: a subtitle file timed
    from 01:00:00:00 is right against a proxy that starts there, and an hour late against one
    that starts at zero.
    """
    duration = Fraction(request.runtime_seconds) if request.runtime_seconds is not None else None
    fps: Fraction | None = None
    start_timecode: str | None = None
    if timing is not None:
        if duration is None:
            duration = Fraction(timing.duration_ms, 1000)
        fps = Fraction(timing.frame_rate) if timing.frame_rate else None
        start_timecode = timing.start_timecode
    settings = get_settings()
    profile = load_profile(settings.qc_profile, search_dirs=[settings.home / "profiles"])
    return QCContext(
        asset_type=kind,
        language=request.language,
        profile_name=profile.name,
        fps=fps,
        start_timecode=start_timecode,
        program_duration=duration,
        channel_layout=_LAYOUTS.get(request.audio_channels or 0),
        profile=profile,
    )


def validate_file(path: Path, kind: str | None, context: QCContext, subject: str) -> Report:
    """The registered validators of ``kind`` on ``path``; a note, not findings, when Slate has none."""
    if (
        kind is None and path.suffix.lower() == ".zip" and is_imf_zip(path)
    ):  # an AV master delivered as an IMF package
        return imf_report(path, subject, context.profile_name)
    if kind is None:
        return Report(
            subject=subject, profile=context.profile_name, measurements={"note": "no validator for this type"}
        )
    return run_validators(kind, path, context, name=subject)


def verdict_of(report: Report) -> str:
    """The report's verdict in one word or three, as titles and artifacts carry it."""
    return "BLOCKED" if report.blocked else ("clean" if not report.findings else "deliverable with findings")


def render_markdown(request: SourceRequest, version: AssetVersion, report: Report) -> str:
    """The QC report as an operator reads it: verdict, then every finding with where it is."""
    verdict = verdict_of(report)
    lines = [
        f"# QC {request.request_id} {request.source_type.value} {request.language}",
        "",
        f"**{version.label}** (sha256 `{version.sha256[:12]}`) — **{verdict}**, profile `{report.profile}`",
        "",
    ]
    if report.findings:
        lines += ["| severity | code | where | message | fixable |", "|---|---|---|---|---|"]
        for f in sorted(report.findings, key=lambda f: -int(f.severity)):
            message = f.message.replace("|", "\\|")
            lines.append(
                f"| {f.severity} | `{f.code}` | {f.location} | {message} | {'yes' if f.fixable else ''} |"
            )
    else:
        lines.append("No findings.")
    lines += timeline_markdown(report.measurements.get("imf", []))
    return "\n".join(lines) + "\n"


@task(name="run QC")
def run_qc(request_id: str) -> QCOutcome:
    """Validate the request's current version, store the report, and post it as an artifact."""
    store = blobs()
    with database() as db:
        version = version_to_deliver(db, request_id)
        with db.session() as session:
            request = get_request(session, request_id)
        kind = qc_kind(request.source_type)
        context = qc_context(request, kind or "none", program_timing(db, store, request_id))
        with tempfile.TemporaryDirectory(prefix="slate-qc-") as scratch:
            path = materialize(store, version.blob_key, Path(scratch))
            report = validate_file(path, kind, context, subject=version.file_name)
        with db.session() as session:
            row = QCReportRow(
                version_id=version.version_id,
                request_id=request_id,
                profile=report.profile,
                worst=str(report.worst) if report.worst is not None else None,
                blocked=report.blocked,
                report=report.model_dump(mode="json"),
                created_at=datetime.now(UTC),
            )
            session.add(row)
            session.flush()
            report_id = row.report_id
    create_markdown_artifact(
        render_markdown(request, version, report),
        key=f"qc-{request_id.lower()}"[:64],
        description=f"QC {request_id} {version.label}: {verdict_of(report)}",
    )
    return QCOutcome(
        request_id=request_id, version_id=version.version_id, kind=kind, report=report, report_id=report_id
    )


@task(name="accept version")
def accept_version(request_id: str, version_id: int, reason: str) -> None:
    """ACCEPTED and LIGHT_BLUE: validated clean, or approved by an operator with a justification."""
    who = actor()
    apply_and_emit(
        request_id,
        lambda session: lifecycle.apply(
            session, request_id, "accept", actor=who, reason=reason, version_id=version_id
        ),
    )


@task(name="reject version")
def reject_version(request_id: str, version_id: int, reason: str) -> None:
    """Our own rejection: the version turns RED and the request waits for a new file."""
    who = actor()
    apply_and_emit(
        request_id,
        lambda session: record_rejection(
            session,
            request_id,
            origin=RejectionOrigin.INTERNAL,
            reason_code="OPERATOR_REJECTED",
            description=reason,
            actor=who,
            version_id=version_id,
        )[1],
    )
