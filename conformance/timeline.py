"""Slate's displayed timeline beside the one the reference reader (ttconv) gives, for one document.

A timeline is, at every time something changes, the sorted texts on screen (one per ``p``, lines
joined by ``/``, whitespace collapsed). ttconv's intermediate synchronic documents (ISDs) are
what an IMSC player renders at each time; Slate's events are compared with them at every time
either reader says something changes, up to the last one (an element with no end lasts as long
in both, so the open end is not compared).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

from ttconv import model
from ttconv import style_properties as styles
from ttconv.imsc import reader as imsc_reader
from ttconv.isd import ISD

from validators.timed_text.model import Document

__all__ = ["Screen", "compare", "reference_timeline", "slate_timeline", "stated_expectations"]

Screen = tuple[str, ...]
_SPACE = re.compile(r"\s+")
_ANNOTATION = (model.Rt, model.Rtc, model.Rp)


def _text(lines: list[str]) -> str:
    """Lines joined by ``/`` with all white space removed: where the readers collapse or drop a
    space between elements (ruby bases, spans across line feeds) is a matter of layout, not of
    what is shown when, so it is not compared."""
    return "/".join(line for line in (_SPACE.sub("", raw) for raw in lines) if line)


def reference_timeline(path: Path) -> dict[Fraction, Screen] | None:
    """What ttconv shows from each significant time on; None when it cannot read the document."""
    logging.getLogger("ttconv").setLevel(logging.CRITICAL)
    try:
        doc = imsc_reader.to_model(ET.parse(path))
    except Exception:  # the reference failing is not Slate's finding; the document is skipped
        return None
    if doc is None:
        return None
    shown: dict[Fraction, Screen] = {}
    try:
        for t, isd in ISD.generate_isd_sequence(doc):
            presented = [region for region in isd if region.is_presented()]
            texts = [_text(_paragraph_lines(p)) for region in presented for p in _paragraphs(region)]
            shown[Fraction(t)] = tuple(sorted(t for t in texts if t))
    except Exception:
        return None
    return shown


def _paragraphs(element: model.ContentElement) -> list[model.ContentElement]:
    found = []
    for child in element:
        if isinstance(child, model.P):
            found.append(child)
        else:
            found.extend(_paragraphs(child))
    return found


def _paragraph_lines(p: model.ContentElement) -> list[str]:
    """The text a viewer reads: hidden text and ruby annotations (drawn above the line) left out."""
    parts: list[str] = []

    def walk(node: model.ContentElement) -> None:
        if isinstance(node, _ANNOTATION):
            return
        if isinstance(node, model.Text):
            # Styles in an ISD are computed (inherited ones resolved) on each element.
            hidden = (
                node.parent().get_style(styles.StyleProperties.Visibility) == styles.VisibilityType.hidden
            )
            parts.append("" if hidden else node.get_text())
        elif isinstance(node, model.Br):
            parts.append("\n")
        for child in node:
            walk(child)

    walk(p)
    return "".join(parts).split("\n")


def slate_timeline(document: Document, times: list[Fraction]) -> dict[Fraction, Screen]:
    """What Slate's events show at each of ``times``."""
    shown = {}
    for t in times:
        texts = []
        for event in document.events:
            begin, end = document.seconds(event.begin), document.seconds(event.end)
            if begin <= t and (t < end or event.open_ended):
                texts.append(_text(event.lines))
        shown[t] = tuple(sorted(x for x in texts if x))
    return shown


def compare(reference: dict[Fraction, Screen], document: Document) -> list[str]:
    """Where Slate's timeline differs from the reference, as short descriptions."""
    own = {document.seconds(t) for e in document.events for t in (e.begin, e.end) if not e.open_ended}
    own |= {document.seconds(e.begin) for e in document.events}
    times = sorted(set(reference) | own)
    last = max(reference, default=Fraction(0))
    times = [t for t in times if t <= last]
    mine = slate_timeline(document, times)
    problems = []
    expected: Screen = ()
    for t in times:
        expected = reference.get(t, expected)
        if mine[t] != expected:
            problems.append(f"at {float(t):g} s: Slate shows {list(mine[t])}, the reference {list(expected)}")
    return problems


_APPEARS = re.compile(
    r"(?:must|should) appear at ([\d.]+) seconds?"
    r"(?: and (?:be remain visible to|remain visible to|disappear at|stay till) ([\d.]+) seconds?)?"
)


def stated_expectations(document: Document) -> list[str]:
    """Where Slate disagrees with what a test document's own text says of it.

    The W3C timing tests write their expectation into the text shown: "This text must appear at 5
    seconds and disappear at 15 seconds", "This text must not appear". Each sentence is checked
    against the events that show it: the first begins then, the last ends then.
    """
    problems = []
    spans: dict[tuple[str, str, str | None], tuple[Fraction, Fraction]] = {}
    for event in document.events:
        text = _SPACE.sub(" ", " ".join(event.lines))
        begin, end = document.seconds(event.begin), document.seconds(event.end)
        if "must not appear" in text:
            problems.append(f"{text[:50]!r} is shown from {float(begin):g} s")
        for match in _APPEARS.finditer(text):
            key = (match[0], match[1], match[2])
            first, last = spans.get(key, (begin, end))
            spans[key] = (min(first, begin), max(last, end))
    for (sentence, appear, disappear), (begin, end) in spans.items():
        if begin != Fraction(appear) or (disappear is not None and end != Fraction(disappear)):
            problems.append(f"{sentence!r}: shown from {float(begin):g} s to {float(end):g} s")
    return problems
