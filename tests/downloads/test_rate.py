"""The download rate setting: the delivery ladder, and its conversion to bytes per second."""

from __future__ import annotations

import pytest

from slate.downloads import bytes_per_second, validate_rate_mbps
from slate.errors import InvalidInput


def test_the_ladder_is_10_to_1000_in_steps_of_10() -> None:
    assert [validate_rate_mbps(v) for v in (10, "100", 250, 1000)] == [10, 100, 250, 1000]
    assert bytes_per_second(100) == 12_500_000
    for bad in (0, 5, 55, 1010, -10, "fast", "100.5"):
        with pytest.raises(InvalidInput, match="steps of 10 Mb/s from 10 to 1000"):
            validate_rate_mbps(bad)
