"""Checks on what the file declares and where it sits: frame rate, time base, offset, programme end."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from validators.base import Severity
from validators.timecode import TIMECODE_FORM, parse_timecode
from validators.timed_text.checks._common import Checker, fmt
from validators.timed_text.model import to_units

__all__ = [
    "check_frame_rate",
    "check_open_ended",
    "check_program_bounds",
    "check_start_offset",
    "check_timebase",
    "origin_units",
    "resolve_open_ends",
]

_HOUR_MS = 3_600_000


def _allowed(c: Checker, rate: Fraction) -> bool:
    tolerance = c.rules.frame_rate_tolerance
    return any(abs(rate - allowed) <= tolerance for allowed in c.rules.allowed_frame_rates)


def check_frame_rate(c: Checker) -> None:
    """TT_FRAME_RATE_INVALID: a rate the profile does not allow, or a file rate unlike the programme's."""
    given, declared = c.context.fps, c.doc.frame_rate
    if c.fps is None:
        c.finding(
            "TT_FRAME_RATE_UNKNOWN",
            Severity.INFO,
            "no frame rate given or declared: the frame-based checks (gaps, bridge gaps, alignment, "
            "shot changes) did not run; give the programme's rate (--fps)",
            rule="frame-based rules need the programme's frame rate",
        )
    allowed = ", ".join(fmt(r, 3) for r in c.rules.allowed_frame_rates)
    for source, rate in (("the programme", given), ("the file", declared)):
        if rate is not None and not _allowed(c, rate):
            c.finding(
                "TT_FRAME_RATE_INVALID",
                Severity.BLOCKER,
                f"{source} runs at {fmt(rate, 3)} fps, not one of {allowed}",
                rule="frame rate is one the profile allows",
                frame_rate=str(rate),
            )
    for unit in c.doc.undeclared_units:
        parameter = "ttp:frameRate" if unit == "frames" else "ttp:tickRate"
        c.finding(
            "TT_FRAME_RATE_INVALID",
            Severity.BLOCKER,
            f"times are counted in {unit} but the file declares no {parameter}, "
            f"so they are read at TTML's default rate",
            rule=f"a file that counts {unit} declares {parameter}",
            unit=unit,
        )
    if given is not None and declared is not None and abs(given - declared) > c.rules.frame_rate_tolerance:
        c.finding(
            "TT_FRAME_RATE_INVALID",
            Severity.BLOCKER,
            f"the file declares {fmt(declared, 3)} fps but the programme runs at {fmt(given, 3)} fps "
            "(times will drift); retime it or fix the declaration",
            rule="the file's frame rate matches the programme's",
            declared=str(declared),
            programme=str(given),
        )


def check_timebase(c: Checker) -> None:
    """TT_TIMEBASE: a TTML file without ``ttp:timeBase``, or one unlike the time base declared for it.

    SubRip and WebVTT count media time: declared as anything else, the portal refuses them.
    """
    declared = c.context.declared_timebase
    if c.doc.format in ("srt", "vtt") and declared and declared != "media":
        c.finding(
            "TT_TIMEBASE",
            Severity.BLOCKER,
            f"{c.doc.format.upper()} counts media time but the delivery declares '{declared}'",
            rule="TimedText-TimeBaseConflict: the declared time base is the file's",
        )
        return
    if c.doc.format != "ttml":
        return
    actual = c.doc.time_base
    if actual is None and c.rules.require_timebase:
        c.finding(
            "TT_TIMEBASE",
            Severity.BLOCKER if declared and declared != "media" else Severity.ISSUE,
            "ttp:timeBase is missing, so the file is read as 'media'"
            + (f" while the delivery declares '{declared}'" if declared and declared != "media" else ""),
            rule="TimedText-TimeBaseConflict: state ttp:timeBase, matching the portal's time base",
        )
    elif declared and (actual or "media") != declared:
        c.finding(
            "TT_TIMEBASE",
            Severity.BLOCKER,
            f"the file's time base is '{actual}' but the delivery declares '{declared}'",
            rule="TimedText-TimeBaseConflict: ttp:timeBase matches the portal's time base",
        )


def origin_units(c: Checker) -> int:
    """The programme's first frame on the file's timeline: the start timecode, or zero when none.

    ``ValueError`` when the start timecode given cannot be read at the rate: reading it as zero
    would report a false hour offset, so the checks that need it say they did not run instead.
    """
    if not c.context.start_timecode:
        return 0
    start = parse_timecode(c.context.start_timecode, c.fps or Fraction(24))
    return to_units(start, c.doc.timescale)


def check_start_offset(c: Checker) -> None:
    """TT_START_OFFSET: the file's timeline is shifted from the programme's (typically by an hour)."""
    try:
        origin = origin_units(c)
    except ValueError as exc:
        _unreadable_start(c, exc)
        return
    if not c.doc.events:
        return
    first = min(e.begin for e in c.doc.events)
    relative = first - origin
    relative_ms = c.ms(relative)
    duration = c.context.program_duration
    minimum = c.rules.start_offset_min_ms
    offset: Fraction | None = None
    if relative_ms <= -minimum:
        offset = relative_ms
    elif relative_ms >= _HOUR_MS and (duration is None or relative_ms >= duration * 1000):
        offset = Fraction(relative_ms // _HOUR_MS * _HOUR_MS)
    if offset is None:
        return
    index = next(i for i, e in enumerate(c.doc.events) if e.begin == first)
    c.finding(
        "TT_START_OFFSET",
        Severity.BLOCKER,
        f"the first event is {fmt(relative_ms / 1000, 3)} s from the programme start "
        f"{c.context.start_timecode or '00:00:00:00'}: "
        f"the timeline looks offset by {fmt(offset / 1000, 3)} s",
        index=index,
        rule="timed text is timed to the programme's timeline",
        fixable=True,
        offset_ms=str(offset),
    )


def resolve_open_ends(c: Checker) -> None:
    """Events the file never ends last to the programme's end, when it is known.

    A TTML element with no end anywhere and an SCC caption still shown when the data stops are
    on screen until the programme ends (TTML2 §12.4: indefinite; CEA-608: until erased); the
    readers mark them ``open_ended`` and hold the file's last time until this knows better.
    """
    duration = c.context.program_duration
    if duration is None or not any(e.open_ended for e in c.doc.events):
        return
    try:
        limit = origin_units(c) + to_units(duration, c.doc.timescale)
    except ValueError:
        return
    events = [
        replace(e, end=max(limit, e.begin), open_ended=False) if e.open_ended else e for e in c.doc.events
    ]
    c.doc = c.doc.with_events(events)


def check_open_ended(c: Checker) -> None:
    """TT_OPEN_ENDED: an event the file never ends, when the programme's end is not known."""
    for index, event in enumerate(c.doc.events):
        if event.open_ended:
            c.finding(
                "TT_OPEN_ENDED",
                Severity.WARNING,
                "nothing in the file ends it, so it stays on screen until the programme ends; "
                "give the programme's duration to check it (its duration is not judged)",
                index=index,
                rule="an event with no end lasts to the programme's end (TTML2 §12.4, CEA-608 erase)",
            )


def check_program_bounds(c: Checker) -> None:
    """TT_BEYOND_PROGRAM: events that end after the programme does (when its runtime is known)."""
    duration = c.context.program_duration
    if duration is None:
        return
    try:
        origin = origin_units(c)
    except ValueError:
        return  # check_start_offset has said why
    limit = origin + to_units(duration, c.doc.timescale)
    for index, event in enumerate(c.doc.events):
        if event.end > limit:
            c.finding(
                "TT_BEYOND_PROGRAM",
                Severity.BLOCKER,
                f"ends at {c.timecode(event.end)}, after the programme ends at {c.timecode(limit)}",
                index=index,
                rule="every event lies within the programme",
            )


def _unreadable_start(c: Checker, problem: ValueError) -> None:
    """TT_START_TIMECODE: the programme start given is no timecode at the rate; nothing is assumed."""
    c.finding(
        "TT_START_TIMECODE",
        Severity.ISSUE,
        f"the programme start timecode cannot be read ({problem}), so the start offset and the "
        "programme end were not checked; give the programme's start timecode",
        rule=f"the programme start is a timecode {TIMECODE_FORM} valid at the programme's frame rate",
        start_timecode=c.context.start_timecode or "",
    )
