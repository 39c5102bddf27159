"""Captions as a player shows them: one small document per construct, its displayed timeline checked.

Expectations come from the standards, not from Slate's output: CEA-608 (SCC: pop-on captions show
at End Of Caption, roll-up and paint-on characters the frame they arrive, paint-on writes over what
is shown), TTML2 §12 and IMSC (timing on spans, ``par``/``seq``, ``tts:display``, ``set``, region
timing, an element with no end lasting to the programme's end).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from validators.base import Severity
from validators.timed_text.model import Document
from validators.timed_text.readers import read_bytes

from .tt_files import check, write

FRAME = Fraction(1001, 30000)  # one frame of SCC's 29.97


def shown(document: Document | None) -> list[tuple[Fraction, Fraction, str]]:
    """(begin s, end s, text with lines joined by '/') of every event."""
    assert document is not None
    return [(document.seconds(e.begin), document.seconds(e.end), "/".join(e.lines)) for e in document.events]


def scc(*lines: tuple[str, str]) -> bytes:
    return ("Scenarist_SCC V1.0\n\n" + "".join(f"{tc}\t{words}\n\n" for tc, words in lines)).encode()


TT = (
    '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling" '
    'xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:timeBase="media" xml:lang="en">'
    "<head>{head}</head><body{body}>{content}</body></tt>"
)


def ttml(content: str, head: str = "", body: str = "") -> bytes:
    return TT.format(head=head, body=body, content=content).encode()


# -- SCC (CEA-608) ------------------------------------------------------------------------------


def test_roll_up_text_shows_the_frame_it_arrives_and_a_row_typed_over_two_lines_is_one_caption() -> None:
    # RU2 (frames 30-31, sent twice), CR (32-33), PAC row 15 (34-35), "HE" at 36, "LL" at 37;
    # the row goes on at 00:00:02:00 (frame 60) with "O!"; EDM at frame 120.
    data = scc(
        ("00:00:01:00", "9425 9425 94ad 94ad 9470 9470 c845 4c4c"),
        ("00:00:02:00", "4f21"),
        ("00:00:04:00", "942c 942c"),
    )
    result = read_bytes(data, "r.scc")
    assert result.findings == []
    assert shown(result.document) == [(36 * FRAME, 120 * FRAME, "HELLO!")]


def test_paint_on_shows_each_character_and_an_overwrite_replaces_what_it_covers() -> None:
    # RDC, PAC row 15 col 0, "HELLO" from frame 34; at frame 90 RDC, PAC col 0 again, "J" at 94
    # overwrites the H only: the screen reads "JELLO" from then on (CEA-608 paint-on).
    data = scc(
        ("00:00:01:00", "9429 9429 9470 9470 c845 4c4c 4f80"),
        ("00:00:03:00", "9429 9429 9470 9470 4a80"),
        ("00:00:05:00", "942c 942c"),
    )
    result = read_bytes(data, "p.scc")
    assert result.findings == []
    assert shown(result.document) == [(34 * FRAME, 94 * FRAME, "HELLO"), (94 * FRAME, 150 * FRAME, "JELLO")]


def test_pop_on_caption_keeps_every_row() -> None:
    # RCL, PAC row 13 "AB", PAC row 14 "CD", PAC row 15 "EF", EOC at frame 40.
    words = "9420 9420 1350 1350 4142 13f0 13f0 4344 9470 9470 4546 942f 942f"
    data = scc(("00:00:01:00", words), ("00:00:03:00", "942c 942c"))
    assert shown(read_bytes(data, "m.scc").document) == [(41 * FRAME, 90 * FRAME, "AB/CD/EF")]


def test_scc_caption_still_on_screen_at_the_end_lasts_to_the_programme_end(tmp_path: Path) -> None:
    data = scc(("00:00:01:00", "9420 9420 9470 9470 4849 942f 942f"))
    document = read_bytes(data, "e.scc").document
    assert document is not None and [e.open_ended for e in document.events] == [True]
    path = write(tmp_path, "e.scc", data)
    # Without the programme's end it is reported, never dropped nor judged as a 0-frame caption.
    report = check(path, fps=Fraction(30000, 1001))
    codes = [f.code for f in report.findings]
    assert "TT_OPEN_ENDED" in codes and "TT_MIN_DURATION" not in codes
    # With it, the caption (shown from EOC at frame 35) lasts to the end, 10 s: over the 7 s maximum.
    report = check(path, fps=Fraction(30000, 1001), program_duration=Fraction(10))
    assert [f.code for f in report.findings if f.code in {"TT_OPEN_ENDED", "TT_MIN_DURATION"}] == []
    [long] = [f for f in report.findings if f.code == "TT_MAX_DURATION"]
    assert Fraction(long.evidence["duration_ms"]) == 10_000 - 35 * FRAME * 1000


# -- TTML / IMSC --------------------------------------------------------------------------------


def test_timing_on_spans_changes_what_the_paragraph_shows() -> None:
    content = (
        '<div><p begin="1s" end="11s"><span dur="5s">First.</span> <span>Second.</span>'
        '<span begin="8s">Third.</span></p></div>'
    )
    assert shown(read_bytes(ttml(content), "s.xml").document) == [
        (1, 6, "First. Second."),
        (6, 9, "Second."),
        (9, 11, "Second.Third."),
    ]


def test_untimed_children_of_seq_take_no_time_and_its_anonymous_text_is_never_shown() -> None:
    content = (
        '<div timeContainer="seq" dur="40s">'
        '<p begin="5s" dur="5s">A</p>'
        '<p begin="5s" timeContainer="seq">never</p>'
        '<p dur="5s">B</p>'
        "</div>"
        '<div begin="50s"><p timeContainer="seq" dur="4s">hidden <span dur="2s">C</span> hidden</p></div>'
    )
    result = read_bytes(ttml(content), "q.xml")
    # A: 5-10; the untimed seq p takes no time (from 15 to 15, never shown); B follows at 15.
    assert shown(result.document) == [(5, 10, "A"), (15, 20, "B"), (50, 52, "C")]


def test_display_none_and_set_animations() -> None:
    head = '<styling><style xml:id="off" tts:display="none"/></styling>'
    content = (
        '<div><p begin="0s" end="10s" style="off"><set begin="2s" end="4s" tts:display="auto"/>Shown 2-4</p>'
        '<p begin="10s" end="20s"><set begin="3s" dur="5s" tts:visibility="hidden"/>Hidden 13-18</p>'
        '<p begin="20s" end="21s" tts:display="none">Never</p></div>'
    )
    assert shown(read_bytes(ttml(content, head), "d.xml").document) == [
        (2, 4, "Shown 2-4"),
        (10, 13, "Hidden 13-18"),
        (18, 20, "Hidden 13-18"),
    ]


def test_region_timing_bounds_its_content_and_content_outside_any_region_is_reported() -> None:
    head = '<layout><region xml:id="r" begin="2s" end="6s"/><region xml:id="s"/></layout>'
    content = '<div><p region="r" begin="0s" end="10s">In r</p><p begin="1s" end="3s">Nowhere</p></div>'
    result = read_bytes(ttml(content, head), "r.xml")
    assert shown(result.document) == [(2, 6, "In r")]
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.location.line) == ("TT_NEVER_SHOWN", Severity.WARNING, 1)


def test_element_with_no_end_lasts_to_the_programme_end(tmp_path: Path) -> None:
    content = '<div><p begin="1s" end="3s">a</p><p begin="5s">no end anywhere</p></div>'
    data = ttml(content)
    document = read_bytes(data, "n.xml").document
    assert document is not None and [e.open_ended for e in document.events] == [False, True]
    path = write(tmp_path, "n.xml", data)
    report = check(path, fps=Fraction(25), program_duration=Fraction(60))
    # Lasting to the programme's end (60 s), it is 55 s on screen: over the 7 s maximum.
    [long] = [f for f in report.findings if f.code == "TT_MAX_DURATION"]
    assert long.location.event_index == 2 and long.evidence["duration_ms"] == "55000"
    unknown = check(path, fps=Fraction(25))
    assert [f.location.event_index for f in unknown.findings if f.code == "TT_OPEN_ENDED"] == [2]
    assert not [f for f in unknown.findings if f.code in {"TT_MIN_DURATION", "TT_MAX_DURATION"}]


def test_body_end_bounds_an_element_with_no_end_of_its_own() -> None:
    document = read_bytes(ttml('<div><p begin="5s">x</p></div>', body=' end="9s"'), "b.xml").document
    assert shown(document) == [(5, 9, "x")]
    assert document is not None and document.events[0].open_ended is False


# -- WebVTT ------------------------------------------------------------------------------------


def test_webvtt_with_no_cues_is_a_finding() -> None:
    result = read_bytes(b"WEBVTT\n\nNOTE nothing here\n", "e.vtt")
    assert [(f.code, f.severity) for f in result.findings] == [("TT_NO_EVENTS", Severity.BLOCKER)]
