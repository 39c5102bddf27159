"""What every timed-text check sees: the document, the resolved rules, the frame rate, helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from validators.base import Finding, Location, QCContext, Severity
from validators.profiles import LanguageRules, TimedTextRules
from validators.timed_text.model import Document, Event, format_timecode, frames_between

__all__ = ["Check", "Checker", "fmt"]


@dataclass
class Checker:
    """One validation run over one document; checks read it and call :meth:`finding`."""

    doc: Document
    rules: TimedTextRules
    context: QCContext
    #: The programme's frame rate: the one given for the request, else the file's own.
    fps: Fraction | None
    findings: list[Finding] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.context.language or self.doc.language or "en"

    @property
    def lang(self) -> LanguageRules:
        return self.rules.language(self.language)

    def in_order(self) -> list[tuple[int, Event]]:
        """Events with their file index, sorted by begin time (files are not always in order)."""
        indexed = list(enumerate(self.doc.events))
        if any(a.begin > b.begin for a, b in zip(self.doc.events, self.doc.events[1:], strict=False)):
            indexed.sort(key=lambda pair: (pair[1].begin, pair[1].end))
        return indexed

    def ms(self, units: int) -> Fraction:
        """A duration of the document in exact milliseconds."""
        return Fraction(units * 1000, self.doc.timescale)

    def frames(self, units: int) -> int:
        """A duration in whole frames of the programme's rate (requires ``fps``)."""
        assert self.fps is not None
        return frames_between(units, self.doc.timescale, self.fps)

    def bridge_window_frames(self) -> int:
        """The bridge-gap window (half a second) in whole frames: 12 at 24 fps, 15 at 29.97."""
        assert self.fps is not None
        window = self.fps * self.rules.bridge_gap_window_ms / 1000
        return (2 * window.numerator + window.denominator) // (2 * window.denominator)

    def timecode(self, units: int) -> str:
        return format_timecode(units, self.doc.timescale, self.fps)

    def location(self, index: int, units: int | None = None) -> Location:
        """Where event ``index`` (0-based in the file) is: its 1-based number and timecode."""
        event = self.doc.events[index]
        return Location.model_construct(
            event_index=index + 1,
            timecode=self.timecode(event.begin if units is None else units),
            channel=None,
            start_seconds=None,
            end_seconds=None,
            line=event.source_line,
        )

    def finding(
        self,
        code: str,
        severity: Severity,
        message: str,
        *,
        index: int | None = None,
        at: int | None = None,
        rule: str = "",
        fixable: bool = False,
        **evidence: Any,
    ) -> None:
        location = Location() if index is None else self.location(index, at)
        # Built without re-validation: every field is typed here, and a file with 100,000
        # defective events must not spend its time in pydantic.
        self.findings.append(
            Finding.model_construct(
                code=code,
                severity=severity,
                message=message,
                location=location,
                rule=rule,
                fixable=fixable,
                evidence=evidence,
            )
        )


Check = Callable[[Checker], None]


def fmt(value: Fraction, digits: int = 1) -> str:
    """A Fraction shown with ``digits`` decimals (for messages), rounded half up."""
    scale = 10**digits
    scaled = (value * scale * 2 + 1) // 2
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(int(scaled)), scale)
    return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"
