"""Counting characters as a viewer reads them, for line length and reading speed.

A viewer reads grapheme clusters (Unicode UAX #29 extended clusters), not code points: a Thai
consonant with its vowel and tone marks (``น้ำ``, three code points) or a Devanagari syllable
(``हिं``) is one character on screen. Invisible direction marks (the Bidi_Control characters:
LRM, RLM, ALM, embeddings, overrides and isolates) are not read at all. In CJK languages a
half-width character counts one half (Netflix reading-speed rules, shared/domain.md §1.3), so
counts are kept doubled to stay integers.
"""

from __future__ import annotations

import unicodedata

import regex

__all__ = ["count2", "visible"]

_CLUSTER = regex.compile(r"\X")
_DIRECTION_MARKS = regex.compile(r"\p{Bidi_Control}+")


def visible(line: str) -> str:
    """``line`` without invisible direction marks."""
    return line if line.isascii() else str(_DIRECTION_MARKS.sub("", line))


def count2(line: str, halves: bool = False) -> int:
    """Twice the number of characters a viewer reads in ``line``.

    ``halves``: half-width characters (East Asian width H or Na) count one half, as in CJK rules.
    """
    if line.isascii():
        return len(line) if halves else 2 * len(line)
    clusters: list[str] = _CLUSTER.findall(visible(line))
    if not halves:
        return 2 * len(clusters)
    return sum(1 if unicodedata.east_asian_width(c[0]) in ("H", "Na") else 2 for c in clusters)
