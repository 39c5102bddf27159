"""Timing checks: durations, overlaps, the 2-frame gap, bridge gaps and frame alignment.

Thresholds come from the profile (shared/prior-art.md §A1, Subtitle Edit's Netflix checks): under
5/6 s or over 7 s, gaps under 2 frames, gaps from 3 frames to under half a second ("bridge gaps",
to be closed to 2 frames). Gaps are counted in whole frames, rounded, so that millisecond formats
at 23.976 fps (a frame is 41.708 ms) are judged by the frames they stand for.
"""

from __future__ import annotations

import itertools

from validators.base import Severity
from validators.timed_text.checks._common import Checker, fmt

__all__ = ["check_durations", "check_frame_alignment", "check_sequence"]

_GAP_RULE = "TTSG: at least 2 frames between events, regardless of frame rate"
_BRIDGE_RULE = "Timing Guidelines: gaps under half a second are closed to 2 frames"


def check_durations(c: Checker) -> None:
    """TT_MIN_DURATION and TT_MAX_DURATION, per event."""
    ts = c.doc.timescale
    min_ms = c.rules.min_duration_for(c.language)
    max_ms = c.rules.max_duration_ms
    for index, event in enumerate(c.doc.events):
        if event.open_ended:
            continue  # its end is the programme's, not known here (TT_OPEN_ENDED says so)
        duration = event.end - event.begin
        if duration <= 0:
            c.finding(
                "TT_MIN_DURATION",
                Severity.BLOCKER,
                f"ends at {c.timecode(event.end)}, not after it begins",
                index=index,
                rule="an event must have a positive duration",
                duration_ms=str(c.ms(duration)),
            )
        elif duration * 1000 < min_ms * ts:
            c.finding(
                "TT_MIN_DURATION",
                Severity.ISSUE,
                f"lasts {fmt(c.ms(duration), 0)} ms, under the minimum {min_ms} ms",
                index=index,
                rule=f"minimum duration {min_ms} ms (5/6 s)",
                fixable=True,
                duration_ms=str(c.ms(duration)),
            )
        elif duration * 1000 > max_ms * ts:
            c.finding(
                "TT_MAX_DURATION",
                Severity.ISSUE,
                f"lasts {fmt(c.ms(duration), 0)} ms, over the maximum {max_ms} ms",
                index=index,
                rule=f"maximum duration {max_ms} ms",
                duration_ms=str(c.ms(duration)),
            )


def check_sequence(c: Checker) -> None:
    """TT_OVERLAP always; TT_GAP and TT_BRIDGE_GAP when the frame rate is known and the language gaps."""
    gaps = c.fps is not None and c.lang.gap_checks
    min_gap = c.rules.min_gap_frames
    half = c.bridge_window_frames() if gaps else 0
    order = c.in_order()
    for (prev_index, prev), (index, event) in itertools.pairwise(order):
        gap = event.begin - prev.end
        if gap < 0:
            c.finding(
                "TT_OVERLAP",
                Severity.BLOCKER,
                f"begins {fmt(c.ms(-gap), 0)} ms before event {prev_index + 1} ends",
                index=index,
                rule="events must not overlap",
                overlaps_event=prev_index + 1,
            )
            continue
        if not gaps:
            continue
        frames = c.frames(gap)
        if frames < min_gap:
            c.finding(
                "TT_GAP",
                Severity.ISSUE,
                f"{frames} frame(s) after event {prev_index + 1}; the minimum gap is {min_gap} frames",
                index=index,
                rule=_GAP_RULE,
                fixable=True,
                gap_frames=frames,
                previous_event=prev_index + 1,
            )
        elif min_gap < frames < half:
            c.finding(
                "TT_BRIDGE_GAP",
                Severity.WARNING,
                f"{frames}-frame gap after event {prev_index + 1}: close it to {min_gap} frames",
                index=index,
                rule=_BRIDGE_RULE,
                fixable=True,
                gap_frames=frames,
                previous_event=prev_index + 1,
            )


def check_frame_alignment(c: Checker) -> None:
    """TT_NOT_FRAME_ALIGNED: an in- or out-time between frames (1 ms slack for millisecond formats)."""
    if c.fps is None:
        return
    num, den, ts = c.fps.numerator, c.fps.denominator, c.doc.timescale
    period = ts * den  # one frame is period / num units
    slack = ts * num  # 1 ms, scaled by num: |t*num - k*period| <= ts*num/1000
    for index, event in enumerate(c.doc.events):
        for label, t in (("in", event.begin), ("out", event.end)):
            scaled = t * num
            nearest = (2 * scaled + period) // (2 * period) * period
            if abs(scaled - nearest) * 1000 > slack:
                c.finding(
                    "TT_NOT_FRAME_ALIGNED",
                    Severity.ISSUE,
                    f"{label}-time {c.timecode(t)} ({fmt(c.ms(t), 1)} ms) falls between frames "
                    f"at {fmt(c.fps, 3)} fps",
                    index=index,
                    at=t,
                    rule="times sit on frame boundaries of the programme's rate",
                    fixable=True,
                )
                break
