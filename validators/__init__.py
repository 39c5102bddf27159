"""QC validators and their registry.

``REGISTRY`` maps an asset kind (the ``--type`` of ``slate qc``: ``subtitle``, ``sdh``, ``forced``,
``template``, ``printmaster``, ``me``, …) to the validators that run for it, in order. It is a
literal dict on purpose: it can be read in one screen and a test checks it against the modules.
"""

from __future__ import annotations

from validators import delivery
from validators.audio import validator as audio
from validators.base import Finding, Location, QCContext, Report, Severity, ValidatorFn
from validators.timed_text import validate as timed_text

__all__ = ["REGISTRY", "Finding", "Location", "QCContext", "Report", "Severity", "ValidatorFn"]

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
