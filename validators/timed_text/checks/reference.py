"""Checks against other material: a shot-change list, the full subtitle file, a reference timing.

Each runs only when its material is given in the :class:`QCContext`: ``shot_changes`` (a list of
times in seconds), ``full_document`` (the full subtitle
:class:`~validators.timed_text.model.Document` a forced-narrative file must be part of) and
``reference_document`` (the same events correctly timed, e.g. the English template).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from fractions import Fraction

from validators.base import Severity
from validators.timed_text.checks._common import Checker, fmt
from validators.timed_text.model import Document, Event, to_units

__all__ = ["check_drift", "check_forced_in_full", "check_shot_changes", "normalise_text"]

_NOT_WORD = re.compile(r"[^\w]+")


def check_shot_changes(c: Checker) -> None:
    """TT_SHOT_CHANGE: in-times near a cut but not on it, out-times near a cut but not 2 frames before.

    Within half a second (12 frames at 24 fps) of a cut, an in-time belongs on the cut and an
    out-time 2 frames before it (shared/domain.md §1.2; Subtitle Edit's shot-change check).
    """
    raw = c.context.shot_changes
    if not raw or c.fps is None:
        return
    ts = c.doc.timescale
    cuts = sorted(_cut_units(value, ts) for value in raw)
    half = c.bridge_window_frames()
    for index, event in enumerate(c.doc.events):
        cut = _nearest(cuts, event.begin)
        distance = c.frames(abs(event.begin - cut))
        if 0 < distance < half:
            c.finding(
                "TT_SHOT_CHANGE",
                Severity.WARNING,
                f"in-time is {distance} frame(s) from the shot change at {c.timecode(cut)}: "
                f"put it on the cut or at least {half} frames away",
                index=index,
                rule="in-times sit on a shot change or half a second from it",
                shot_change=c.timecode(cut),
            )
        cut = _nearest(cuts, event.end)
        signed = c.frames(cut - event.end) if cut >= event.end else -c.frames(event.end - cut)
        if abs(signed) < half and signed != c.rules.min_gap_frames:
            c.finding(
                "TT_SHOT_CHANGE",
                Severity.WARNING,
                f"out-time is {abs(signed)} frame(s) {'before' if signed >= 0 else 'after'} the shot change "
                f"at {c.timecode(cut)}: end it {c.rules.min_gap_frames} frames before the cut",
                index=index,
                at=event.end,
                rule="out-times near a shot change end 2 frames before it",
                shot_change=c.timecode(cut),
            )


def check_forced_in_full(c: Checker) -> None:
    """TT_FN_NOT_IN_FULL: a forced-narrative event with no matching event in the full file."""
    full = c.context.full_document
    if full is None:
        return
    scale = Fraction(full.timescale, c.doc.timescale)
    slack = to_units(Fraction(1, 2), full.timescale)
    reach = to_units(Fraction(c.rules.max_duration_ms, 1000), full.timescale) + slack
    by_begin = sorted(full.events, key=lambda e: e.begin)
    begins = [e.begin for e in by_begin]
    for index, event in enumerate(c.doc.events):
        text = f" {normalise_text(event)} "  # whole words: "no" is not in "nothing"
        begin, end = int(event.begin * scale), int(event.end * scale)
        start = bisect_left(begins, begin - reach)
        found = False
        for other in by_begin[start:]:
            if other.begin > end + slack:
                break
            if other.end + slack >= begin and text in f" {normalise_text(other)} ":
                found = True
                break
        if not found:
            c.finding(
                "TT_FN_NOT_IN_FULL",
                Severity.BLOCKER,
                f"forced narrative {' / '.join(event.lines)!r} is not in the full subtitle file at this time",
                index=index,
                rule="every forced-narrative event is also in every full subtitle and SDH file",
            )


def check_drift(c: Checker) -> None:
    """TT_DRIFT: offsets against a reference timing that grow along the file (a frame-rate mismatch)."""
    ref = c.context.reference_document
    if ref is None or c.fps is None:
        return
    pairs = _pairs(c.doc, ref)
    if len(pairs) < 3:
        return
    offsets = [
        (
            Fraction(r.begin, ref.timescale),
            Fraction(e.begin, c.doc.timescale) - Fraction(r.begin, ref.timescale),
        )
        for e, r in pairs
    ]
    quarter = max(1, len(offsets) // 4)
    t0, d0 = _median_point(offsets[:quarter])
    t1, d1 = _median_point(offsets[-quarter:])
    if t1 <= t0:
        return
    slope = (d1 - d0) / (t1 - t0)
    change = d1 - d0
    tolerance = Fraction(c.rules.drift_tolerance_frames) / c.fps
    if abs(change) <= tolerance:
        return
    ratio = 1 + slope
    c.finding(
        "TT_DRIFT",
        Severity.BLOCKER,
        f"the offset against the reference grows from {fmt(d0 * 1000, 0)} ms to {fmt(d1 * 1000, 0)} ms "
        f"along the file (×{fmt(ratio, 5)}): timed at another frame rate; retime it",
        index=c.doc.events.index(pairs[-1][0]),
        rule="timing follows the reference without drift",
        fixable=True,
        ratio=str(ratio.limit_denominator(100000)),
        start_offset_ms=fmt(d0 * 1000, 1),
        end_offset_ms=fmt(d1 * 1000, 1),
    )


def normalise_text(event: Event) -> str:
    """Lower-case words only, for matching the same line across files."""
    return _NOT_WORD.sub(" ", " ".join(event.lines).lower()).strip()


def _median_point(points: list[tuple[Fraction, Fraction]]) -> tuple[Fraction, Fraction]:
    """The median time and the median offset of a run of (time, offset) points."""
    times = sorted(t for t, _ in points)
    offsets = sorted(d for _, d in points)
    return times[len(times) // 2], offsets[len(offsets) // 2]


def _pairs(doc: Document, ref: Document) -> list[tuple[Event, Event]]:
    if len(doc.events) == len(ref.events):
        return list(zip(doc.events, ref.events, strict=True))
    by_text: dict[str, Event] = {}
    for event in ref.events:
        by_text.setdefault(normalise_text(event), event)
    return [(e, by_text[key]) for e in doc.events if (key := normalise_text(e)) in by_text]


def _cut_units(seconds: Fraction, timescale: int) -> int:
    return to_units(seconds, timescale)


def _nearest(cuts: list[int], t: int) -> int:
    i = bisect_left(cuts, t)
    candidates = cuts[max(0, i - 1) : i + 1]
    return min(candidates, key=lambda cut: abs(cut - t))
