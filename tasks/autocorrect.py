"""Auto-correction: turn a report's fixable findings into a corrected new version.

Timed text is read, corrected by the validators' own fix plan (:func:`validators.timed_text.fixes.correct`:
shift an offset timeline, snap to frames, close gaps, extend short events) and written as TTML,
the delivery format. Audio whose evidence identifies a channel permutation is remapped with
ffmpeg. The original is never touched; the new file is ingested as a new version and validated
again, so a correction is only trusted once the rules it fixed come back clean.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from slate.errors import InvalidInput
from slate.ingest import materialize
from slate.media import fix_channel_order
from slate.models import AssetVersion, SourceRequest
from slate.program import program_timing
from tasks._runtime import blobs, database
from tasks.ingest import ingest_source
from tasks.qc import qc_context, validate_file
from validators import QCContext, Report
from validators.audio import channel_remap
from validators.timed_text import fixes
from validators.timed_text.readers import read_path
from validators.timed_text.writers import write

__all__ = ["AUDIO_KINDS", "Corrected", "autocorrect_file", "correct_version"]

AUDIO_KINDS = frozenset({"printmaster", "me", "secondary_audio"})


class Corrected(BaseModel):
    """A corrected file and the changes made, in words."""

    path: Path
    changes: list[str]


def correct_version(
    request: SourceRequest, version: AssetVersion, kind: str | None, report: Report | None, scratch: Path
) -> str | None:
    """Correct a stored version and ingest the result as the request's new version.

    ``report`` is the version's QC report when the caller has it (the validate flow); None runs
    QC first (a portal rejection names a reason, not findings). Returns the changes in words,
    or None when nothing was fixable.
    """
    source = materialize(blobs(), version.blob_key, scratch)
    with database() as db:
        timing = program_timing(db, blobs(), request.request_id)
    context = qc_context(request, kind or "none", timing)
    if report is None:
        report = validate_file(source, kind, context, subject=version.file_name)
    out = scratch / "fixed"
    out.mkdir()
    corrected = autocorrect_file(source, kind or "", report, context, out)
    if corrected is None:
        return None
    ingest_source.fn(request.request_id, str(corrected.path))
    return "; ".join(corrected.changes)


def autocorrect_file(
    path: Path, kind: str, report: Report, context: QCContext, out_dir: Path
) -> Corrected | None:
    """Correct what ``report`` marks fixable into ``out_dir``; None when nothing could be fixed."""
    fixable = {f.code for f in report.findings if f.fixable}
    if not fixable:
        return None
    if kind in AUDIO_KINDS:
        remapped = fix_channel_order(path, out_dir, channel_remap(report))
        return (
            Corrected(path=remapped, changes=["channels remapped to L R C LFE Ls Rs"]) if remapped else None
        )
    return _timed_text(path, report, context, out_dir)


def _timed_text(path: Path, report: Report, context: QCContext, out_dir: Path) -> Corrected | None:
    read = read_path(path)
    if read.document is None:
        return None
    try:
        fixed, fps = fixes.correct(read.document, report, context)
    except fixes.UnknownFrameRate as exc:
        raise InvalidInput(str(exc), subject=exc.subject) from exc
    changes = list(fixed.changes)
    if any(f.code == "TT_TIMEBASE" and f.fixable for f in report.findings):
        changes.append("time base declared explicitly (TTML, media)")
    if not changes:
        return None
    target = out_dir / f"{path.stem}.fixed.xml"
    target.write_text(write(fixed.document, "ttml", fps=fps, time_base="media"), encoding="utf-8")
    return Corrected(path=target, changes=changes)
