"""Each timed-text check: a clean file has no findings; each defect gives its code and location."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from validators import REGISTRY, Severity
from validators.timed_text.validate import validate

from .tt_files import FPS, check, clean_events, located, ms, srt, write


def test_clean_file_has_no_findings(tmp_path: Path) -> None:
    report = check(write(tmp_path, "clean.srt", srt(clean_events())))
    assert report.findings == []
    assert report.measurements["events"] == 6
    assert report.measurements["frame_rate"] == "24000/1001"


def test_registry_serves_every_subtitle_kind() -> None:
    for kind in ("subtitle", "sdh", "cc", "forced", "template"):
        assert validate in REGISTRY[kind]


def test_durations(tmp_path: Path) -> None:
    events = clean_events()
    events[1] = (ms(96), ms(96 + 19), "Too short.")  # 19 frames < 5/6 s
    events[3] = (ms(240), ms(240 + 170), "Too long.")  # 7.09 s
    events[4] = (ms(480), ms(480), "Nothing.")
    report = check(write(tmp_path, "d.srt", srt(events)))
    assert located(report, "TT_MIN_DURATION") == [(2, "00:00:04:00"), (5, "00:00:20:00")]
    assert located(report, "TT_MAX_DURATION") == [(4, "00:00:10:00")]
    severities = {f.location.event_index: f.severity for f in report.findings if f.code == "TT_MIN_DURATION"}
    assert severities == {2: Severity.ISSUE, 5: Severity.BLOCKER}


def test_overlap_gap_and_bridge_gap(tmp_path: Path) -> None:
    events = [
        (ms(24), ms(72), "One."),
        (ms(73), ms(120), "One frame after."),  # 1-frame gap
        (ms(126), ms(170), "Six frames after."),  # bridge gap (3..11 frames)
        (ms(165), ms(220), "Overlaps."),
        (ms(232), ms(280), "Twelve frames after: fine."),
        (ms(282), ms(330), "Two frames after: fine."),
    ]
    report = check(write(tmp_path, "g.srt", srt(events)))
    assert located(report, "TT_GAP") == [(2, "00:00:03:01")]
    assert located(report, "TT_BRIDGE_GAP") == [(3, "00:00:05:06")]
    assert located(report, "TT_OVERLAP") == [(4, "00:00:06:21")]
    assert report.blocked
    assert {f.code for f in report.findings} == {"TT_GAP", "TT_BRIDGE_GAP", "TT_OVERLAP"}


def test_gap_rules_follow_the_frame_rate(tmp_path: Path) -> None:
    # 100 ms is 2.4 frames at 24 fps (fine) but 5 frames at 50 fps (a bridge gap).
    events = [(0, 2000, "One."), (2100, 4000, "Two.")]
    path = write(tmp_path, "r.srt", srt(events))
    assert located(check(path, fps=Fraction(24)), "TT_BRIDGE_GAP") == []
    assert located(check(path, fps=Fraction(50)), "TT_BRIDGE_GAP") == [(2, "00:00:02:05")]


def test_japanese_skips_gap_rules_and_counts_half_widths(tmp_path: Path) -> None:
    events = [(ms(24), ms(72), "a" * 26), (ms(73), ms(120), "日本語の字幕です日本語の字幕です")]
    report = check(write(tmp_path, "ja.srt", srt(events)), language="ja")
    assert located(report, "TT_GAP") == []
    # 26 half-width letters count 13 (the limit); 16 full-width characters exceed 13.
    assert located(report, "TT_LINE_LENGTH") == [(2, "00:00:03:01")]


def test_frame_alignment(tmp_path: Path) -> None:
    events = clean_events()
    events[2] = (ms(168) + 10, ms(192), "Ten milliseconds late.")
    report = check(write(tmp_path, "a.srt", srt(events)))
    assert located(report, "TT_NOT_FRAME_ALIGNED") == [(3, "00:00:07:00")]


def test_text_rules(tmp_path: Path) -> None:
    events = clean_events()
    events[0] = (0, ms(72), "x" * 43)
    events[1] = (ms(96), ms(144), "One\nTwo\nThree")
    events[2] = (ms(168), ms(192), "This sentence is rather long to read.")  # 37 chars in 1 s
    events[3] = (ms(240), ms(288), " ")
    report = check(write(tmp_path, "t.srt", srt(events)))
    assert located(report, "TT_LINE_LENGTH") == [(1, "00:00:00:00")]
    assert located(report, "TT_LINE_COUNT") == [(2, "00:00:04:00")]
    assert located(report, "TT_READING_SPEED") == [(3, "00:00:07:00")]
    assert located(report, "TT_EMPTY_EVENT") == [(4, "00:00:10:00")]
    speed = next(f for f in report.findings if f.code == "TT_READING_SPEED")
    assert speed.evidence["cps"] == "37.0"


def test_reading_speed_depends_on_asset_type_and_audience(tmp_path: Path) -> None:
    # 44 characters over 2 s = 22 cps: over Arabic subtitles (20) but within Arabic SDH (23).
    events = [(ms(24), ms(72), "ا" * 22 + "\n" + "ب" * 22)]
    path = write(tmp_path, "ar.srt", srt(events))
    assert located(check(path, language="ar"), "TT_READING_SPEED") == [(1, "00:00:01:00")]
    assert located(check(path, "sdh", language="ar"), "TT_READING_SPEED") == []
    children = check(path, "sdh", language="ar", children=True)
    assert located(children, "TT_READING_SPEED") == [(1, "00:00:01:00")]


def test_glyphs_when_the_profile_lists_them(tmp_path: Path) -> None:
    events = clean_events(3)
    events[1] = (ms(96), ms(144), "Smart “quotes”.")
    path = write(tmp_path, "gl.srt", srt(events))
    assert located(check(path), "TT_GLYPH") == []
    # The shipped list (netflix_glyphs.txt) refuses what no subtitle script holds: an emoji.
    events[2] = (ms(168), ms(216), "Great \U0001f600")
    emoji = check(write(tmp_path, "emoji.srt", srt(events)))
    assert [f.evidence["characters"] for f in emoji.findings if f.code == "TT_GLYPH"] == [["U+1F600"]]
    # A profile can put its own list in place of the shipped one.
    report = check(path, overrides=["timed_text.glyph_list=''", "timed_text.glyph_ranges=[[32, 126]]"])
    assert located(report, "TT_GLYPH") == [(2, "00:00:04:00")]
    assert report.findings[0].evidence["characters"] == ["U+201C", "U+201D"]


def test_start_offset_and_beyond_program(tmp_path: Path) -> None:
    hour = 3_600_000
    events = [(hour + b, hour + e, t) for b, e, t in clean_events(3)]
    path = write(tmp_path, "o.srt", srt(events))
    report = check(path, program_duration=Fraction(600))
    assert located(report, "TT_START_OFFSET") == [(1, "01:00:01:00")]
    assert report.findings[0].evidence["offset_ms"] == "3600000"
    # Every event ends after a 10-minute programme; each is named with its own timecode.
    assert located(report, "TT_BEYOND_PROGRAM") == [
        (1, "01:00:01:00"),
        (2, "01:00:04:00"),
        (3, "01:00:07:00"),
    ]
    # Timed to a programme that starts at 01:00:00:00, the same file is in place.
    in_place = check(path, program_duration=Fraction(600), start_timecode="00:59:56:10")
    assert located(in_place, "TT_START_OFFSET") == []


def test_file_before_a_one_hour_programme_start(tmp_path: Path) -> None:
    report = check(write(tmp_path, "z.srt", srt(clean_events(2))), start_timecode="01:00:00:00")
    assert located(report, "TT_START_OFFSET") == [(1, "00:00:01:00")]


@pytest.mark.parametrize("start", ["1:00:00:00", "01:00:00", "garbage", "01:00:00;00", "00:59:59:24"])
def test_unreadable_start_timecode_is_said_not_read_as_zero(tmp_path: Path, start: str) -> None:
    """A QCContext built from a request with a malformed start gets a finding, not a false offset."""
    hour = 3_600_000
    path = write(tmp_path, "h.srt", srt([(hour + b, hour + e, t) for b, e, t in clean_events(3)]))
    report = check(path, program_duration=Fraction(600), start_timecode=start)
    assert located(report, "TT_START_TIMECODE") == [(None, None)]
    assert {"TT_START_OFFSET", "TT_BEYOND_PROGRAM"}.isdisjoint(report.codes())
    finding = next(f for f in report.findings if f.code == "TT_START_TIMECODE")
    assert finding.severity is Severity.ISSUE and finding.evidence["start_timecode"] == start
    assert "HH:MM:SS:FF" in finding.rule and "not checked" in finding.message
    assert not report.blocked


def test_frame_rate_and_timebase_of_ttml(tmp_path: Path) -> None:
    ttml = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
        ' ttp:frameRate="24" xml:lang="en"><body><div>'
        '<p begin="00:00:01:00" end="00:00:03:00">Hello.</p></div></body></tt>'
    )
    path = write(tmp_path, "f.xml", ttml)
    report = check(path, declared_timebase="smpte")
    codes = [f.code for f in report.findings]
    assert codes.count("TT_FRAME_RATE_INVALID") == 1  # declares 24, programme 23.976
    assert codes.count("TT_TIMEBASE") == 1  # missing, portal says smpte
    assert {f.severity for f in report.findings if f.code != "TT_NOT_FRAME_ALIGNED"} == {Severity.BLOCKER}
    assert located(check(path, fps=Fraction(24)), "TT_FRAME_RATE_INVALID") == []
    assert [f.code for f in check(path, fps=Fraction(23)).findings].count("TT_FRAME_RATE_INVALID") == 2


def test_shot_changes(tmp_path: Path) -> None:
    events = [(ms(24), ms(72), "One."), (ms(100), ms(150), "Two."), (ms(200), ms(246), "Three.")]
    cuts = [Fraction(104) / FPS, Fraction(248) / FPS, Fraction(24) / FPS]
    report = check(write(tmp_path, "s.srt", srt(events)), shot_changes=cuts)
    # Event 2 starts 4 frames before a cut; event 3 ends 2 frames before one (fine); event 1 on a cut.
    assert located(report, "TT_SHOT_CHANGE") == [(2, "00:00:04:04")]


def test_forced_narrative_must_be_in_the_full_file(tmp_path: Path) -> None:
    full = write(tmp_path, "full.srt", srt(clean_events()))
    forced = write(
        tmp_path,
        "fn.srt",
        srt(
            [
                (ms(96), ms(144), "LINE NUMBER 12"),
                (ms(168), ms(216), "Not subtitled anywhere."),
                (ms(240), ms(288), "Line"),  # a whole word of event 4: in it
                (ms(312), ms(360), "numb"),  # only part of a word of event 5: not in it
            ]
        ),
    )
    report = check(forced, "forced", full_subtitle=str(full))
    assert located(report, "TT_FN_NOT_IN_FULL") == [(2, "00:00:07:00"), (4, "00:00:13:00")]


def test_drift_against_a_reference(tmp_path: Path) -> None:
    reference = clean_events(40)
    # The same frames played at 24 fps instead of 23.976: each time shrinks by 1000/1001.
    drifted = [(b * 1000 // 1001, e * 1000 // 1001, t) for b, e, t in reference]
    ref_path = write(tmp_path, "ref.srt", srt(reference))
    report = check(write(tmp_path, "drift.srt", srt(drifted)), reference=str(ref_path))
    # Reported once, on the last event, where the offset has grown most (40 × 3 s ≈ 120 ms).
    assert located(report, "TT_DRIFT") == [(40, "00:01:57:23")]
    drift = next(f for f in report.findings if f.code == "TT_DRIFT")
    assert Fraction(drift.evidence["ratio"]) == Fraction(1000, 1001)
    steady = check(write(tmp_path, "same.srt", srt(reference)), reference=str(ref_path))
    assert located(steady, "TT_DRIFT") == []


def test_timebase_conflicting_with_the_portal(tmp_path: Path) -> None:
    ttml = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
        ' ttp:timeBase="smpte" ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001" xml:lang="en">'
        '<body><div><p begin="00:00:01:00" end="00:00:03:00">Hello.</p></div></body></tt>'
    )
    path = write(tmp_path, "tb.xml", ttml)
    assert check(path, declared_timebase="smpte").findings == []
    conflict = check(path, declared_timebase="media")
    assert [(f.code, f.severity) for f in conflict.findings] == [("TT_TIMEBASE", Severity.BLOCKER)]
    assert "'smpte'" in conflict.findings[0].message


def test_frames_or_ticks_without_a_declared_rate(tmp_path: Path) -> None:
    body = '<body><div><p begin="{b}" end="{e}">Hello.</p></div></body></tt>'
    head = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
        ' ttp:timeBase="media"'
    )
    frames = write(tmp_path, "f.xml", head + ">" + body.format(b="00:00:01:00", e="00:00:03:00"))
    ticks = write(tmp_path, "t.xml", head + ">" + body.format(b="10000000t", e="30000000t"))
    declared = write(
        tmp_path, "d.xml", head + ' ttp:tickRate="10000000">' + body.format(b="10000000t", e="3s")
    )
    found = [f for f in check(frames, fps=None).findings if f.code == "TT_FRAME_RATE_INVALID"]
    assert [f.evidence["unit"] for f in found] == ["frames"]
    rates = [f for f in check(ticks, fps=None).findings if f.code == "TT_FRAME_RATE_INVALID"]
    assert [f.evidence["unit"] for f in rates] == ["ticks"]
    assert [f.code for f in check(declared, fps=None).findings] == ["TT_FRAME_RATE_UNKNOWN"]
