"""The QC contract: what a validator takes and what it gives back.

A validator is a pure function of its inputs: it reads a file or domain objects and returns a
:class:`Report` of :class:`Finding` s. It never logs, never touches the database and never raises
for a bad file — a file it cannot read is a finding (``TT_PARSE_ERROR``, ``AUDIO_UNREADABLE``), so
the caller always gets a report and decides what to do with it.

To add a validator:

1. Write a module in ``validators/`` with a function ``validate(subject, context) -> Report``.
2. Give every finding a stable ``code`` (``TT_…``, ``AUDIO_…``, ``DELIVERY_…``) and the rule it
   enforces, in words a vendor's operator understands.
3. Register it in ``validators/__init__.py`` ``REGISTRY`` under the asset kinds it applies to.
4. Test it in ``tests/validators/test_<module>.py`` with a clean input (no findings) and one
   input per defect (its code and location asserted).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, InstanceOf

if TYPE_CHECKING:  # resolved by ``validators/__init__.py`` once these modules exist (they import this one)
    from validators.audio.rules import AudioRules
    from validators.profiles import Profile
    from validators.timed_text.model import Document

__all__ = [
    "Finding",
    "Location",
    "QCContext",
    "Report",
    "Severity",
    "ValidatorFn",
]


class Severity(IntEnum):
    """How much a finding matters; ordered so that ``max()`` gives the worst."""

    INFO = 0  # worth knowing, changes nothing
    WARNING = 1  # a style or best-practice point
    ISSUE = 2  # the portal's QC would likely flag it; deliverable after a decision
    BLOCKER = 3  # the portal will reject it; not deliverable as is

    def __str__(self) -> str:
        return self.name


class Location(BaseModel):
    """Where a finding is: an event with its timecode, or a channel with a time range."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_index: int | None = None
    timecode: str | None = None
    channel: str | None = None
    start_seconds: float | None = None
    end_seconds: float | None = None
    line: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.event_index is not None:
            parts.append(f"event {self.event_index}")
        if self.timecode:
            parts.append(self.timecode)
        if self.channel:
            parts.append(f"channel {self.channel}")
        if self.start_seconds is not None and self.end_seconds is not None:
            parts.append(f"{self.start_seconds:.3f}s–{self.end_seconds:.3f}s")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts) or "whole file"


class Finding(BaseModel):
    """One thing QC found: a code, how bad it is, what and where, the rule, and whether Slate can fix it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    severity: Severity
    message: str
    location: Location = Field(default_factory=Location)
    rule: str = ""
    fixable: bool = False
    evidence: dict[str, Any] = Field(default_factory=dict)


class Report(BaseModel):
    """Everything one validation run found about one subject, with the figures it measured."""

    model_config = ConfigDict(extra="forbid")

    subject: str
    profile: str
    findings: list[Finding] = Field(default_factory=list)
    measurements: dict[str, Any] = Field(default_factory=dict)

    @property
    def worst(self) -> Severity | None:
        """The worst severity found, or None when the report is clean."""
        return max((f.severity for f in self.findings), default=None)

    @property
    def blocked(self) -> bool:
        """True when something reaches BLOCKER: the file must not be delivered as is."""
        return self.worst is Severity.BLOCKER

    def codes(self) -> list[str]:
        """The finding codes in order, handy for tests and summaries."""
        return [f.code for f in self.findings]


class QCContext(BaseModel):
    """What a validator may know besides the file: the request's facts and the rule profile.

    Times are exact: ``fps`` is a Fraction (23.976 is ``Fraction(24000, 1001)``), durations are
    Fractions of a second. Every field is named and typed, so a caller cannot hand a validator a
    key it does not read.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    asset_type: str
    language: str = "en"
    profile_name: str = "netflix"
    #: The loaded rule profile (with any overrides); None loads the shipped one named ``profile_name``.
    profile: Profile | None = None
    #: Audio rules that replace the profile's (benchmarks and tests that tune one threshold).
    audio_rules: AudioRules | None = None
    fps: Fraction | None = None
    program_duration: Fraction | None = None
    start_timecode: str | None = None
    declared_timebase: str | None = None
    channel_layout: str | None = None
    #: A children's programme: the profile's slower reading speeds apply.
    children: bool = False
    #: Shot changes, in seconds from the programme start (``TT_SHOT_CHANGE``).
    shot_changes: list[Fraction] | None = None
    #: The full subtitle file a forced narrative belongs to (``TT_FN_NOT_IN_FULL``), read by the validator.
    full_subtitle: Path | None = None
    #: A correctly timed file to detect drift against (``TT_DRIFT``), read by the validator.
    reference: Path | None = None
    #: ``full_subtitle`` already read (the validator fills it from the path).
    full_document: InstanceOf[Document] | None = None
    #: ``reference`` already read (``slate fix`` reads it once for every file).
    reference_document: InstanceOf[Document] | None = None

    def resolved_profile(self) -> Profile:
        """The profile given, else the shipped one named ``profile_name``."""
        from validators.profiles import load_profile  # the profile model imports this module

        return self.profile if self.profile is not None else load_profile(self.profile_name)


ValidatorFn = Callable[[Any, QCContext], Report]
