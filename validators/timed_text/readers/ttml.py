"""TTML1, DFXP and IMSC 1.x reader: timing parameters, nested begin/end/dur, ``seq`` and ``par``.

Time expressions are checked on every TTML element (``body``, ``div``, ``p``, ``span``, ``set``,
``region`` …) and each malformed one is a finding with its line; so are malformed ``ttp:``
parameters wherever they appear. Events are the ``p`` elements, with their active interval resolved
as TTML1 §10.4 describes, bounded by their ancestors'.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction

from validators.base import Finding, Location, Severity
from validators.timed_text.model import (
    Document,
    Event,
    ReadResult,
    common_timescale,
    format_timecode,
    to_units,
)
from validators.timed_text.readers._xml import XmlDocument, XmlError, parse_xml, split_tag
from validators.timed_text.readers.ttml_time import parse_parameters, parse_time

__all__ = ["read_ttml"]

TT_NAMESPACES = frozenset(
    {"http://www.w3.org/ns/ttml", "http://www.w3.org/2006/10/ttaf1", "http://www.w3.org/2006/04/ttaf1"}
)
_PARAM_NS = ("http://www.w3.org/ns/ttml#parameter", "http://www.w3.org/2006/10/ttaf1#parameter")
_STYLE_NS = ("http://www.w3.org/ns/ttml#styling", "http://www.w3.org/2006/10/ttaf1#styling")
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_SPACE = re.compile(r"[ \t\r\n]+")


@dataclass(slots=True)
class _Interval:
    begin: Fraction
    end: Fraction | None  # None: indefinite, bounded only by the ancestors


def read_ttml(data: bytes, name: str) -> ReadResult:
    """Read TTML bytes; a malformed document gives ``TT_PARSE_ERROR`` and no document."""
    try:
        document = parse_xml(data)
    except XmlError as exc:
        return ReadResult(None, [_parse_error(f"{name}: not well-formed XML: {exc}", exc.line)])
    ns, local = split_tag(document.root.tag)
    if ns not in TT_NAMESPACES or local != "tt":
        message = f"{name}: the root element is not a TTML <tt>"
        return ReadResult(None, [_parse_error(message, document.line(document.root))])
    return _Reader(document, ns).read()


class _Reader:
    def __init__(self, document: XmlDocument, ns: str) -> None:
        self.xml = document
        self.root = document.root
        self.ns = ns
        #: The tags of the timed elements that hold events or contain them, in this namespace.
        self.timed = frozenset(f"{{{ns}}}{name}" for name in ("body", "div", "p", "span", "br"))
        self.p, self.br, self.span = (f"{{{ns}}}{name}" for name in ("p", "br", "span"))
        self.findings: list[Finding] = []
        self.params, problems = parse_parameters(_params_of(self.root))
        for attr, message in problems:
            self._param_problem(attr, message, document.line(self.root))
        self.times: list[tuple[Fraction, Fraction | None, ET.Element]] = []
        #: Valid time attributes parsed while checking, so resolving does not parse them again.
        self.parsed: dict[tuple[int, str], Fraction] = {}
        #: Frame- and tick-based units seen in time expressions.
        self.units: set[str] = set()
        #: ``p`` elements whose own end precedes their own begin: an authoring mistake that is
        #: kept as a negative-duration event so the duration check names it, like SRT's.
        self.inverted: set[int] = set()

    def read(self) -> ReadResult:
        self._check_tree(self.root)
        body = self.root.find(f"{{{self.ns}}}body")
        if body is not None:
            self._resolve(body, Fraction(0), None, "par")
        events = self._events()
        document = Document(
            format="ttml",
            timescale=events[1],
            events=events[0],
            frame_rate=self.params.effective_frame_rate if self.params.frame_rate_declared else None,
            time_base=self.params.time_base if self.params.time_base_declared else None,
            language=self.root.attrib.get(f"{{{_XML_NS}}}lang"),
            undeclared_units=self._undeclared_units(),
        )
        return ReadResult(document, self.findings)

    # -- checks on every element ------------------------------------------------------------
    def _check_tree(self, node: ET.Element) -> None:
        attrs = node.attrib
        if node is not self.root:
            params = _params_of(node)
            for attr, message in parse_parameters(params)[1] if params else ():
                self._param_problem(attr, message, self.xml.line(node))
        if split_tag(node.tag)[0] == self.ns:
            for attr in ("begin", "end", "dur"):
                if attr in attrs:
                    self._check_time(node, attr)
            if "dur" in attrs and self._discontinuous():
                self.findings.append(
                    Finding(
                        code="TT_TIMEBASE",
                        severity=Severity.BLOCKER,
                        message=f"<{split_tag(node.tag)[1]}> has dur, which smpte time with "
                        "discontinuous markers forbids",
                        location=Location(line=self.xml.line(node)),
                        rule="TTML1 §10.2.3: dur is not allowed when markerMode is discontinuous",
                    )
                )
        for child in node:
            self._check_tree(child)

    def _undeclared_units(self) -> tuple[str, ...]:
        missing = []
        if "frames" in self.units and not self.params.frame_rate_declared:
            missing.append("frames")
        if "ticks" in self.units and not (self.params.tick_rate_declared or self.params.frame_rate_declared):
            missing.append("ticks")
        return tuple(missing)

    def _discontinuous(self) -> bool:
        return self.params.time_base == "smpte" and self.params.marker_mode == "discontinuous"

    def _check_time(self, node: ET.Element, attr: str) -> None:
        value = parse_time(node.attrib[attr], self.params)
        if isinstance(value, str):
            message = f"<{split_tag(node.tag)[1]} {attr}>: {value}"
            self.findings.append(_parse_error(message, self.xml.line(node), rule="TTML1 §10.3"))
        else:
            self.parsed[(id(node), attr)] = value
            text = node.attrib[attr].strip()
            if text.endswith("f") or text.count(":") == 3:
                self.units.add("frames")
            elif text.endswith("t"):
                self.units.add("ticks")

    def _time(self, node: ET.Element, attr: str) -> Fraction | None:
        """The value of a time attribute, or None when absent or malformed (already reported)."""
        return self.parsed.get((id(node), attr))

    def _param_problem(self, attr: str, message: str, line: int | None) -> None:
        code = (
            "TT_TIMEBASE"
            if attr in {"timeBase", "markerMode", "dropMode", "clockMode"}
            else ("TT_FRAME_RATE_INVALID")
        )
        self.findings.append(
            Finding(
                code=code,
                severity=Severity.BLOCKER,
                message=message,
                location=Location(line=line),
                rule="TTML1 §6.2 timing parameters",
            )
        )

    # -- timing -------------------------------------------------------------------------------
    def _resolve(self, node: ET.Element, base: Fraction, bound: Fraction | None, container: str) -> _Interval:
        """The active interval of ``node`` whose sync base is ``base``, within ``bound``."""
        offset = self._time(node, "begin")
        begin = base if offset is None else (base + offset if base else offset)
        explicit = self._explicit_end(node, base, begin)
        limit = _min(explicit, bound)
        own = node.attrib.get("timeContainer", "par").strip()
        children = [c for c in node if c.tag in self.timed]
        ends: list[Fraction | None] = []
        cursor: Fraction | None = begin
        for child in children:
            if own == "seq":
                if cursor is None:
                    break
                interval = self._resolve(child, cursor, limit, "seq")
                cursor = interval.end
            else:
                interval = self._resolve(child, begin, limit, "par")
            ends.append(interval.end)
        if explicit is not None:
            end: Fraction | None = explicit
        elif not children:
            end = begin if own == "seq" and container == "seq" else None
        elif own == "seq":
            end = ends[-1] if ends else begin
        else:
            end = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
        if node.tag == self.p and explicit is not None and explicit < begin:
            self.inverted.add(id(node))
        else:
            end = _min(end, bound)
        if node.tag == self.p:
            self.times.append((begin, end, node))
        return _Interval(begin, end)

    def _explicit_end(self, node: ET.Element, base: Fraction, begin: Fraction) -> Fraction | None:
        end = self._time(node, "end")
        dur = self._time(node, "dur")
        candidates = []
        if end is not None:
            candidates.append(base + end if base else end)
        if dur is not None:
            candidates.append(begin + dur)
        return min(candidates) if candidates else None

    def _events(self) -> tuple[list[Event], int]:
        known = [t for b, e, _ in self.times for t in (b, e) if t is not None]
        timescale = common_timescale(known)
        units = [
            (to_units(b, timescale), None if e is None else to_units(e, timescale), n)
            for b, e, n in self.times
        ]
        # An event with no end anywhere up its ancestors lasts until the last time the file states.
        horizon = max((u for b, e, _ in units for u in (b, e) if u is not None), default=0)
        events = []
        line = self.xml.line
        for begin, end, node in units:
            stop = horizon if end is None else end
            if stop < begin and id(node) not in self.inverted:
                # Never active (its parent ended before it began): TTML drops it, the viewer never
                # sees its text, so the reader says so rather than lose it quietly.
                self.findings.append(_never_shown(line(node), begin, stop, timescale))
                continue
            events.append(Event(begin, stop, self._lines(node), source_line=line(node), italic=_italic(node)))
        return events, timescale

    def _lines(self, node: ET.Element) -> list[str]:
        """The text of a ``p``: spans' text included, ``br`` as a line break, whitespace collapsed."""
        parts: list[str] = []
        self._collect(node, parts)
        return [_collapse(line) for line in "".join(parts).split("\n")]

    def _collect(self, node: ET.Element, parts: list[str]) -> None:
        if node.text:
            parts.append(node.text.replace("\n", " "))
        for child in node:
            if child.tag == self.br:
                parts.append("\n")
            elif child.tag == self.span:
                self._collect(child, parts)
            if child.tail:
                parts.append(child.tail.replace("\n", " "))


def _params_of(node: ET.Element) -> dict[str, str]:
    """The ``ttp:`` attributes of an element, by local name."""
    found = {}
    for key, value in node.attrib.items():
        if key[0] == "{" and "#parameter}" in key:
            ns, _, name = key[1:].partition("}")
            if ns in _PARAM_NS:
                found[name] = value
    return found


def _collapse(line: str) -> str:
    """XML whitespace runs as one space, trimmed (the regex only when there is a run to collapse)."""
    if "  " in line or "\t" in line or "\r" in line:
        line = _SPACE.sub(" ", line)
    return line.strip(" ")


def _italic(node: ET.Element) -> bool:
    return any(node.attrib.get(f"{{{ns}}}fontStyle") == "italic" for ns in _STYLE_NS)


def _min(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _never_shown(line: int | None, begin: int, parent_end: int, timescale: int) -> Finding:
    return Finding(
        code="TT_NEVER_SHOWN",
        severity=Severity.WARNING,
        message=f"<p> begins at {format_timecode(begin, timescale, None)}, after its parent ends at "
        f"{format_timecode(parent_end, timescale, None)}: its text is never shown",
        location=Location(line=line),
        rule="TTML1 §10.4: a timed element is active only within its parent's interval",
    )


def _parse_error(message: str, line: int | None, rule: str = "well-formed TTML") -> Finding:
    return Finding(
        code="TT_PARSE_ERROR",
        severity=Severity.BLOCKER,
        message=message,
        location=Location(line=line),
        rule=rule,
    )
