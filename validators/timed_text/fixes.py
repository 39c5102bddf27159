"""Auto-corrections: each takes a document and gives a NEW one plus what it changed, in words.

They never touch a file; the caller writes the result under a new name and validates it again,
so a fix is only trusted when the rule it fixes comes back clean. Times stay exact: before a
frame-based fix the document is recounted in a timescale where every frame is a whole number of
units (a multiple of the frame rate's numerator).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

from validators.base import QCContext, Report
from validators.profiles import TimedTextRules
from validators.timed_text.checks._common import Checker, fmt
from validators.timed_text.checks.declaration import check_start_offset
from validators.timed_text.checks.style import TEXT_CHECKS
from validators.timed_text.model import Document, common_timescale, format_timecode, to_units

__all__ = [
    "FIXES_CODES",
    "FixPlan",
    "FixResult",
    "UnknownFrameRate",
    "apply_plan",
    "close_gaps",
    "correct",
    "extend_min_duration",
    "fix_text",
    "frame_exact",
    "plan_for_report",
    "retime",
    "shift",
    "snap_to_frames",
    "start_offset",
    "unchecked",
]


@dataclass
class FixResult:
    """The corrected document and one line per change (event number, old → new, why)."""

    document: Document
    changes: list[str] = field(default_factory=list)


def frame_exact(document: Document, fps: Fraction) -> Document:
    """The same times in a timescale where one frame at ``fps`` is a whole number of units."""
    scale = document.timescale * fps.numerator // math.gcd(document.timescale, fps.numerator)
    return document.rescaled(scale)


def shift(document: Document, offset: Fraction, fps: Fraction | None = None) -> FixResult:
    """Every time moved by ``offset`` seconds (negative moves earlier); nothing may go below zero."""
    scale = common_timescale([offset], base=document.timescale)
    doc = document.rescaled(scale)
    delta = to_units(offset, scale)
    events = [replace(e, begin=max(0, e.begin + delta), end=max(0, e.end + delta)) for e in doc.events]
    sign = "+" if offset >= 0 else "-"
    change = f"all {len(events)} events shifted by {sign}{fmt(abs(offset), 3)} s"
    return FixResult(doc.with_events(events), [change] if delta else [])


def retime(document: Document, source_fps: Fraction, target_fps: Fraction) -> FixResult:
    """Times counted in frames of ``source_fps`` moved to the same frames at ``target_fps``.

    A file timed against a 24 fps picture played against 23.976 drifts by 1 frame in 1000; this
    keeps each event on its frame, so the drift disappears.
    """
    ratio = source_fps / target_fps
    scale = common_timescale([ratio / document.timescale], base=document.timescale * target_fps.numerator)
    events = [
        replace(
            e,
            begin=to_units(Fraction(e.begin, document.timescale) * ratio, scale),
            end=to_units(Fraction(e.end, document.timescale) * ratio, scale),
        )
        for e in document.events
    ]
    doc = replace(document.with_events(events, scale), frame_rate=target_fps if document.frame_rate else None)
    return FixResult(
        doc, [f"all {len(events)} events retimed from {source_fps} to {target_fps} fps (×{ratio})"]
    )


def snap_to_frames(document: Document, fps: Fraction) -> FixResult:
    """Every in- and out-time moved to the nearest frame boundary at ``fps``.

    A short event keeps at least one frame; one that ends before it begins keeps its mistake,
    since no rule tells its real out-time: it is left for a person, and QC goes on naming it.
    """
    doc = frame_exact(document, fps)
    frame = doc.timescale * fps.denominator // fps.numerator
    changes: list[str] = []
    events = []
    for number, event in enumerate(doc.events, 1):
        begin = (2 * event.begin + frame) // (2 * frame) * frame
        end = (2 * event.end + frame) // (2 * frame) * frame
        if event.end > event.begin:
            end = max(begin + frame, end)
        if (begin, end) != (event.begin, event.end):
            changes.append(
                f"event {number}: snapped to frames, now {_tc(doc, begin, fps)}–{_tc(doc, end, fps)}"
            )
        events.append(replace(event, begin=begin, end=end))
    return FixResult(doc.with_events(events), changes)


def close_gaps(document: Document, fps: Fraction, min_gap_frames: int = 2, window_ms: int = 500) -> FixResult:
    """Gaps shorter than the half-second window (and not already ``min_gap_frames``) set to exactly it.

    The earlier event's out-time moves: later for a bridge gap, earlier for a gap under 2 frames.
    Overlaps are left for a person to decide.
    """
    doc = frame_exact(document, fps)
    frame = doc.timescale * fps.denominator // fps.numerator
    window = to_units(Fraction(window_ms, 1000), doc.timescale)
    events = [replace(e) for e in doc.events]
    order = sorted(range(len(events)), key=lambda i: events[i].begin)
    changes = []
    for prev_i, next_i in itertools.pairwise(order):
        prev, nxt = events[prev_i], events[next_i]
        gap = nxt.begin - prev.end
        target = nxt.begin - min_gap_frames * frame
        if gap < 0 or gap >= window or target == prev.end or target <= prev.begin:
            continue
        changes.append(
            f"event {prev_i + 1}: out {_tc(doc, prev.end, fps)} → {_tc(doc, target, fps)} "
            f"({min_gap_frames}-frame gap before event {next_i + 1})"
        )
        prev.end = target
    return FixResult(doc.with_events(events), changes)


def extend_min_duration(
    document: Document, fps: Fraction | None, min_ms: int, min_gap_frames: int = 2
) -> FixResult:
    """Events shorter than ``min_ms`` lengthened to it (rounded up to a frame) where the next allows."""
    doc = frame_exact(document, fps) if fps else document.rescaled(document.timescale)
    frame = doc.timescale * fps.denominator // fps.numerator if fps else 0
    need = Fraction(min_ms * doc.timescale, 1000)
    need_units = math.ceil(need / frame) * frame if frame else math.ceil(need)
    events = [replace(e) for e in doc.events]
    order = sorted(range(len(events)), key=lambda i: events[i].begin)
    changes = []
    for position, i in enumerate(order):
        event = events[i]
        if event.end - event.begin >= need or event.end <= event.begin:
            continue
        target = event.begin + need_units
        if position + 1 < len(order):
            room = events[order[position + 1]].begin - min_gap_frames * frame
            if target > room:
                changes.append(f"event {i + 1}: too short but no room before the next event; left as is")
                continue
        changes.append(
            f"event {i + 1}: out {_tc(doc, event.end, fps)} → {_tc(doc, target, fps)} (minimum duration)"
        )
        event.end = target
    return FixResult(doc.with_events(events), changes)


def fix_text(document: Document, rules: TimedTextRules, language: str) -> FixResult:
    """The corrections the text rules give (spacing, dashes, italics, ellipses, brackets, one line).

    Each pass runs the text checks and applies the first correction of each event; passes repeat
    until none is left (a fix may reveal another: a joined line's three dots), at most five.
    """
    events = [replace(e, lines=list(e.lines)) for e in document.events]
    changes: list[str] = []
    context = QCContext(asset_type="subtitle", language=language)
    for _ in range(5):
        checker = Checker(document.with_events(events), rules, context, None)
        for check in TEXT_CHECKS:
            check(checker)
        done: set[int] = set()
        for finding in checker.findings:
            index = (finding.location.event_index or 0) - 1
            if finding.code not in FIXES_CODES["text"] or "fix" not in finding.evidence or index in done:
                continue
            done.add(index)
            event = events[index]
            lines = list(finding.evidence["fix"])
            italic = event.italic and finding.code != "TT_ITALICS"
            events[index] = replace(event, lines=lines, raw_lines=None, italic=italic)
            changes.append(
                f"event {index + 1}: {' / '.join(event.lines)!r} → {' / '.join(lines)!r} ({finding.code})"
            )
        if not done:
            break
    return FixResult(document.with_events(events), changes)


def _tc(document: Document, units: int, fps: Fraction | None) -> str:
    return format_timecode(units, document.timescale, fps)


#: The finding codes each correction must leave clean in the file it writes.
FIXES_CODES: dict[str, frozenset[str]] = {
    "shift": frozenset({"TT_START_OFFSET"}),
    "retime": frozenset({"TT_DRIFT"}),
    "snap": frozenset({"TT_NOT_FRAME_ALIGNED"}),
    "close": frozenset({"TT_BRIDGE_GAP", "TT_GAP"}),
    "extend": frozenset({"TT_MIN_DURATION"}),
    "text": frozenset(
        {
            "TT_WHITESPACE",
            "TT_SPEAKER_DASH",
            "TT_ITALICS",
            "TT_ELLIPSIS",
            "TT_SDH_BRACKETS",
            "TT_FITS_ONE_LINE",
        }
    ),
}


_FRAME_CODES = frozenset({"TT_GAP", "TT_BRIDGE_GAP", "TT_NOT_FRAME_ALIGNED"})


def unchecked(codes: frozenset[str], *, fps: bool, reference: bool, gap_checks: bool) -> dict[str, str]:
    """The codes among ``codes`` whose check cannot run on the written file, and why.

    A fix claims "clean" only for rules that were checked: drift needs a reference timing, the
    frame-based rules a frame rate, and the gap rules a language that has them.
    """
    reasons: dict[str, str] = {}
    if not reference and "TT_DRIFT" in codes:
        reasons["TT_DRIFT"] = "no reference timing (--reference)"
    for code in sorted(codes & _FRAME_CODES):
        if not fps:
            reasons[code] = "no frame rate (--fps)"
        elif not gap_checks and code != "TT_NOT_FRAME_ALIGNED":
            reasons[code] = "the language has no gap rules"
    return reasons


@dataclass(frozen=True)
class FixPlan:
    """Which corrections to make, in the order they run: shift, retime, snap, close, extend, text."""

    steps: frozenset[str]
    offset: Fraction | None = None
    source_fps: Fraction | None = None
    target_fps: Fraction | None = None

    @property
    def codes(self) -> frozenset[str]:
        """The finding codes this plan must leave clean."""
        return frozenset().union(*(FIXES_CODES[step] for step in self.steps))


def apply_plan(
    document: Document, plan: FixPlan, fps: Fraction | None, rules: TimedTextRules, language: str
) -> FixResult:
    """Every correction of ``plan`` in turn; frame-based ones need ``fps``, gap ones a gapped language."""
    steps: list[FixResult] = []

    def current() -> Document:
        return steps[-1].document if steps else document

    if plan.offset:
        steps.append(shift(document, plan.offset))
    if "retime" in plan.steps and plan.source_fps and plan.target_fps:
        steps.append(retime(current(), plan.source_fps, plan.target_fps))
    if fps is not None and "snap" in plan.steps:
        steps.append(snap_to_frames(current(), fps))
    if fps is not None and "close" in plan.steps and rules.language(language).gap_checks:
        steps.append(close_gaps(current(), fps, rules.min_gap_frames, rules.bridge_gap_window_ms))
    if "extend" in plan.steps:
        minimum = rules.min_duration_for(language)
        steps.append(extend_min_duration(current(), fps, minimum, rules.min_gap_frames))
    if "text" in plan.steps:
        steps.append(fix_text(current(), rules, language))
    return FixResult(current(), [change for step in steps for change in step.changes])


def start_offset(document: Document, context: QCContext, rules: TimedTextRules) -> Fraction | None:
    """The offset (seconds) ``TT_START_OFFSET`` finds between the file and the programme, if any."""
    checker = Checker(document, rules, context, context.fps or document.frame_rate)
    check_start_offset(checker)
    for finding in checker.findings:
        if finding.code == "TT_START_OFFSET":
            return Fraction(finding.evidence["offset_ms"]) / 1000
    return None


#: The corrections a QC report may call for on its own; retiming needs two rates a person names.
_REPORT_STEPS = ("shift", "snap", "close", "extend")


class UnknownFrameRate(ValueError):
    """Neither the programme nor the file states a frame rate, so frame-exact times cannot be written."""

    def __init__(self, subject: str) -> None:
        super().__init__(f"{subject}: no frame rate is known (none given for the programme, none declared)")
        self.subject = subject

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.subject,))


def plan_for_report(report: Report) -> FixPlan:
    """The corrections a report's fixable findings call for (the shift by the offset QC found)."""
    fixable = [f for f in report.findings if f.fixable]
    codes = {f.code for f in fixable}
    steps = frozenset(step for step in _REPORT_STEPS if FIXES_CODES[step] & codes)
    offset_ms = next((f.evidence.get("offset_ms") for f in fixable if f.code == "TT_START_OFFSET"), None)
    offset = None if offset_ms is None else -Fraction(str(offset_ms)) / 1000
    return FixPlan(steps, offset=offset)


def correct(document: Document, report: Report, context: QCContext) -> tuple[FixResult, Fraction]:
    """``document`` with what ``report`` marks fixable corrected, and the frame rate it is timed at.

    The rate is the programme's (``context.fps``), else the file's own; with neither this raises
    :class:`UnknownFrameRate` rather than guess one, since every written time depends on it.
    """
    fps = context.fps or document.frame_rate
    if fps is None:
        raise UnknownFrameRate(report.subject)
    rules = context.resolved_profile().for_asset(context.asset_type, children=context.children).timed_text
    language = context.language or document.language or "en"
    return apply_plan(document, plan_for_report(report), fps, rules, language), fps
