"""The program's duration, frame rate and start timecode, read from a proxy with ffprobe.

Validators compare deliverables against the program; when a request does not state its runtime
(or never states a start timecode), the Final Proxy is the reference the portal itself uses.
Times stay exact: the duration is an int of milliseconds, the frame rate a ``Fraction`` string.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from slate.errors import MediaError
from slate.media._probe import ffprobe_json

__all__ = ["ProgramTiming", "probe_timing", "timecode_at"]


class ProgramTiming(BaseModel):
    """How long the program runs and where its timecode starts."""

    duration_ms: int = Field(ge=0)
    #: e.g. ``"24000/1001"``; None when the file has no video stream.
    frame_rate: str | None = None
    #: ``HH:MM:SS:FF`` (``;`` before frames for drop-frame), None when unknown.
    start_timecode: str | None = None
    source: Literal["request", "final_proxy"] = "final_proxy"


def _exact(value: Any) -> Fraction | None:
    try:
        return Fraction(Decimal(str(value))) if value not in (None, "N/A", "") else None
    except (InvalidOperation, ValueError):
        return None


def timecode_at(seconds: Fraction, rate: Fraction) -> str:
    """The non-drop timecode of an instant (``HH:MM:SS:FF``) at a frame rate."""
    fps = round(rate)
    frames = int(seconds * rate)
    ff = frames % fps
    total = frames // fps
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}:{ff:02d}"


def probe_timing(path: Path) -> ProgramTiming:
    """Duration, frame rate and start timecode of a media file (a proxy)."""
    data = ffprobe_json(path)
    fmt = data.get("format", {})
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    duration = _exact(fmt.get("duration")) or (_exact(video.get("duration")) if video else None)
    if duration is None:
        raise MediaError(f"{path.name} has no duration", path=str(path), rule="duration known")
    rate = Fraction(video["r_frame_rate"]) if video and video.get("r_frame_rate", "0/0") != "0/0" else None
    tagged = (video or {}).get("tags", {}).get("timecode") or fmt.get("tags", {}).get("timecode")
    start = _exact(fmt.get("start_time")) or Fraction(0)
    timecode = tagged or (timecode_at(start, rate) if rate else None)
    return ProgramTiming(
        duration_ms=round(duration * 1000),
        frame_rate=str(rate) if rate else None,
        start_timecode=timecode,
    )
