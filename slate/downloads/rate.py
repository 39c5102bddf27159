"""The bandwidth setting shared by downloads and deliveries: megabits per second in steps of 10.

Operators pick a rate from a short ladder (10, 20, … 1000 Mb/s) rather than any number, so that a
typo such as ``1000O`` or ``55`` is caught at once instead of silently capping a transfer at a rate
nobody meant. Both ``slate download`` and delivery validate through :func:`validate_rate_mbps`.
"""

from __future__ import annotations

from slate.errors import InvalidInput

__all__ = ["MAX_RATE_MBPS", "MIN_RATE_MBPS", "RATE_STEP_MBPS", "bytes_per_second", "validate_rate_mbps"]

MIN_RATE_MBPS = 10
MAX_RATE_MBPS = 1000
RATE_STEP_MBPS = 10

_RULE = f"a multiple of {RATE_STEP_MBPS} Mb/s from {MIN_RATE_MBPS} to {MAX_RATE_MBPS}"


def validate_rate_mbps(value: object) -> int:
    """The rate as an int of Mb/s, or :class:`InvalidInput` naming the allowed steps.

    Accepts an int, or a string of digits (as typed on a command line or in a form); refuses
    booleans, fractions and anything off the ladder.
    """
    rate: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        rate = value
    elif isinstance(value, str) and value.strip().isdecimal():
        rate = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        rate = int(value)
    if rate is None or not MIN_RATE_MBPS <= rate <= MAX_RATE_MBPS or rate % RATE_STEP_MBPS:
        raise InvalidInput(
            f"bandwidth limit {value!r} Mb/s is not allowed: use {_RULE} (e.g. 10, 100, 250, 1000)",
            value=repr(value),
            rule=_RULE,
        )
    return rate


def bytes_per_second(rate_mbps: int) -> int:
    """Bytes per second of a validated rate (1 Mb/s is 1,000,000 bits per second)."""
    return validate_rate_mbps(rate_mbps) * 1_000_000 // 8
