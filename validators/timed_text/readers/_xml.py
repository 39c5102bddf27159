"""XML for the TTML reader: the C ElementTree parser for speed, and start-tag line numbers beside it.

ElementTree keeps no line numbers, but findings must say where they are. Start tags appear in the
text in the same order as ``root.iter()`` visits elements, so one regular-expression pass over the
bytes (comments, CDATA, processing instructions and the DOCTYPE blanked out first) gives each
element its line. If the two counts ever disagree (markup brought in by an entity), lines are left
unknown rather than guessed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["XmlDocument", "XmlError", "parse_xml", "split_tag"]

_SKIP = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.S)
_START_TAG = re.compile(rb"<[A-Za-z_:]")


class XmlError(ValueError):
    """The bytes are not well-formed XML; ``line`` and ``column`` say where the parser stopped."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(slots=True)
class XmlDocument:
    """A parsed document and the line of every element's start tag."""

    root: ET.Element
    lines: dict[int, int]

    def line(self, element: ET.Element) -> int | None:
        """The 1-based line of ``element``'s start tag, when known."""
        return self.lines.get(id(element))


def parse_xml(data: bytes) -> XmlDocument:
    """Parse UTF-8 ``data`` (whatever it declares: callers decode first).

    Raises :class:`XmlError` when the bytes are not well-formed.
    """
    parser = ET.XMLParser(encoding="utf-8")
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        raise XmlError(str(exc), line, column) from exc
    elements = list(root.iter())
    starts = _start_tag_lines(data)
    lines = (
        {id(e): line for e, line in zip(elements, starts, strict=True)}
        if len(starts) == len(elements)
        else {}
    )
    return XmlDocument(root, lines)


@lru_cache(maxsize=1024)
def split_tag(tag: str) -> tuple[str, str]:
    """``{uri}name`` → (uri, name); cached because a document repeats a few tags many times."""
    if tag[:1] == "{":
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _start_tag_lines(data: bytes) -> list[int]:
    cleaned = _SKIP.sub(lambda m: b"\n" * m.group().count(b"\n"), data)
    lines = []
    line, last = 1, 0
    for match in _START_TAG.finditer(cleaned):
        line += cleaned.count(b"\n", last, match.start())
        last = match.start()
        lines.append(line)
    return lines
