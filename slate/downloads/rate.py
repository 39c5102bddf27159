"""The bandwidth setting of downloads: the same 10 Mb/s ladder (10 … 1000) as delivery.

There is one rule and one function for it, :func:`slate.bandwidth.validate_rate_mbps`, which
delivery uses too; this module names it for downloads and converts a rate to bytes per second for
the in-process token bucket that paces every connection of one download run together.
"""

from __future__ import annotations

from slate.bandwidth import MAX_MBPS, MIN_MBPS, STEP_MBPS, validate_rate_mbps

__all__ = ["MAX_MBPS", "MIN_MBPS", "STEP_MBPS", "bytes_per_second", "validate_rate_mbps"]


def bytes_per_second(rate_mbps: int) -> int:
    """Bytes per second of a rate in Mb/s (1 Mb/s is 1,000,000 bits per second), validated first."""
    return validate_rate_mbps(rate_mbps) * 1_000_000 // 8
