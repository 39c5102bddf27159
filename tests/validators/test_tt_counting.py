"""Counting what a viewer reads: grapheme clusters, not code points; direction marks not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from validators.timed_text.counting import count2, visible

from .tt_files import check, clock, write


@pytest.mark.parametrize(
    ("text", "code_points", "read"),
    [
        ("น้ำ", 3, 1),  # Thai: consonant + tone mark + vowel sign, one character on screen
        ("ที่นี่", 6, 2),  # two syllables each with a vowel and a tone mark
        ("हिंदी", 5, 2),  # Hindi: हिं + दी
        ("e\u0301te\u0301", 5, 3),  # "été" written with combining acute accents
        ("\u200fשלום!", 6, 5),  # a right-to-left mark is not read
        ("\u202bمرحبا\u202c", 7, 5),  # nor an embedding and its pop
        ("Hello, world.", 13, 13),
    ],
)
def test_count_is_grapheme_clusters_without_direction_marks(text: str, code_points: int, read: int) -> None:
    assert len(text) == code_points
    assert count2(text) == 2 * read


def test_half_width_counts_one_half_in_cjk() -> None:
    # Three full-width kana, two half-width digits, one full-width question mark: 3 + 1 + 1.
    assert count2("ありが12？", halves=True) == 10
    assert count2("ｱｲｳ", halves=True) == 3  # half-width katakana count one half each


def test_visible_drops_only_direction_marks() -> None:
    assert visible("\u200eA\u2066B\u2069\u200dC") == "AB\u200dC"


def test_thai_line_within_its_limit_in_graphemes_is_not_too_long(tmp_path: Path) -> None:
    # 30 syllables of น้ำ (90 code points) against Thai's 35-character line: what is read is 30.
    line = "น้ำ" * 30
    path = write(tmp_path, "th.srt", f"1\n{clock(1000)} --> {clock(6000)}\n{line}\n")
    assert [f for f in check(path, language="th").findings if f.code == "TT_LINE_LENGTH"] == []
    longer = write(tmp_path, "th2.srt", f"1\n{clock(1000)} --> {clock(6000)}\n{'น้ำ' * 36}\n")
    [finding] = [f for f in check(longer, language="th").findings if f.code == "TT_LINE_LENGTH"]
    assert finding.evidence["characters"] == "36"


def test_hindi_reading_speed_counts_syllables(tmp_path: Path) -> None:
    # 40 × "हिंदी" = 80 characters read (200 code points) over 4 s: 20 cps, within Hindi's 22.
    text = "हिंदी" * 20 + "\n" + "हिंदी" * 20
    path = write(tmp_path, "hi.srt", f"1\n{clock(1000)} --> {clock(5000)}\n{text}\n")
    report = check(path, language="hi", overrides=["timed_text.languages.hi.max_line_length=60"])
    assert [f for f in report.findings if f.code == "TT_READING_SPEED"] == []
    assert report.measurements["reading_speed_mean_cps"] == "20.0"
