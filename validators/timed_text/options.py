"""Reading the values people type: frame rates, durations, offsets and shot-change lists.

``23.976`` means 24000/1001 (and 29.97, 59.94 likewise): a decimal within 0.01 of a NTSC rate is
taken as that exact rate, never as a float. Each parser raises ``ValueError`` with a message that
names the value and the expected form.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from validators.timecode import TIMECODE_FORM, parse_label, parse_timecode
from validators.timed_text.readers.ttml_time import TIME_BASES

__all__ = [
    "parse_duration",
    "parse_layout",
    "parse_rate",
    "parse_shot_changes",
    "parse_start_timecode",
    "parse_timebase",
]

_CLOCK = re.compile(r"(-)?(\d+):(\d{2}):(\d{2})([.,]\d+)?\Z")
_TIMECODE = re.compile(r"(-)?(\d{2}:\d{2}:\d{2}[:;]\d{2})\Z")
_NTSC_TOLERANCE = Fraction(1, 100)


def parse_rate(text: str) -> Fraction:
    """``24000/1001``, ``23.976``, ``25`` → an exact frame rate."""
    try:
        rate = Fraction(text.strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"frame rate {text!r} is not a number like 25, 23.976 or 24000/1001") from exc
    if rate <= 0:
        raise ValueError(f"frame rate {text!r} must be positive")
    if rate.denominator != 1 and "/" not in text:
        nominal = -(-rate.numerator // rate.denominator)
        ntsc = Fraction(nominal * 1000, 1001)
        if abs(rate - ntsc) <= _NTSC_TOLERANCE:
            return ntsc
    return rate


def parse_duration(text: str, fps: Fraction | None = None) -> Fraction:
    """Seconds (``5400.5``, ``-3600``), a clock (``01:30:00.500``) or a timecode at ``fps``.

    Timecodes are read by :func:`validators.timecode.parse_timecode`, as the programme start is:
    ``00:59:56;12`` at 29.97 is drop-frame, the same label the start-offset check reads.
    """
    value = text.strip()
    timecode = _TIMECODE.match(value)
    if timecode is not None:
        if fps is None:
            raise ValueError(f"{text!r} counts frames: give --fps too")
        return (-1 if timecode[1] else 1) * parse_timecode(timecode[2], fps)
    match = _CLOCK.match(value)
    if match is None:
        try:
            return Fraction(value)
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(
                f"{text!r} is not seconds (5400.5), a clock (01:30:00.500) nor a timecode ({TIMECODE_FORM})"
            ) from exc
    seconds = Fraction((int(match[2]) * 60 + int(match[3])) * 60 + int(match[4]))
    if match[5]:
        seconds += Fraction("0" + match[5].replace(",", "."))
    return (-1 if match[1] else 1) * seconds


def parse_start_timecode(text: str, fps: Fraction | None) -> str:
    """``--start-timecode``, checked: its form always, its frame label when the rate is known.

    Checked where it is typed, so that a malformed start is bad usage rather than a silent zero.
    """
    try:
        parse_label(text) if fps is None else parse_timecode(text, fps)
    except ValueError as exc:
        raise ValueError(f"--start-timecode {exc}") from exc
    return text.strip()


def parse_layout(text: str) -> str:
    """``--layout`` as its request name (``stereo`` is ``2.0``), one of the layouts audio QC knows."""
    from validators.audio.layouts import EXPECTED_ORDER, LAYOUT_NAMES  # audio (numpy) only when asked

    name = LAYOUT_NAMES.get(text.strip().lower())
    if name is None:
        aliases = ", ".join(k for k in LAYOUT_NAMES if k not in EXPECTED_ORDER)
        raise ValueError(
            f"--layout {text!r} is not a channel layout: one of {', '.join(EXPECTED_ORDER)} (or {aliases})"
        )
    return name


def parse_timebase(text: str) -> str:
    """``--timebase``: a time base as TTML names it."""
    if text not in TIME_BASES:
        raise ValueError(f"--timebase {text!r} is not a TTML time base: one of {', '.join(TIME_BASES)}")
    return text


def parse_shot_changes(path: Path, fps: Fraction | None) -> list[Fraction]:
    """A shot-change list: one cut a line, as a frame number, seconds (``12.5``) or a timecode."""
    cuts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        value = line.strip()
        if not value or value.startswith("#"):
            continue
        try:
            if value.isdigit():
                if fps is None:
                    raise ValueError("frame numbers need --fps")
                cuts.append(Fraction(int(value)) / fps)
            else:
                cuts.append(parse_duration(value, fps))
        except ValueError as exc:
            raise ValueError(f"{path}: line {number}: {exc}") from exc
    return cuts
