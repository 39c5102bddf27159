"""One model for every timed-text format, with exact times.

Times are integers counted in ``timescale`` units per second, chosen per document so that every
time the file states is exact: 1000 for SRT/WebVTT (milliseconds), the frame rate's numerator for
frame-counted formats (SCC at 30000/1001 frames a second uses 30000 units, one frame = 1001 units),
and the least common multiple of all denominators for TTML. Integers keep 100,000-event files fast
to check, and ``Fraction(t, timescale)`` gives seconds exactly when needed — never floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

from validators.base import Finding

__all__ = [
    "Document",
    "Event",
    "ReadResult",
    "common_timescale",
    "format_timecode",
    "frames_between",
    "to_units",
]


@dataclass(slots=True)
class Event:
    """One subtitle or caption: when it shows, and its lines of plain text (markup stripped)."""

    begin: int
    end: int
    lines: list[str]
    #: Where the event starts in the source file (1-based), for findings.
    source_line: int | None = None
    #: Vertical placement kept for writers ("top"/"bottom"), when the source said it.
    position: str | None = None
    italic: bool = False
    #: Nothing in the file ends it (a TTML element with no end anywhere, an SCC caption still shown
    #: when the data stops): it lasts to the programme's end, and ``end`` holds the last time the
    #: file states until the validator knows that end.
    open_ended: bool = False
    #: The lines as the file writes them (markup and spacing kept), for the text rules that judge
    #: them; None when the format has no such text (TTML collapses spaces, SCC has no markup).
    raw_lines: list[str] | None = None
    #: Set vertically (Japanese ``tts:writingMode`` tb…, or ``{\an7}``/``{\an9}`` in SubRip).
    vertical: bool = False

    @property
    def text(self) -> str:
        """The lines joined with a newline."""
        return "\n".join(self.lines)


@dataclass(slots=True)
class Document:
    """A parsed timed-text file: its events in file order, and what it declared about time."""

    format: str
    timescale: int
    events: list[Event]
    #: The effective frame rate the file declares (``ttp:frameRate`` × multiplier, SCC's 29.97).
    frame_rate: Fraction | None = None
    #: ``media``, ``smpte`` or ``clock`` as the file declares it; None when it says nothing.
    time_base: str | None = None
    language: str | None = None
    encoding: str = "utf-8"
    #: Time units the file uses without declaring their rate (``frames``, ``ticks``): TTML then
    #: falls back to defaults (30 frames, 1 tick a second) the author rarely meant.
    undeclared_units: tuple[str, ...] = ()

    def seconds(self, units: int) -> Fraction:
        """A time of this document in exact seconds."""
        return Fraction(units, self.timescale)

    def with_events(self, events: list[Event], timescale: int | None = None) -> Document:
        """A copy with other events (fixes never change a document in place)."""
        return replace(self, events=events, timescale=timescale or self.timescale)

    def rescaled(self, timescale: int) -> Document:
        """The same document counted in another timescale, rounding to the nearest unit."""
        if timescale == self.timescale:
            return self.with_events([replace(e, lines=list(e.lines)) for e in self.events])
        events = [
            replace(
                e,
                begin=_round_div(e.begin * timescale, self.timescale),
                end=_round_div(e.end * timescale, self.timescale),
                lines=list(e.lines),
            )
            for e in self.events
        ]
        return self.with_events(events, timescale)


@dataclass(slots=True)
class ReadResult:
    """What a reader gives back: a document when it could read one, and what it found on the way."""

    document: Document | None
    findings: list[Finding] = field(default_factory=list)


def to_units(seconds: Fraction, timescale: int) -> int:
    """Exact seconds as the nearest whole unit of ``timescale``."""
    return _round_div(seconds.numerator * timescale, seconds.denominator)


def common_timescale(times: list[Fraction], *, base: int = 1000, limit: int = 10**12) -> int:
    """The smallest timescale (a multiple of ``base``) in which every time is a whole number."""
    scale = base
    for t in times:
        den = t.denominator
        if scale % den:
            scale = scale * den // math.gcd(scale, den)
            if scale > limit:
                return limit
    return scale


def frames_between(units: int, timescale: int, fps: Fraction) -> int:
    """A duration in whole frames at ``fps``, rounded to the nearest frame."""
    return _round_div(units * fps.numerator, timescale * fps.denominator)


def format_timecode(units: int, timescale: int, fps: Fraction | None) -> str:
    """``HH:MM:SS:FF`` or ``HH:MM:SS.mmm`` when no rate is known, for people to find an event.

    The clock is the file's own (wall-clock seconds) and FF the frame within that second, as
    subtitle editors show it; at 23.976 fps this differs from a non-drop video timecode label.
    """
    sign = "-" if units < 0 else ""
    units = abs(units)
    if fps is None:
        ms = _round_div(units * 1000, timescale)
        s, ms = divmod(ms, 1000)
        return f"{sign}{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{ms:03d}"
    frame = frames_between(units, timescale, fps)
    at = Fraction(frame) / fps
    s = at.numerator // at.denominator
    within = frame - s * fps
    f = within.numerator // within.denominator
    return f"{sign}{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{f:02d}"


def _round_div(num: int, den: int) -> int:
    """``num / den`` rounded half up, in integers (``den`` > 0)."""
    return (2 * num + den) // (2 * den)
