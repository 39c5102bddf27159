"""Auto-correction: turn a report's fixable findings into a corrected new file.

Timed text is read, corrected by the validators' own fixes (shift an offset timeline, snap to
frames, close gaps, extend short events) and written as TTML, the delivery format. Audio whose
evidence identifies a channel permutation is remapped with ffmpeg. The original is never touched;
the caller ingests the new file as a new version and validates it again, so a correction is only
trusted once the rules it fixed come back clean.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel

from slate.media import fix_channel_order
from validators import QCContext, Report
from validators.audio import channel_remap
from validators.profiles import load_profile
from validators.timed_text import fixes
from validators.timed_text.readers import read_path
from validators.timed_text.writers import write

__all__ = ["AUDIO_KINDS", "Corrected", "autocorrect_file"]

AUDIO_KINDS = frozenset({"printmaster", "me", "secondary_audio"})


class Corrected(BaseModel):
    """A corrected file and the changes made, in words."""

    path: Path
    changes: list[str]


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
    document = read.document
    fps = context.fps or document.frame_rate or Fraction(24000, 1001)
    profile = context.options.get("profile") or load_profile(context.profile_name)
    rules = profile.for_asset(context.asset_type).timed_text
    codes = {f.code for f in report.findings if f.fixable}
    steps: list[fixes.FixResult] = []
    offset = next((f.evidence.get("offset_ms") for f in report.findings if f.code == "TT_START_OFFSET"), None)
    if offset is not None:
        steps.append(fixes.shift(document, -Fraction(str(offset)) / 1000))
    current = steps[-1].document if steps else document
    if "TT_NOT_FRAME_ALIGNED" in codes:
        steps.append(fixes.snap_to_frames(current, fps))
        current = steps[-1].document
    if codes & {"TT_GAP", "TT_BRIDGE_GAP"}:
        steps.append(fixes.close_gaps(current, fps, rules.min_gap_frames, rules.bridge_gap_window_ms))
        current = steps[-1].document
    if "TT_MIN_DURATION" in codes:
        minimum = rules.min_duration_for(context.language)
        steps.append(fixes.extend_min_duration(current, fps, minimum, rules.min_gap_frames))
        current = steps[-1].document
    changes = [change for step in steps for change in step.changes]
    if "TT_TIMEBASE" in codes:
        changes.append("time base declared explicitly (TTML, media)")
    if not changes:
        return None
    target = out_dir / f"{path.stem}.fixed.xml"
    target.write_text(write(current, "ttml", fps=fps, time_base="media"), encoding="utf-8")
    return Corrected(path=target, changes=changes)
