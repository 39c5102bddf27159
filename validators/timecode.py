"""SMPTE timecode labels (``HH:MM:SS:FF``; ``;`` before the frames for drop-frame) as exact times.

One reader for every timecode Slate is given — the programme start, durations and shifts typed on
the command line, SCC lines, TTML's ``smpte`` time base — so that drop-frame is counted the same way
everywhere. Drop-frame (SMPTE 12M) exists only at the NTSC rates 29.97 and 59.94: it skips the
first 2 (or 4) frame labels of every minute but every tenth, so that labels keep up with the clock.
A label that cannot exist at the rate (frame 25 at 25 fps, ``;`` at 25 fps, ``00:01:00;00`` at
29.97) is a ``ValueError`` naming the value and the expected form, never a silent zero.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import NamedTuple

__all__ = ["TIMECODE_FORM", "Timecode", "dropped_labels", "label_frames", "parse_label", "parse_timecode"]

#: The form people are told to use when a timecode is malformed.
TIMECODE_FORM = "HH:MM:SS:FF (HH:MM:SS;FF for drop-frame)"
_LABEL = re.compile(r"(\d{2}):(\d{2}):(\d{2})([:;])(\d{2})")


class Timecode(NamedTuple):
    """A timecode label as written, before any frame rate gives it a time."""

    hours: int
    minutes: int
    seconds: int
    frames: int
    drop: bool


def parse_label(text: str) -> Timecode:
    """The fields of ``HH:MM:SS:FF`` / ``HH:MM:SS;FF``; ``ValueError`` for any other form."""
    match = _LABEL.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a timecode: expected {TIMECODE_FORM}")
    hh, mm, ss, ff = (int(match[i]) for i in (1, 2, 3, 5))
    if mm > 59 or ss > 59:
        raise ValueError(f"{text!r} is not a timecode: minutes and seconds run to 59 ({TIMECODE_FORM})")
    return Timecode(hh, mm, ss, ff, drop=match[4] == ";")


def dropped_labels(total_minutes: int, nominal: int) -> int:
    """Frame labels drop-frame skips before minute ``total_minutes``: 2 per 30 frames, most minutes."""
    return 2 * (nominal // 30) * (total_minutes - total_minutes // 10)


def label_frames(label: Timecode, nominal: int) -> int:
    """Frames from ``00:00:00:00`` to ``label`` counted at ``nominal`` labels a second."""
    frames = ((label.hours * 60 + label.minutes) * 60 + label.seconds) * nominal + label.frames
    if label.drop:
        frames -= dropped_labels(label.hours * 60 + label.minutes, nominal)
    return frames


def parse_timecode(text: str, fps: Fraction) -> Fraction:
    """A timecode label at ``fps`` as exact seconds from ``00:00:00:00``."""
    label = parse_label(text)
    nominal = -(-fps.numerator // fps.denominator)
    if label.frames >= nominal:
        last = nominal - 1
        raise ValueError(f"{text!r}: frame {label.frames} does not exist at {_rate(fps)} fps (0-{last})")
    if label.drop:
        if nominal % 30 or fps != Fraction(nominal * 1000, 1001):
            raise ValueError(
                f"{text!r}: ';' marks drop-frame, which exists only at 29.97 and 59.94 fps, "
                f"not {_rate(fps)}; write HH:MM:SS:FF"
            )
        skipped = 2 * (nominal // 30)
        if label.seconds == 0 and label.frames < skipped and label.minutes % 10:
            raise ValueError(f"{text!r}: drop-frame skips frames 0-{skipped - 1} at the start of this minute")
    return label_frames(label, nominal) / fps


def _rate(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{float(fps):.3f}"
