"""The style guide's text rules: spacing, speaker dashes, italics, ellipses, numbers, SDH brackets,
line breaks and vertical Japanese lines.

Each rule is a ``text_rules`` entry of the profile with its language scope and severity, and each
finding names its source (``shared/prior-art.md`` §A1, ``shared/domain.md`` §1). The rules that a
machine can apply without judgement give their correction in the finding (``fix``), and
:func:`validators.timed_text.fixes.fix_text` applies them.
"""

from __future__ import annotations

import re
from typing import Any

from validators.base import Severity
from validators.profiles import TextRule
from validators.timed_text.checks._common import Checker
from validators.timed_text.counting import count2

__all__ = [
    "TEXT_CHECKS",
    "check_dual_speaker_dash",
    "check_ellipsis",
    "check_fits_one_line",
    "check_italic_tags",
    "check_italics_forbidden",
    "check_numbers",
    "check_sdh_brackets",
    "check_vertical_lines",
    "check_whitespace",
    "dash_lines",
    "plain",
]

_SEVERITY = {
    "info": Severity.INFO,
    "warning": Severity.WARNING,
    "issue": Severity.ISSUE,
    "blocker": Severity.BLOCKER,
}
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_ITALIC_TAG = re.compile(r"<\s*(/?)\s*i\s*>", re.IGNORECASE)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\S( +)[!?).,؟،…]")
_DASHES = frozenset("-‐–—")
_DASH = re.compile(r"^([-‐–—])( ?)")
_MAYBE_NUMBER = re.compile(r"(?<![\w.:,])(?:10|[1-9])(?![\w:])|(?:^|[.!?] +)\d+ +[^\W\d_]", re.MULTILINE)
_THREE_DOTS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
_SMALL_NUMBER = re.compile(r"(?<![\w.:,])(10|[1-9])(?![\w:]|[.,]\d)")
_SENTENCE_NUMBER = re.compile(r"(?:^|[.!?] +)(\d+) +[^\W\d_]", re.MULTILINE)
_ROUND_OR_CURLY = re.compile(r"^\s*(?:[-‐–—] ?)?([({])([^(){}]*)([)}])\s*$")
_SPEAKER_LABEL = re.compile(r"^\s*(?:[-‐–—] ?)?([A-Z][A-Z0-9 .'-]{1,30}):\s")


def plain(line: str) -> str:
    """A raw line without markup (spacing kept)."""
    return _TAG.sub("", line) if ("<" in line or "{" in line) else line


def _rule_finding(c: Checker, rule: TextRule, code: str, message: str, index: int, **evidence: Any) -> None:
    """A finding of a text rule; one that carries its correction (``fix``) is fixable."""
    severity = _SEVERITY[rule.severity]
    c.finding(code, severity, message, index=index, rule=rule.source, fixable="fix" in evidence, **evidence)


def check_whitespace(c: Checker) -> None:
    """TT_WHITESPACE: a space at a line's start or end, two in a row, or before punctuation."""
    rule = c.rules.text_rules.whitespace
    if not rule.applies(c.language):
        return
    for index, event in enumerate(c.doc.events):
        text = "\n".join(event.lines if event.raw_lines is None else event.raw_lines)
        if "<" in text or "{" in text:
            text = plain(text)
        spaced = "  " in text or " \n" in text or "\n " in text or not _clean_ends(text)
        if not spaced and not _SPACE_BEFORE_PUNCTUATION.search(text):
            continue  # the common case: one pass over the text
        problems = []
        for line in text.split("\n"):
            if line != line.strip(" "):
                problems.append("a space at the start or end of a line")
            if "  " in line.strip(" "):
                problems.append("two spaces in a row")
            if _SPACE_BEFORE_PUNCTUATION.search(line):
                problems.append("a space before punctuation")
        if problems:
            fixed = [_tidy(line) for line in event.lines]
            detail = ", ".join(dict.fromkeys(problems))
            _rule_finding(c, rule, "TT_WHITESPACE", f"white space: {detail}", index, fix=fixed)


def _clean_ends(text: str) -> bool:
    return text[:1] != " " and text[-1:] != " "


def _tidy(line: str) -> str:
    line = re.sub(r" {2,}", " ", line.strip(" "))
    return _SPACE_BEFORE_PUNCTUATION.sub(lambda m: m[0][0] + m[0][-1], line)


def dash_lines(lines: list[str]) -> list[bool]:
    """Which lines begin with a speaker dash."""
    return [line[:1] in _DASHES for line in lines]


def check_dual_speaker_dash(c: Checker) -> None:
    """TT_SPEAKER_DASH: a two-speaker event whose dashes are not in the language's style."""
    rule = c.rules.text_rules.dual_speaker_dash
    if not rule.applies(c.language):
        return
    style = rule.style(c.language)
    for index, event in enumerate(c.doc.events):
        lines = [line for line in event.lines if line]
        if len(lines) != 2 or not any(dash_lines(lines)) or lines[1].startswith(("--", "...")):
            continue
        if _in_style(lines, style):
            continue
        speakers = [_DASH.sub("", line, count=1) for line in lines]
        expected = _dashed(speakers, style)
        if lines != expected:
            message = f"two speakers are written {' / '.join(expected)!r} in {c.language} ({style})"
            _rule_finding(c, rule, "TT_SPEAKER_DASH", message, index, style=style, fix=expected)


def _in_style(lines: list[str], style: str) -> bool:
    """The quick answer for the common, well-written event: dashes and spaces where the style says."""
    space = not style.endswith("no-space")
    first, second = lines
    if (second[:1] in _DASHES) is False or (second[1:2] == " ") != space:
        return False
    if style.startswith("both"):
        return first[:1] in _DASHES and (first[1:2] == " ") == space
    return first[:1] not in _DASHES


def _dashed(speakers: list[str], style: str) -> list[str]:
    dash = "- " if style.endswith("-space") and not style.endswith("no-space") else "-"
    if style.startswith("both"):
        return [dash + s for s in speakers]
    return [speakers[0], dash + speakers[1]]


def check_italics_forbidden(c: Checker) -> None:
    """TT_ITALICS: italics in a language whose guide forbids them."""
    rule = c.rules.text_rules.italics_forbidden
    if not rule.applies(c.language):
        return
    for index, event in enumerate(c.doc.events):
        raw = "".join(event.raw_lines or [])
        if event.italic or _ITALIC_TAG.search(raw):
            message = f"italics are not used in {c.language} subtitles"
            _rule_finding(c, rule, "TT_ITALICS", message, index, fix=list(event.lines))


def check_italic_tags(c: Checker) -> None:
    """TT_ITALIC_TAGS: an ``<i>`` never closed, a ``</i>`` never opened, or italics nested."""
    rule = c.rules.text_rules.italic_tags
    if not rule.applies(c.language):
        return
    for index, event in enumerate(c.doc.events):
        if event.raw_lines is None:
            continue
        problem = _italic_problem("\n".join(event.raw_lines))
        if problem:
            _rule_finding(c, rule, "TT_ITALIC_TAGS", f"malformed italic tags: {problem}", index)


def _italic_problem(text: str) -> str | None:
    depth = 0
    for match in _ITALIC_TAG.finditer(text):
        if match[0] not in ("<i>", "</i>"):
            return f"{match[0]!r} is not written <i> or </i>"
        if match[1]:
            if depth == 0:
                return "</i> closes italics that were not opened"
            depth -= 1
        else:
            if depth:
                return "<i> inside italics"
            depth += 1
    return "<i> is never closed" if depth else None


def check_ellipsis(c: Checker) -> None:
    """TT_ELLIPSIS: three dots where the ellipsis character belongs."""
    rule = c.rules.text_rules.ellipsis
    if not rule.applies(c.language):
        return
    for index, event in enumerate(c.doc.events):
        if any("..." in line for line in event.lines):
            fixed = [_THREE_DOTS.sub("…", line) for line in event.lines]
            if fixed != event.lines:
                _rule_finding(
                    c, rule, "TT_ELLIPSIS", "three dots: use the ellipsis character …", index, fix=fixed
                )


def check_numbers(c: Checker) -> None:
    """TT_NUMBER_SPELL_OUT (one to ten written as figures) and TT_NUMBER_SENTENCE_START."""
    rules = c.rules.text_rules
    small = rules.numbers_one_to_ten
    words = small.words_for(c.language) if small.applies(c.language) else None
    start = rules.number_starts_sentence
    starts = start.applies(c.language)
    for index, event in enumerate(c.doc.events):
        text = "\n".join(event.lines)
        if not _MAYBE_NUMBER.search(text):
            continue  # digits, if any, are neither small numbers nor a sentence's start
        if words:
            found = [m[1] for m in _SMALL_NUMBER.finditer(text) if _stands_alone(text, m.end())]
            if found:
                spelled = ", ".join(f"{n} → {words[int(n) - 1]}" for n in found)
                _rule_finding(
                    c, small, "TT_NUMBER_SPELL_OUT", f"write out numbers up to ten: {spelled}", index
                )
        if starts:
            leading = _SENTENCE_NUMBER.search(text)
            if leading:
                message = f"a sentence begins with the number {leading[1]}: write it out"
                _rule_finding(c, start, "TT_NUMBER_SENTENCE_START", message, index)


def _stands_alone(text: str, end: int) -> bool:
    """A period after the number ends the sentence only when nothing but the end follows."""
    rest = text[end:]
    return not rest.startswith(".") or rest.strip() in (".",) or rest.startswith(".\n")


def check_sdh_brackets(c: Checker) -> None:
    """TT_SDH_BRACKETS: sound effects or speaker IDs in ( ) or { }; TT_SDH_SPEAKER_ID: ``NAME:``."""
    rule = c.rules.text_rules.sdh_brackets
    if not rule.applies(c.language):
        return
    for index, event in enumerate(c.doc.events):
        fixed, labels = [], []
        for line in event.lines:
            fixed.append(_ROUND_OR_CURLY.sub(lambda m: m[0][: m.start(1)] + "[" + m[2] + "]", line))
            label = _SPEAKER_LABEL.match(line)
            if label:
                labels.append(label[1])
        if fixed != event.lines:
            message = "sound effects and speaker IDs go in square brackets [ ]"
            _rule_finding(c, rule, "TT_SDH_BRACKETS", message, index, fix=fixed)
        elif labels:
            message = f"speaker ID {labels[0]!r} goes in square brackets: [{labels[0]}]"
            _rule_finding(c, rule, "TT_SDH_SPEAKER_ID", message, index)


def check_fits_one_line(c: Checker) -> None:
    """TT_FITS_ONE_LINE: two lines of one speaker that the line length allows on one."""
    rule = c.rules.text_rules.fits_one_line
    if not rule.applies(c.language):
        return
    lang = c.lang
    halves = lang.half_width_counts_half
    joiner = "" if halves else " "
    for index, event in enumerate(c.doc.events):
        lines = [line for line in event.lines if line]
        if len(lines) != 2 or any(dash_lines(lines)) or event.vertical:
            continue
        joined = joiner.join(lines)
        if count2(joined, halves) <= 2 * lang.max_line_length:
            message = f"fits on one line ({lang.max_line_length} characters): keep it on one"
            _rule_finding(c, rule, "TT_FITS_ONE_LINE", message, index, fix=[joined])


def check_vertical_lines(c: Checker) -> None:
    """TT_LINE_LENGTH_VERTICAL: a vertical line longer than the vertical limit (Japanese: 11)."""
    rule = c.rules.text_rules.vertical_line_length
    if not rule.applies(c.language):
        return
    limit2 = 2 * rule.max_characters
    for index, event in enumerate(c.doc.events):
        if not event.vertical:
            continue
        for number, line in enumerate(event.lines, 1):
            width = count2(line, halves=True)
            if width > limit2:
                message = (
                    f"vertical line {number} has {width / 2:g} characters; at most {rule.max_characters}"
                )
                _rule_finding(c, rule, "TT_LINE_LENGTH_VERTICAL", message, index, line_number=number)


TEXT_CHECKS = (
    check_whitespace,
    check_dual_speaker_dash,
    check_italics_forbidden,
    check_italic_tags,
    check_ellipsis,
    check_numbers,
    check_sdh_brackets,
    check_fits_one_line,
    check_vertical_lines,
)
