"""How large a timed-text file Slate reads: the one bound on the readers' memory.

The readers hold the whole file, its decoded text and the parsed document at once (about ten times
the file's size at the peak, measured on SRT), which is nothing for real subtitles (a feature is
well under a megabyte) and everything for a hostile or broken file (a 200 MB SRT took 2 GB). A file
over :attr:`TimedTextLimits.timed_text_max_bytes` is refused with a finding before a byte is read.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["TimedTextLimits", "max_bytes"]


class TimedTextLimits(BaseSettings):
    """``SLATE_TIMED_TEXT_MAX_BYTES``: the largest timed-text file QC and fixes read (default 50 MB)."""

    model_config = SettingsConfigDict(env_prefix="SLATE_", extra="ignore")

    timed_text_max_bytes: int = Field(default=50 * 1000 * 1000, gt=0)


def max_bytes() -> int:
    """The limit now (read from the environment on each call: it is cheap, and tests change it)."""
    return TimedTextLimits().timed_text_max_bytes
