"""Text checks: empty events, line count, line length, reading speed and glyphs.

Counting follows the Netflix guide (shared/domain.md §1.3): spaces and punctuation count, line
breaks do not, and in CJK languages half-width characters count one half; characters are what a
viewer reads (grapheme clusters, direction marks left out: :mod:`validators.timed_text.counting`).
Counts are kept doubled so that halves stay integers.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from validators.base import Severity
from validators.timed_text.checks._common import Checker, fmt
from validators.timed_text.counting import count2

__all__ = ["check_glyphs", "check_text"]


def check_text(c: Checker) -> None:
    """TT_EMPTY_EVENT, TT_LINE_COUNT, TT_LINE_LENGTH and TT_READING_SPEED, per event."""
    lang = c.lang
    halves = lang.half_width_counts_half
    max_len2 = 2 * lang.max_line_length
    max_lines = c.rules.max_lines
    max_cps = c.rules.max_cps(c.language)
    ts = c.doc.timescale
    total_chars2 = total_units = 0
    for index, event in enumerate(c.doc.events):
        lines = [line for line in event.lines if line.strip()]
        if not lines:
            c.finding("TT_EMPTY_EVENT", Severity.ISSUE, "has no text", index=index, rule="no empty events")
            continue
        if len(lines) > max_lines:
            c.finding(
                "TT_LINE_COUNT",
                Severity.ISSUE,
                f"has {len(lines)} lines; at most {max_lines}",
                index=index,
                rule=f"at most {max_lines} lines",
                lines=len(lines),
            )
        widths = [2 * len(line) if not halves and line.isascii() else count2(line, halves) for line in lines]
        for number, width in enumerate(widths, 1):
            if width > max_len2:
                c.finding(
                    "TT_LINE_LENGTH",
                    Severity.ISSUE,
                    f"line {number} has {fmt(_half(width), 1 if width % 2 else 0)} characters; "
                    f"at most {lang.max_line_length}",
                    index=index,
                    rule=f"at most {lang.max_line_length} characters per line ({c.language})",
                    line_number=number,
                    characters=str(_half(width)),
                )
        duration = event.end - event.begin
        chars2 = sum(widths)
        if duration > 0:
            total_chars2 += chars2
            total_units += duration
        if duration > 0 and chars2 * ts > 2 * max_cps * duration:
            cps = _half(chars2) * ts / duration
            c.finding(
                "TT_READING_SPEED",
                Severity.ISSUE,
                f"{fmt(cps)} characters a second; at most {max_cps} ({c.language})",
                index=index,
                rule=f"reading speed at most {max_cps} cps",
                cps=fmt(cps),
                characters=str(_half(chars2)),
            )

    if total_units:
        # The file average the guide also asks for (characters over time on screen).
        c.measurements["reading_speed_mean_cps"] = fmt(_half(total_chars2) * ts / total_units)


def check_glyphs(c: Checker) -> None:
    """TT_GLYPH: characters outside the profile's allowed ranges (when it lists any)."""
    outside = _outside(tuple(c.rules.glyph_ranges))
    if outside is None:
        return
    for index, event in enumerate(c.doc.events):
        text = "".join(event.lines)
        if not outside.search(text):
            continue  # one pass in C over the common, clean event
        bad = list(dict.fromkeys(outside.findall(text)))
        listed = ", ".join(f"U+{ord(ch):04X} {ch!r}" for ch in bad)
        c.finding(
            "TT_GLYPH",
            Severity.ISSUE,
            f"characters outside the allowed glyphs: {listed}",
            index=index,
            rule="only characters of the profile's glyph list",
            characters=[f"U+{ord(ch):04X}" for ch in bad],
        )


@lru_cache(maxsize=8)
def _outside(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str] | None:
    """A pattern matching one character outside ``ranges``; None when no list is given."""
    if not ranges:
        return None
    allowed = "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges)
    return re.compile(f"[^{allowed}]")


def _half(doubled: int) -> Fraction:
    return Fraction(doubled, 2)
