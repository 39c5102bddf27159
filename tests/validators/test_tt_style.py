"""The Netflix text rules, each from its published text (TTSG and language guides, as Subtitle Edit's
Netflix checks code them: shared/prior-art.md §A1), each with its language scope."""

from __future__ import annotations

from pathlib import Path

from validators import QCContext
from validators.profiles import load_profile
from validators.timed_text.fixes import fix_text
from validators.timed_text.readers import read_bytes, read_path
from validators.timed_text.validate import validate_document

from .tt_files import check, ms, srt, write

TEXT_CODES = {
    "TT_WHITESPACE",
    "TT_SPEAKER_DASH",
    "TT_ITALICS",
    "TT_ITALIC_TAGS",
    "TT_ELLIPSIS",
    "TT_NUMBER_SPELL_OUT",
    "TT_NUMBER_SENTENCE_START",
    "TT_SDH_BRACKETS",
    "TT_SDH_SPEAKER_ID",
    "TT_FITS_ONE_LINE",
    "TT_LINE_LENGTH_VERTICAL",
}


def rules_hit(
    tmp_path: Path, texts: list[str], asset: str = "subtitle", language: str = "en"
) -> list[list[str]]:
    """The text-rule codes found on each event (2 s each, 1 s apart: no timing finding)."""
    events = [(ms(72 * i + 24), ms(72 * i + 72), text) for i, text in enumerate(texts)]
    report = check(write(tmp_path, f"{language}.srt", srt(events)), asset, language=language)
    found: list[list[str]] = [[] for _ in texts]
    for finding in report.findings:
        if finding.code in TEXT_CODES and finding.location.event_index:
            found[finding.location.event_index - 1].append(finding.code)
    return found


def test_white_space(tmp_path: Path) -> None:
    texts = [
        "Two  spaces.",
        " Leading space.",
        "Trailing space. ",
        "Space before ?",
        "Clean line.",
        "Ça va\u00a0?",
    ]
    hit = rules_hit(tmp_path, texts)
    assert hit == [["TT_WHITESPACE"]] * 4 + [[], []]  # a no-break space before ? (French) is right


def test_dual_speaker_dash_style_per_language(tmp_path: Path) -> None:
    # English: "-Are you coming?" / "-Yes." (hyphen, no space, both lines).
    assert rules_hit(
        tmp_path, ["-Are you coming?\n-Yes.", "- Are you coming?\n- Yes.", "Where?\n-Here."]
    ) == [
        [],
        ["TT_SPEAKER_DASH"],
        ["TT_SPEAKER_DASH"],
    ]
    # French, Spanish, Portuguese …: a dash and a space on both lines.
    # (French puts a no-break space before "?": a plain space there is a white-space finding.)
    assert rules_hit(tmp_path, ["- Tu viens\u00a0?\n- Oui.", "-Tu viens\u00a0?\n-Oui."], language="fr") == [
        [],
        ["TT_SPEAKER_DASH"],
    ]
    # Dutch: only the second speaker's line, no space.
    assert rules_hit(tmp_path, ["Kom je?\n-Ja.", "-Kom je?\n-Ja."], language="nl") == [
        [],
        ["TT_SPEAKER_DASH"],
    ]
    # Japanese has its own conventions: not judged.
    assert rules_hit(tmp_path, ["- 来る?\n- うん。"], language="ja") == [[]]


def test_italics_forbidden_by_language_and_malformed_tags(tmp_path: Path) -> None:
    assert rules_hit(tmp_path, ["<i>مرحبا</i>"], language="ar") == [["TT_ITALICS"]]
    assert rules_hit(tmp_path, ["<i>Hello.</i>"]) == [[]]
    texts = ["<i>Never closed.", "Closed </i>never opened.", "<i>Nested <i>twice</i></i>", "<i>Fine.</i>"]
    assert rules_hit(tmp_path, texts) == [["TT_ITALIC_TAGS"]] * 3 + [[]]


def test_three_dots_instead_of_the_ellipsis(tmp_path: Path) -> None:
    assert rules_hit(tmp_path, ["Wait...", "Wait…"]) == [["TT_ELLIPSIS"], []]


def test_numbers_one_to_ten_spelled_out_and_a_number_starting_a_sentence(tmp_path: Path) -> None:
    texts = [
        "I have 3 dogs.",
        "At 3:30, 3.5 or 1,000.",
        "She is 12.",
        "12 people came.",
        "Hi. 40 more came.",
        "It's 10.",
    ]
    assert rules_hit(tmp_path, texts) == [
        ["TT_NUMBER_SPELL_OUT"],
        [],
        [],
        ["TT_NUMBER_SENTENCE_START"],
        ["TT_NUMBER_SENTENCE_START"],
        ["TT_NUMBER_SPELL_OUT"],
    ]
    # The spell-out rule covers the languages it has the words for; Japanese is not one.
    assert rules_hit(tmp_path, ["犬が3匹。"], language="ja") == [[]]


def test_sdh_sound_effects_and_speaker_ids_in_square_brackets(tmp_path: Path) -> None:
    texts = ["(door slams)", "-{laughs}\n-[sighs]", "JOHN: Over here.", "[JOHN] Over here."]
    assert rules_hit(tmp_path, texts, "sdh") == [
        ["TT_SDH_BRACKETS"],
        ["TT_SDH_BRACKETS"],
        ["TT_SDH_SPEAKER_ID"],
        [],
    ]
    assert rules_hit(tmp_path, texts, "subtitle") == [[], [], [], []]  # an SDH rule only


def test_two_lines_that_fit_on_one(tmp_path: Path) -> None:
    long = "This line is long enough that the two of them"
    texts = ["I am\nhere.", f"{long}\ncannot share one line.", "-Me?\n-You."]
    assert rules_hit(tmp_path, texts) == [["TT_FITS_ONE_LINE"], [], []]


def test_japanese_vertical_lines_of_at_most_eleven(tmp_path: Path) -> None:
    eleven, twelve = "あ" * 11, "あ" * 12
    texts = ["{\\an7}" + eleven, "{\\an9}" + twelve, twelve]  # horizontal: 13 allowed
    assert rules_hit(tmp_path, texts, language="ja") == [[], ["TT_LINE_LENGTH_VERTICAL"], []]


def test_ttml_writing_mode_marks_vertical_events() -> None:
    data = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling" xml:lang="ja">'
        '<head><layout><region xml:id="v" tts:writingMode="tbrl"/><region xml:id="h"/></layout></head>'
        '<body><div><p region="v" begin="1s" end="3s">縦</p>'
        '<p region="h" begin="4s" end="6s">横</p></div></body></tt>'
    ).encode()
    document = read_bytes(data, "v.xml").document
    assert document is not None and [e.vertical for e in document.events] == [True, False]


def test_safe_text_fixes_leave_their_rules_clean(tmp_path: Path) -> None:
    texts = ["Wait...  what ?", "- Are you coming?\n- Yes.", "I am\nhere.", "(door slams)", "<i>مرحبا</i>"]
    events = [(ms(72 * i + 24), ms(72 * i + 72), text) for i, text in enumerate(texts)]
    document = read_path(write(tmp_path, "f.srt", srt(events))).document
    assert document is not None
    rules = load_profile("netflix").for_asset("sdh").timed_text
    fixed = fix_text(document, rules, "en")
    assert [e.lines for e in fixed.document.events] == [
        ["Wait… what?"],
        ["-Are you coming?", "-Yes."],
        ["I am here."],
        ["[door slams]"],
        ["مرحبا"],
    ]
    context = QCContext(asset_type="sdh", language="en", profile=load_profile("netflix"))
    report = validate_document(fixed.document, context, load_profile("netflix"))
    assert [f.code for f in report.findings if f.code in TEXT_CODES] == []
