"""Builders for the timed-text tests: subtitle files with known timing, written under tmp_path."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from validators import QCContext, Report
from validators.profiles import load_profile
from validators.timed_text.validate import validate

FPS = Fraction(24000, 1001)


def ms(frames: int, fps: Fraction = FPS) -> int:
    """A frame count as the nearest millisecond (how SRT states frame-accurate times)."""
    exact = Fraction(frames) / fps * 1000
    return (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)


def clock(milliseconds: int, sep: str = ",") -> str:
    s, rest = divmod(milliseconds, 1000)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{sep}{rest:03d}"


def srt(events: list[tuple[int, int, str]]) -> str:
    """SubRip text from (begin ms, end ms, text) triples."""
    return "\n".join(f"{n}\n{clock(b)} --> {clock(e)}\n{text}\n" for n, (b, e, text) in enumerate(events, 1))


def clean_events(count: int = 6) -> list[tuple[int, int, str]]:
    """Events that break no Netflix rule at 23.976: 2 s each, 1 s apart, on frames, short lines."""
    # Numbers above ten are written as figures (numbers one to ten are spelled out).
    return [(ms(72 * i + 24), ms(72 * i + 72), f"Line number {i + 11}.") for i in range(count)]


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def check(
    path: Path, asset_type: str = "subtitle", overrides: list[str] | None = None, **fields: Any
) -> Report:
    """Run the registered timed-text validator with the Netflix profile (plus overrides)."""
    profile = load_profile("netflix", overrides=overrides or [])
    fields.setdefault("fps", FPS)
    context = QCContext(asset_type=asset_type, profile=profile, **fields)
    return validate(path, context)


def located(report: Report, code: str) -> list[tuple[int | None, str | None]]:
    """(event number, timecode) of every finding with ``code``."""
    return [(f.location.event_index, f.location.timecode) for f in report.findings if f.code == code]
