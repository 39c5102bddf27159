"""TTML1, DFXP and IMSC 1.x reader: timing parameters, nested begin/end/dur, ``seq`` and ``par``.

Time expressions are checked on every TTML element (``body``, ``div``, ``p``, ``span``, ``set``,
``region`` …) and each malformed one is a finding with its line; so are malformed ``ttp:``
parameters wherever they appear. Events are the ``p`` elements, with their active interval resolved
as TTML1 §10.4 describes, bounded by their ancestors'.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
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
from validators.timed_text.readers.ttml_timeline import Shown, Timeline

__all__ = ["read_ttml"]

TT_NAMESPACES = frozenset(
    {"http://www.w3.org/ns/ttml", "http://www.w3.org/2006/10/ttaf1", "http://www.w3.org/2006/04/ttaf1"}
)
_PARAM_NS = ("http://www.w3.org/ns/ttml#parameter", "http://www.w3.org/2006/10/ttaf1#parameter")
_STYLE_NS = ("http://www.w3.org/ns/ttml#styling", "http://www.w3.org/2006/10/ttaf1#styling")
_XML_NS = "http://www.w3.org/XML/1998/namespace"


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
        self.findings: list[Finding] = []
        self.params, problems = parse_parameters(_params_of(self.root))
        for attr, message in problems:
            self._param_problem(attr, message, document.line(self.root))
        #: Valid time attributes parsed while checking, so resolving does not parse them again.
        self.parsed: dict[tuple[int, str], Fraction] = {}
        #: Frame- and tick-based units seen in time expressions.
        self.units: set[str] = set()

    def read(self) -> ReadResult:
        self._check_tree(self.root)
        timeline = Timeline(self.root, self.ns, self._time)
        events = self._events(timeline)
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
    def _events(self, timeline: Timeline) -> tuple[list[Event], int]:
        """Every stretch of displayed text as an event, in exact units of a common timescale."""
        pieces = self._pieces(timeline)
        known = [t for b, e, _, _, _ in pieces for t in (b, e) if t is not None]
        timescale = common_timescale(known)
        # An event with no end anywhere up its ancestors lasts to the programme's end; until the
        # validator knows it, its end is the last time the file states (never before its begin).
        horizon = max(known, default=Fraction(0))
        events = []
        line = self.xml.line
        vertical = {id(s.node) for _, _, _, s, _ in pieces if timeline.vertical(s)}
        for begin, end, lines, shown, open_ended in pieces:
            stop = max(horizon, begin) if end is None else end
            if stop <= begin and not (shown.inverted or open_ended):
                # Never active (its parent ended when or before it began): TTML drops it, the
                # viewer never sees its text, so the reader says so rather than lose it quietly.
                if not any(lines):
                    continue  # an empty paragraph: nothing to lose
                at, parent_end = to_units(begin, timescale), to_units(stop, timescale)
                self.findings.append(_never_shown(line(shown.node), at, parent_end, timescale))
                continue
            events.append(
                Event(
                    to_units(begin, timescale),
                    to_units(stop, timescale),
                    lines,
                    source_line=line(shown.node),
                    italic=_italic(shown.node),
                    open_ended=open_ended,
                    vertical=id(shown.node) in vertical,
                )
            )
        return events, timescale

    def _pieces(self, timeline: Timeline) -> list[tuple[Fraction, Fraction | None, list[str], Shown, bool]]:
        """(begin, end, lines, paragraph, open-ended) for every stretch of displayed text."""
        pieces = []
        for shown in timeline.paragraphs:
            interval = shown.interval
            if timeline.regions and shown.region not in timeline.regions:
                named = timeline.span_regions(shown)
                if not named:
                    self.findings.append(_not_in_region(self.xml.line(shown.node), shown.region))
                for region in named:
                    for begin, end, lines in timeline.segments(shown, region) or []:
                        pieces.append((begin, end, lines, shown, end is None))
                continue
            segments = timeline.segments(shown)
            if segments is None:
                lines = timeline.static_lines(shown)
                pieces.append((interval.begin, interval.end, lines, shown, interval.end is None))
                continue
            for begin, end, lines in segments:
                pieces.append((begin, end, lines, shown, end is None))
        return pieces


def _params_of(node: ET.Element) -> dict[str, str]:
    """The ``ttp:`` attributes of an element, by local name."""
    found = {}
    for key, value in node.attrib.items():
        if key[0] == "{" and "#parameter}" in key:
            ns, _, name = key[1:].partition("}")
            if ns in _PARAM_NS:
                found[name] = value
    return found


def _italic(node: ET.Element) -> bool:
    return any(node.attrib.get(f"{{{ns}}}fontStyle") == "italic" for ns in _STYLE_NS)


def _never_shown(line: int | None, begin: int, parent_end: int, timescale: int) -> Finding:
    return Finding(
        code="TT_NEVER_SHOWN",
        severity=Severity.WARNING,
        message=f"<p> begins at {format_timecode(begin, timescale, None)}, "
        f"{'after' if parent_end < begin else 'as'} its parent ends at "
        f"{format_timecode(parent_end, timescale, None)}: its text is never shown",
        location=Location(line=line),
        rule="TTML1 §10.4: a timed element is active only within its parent's interval",
    )


def _not_in_region(line: int | None, region: str | None) -> Finding:
    where = f"in region {region!r}, which is not defined" if region else "in no region"
    return Finding(
        code="TT_NEVER_SHOWN",
        severity=Severity.WARNING,
        message=f"<p> is {where} while the document defines regions: a player shows nothing",
        location=Location(line=line),
        rule="TTML1 §9.3: content shows only in a region; with regions defined, it must name one",
    )


def _parse_error(message: str, line: int | None, rule: str = "well-formed TTML") -> Finding:
    return Finding(
        code="TT_PARSE_ERROR",
        severity=Severity.BLOCKER,
        message=message,
        location=Location(line=line),
        rule=rule,
    )
