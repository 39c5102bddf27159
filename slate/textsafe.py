"""Text from outside (portal titles, file names, subtitle lines) made safe to show or export.

Two places turn outside text into something that acts:

* a terminal obeys control characters: an escape sequence in a portal title can move the cursor,
  rewrite earlier lines, change the window title or hide what follows; a newline in a file name
  forges a line of output. :func:`printable` shows every such character as a visible escape.
* a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@`` (and, in some programs, a
  tab or carriage return) as a formula: ``=HYPERLINK(…)`` in a file name becomes a link, or worse.
  :func:`spreadsheet_cell` prefixes such a cell with ``'`` so it is read as text.

Every CSV or Excel file Slate writes passes its cells through :func:`spreadsheet_cell`; every
command printing outside text passes it through :func:`printable`.
"""

from __future__ import annotations

import unicodedata

__all__ = ["FORMULA_PREFIXES", "printable", "spreadsheet_cell"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


#: Format characters that written languages need (zero-width non-joiner and joiner).
_JOINERS = frozenset("\u200c\u200d")


def _unsafe(char: str) -> bool:
    """Control (Cc), format (Cf: bidi overrides, zero-width) and separator controls (Zl, Zp)."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in _JOINERS


def printable(text: str) -> str:
    """``text`` with every control or invisible formatting character shown as an escape.

    Ordinary text (accents, CJK, emoji, spaces) is unchanged; ``"a\\x1b[2Jb"`` becomes
    ``"a\\e[2Jb"`` and a newline becomes ``\\n``, so one value stays on one line, visibly.
    """
    if text.isprintable():
        return text
    return "".join(_escape(c) if _unsafe(c) else c for c in text)


def spreadsheet_cell(text: str) -> str:
    """``text`` as a spreadsheet will keep it as text: a formula prefix is neutralised with ``'``.

    Only cells starting with a formula character change; a negative number written by Slate
    itself is passed as a number, not through here.
    """
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
