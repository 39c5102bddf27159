"""Exact times from SRT, WebVTT, TTML (nested timing, SMPTE, ticks) and SCC, bad input as findings."""

from __future__ import annotations

import codecs
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validators.base import Severity
from validators.timed_text.model import Document
from validators.timed_text.readers import read_bytes, read_path

from .tt_files import write

TT = (
    '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
    ' xmlns:tts="http://www.w3.org/ns/ttml#styling" xml:lang="fr" {params}>\n'
    "<head/>\n<body{body}>\n{content}\n</body>\n</tt>"
)


def ttml(content: str, params: str = "", body: str = "") -> bytes:
    return TT.format(params=params, body=body, content=content).encode()


def times(document: Document | None) -> list[tuple[Fraction, Fraction]]:
    assert document is not None
    return [(document.seconds(e.begin), document.seconds(e.end)) for e in document.events]


def codes(data: bytes, name: str = "x.xml") -> list[tuple[str, int | None]]:
    return [(f.code, f.location.line) for f in read_bytes(data, name).findings]


def test_srt_with_markup_and_a_malformed_block(tmp_path: Path) -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> &amp; {\\an8}bye\nsecond\n\n"
        "2\n00:00:03,000 -> 00:00:04,000\nbroken arrow\n\n"
        "3\n00:00:05,000 --> 00:00:06,042\nlast\n"
    )
    result = read_path(write(tmp_path, "a.srt", text))
    assert times(result.document) == [(1, Fraction(5, 2)), (5, Fraction(6042, 1000))]
    assert result.document is not None
    first = result.document.events[0]
    assert (first.lines, first.italic, first.position) == (["Hello & bye", "second"], True, "top")
    assert [(f.code, f.location.line) for f in result.findings] == [("TT_PARSE_ERROR", 7)]


def test_webvtt_reads_cues_and_requires_the_signature() -> None:
    text = (
        "WEBVTT\n\nNOTE a comment\n\nid-1\n00:01.000 --> 00:02.000 line:0\n<v Bob>Hi</v>\n\n"
        "01:00:00.000 --> 01:00:01.500\nLater\n"
    )
    result = read_bytes(text.encode(), "a.vtt")
    assert times(result.document) == [(1, 2), (3600, Fraction(7203, 2))]
    assert result.document is not None and result.document.events[0].position == "top"
    assert result.findings == []
    assert codes(b"00:01.000 --> 00:02.000\nHi\n", "b.vtt") == [("TT_PARSE_ERROR", 1)]


def test_ttml_nested_timing_seq_and_par() -> None:
    content = (
        '<div begin="10s">\n'
        '<p begin="1s" end="3s">a</p>\n'
        '<p begin="2s" dur="500ms">b</p>\n'
        "</div>\n"
        '<div begin="20s" timeContainer="seq">\n'
        '<p dur="1s">c</p>\n'
        '<p begin="1s" dur="2s">d<br/>e</p>\n'
        "</div>"
    )
    result = read_bytes(ttml(content), "t.xml")
    assert result.findings == []
    assert times(result.document) == [(11, 13), (12, Fraction(25, 2)), (20, 21), (22, 24)]
    assert result.document is not None and result.document.events[3].lines == ["d", "e"]
    assert result.document.language == "fr"


def test_ttml_parent_end_bounds_children() -> None:
    content = '<div begin="1s" end="5s"><p begin="1s" end="9s">a</p>\n<p begin="6s" end="7s">never</p></div>'
    result = read_bytes(ttml(content), "t.xml")
    assert times(result.document) == [(2, 5)]
    # The second <p> is never active; it is not lost quietly.
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.location.line) == ("TT_NEVER_SHOWN", Severity.WARNING, 5)
    assert "begins at 00:00:07.000, after its parent ends at 00:00:05.000" in finding.message


def test_ttml_end_before_begin_is_kept_to_be_reported() -> None:
    """A ``p`` whose own end precedes its begin is an authoring mistake, not a never-active event."""
    content = '<div>\n<p begin="1s" end="3s">a</p>\n<p begin="6s" end="4s">backwards</p>\n</div>'
    document = read_bytes(ttml(content), "t.xml").document
    assert times(document) == [(1, 3), (6, 4)]
    assert document is not None and document.events[1].source_line == 6


def test_ttml_frames_ticks_and_smpte_at_23_976() -> None:
    params = 'ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001" ttp:tickRate="10000000"'
    content = '<div><p begin="00:00:01:12" end="48f">a</p><p begin="15015000t" end="00:00:03.5">b</p></div>'
    result = read_bytes(ttml(content, params), "t.xml")
    assert result.findings == []
    assert result.document is not None
    assert result.document.frame_rate == Fraction(24000, 1001)
    assert times(result.document) == [
        (1 + Fraction(12 * 1001, 24000), Fraction(48 * 1001, 24000)),
        (Fraction(15015, 10000), Fraction(7, 2)),
    ]
    smpte = read_bytes(
        ttml('<div><p begin="00:00:01:00" end="00:00:02:00">a</p></div>', params + ' ttp:timeBase="smpte"'),
        "s.xml",
    )
    # SMPTE labels count frames: 00:00:01:00 is frame 24, at 1001/1000 of a second.
    assert times(smpte.document) == [(Fraction(1001, 1000), Fraction(2002, 1000))]
    assert smpte.document is not None and smpte.document.time_base == "smpte"


@pytest.mark.parametrize(
    ("element", "line"),
    [
        ('<div><p begin="00:00:60.5" end="2s">a</p></div>', 4),
        ('<div><p begin="1s" end="2s"><span begin="0:00:01">a</span></p></div>', 4),
        ('<div dur="1x"><p begin="1s" end="2s">a</p></div>', 4),
        ('<div><set begin="00:00:01:30" tts:color="red"/></div>', 4),
    ],
)
def test_invalid_time_expressions_anywhere_are_reported(element: str, line: int) -> None:
    assert codes(ttml(element)) == [("TT_PARSE_ERROR", line)]


def test_invalid_time_on_body_and_bad_parameters() -> None:
    assert codes(ttml("<div/>", body=' begin="00:00"')) == [("TT_PARSE_ERROR", 3)]
    assert codes(ttml("<div/>", 'ttp:frameRate="0" ttp:tickRate=""')) == [
        ("TT_FRAME_RATE_INVALID", 1),
        ("TT_FRAME_RATE_INVALID", 1),
    ]
    assert codes(ttml("<div/>", 'ttp:frameRateMultiplier="1:2"')) == [("TT_FRAME_RATE_INVALID", 1)]
    assert codes(ttml("<div/>", 'ttp:timeBase="smpte" ttp:markerMode="discontinuous"', ' dur="1s"')) == [
        ("TT_TIMEBASE", 3)
    ]
    assert codes(ttml("<div/>", 'ttp:timeBase="film"')) == [("TT_TIMEBASE", 1)]


def test_malformed_xml_and_foreign_root_are_parse_errors() -> None:
    assert codes(b"<tt xmlns='http://www.w3.org/ns/ttml'><body>\n<p>unclosed</body></tt>") == [
        ("TT_PARSE_ERROR", 2)
    ]
    result = read_bytes(b"<html><body/></html>", "page.xml")
    assert result.document is None and [f.code for f in result.findings] == ["TT_PARSE_ERROR"]


def scc_line(tc: str, *words: str) -> str:
    return f"{tc}\t{' '.join(words)}\n"


def test_scc_pop_on_captions_with_exact_frames() -> None:
    text = (
        "Scenarist_SCC V1.0\n\n"
        + scc_line(
            "00:00:01;00",
            "94ae",
            "94ae",
            "9420",
            "9420",
            "9470",
            "9470",
            "4845",
            "4c4c",
            "4f80",
            "942f",
            "942f",
        )
        + "\n"
        + scc_line("00:00:03;00", "942c", "942c")
        + scc_line("00:01:00;02", "9420", "9420", "1370", "1370", "4e4f", "942f", "942f")
        + scc_line("00:01:02;00", "942c", "942c")
    )
    result = read_bytes(text.encode(), "c.scc")
    assert result.findings == []
    assert result.document is not None and result.document.frame_rate == Fraction(30000, 1001)
    # EOC is the 10th word of its line: displayed at frame 30 + 9; erased at frame 90.
    # 00:01:00;02 is frame 1800 in drop-frame counting (labels ;00 and ;01 do not exist),
    # 00:01:02;00 is frame 1858.
    frame = Fraction(1001, 30000)
    assert times(result.document) == [(39 * frame, 90 * frame), ((1800 + 5) * frame, 1858 * frame)]
    assert [e.lines for e in result.document.events] == [["HELLO"], ["NO"]]


def test_scc_bad_header_and_words() -> None:
    assert codes(b"00:00:01;00\t9420\n", "x.scc") == [("TT_PARSE_ERROR", 1)]
    assert codes(b"Scenarist_SCC V1.0\n\n00:00:01;00\t94zz\n", "x.scc") == [("TT_PARSE_ERROR", 3)]


def test_encodings(tmp_path: Path) -> None:
    latin = "1\n00:00:01,000 --> 00:00:02,000\nCafé\n".encode("cp1252")
    result = read_path(write(tmp_path, "l.srt", latin))
    assert [(f.code, f.location.line) for f in result.findings] == [("TT_ENCODING", 3)]
    assert result.document is not None and result.document.events[0].lines == ["Café"]
    utf16 = codecs.BOM_UTF16_LE + "1\n00:00:01,000 --> 00:00:02,000\nHi\n".encode("utf-16-le")
    assert [f.code for f in read_bytes(utf16, "u.srt").findings] == ["TT_ENCODING"]
    bom = codecs.BOM_UTF8 + b"1\n00:00:01,000 --> 00:00:02,000\nHi\n"
    assert read_bytes(bom, "b.srt").findings == []


def test_missing_and_unknown_files(tmp_path: Path) -> None:
    missing = read_path(tmp_path / "nope.srt")
    assert missing.document is None and [f.code for f in missing.findings] == ["TT_PARSE_ERROR"]
    assert codes(b"just some words", "notes.txt") == [("TT_PARSE_ERROR", None)]


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300), suffix=st.sampled_from(["srt", "vtt", "xml", "scc"]))
def test_readers_never_raise_on_arbitrary_bytes(data: bytes, suffix: str) -> None:
    result = read_bytes(data, f"fuzz.{suffix}")
    assert result.document is not None or any(f.code == "TT_PARSE_ERROR" for f in result.findings)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789:.;hmsft -", max_size=20))
def test_ttml_time_expressions_are_a_value_or_a_reason(expression: str) -> None:
    from validators.timed_text.readers.ttml_time import TimingParameters, parse_time

    value = parse_time(expression, TimingParameters())
    assert isinstance(value, (Fraction, str))
    if isinstance(value, Fraction):
        assert value >= 0


def test_pathological_input_is_a_finding_not_a_crash() -> None:
    huge = ttml(f'<div><p begin="{"9" * 5000}s" end="1s">a</p></div>')
    assert codes(huge) == [("TT_PARSE_ERROR", 4)]
    deep = (
        b'<tt xmlns="http://www.w3.org/ns/ttml"><body>' + b"<div>" * 5000 + b"</div>" * 5000 + b"</body></tt>"
    )
    assert [code for code, _ in codes(deep)] == ["TT_PARSE_ERROR"]
    srt_huge = f"1\n{'9' * 5000}:00:00,000 --> 00:00:01,000\nx\n".encode()
    assert [code for code, _ in codes(srt_huge, "h.srt")] == ["TT_PARSE_ERROR"]


def test_bad_parameters_on_any_element_are_reported() -> None:
    content = '<div ttp:frameRate="" ttp:tickRate="0"><p begin="1s" end="2s">a</p></div>'
    assert codes(ttml(content)) == [("TT_FRAME_RATE_INVALID", 4), ("TT_FRAME_RATE_INVALID", 4)]


def test_scc_roll_up_captions_scroll() -> None:
    text = (
        "Scenarist_SCC V1.0\n\n"
        + scc_line("00:00:01:00", "9425", "9425", "94ad", "94ad", "9470", "9470", "4849")
        + scc_line("00:00:03:00", "9425", "9425", "94ad", "94ad", "9470", "9470", "594f")
        + scc_line("00:00:05:00", "942c", "942c")
    )
    result = read_bytes(text.encode(), "r.scc")
    assert result.findings == []
    assert result.document is not None
    assert [e.lines for e in result.document.events] == [["HI"], ["HI", "YO"]]
    frame = Fraction(1001, 30000)
    # Non-drop labels: 00:00:03:00 is frame 90; roll-up text shows the frame it arrives (the 7th
    # word of its line, frame + 6), not once the row is complete.
    assert times(result.document) == [(36 * frame, 96 * frame), (96 * frame, 150 * frame)]


def test_lines_survive_comments_cdata_and_doctype() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE tt [\n<!ENTITY who "Bob">\n]>\n'
        b'<tt xmlns="http://www.w3.org/ns/ttml"><!-- <p begin="bad"> -->\n<body>\n'
        b"<div><p begin='1s' end='2s'><![CDATA[<p>]]> &who;</p>\n"
        b'<p begin="00:61:00" end="2s">b</p></div></body></tt>'
    )
    result = read_bytes(data, "c.xml")
    assert [(f.code, f.location.line) for f in result.findings] == [("TT_DTD", None), ("TT_PARSE_ERROR", 8)]
    assert result.document is not None and result.document.events[0].lines == ["<p> Bob"]
    assert [e.source_line for e in result.document.events] == [7, 8]
