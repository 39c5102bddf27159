"""The audio part of a rule profile: the figures audio QC checks against."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["AudioRules"]


class AudioRules(BaseModel):
    """Loudness targets and limits; every field has the Netflix default so a profile may omit it."""

    model_config = ConfigDict(extra="forbid")

    program_loudness_lufs: float = -24.0
    loudness_tolerance_lu: float = 2.0
    true_peak_max_dbtp: float = -2.0
