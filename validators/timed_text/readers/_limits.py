"""How large a timed-text file Slate reads: the one bound on the readers' memory.

QC holds the whole file, its decoded text, the parsed document and what the checks derive from it
at once: measured with ``/usr/bin/time -v slate qc FILE --type subtitle --fps 25 --json``, an SRT
of 49 MB (1.1 million cues) peaked at 9.3 GB, about 190 bytes of memory per byte of file. Real
subtitles are well under a megabyte (a feature's SRT is some 100 kB), so the default of 5 MB keeps
the peak near 1 GB while refusing nothing real. A file over
:attr:`TimedTextLimits.timed_text_max_bytes` is refused with a finding before a byte is read.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["TimedTextLimits", "max_bytes"]


class TimedTextLimits(BaseSettings):
    """``SLATE_TIMED_TEXT_MAX_BYTES``: the largest timed-text file QC and fixes read (default 5 MB)."""

    model_config = SettingsConfigDict(env_prefix="SLATE_", extra="ignore")

    timed_text_max_bytes: int = Field(default=5 * 1000 * 1000, gt=0)


def max_bytes() -> int:
    """The limit now (read from the environment on each call: it is cheap, and tests change it)."""
    return TimedTextLimits().timed_text_max_bytes
