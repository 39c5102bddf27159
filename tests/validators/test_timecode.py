"""One timecode reader: drop-frame labels mean the same in --program-duration, --shift and the start."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from validators.timecode import parse_timecode
from validators.timed_text.options import parse_duration

from .tt_files import check, located, srt, write

NTSC = Fraction(30000, 1001)
FRAME = Fraction(1001, 30000)


def test_drop_frame_durations_skip_the_dropped_labels() -> None:
    # 59 minutes into drop-frame, 2 x (59 - 5) labels were skipped: 107892 labels, 107784 frames.
    assert parse_duration("00:59:56;12", NTSC) == 107_784 * FRAME
    assert parse_duration("-00:01:00;02", NTSC) == -1800 * FRAME
    assert parse_duration("00:01:00:02", NTSC) == 1802 * FRAME  # ':' stays non-drop
    assert parse_duration("00:01:00;04", Fraction(60000, 1001)) == 3600 * Fraction(1001, 60000)
    assert parse_duration("00:59:56;12", NTSC) == parse_timecode("00:59:56;12", NTSC)


@pytest.mark.parametrize(
    ("text", "fps", "reason"),
    [
        ("00:00:10;00", Fraction(25), "drop-frame"),
        ("00:00:10;00", Fraction(30), "drop-frame"),
        ("00:00:00:30", NTSC, "frame 30 does not exist"),
        ("00:00:00:25", Fraction(25), "frame 25 does not exist"),
        ("00:01:00;01", NTSC, "skips frames 0-1"),
        ("00:61:00:00", Fraction(25), "minutes and seconds"),
    ],
)
def test_labels_that_cannot_exist_at_the_rate_are_refused(text: str, fps: Fraction, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_duration(text, fps)


def test_programme_duration_in_drop_frame_bounds_the_events(tmp_path: Path) -> None:
    """``00:10:00;00`` is 17982 frames (599.9994 s): an event ending at 600.000 s is beyond it."""
    path = write(tmp_path, "end.srt", srt([(598_000, 600_000, "The very end.")]))
    duration = parse_duration("00:10:00;00", NTSC)
    assert duration == 17_982 * FRAME
    report = check(path, fps=NTSC, program_duration=duration)
    assert [index for index, _ in located(report, "TT_BEYOND_PROGRAM")] == [1]
