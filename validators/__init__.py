"""QC validators and their registry.

``REGISTRY`` maps an asset kind (the ``--type`` of ``slate qc``: ``subtitle``, ``sdh``, ``forced``,
``template``, ``printmaster``, ``me``, …) to the validators that run for it, in order. It is a
literal dict on purpose: it can be read in one screen and a test checks it against the modules.
"""

from __future__ import annotations

from typing import Any

from validators import delivery
from validators.audio import validator as audio
from validators.audio.rules import AudioRules
from validators.base import Finding, Location, QCContext, Report, Severity, ValidatorFn
from validators.profiles import Profile
from validators.timed_text import validate as timed_text
from validators.timed_text.model import Document

__all__ = [
    "RECORD_KINDS",
    "REGISTRY",
    "Finding",
    "Location",
    "QCContext",
    "Report",
    "Severity",
    "UnknownKind",
    "ValidatorFn",
    "file_kinds",
    "run_validators",
]

# The context's fields name types whose modules import validators.base: resolve them now.
QCContext.model_rebuild(_types_namespace={"AudioRules": AudioRules, "Profile": Profile, "Document": Document})

REGISTRY: dict[str, list[ValidatorFn]] = {
    # Timed text: SRT, WebVTT, TTML/DFXP/IMSC, SCC.
    "subtitle": [timed_text.validate],
    "sdh": [timed_text.validate],
    "cc": [timed_text.validate],
    "forced": [timed_text.validate],
    "template": [timed_text.validate],
    # Audio: WAV/BWF/RF64 or a set of mono WAVs.
    "printmaster": [audio.validate],
    "me": [audio.validate],
    "secondary_audio": [audio.validate],
    # Delivery preconditions over the domain records (a DeliveryCandidate, not a file).
    "delivery": [delivery.validate],
}

#: The kinds whose validators check domain records rather than files (run by the flows only).
RECORD_KINDS = frozenset({"delivery"})


def file_kinds() -> list[str]:
    """The kinds whose validators read files: what ``slate qc --type`` accepts."""
    return sorted(set(REGISTRY) - RECORD_KINDS)


class UnknownKind(ValueError):
    """No validator is registered for this kind."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"no validator is registered for {kind!r}: one of {', '.join(sorted(REGISTRY))}")
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind,))


def run_validators(kind: str, subject: Any, context: QCContext, *, name: str | None = None) -> Report:
    """Every validator registered for ``kind`` on ``subject``, merged into one report.

    The one way QC runs, for the flows and the command line alike. ``name`` is the subject as the
    report shows it (a version's file name); by default the first validator's own name for it.
    """
    validators = REGISTRY.get(kind)
    if not validators:
        raise UnknownKind(kind)
    reports = [validator(subject, context) for validator in validators]
    merged = Report(subject=name or reports[0].subject, profile=reports[0].profile)
    for report in reports:
        merged.findings.extend(report.findings)
        merged.measurements.update(report.measurements)
    return merged
