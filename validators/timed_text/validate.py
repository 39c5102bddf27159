"""The timed-text validator: read the file, resolve the profile's rules, run every check.

It never raises for a bad file: an unreadable or malformed file comes back as findings
(``TT_PARSE_ERROR``, ``TT_ENCODING``), and the checks run on whatever could be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from validators.base import Finding, Location, QCContext, Report, Severity
from validators.profiles import Profile
from validators.timed_text.checks import CHECKS, Checker
from validators.timed_text.model import Document, format_timecode
from validators.timed_text.readers import read_path

__all__ = ["TIMED_TEXT_TYPES", "resolve_profile", "validate", "validate_document"]

#: The ``--type`` values this validator serves.
TIMED_TEXT_TYPES = ("subtitle", "sdh", "cc", "forced", "template")


def resolve_profile(context: QCContext) -> Profile:
    """The profile in ``context.profile`` (the CLI loads it), else the shipped one by name."""
    return context.resolved_profile()


def validate(subject: Any, context: QCContext) -> Report:
    """Validate one timed-text file (a path) against the profile for ``context.asset_type``.

    ``context.fps`` is the programme's frame rate (the file's own is used when it is None). The
    side files ``context.full_subtitle`` and ``context.reference`` are read here, once, into
    ``full_document`` and ``reference_document`` unless those are given already.
    """
    path = Path(subject)
    profile = resolve_profile(context)
    result = read_path(path)
    findings = list(result.findings)
    if result.document is None:
        return Report(
            subject=str(path),
            profile=profile.name,
            findings=findings,
            measurements={"readable": False, "events": 0},
        )
    read: dict[str, Document] = {}
    for key, target in (("full_subtitle", "full_document"), ("reference", "reference_document")):
        side = getattr(context, key)
        if side is not None and getattr(context, target) is None:
            document = _side_document(Path(side), key, findings)
            if document is not None:
                read[target] = document
    report = validate_document(result.document, context.model_copy(update=read), profile)
    report.subject = str(path)
    report.findings[:0] = findings
    return report


def validate_document(document: Document, context: QCContext, profile: Profile) -> Report:
    """Run every check over a document already read (the fixes re-validate what they write)."""
    rules = profile.for_asset(context.asset_type, children=context.children).timed_text
    checker = Checker(document, rules, context, context.fps or document.frame_rate)
    for check in CHECKS:
        check(checker)
    checker.measurements.update(_measurements(checker.doc, checker))
    findings = sorted(checker.findings, key=lambda f: f.location.event_index or 0)
    return Report(
        subject=document.format,
        profile=profile.name,
        findings=findings,
        measurements=checker.measurements,
    )


def _measurements(document: Document, checker: Checker) -> dict[str, Any]:
    events = document.events
    fps = checker.fps
    figures: dict[str, Any] = {
        "format": document.format,
        "events": len(events),
        "frame_rate": None if fps is None else str(fps),
        "frame_rate_declared": None if document.frame_rate is None else str(document.frame_rate),
        "time_base": document.time_base,
        "language": checker.language,
    }
    if events:
        figures["first_in"] = format_timecode(min(e.begin for e in events), document.timescale, fps)
        figures["last_out"] = format_timecode(max(e.end for e in events), document.timescale, fps)
    if fps is None:
        figures["frame_checks"] = "skipped: no frame rate given or declared"
    return figures


def _side_document(path: Path, option: str, findings: list[Finding]) -> Document | None:
    result = read_path(path)
    if result.document is None:
        findings.append(
            Finding(
                code="TT_PARSE_ERROR",
                severity=Severity.WARNING,
                message=f"{option} file {path} could not be read; the checks that need it did not run",
                location=Location(),
                rule="readable reference material",
            )
        )
    return result.document
