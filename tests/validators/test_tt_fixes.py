"""Auto-corrections: each gives a new document that, written and read back, is clean for its rule."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validators import QCContext
from validators.profiles import load_profile
from validators.timed_text import fixes
from validators.timed_text.model import Document
from validators.timed_text.readers import read_bytes, read_path
from validators.timed_text.validate import validate_document
from validators.timed_text.writers import write as write_text

from .tt_files import FPS, check, clean_events, located, ms, srt, write


def read(path: Path) -> Document:
    document = read_path(path).document
    assert document is not None
    return document


def roundtrip(tmp_path: Path, document: Document, name: str, fmt: str, fps: Fraction | None = FPS) -> Path:
    """Write ``document`` as ``fmt`` to a new file, as ``slate fix`` does."""
    return write(tmp_path, name, write_text(document, fmt, fps=fps))


def test_shift_removes_an_hour_offset(tmp_path: Path) -> None:
    events = [(3_600_000 + b, 3_600_000 + e, t) for b, e, t in clean_events(3)]
    source = write(tmp_path, "o.srt", srt(events))
    assert located(check(source, program_duration=Fraction(600)), "TT_START_OFFSET")
    result = fixes.shift(read(source), Fraction(-3600))
    assert result.changes == ["all 3 events shifted by -3600.000 s"]
    fixed = roundtrip(tmp_path, result.document, "o-fixed.srt", "srt")
    assert check(fixed, program_duration=Fraction(600)).findings == []
    assert source.read_text().startswith("1\n01:00:01,001")  # the input is untouched


def test_retime_from_24_to_23_976_removes_drift(tmp_path: Path) -> None:
    reference = clean_events(40)
    ref_path = write(tmp_path, "ref.srt", srt(reference))
    at_24 = [(b * 1000 // 1001, e * 1000 // 1001, t) for b, e, t in reference]
    source = write(tmp_path, "d.srt", srt(at_24))
    assert located(check(source, reference=str(ref_path)), "TT_DRIFT")
    result = fixes.retime(read(source), Fraction(24), FPS)
    fixed = roundtrip(tmp_path, result.document, "d-fixed.srt", "srt")
    report = check(fixed, reference=str(ref_path))
    assert located(report, "TT_DRIFT") == []


def test_snap_to_frames(tmp_path: Path) -> None:
    events = [(b + 13, e - 7, t) for b, e, t in clean_events()]
    source = write(tmp_path, "s.srt", srt(events))
    assert len(located(check(source), "TT_NOT_FRAME_ALIGNED")) == 6
    result = fixes.snap_to_frames(read(source), FPS)
    assert len(result.changes) == 6
    assert check(roundtrip(tmp_path, result.document, "s-fixed.srt", "srt")).findings == []


def test_close_bridge_gaps_and_short_gaps_to_two_frames(tmp_path: Path) -> None:
    events = [(ms(24), ms(72), "One."), (ms(78), ms(120), "Two."), (ms(121), ms(170), "Three.")]
    source = write(tmp_path, "g.srt", srt(events))
    before = check(source)
    assert (located(before, "TT_BRIDGE_GAP"), located(before, "TT_GAP")) == (
        [(2, "00:00:03:06")],
        [(3, "00:00:05:01")],
    )
    result = fixes.close_gaps(read(source), FPS)
    assert result.changes == [
        "event 1: out 00:00:03:00 → 00:00:03:04 (2-frame gap before event 2)",
        "event 2: out 00:00:05:00 → 00:00:04:23 (2-frame gap before event 3)",
    ]
    assert check(roundtrip(tmp_path, result.document, "g-fixed.srt", "srt")).findings == []


def test_extend_to_minimum_duration_where_there_is_room(tmp_path: Path) -> None:
    events = [(ms(24), ms(34), "Room after."), (ms(96), ms(100), "No room."), (ms(102), ms(150), "Next.")]
    source = write(tmp_path, "m.srt", srt(events))
    assert located(check(source), "TT_MIN_DURATION") == [(1, "00:00:01:00"), (2, "00:00:04:00")]
    result = fixes.extend_min_duration(read(source), FPS, 833)
    fixed = check(roundtrip(tmp_path, result.document, "m-fixed.srt", "srt"))
    assert located(fixed, "TT_MIN_DURATION") == [(2, "00:00:04:00")]
    assert "event 2: too short but no room before the next event; left as is" in result.changes


def test_ttml_for_delivery_keeps_exact_frames(tmp_path: Path) -> None:
    source = write(tmp_path, "c.srt", srt(clean_events()))
    document = read(source)
    document.language = "de"
    path = roundtrip(tmp_path, document, "c.xml", "ttml")
    text = path.read_text()
    assert 'ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001"' in text
    assert 'ttp:timeBase="media"' in text and 'xml:lang="de"' in text
    assert check(path).findings == []
    back = read(path)
    assert [(e.begin * 24000, e.end * 24000) for e in back.events] == [
        ((72 * i + 24) * 1001 * back.timescale, (72 * i + 72) * 1001 * back.timescale) for i in range(6)
    ]
    smpte = read_bytes(write_text(document, "ttml", fps=FPS, time_base="smpte").encode(), "s.xml").document
    assert smpte is not None and smpte.time_base == "smpte"
    assert [(smpte.seconds(e.begin), smpte.seconds(e.end)) for e in smpte.events] == [
        (back.seconds(e.begin), back.seconds(e.end)) for e in back.events
    ]


def test_vtt_writer_round_trips(tmp_path: Path) -> None:
    document = read(write(tmp_path, "v.srt", srt(clean_events(2))))
    again = read(roundtrip(tmp_path, document, "v.vtt", "vtt"))
    assert [(e.begin, e.end, e.lines) for e in again.events] == [
        (e.begin, e.end, e.lines) for e in document.events
    ]


@settings(max_examples=60, deadline=None)
@given(
    fps=st.sampled_from(
        [Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(50)]
    ),
    steps=st.lists(st.tuples(st.integers(0, 1500), st.integers(600, 6000)), min_size=2, max_size=25),
    fmt=st.sampled_from(["srt", "vtt", "ttml"]),
)
def test_snap_then_close_leaves_no_gap_or_alignment_finding(
    fps: Fraction, steps: list[tuple[int, int]], fmt: str
) -> None:
    """Whatever the timing, the written file is clean for the rules these two fixes own."""
    events, cursor = [], 0
    for gap_ms, duration_ms in steps:
        begin = cursor + gap_ms
        events.append((begin, begin + duration_ms, "Text."))
        cursor = begin + duration_ms
    document = read_bytes(srt(events).encode(), "p.srt").document
    assert document is not None
    fixed = fixes.close_gaps(fixes.snap_to_frames(document, fps).document, fps).document
    written = read_bytes(write_text(fixed, fmt, fps=fps).encode(), f"p.{fmt}").document
    assert written is not None
    profile = load_profile("netflix")
    context = QCContext(asset_type="subtitle", fps=fps, profile=profile)
    report = validate_document(written, context, profile)
    assert [c for c in report.codes() if c in {"TT_GAP", "TT_BRIDGE_GAP", "TT_NOT_FRAME_ALIGNED"}] == []


def test_a_report_corrects_what_it_marks_fixable(tmp_path: Path) -> None:
    """The plan a report calls for (shift by the found offset, then the frame fixes) leaves it clean."""
    events = [(3_600_000 + b, 3_600_000 + e, t) for b, e, t in clean_events(3)]
    source = write(tmp_path, "o.srt", srt(events))
    report = check(source, program_duration=Fraction(600))
    plan = fixes.plan_for_report(report)
    assert plan.offset == Fraction(-3600)
    context = QCContext(asset_type="subtitle", fps=FPS, program_duration=Fraction(600))
    fixed, fps = fixes.correct(read(source), report, context)
    assert fps == FPS
    assert fixed.changes[0] == "all 3 events shifted by -3600.000 s"
    written = roundtrip(tmp_path, fixed.document, "o-fixed.srt", "srt")
    assert check(written, program_duration=Fraction(600)).findings == []


def test_no_frame_rate_is_an_error_not_a_guess(tmp_path: Path) -> None:
    source = write(tmp_path, "o.srt", srt([(b + 3_600_000, e + 3_600_000, t) for b, e, t in clean_events(3)]))
    report = check(source, fps=None, program_duration=Fraction(600))
    assert located(report, "TT_START_OFFSET")
    context = QCContext(asset_type="subtitle", program_duration=Fraction(600))
    with pytest.raises(fixes.UnknownFrameRate) as raised:
        fixes.correct(read(source), report, context)
    assert raised.value.subject == str(source)
