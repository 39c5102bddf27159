"""ffprobe, turned into a typed summary at the edge.

Everything downstream (intake's stored probe, the delivery checks, ``slate qc``) reads a
:class:`ProbeSummary`, never ffprobe's JSON. A file ffprobe cannot read raises :class:`MediaError`
naming the file and ffprobe's own words.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from slate.errors import MediaError

__all__ = ["CHANNEL_BITS", "ProbeSummary", "StreamSummary", "probe"]

_TIMEOUT_S = 120

#: WAVE_FORMAT_EXTENSIBLE speaker bits, by ffmpeg's channel names.
CHANNEL_BITS: dict[str, int] = {
    "FL": 0x1, "FR": 0x2, "FC": 0x4, "LFE": 0x8, "BL": 0x10, "BR": 0x20, "FLC": 0x40, "FRC": 0x80,
    "BC": 0x100, "SL": 0x200, "SR": 0x400, "TC": 0x800,
}  # fmt: skip

#: ffmpeg's standard layout names and their channels, in WAV order.
_LAYOUTS: dict[str, tuple[str, ...]] = {
    "mono": ("FC",),
    "stereo": ("FL", "FR"),
    "2.1": ("FL", "FR", "LFE"),
    "3.0": ("FL", "FR", "FC"),
    "quad": ("FL", "FR", "BL", "BR"),
    "5.0": ("FL", "FR", "FC", "BL", "BR"),
    "5.0(side)": ("FL", "FR", "FC", "SL", "SR"),
    "5.1": ("FL", "FR", "FC", "LFE", "BL", "BR"),
    "5.1(side)": ("FL", "FR", "FC", "LFE", "SL", "SR"),
    "6.0": ("FL", "FR", "FC", "BC", "SL", "SR"),
    "6.1": ("FL", "FR", "FC", "LFE", "BC", "SL", "SR"),
    "7.0": ("FL", "FR", "FC", "BL", "BR", "SL", "SR"),
    "7.1": ("FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"),
    "7.1(wide)": ("FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC"),
}


class StreamSummary(BaseModel):
    """One stream: what QC and delivery need to know about it."""

    model_config = ConfigDict(frozen=True)

    index: int
    codec_type: str
    codec_name: str | None = None
    duration_seconds: float | None = None
    # audio
    sample_rate: int | None = None
    channels: int | None = None
    channel_layout: str | None = None
    channel_names: tuple[str, ...] = ()
    channel_mask: int | None = None
    bits_per_sample: int | None = None
    # video
    width: int | None = None
    height: int | None = None
    frame_rate: Fraction | None = None


class ProbeSummary(BaseModel):
    """A media file as ffprobe sees it."""

    model_config = ConfigDict(frozen=True)

    path: str
    format_name: str
    duration_seconds: float | None
    size: int
    streams: tuple[StreamSummary, ...]

    @property
    def audio(self) -> StreamSummary | None:
        """The first audio stream, if any."""
        return next((s for s in self.streams if s.codec_type == "audio"), None)

    @property
    def video(self) -> StreamSummary | None:
        """The first video stream, if any."""
        return next((s for s in self.streams if s.codec_type == "video"), None)


def ffprobe_json(path: Path, *, timeout: float = _TIMEOUT_S) -> dict[str, Any]:
    """ffprobe's JSON of ``path`` (format and streams with their tags): the one place ffprobe runs.

    Raises :class:`MediaError` naming the file when ffprobe is missing, too slow, or cannot read it.
    """
    path = Path(path)
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise MediaError("ffprobe is not installed", path=str(path), rule="ffmpeg from the OS packages")
    if not path.is_file():
        raise MediaError(f"{path}: no such file", path=str(path))
    command = [ffprobe, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{path}: ffprobe took longer than {timeout} s", path=str(path)) from exc
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "unknown error"
        raise MediaError(f"{path}: ffprobe cannot read it: {reason}", path=str(path), stderr=done.stderr)
    data: dict[str, Any] = json.loads(done.stdout or "{}")
    return data


def probe(path: Path) -> ProbeSummary:
    """Run ffprobe on ``path``; raises :class:`MediaError` naming the file when it cannot."""
    path = Path(path)
    data = ffprobe_json(path)
    fmt = data.get("format", {})
    return ProbeSummary(
        path=str(path),
        format_name=str(fmt.get("format_name", "")),
        duration_seconds=_float(fmt.get("duration")),
        size=int(fmt.get("size") or path.stat().st_size),
        streams=tuple(_stream(s) for s in data.get("streams", [])),
    )


def _stream(raw: dict[str, Any]) -> StreamSummary:
    layout = raw.get("channel_layout") or None
    names = _LAYOUTS.get(layout or "", ())
    mask = sum(CHANNEL_BITS[n] for n in names) if names else None
    bits = raw.get("bits_per_raw_sample") or raw.get("bits_per_sample")
    return StreamSummary(
        index=int(raw.get("index", 0)),
        codec_type=str(raw.get("codec_type", "")),
        codec_name=raw.get("codec_name"),
        duration_seconds=_float(raw.get("duration")),
        sample_rate=_int(raw.get("sample_rate")),
        channels=_int(raw.get("channels")),
        channel_layout=layout,
        channel_names=names,
        channel_mask=mask,
        bits_per_sample=_int(bits) or None,
        width=_int(raw.get("width")),
        height=_int(raw.get("height")),
        frame_rate=_rate(raw.get("r_frame_rate")) if raw.get("codec_type") == "video" else None,
    )


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "", "N/A") else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", "N/A") else None
    except ValueError:
        return None


def _rate(value: Any) -> Fraction | None:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None
