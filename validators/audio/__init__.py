"""Audio QC: format, channel mapping, layout, loudness and peaks of printmasters and M&Es.

``validate(subject, context)`` streams a WAV/BWF/RF64 file (or a set of mono files) once and
reports every finding with the measured figures as evidence; see :mod:`validators.audio.validator`.
"""

from validators.audio.checks_roles import channel_remap
from validators.audio.rules import AudioRules
from validators.audio.validator import audio_rules, validate

__all__ = ["AudioRules", "audio_rules", "channel_remap", "validate"]
