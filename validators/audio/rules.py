"""The audio part of a rule profile: the figures audio QC checks against.

Every field carries the Netflix default (shared/domain.md §2) so a profile may omit it, and a user can
change one value (``audio.true_peak_max_dbtp=-1``) without touching code. Loudness is *programme*
loudness (ITU-R BS.1770, all channels but the LFE, gated), not dialogue-gated loudness: the open tools
cannot gate on dialogue, so the spec's programme-loudness fallback (−24 LKFS) is what is checked.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AudioRules"]


class AudioRules(BaseModel):
    """Loudness targets and limits; every field has the Netflix default so a profile may omit it."""

    model_config = ConfigDict(extra="forbid")

    #: Programme loudness target in LKFS (BS.1770) and the tolerance either side.
    program_loudness_lufs: float = -24.0
    loudness_tolerance_lu: float = 2.0
    #: Asset types whose programme loudness is checked; an M&E's is measured but not required.
    loudness_required_for: list[str] = Field(default_factory=lambda: ["printmaster", "secondary_audio"])
    #: True peak above this (dBTP, 4x oversampled per BS.1770 Annex 2) is an ISSUE (mix spec) …
    true_peak_max_dbtp: float = -2.0
    #: … and above this a BLOCKER (the QC partners' threshold).
    true_peak_blocker_dbtp: float = -1.0
    sample_rate_hz: int = 48_000
    bit_depth: int = 24
    #: Above this frequency an LFE channel should carry (almost) nothing.
    lfe_cutoff_hz: float = 120.0
    #: Share of the LFE's energy above the cutoff that marks it as a full-band channel.
    lfe_max_high_band_ratio: float = 0.3
    #: A channel whose sample peak stays below this is silent.
    silence_threshold_dbfs: float = -60.0
    #: Samples at or above this level, in runs of ``clip_min_run`` or more, are clipped.
    clip_level_dbfs: float = -0.001
    clip_min_run: int = 3
    #: Channels whose correlation exceeds this are duplicates of each other.
    duplicate_correlation_min: float = 0.999
    #: Channel pairs whose correlation is below this are out of polarity.
    polarity_correlation_max: float = -0.5
    #: The speech band used for dialogue detection, and the dialogue-likeness score that counts.
    speech_band_hz: tuple[float, float] = (300.0, 3400.0)
    dialogue_score_min: float = 0.35
    #: Speech-band pulsing more regular than this is music with a beat, not dialogue.
    dialogue_periodicity_max: float = 0.45
    #: A centre whose speech-band level is this far below the loudest other channel's carries none.
    center_speech_band_deficit_db: float = 20.0
    #: Allowed difference between the audio's length and the programme runtime, in seconds.
    duration_tolerance_s: float = 0.5
