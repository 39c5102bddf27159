"""What a TTML document displays and when: active intervals, ``set`` animations, display, regions.

Timing follows TTML2 §12 (as IMSC players and the ttconv reference reader apply it):

* every element's begin is relative to its sync base: its parent's begin in a ``par`` container,
  the end of the previous sibling in a ``seq``; ``end`` is relative to the same base, ``dur`` to
  the element's begin, and the earlier of the two wins;
* with neither, the implicit end: an element holding text, a ``br`` or a ``set`` in a ``par`` is
  indefinite (it lasts as long as its parent), any other element ends with its last child, and
  an empty one takes no time (so the untimed children of a ``seq`` take none);
* an element is active only within its parent's interval and, when it is shown in a region, the
  region's; ``tts:display="none"`` hides an element and its descendants, ``tts:visibility``
  hides its text (inherited, from the region down), and ``set`` children change either for their
  own interval; a document that defines regions shows only content associated with one.

A ``p`` whose text changes while it is shown (timed spans, animations) gives one event per
stretch of unchanged text, so checks see what a viewer reads.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["Interval", "Timeline"]

_STYLE_NS = ("http://www.w3.org/ns/ttml#styling", "http://www.w3.org/2006/10/ttaf1#styling")
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_PROPERTIES = ("display", "visibility", "opacity")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_RUBY_ANNOTATION = frozenset({"text", "textContainer", "delimiter"})
_TIMING = ("begin", "end", "dur", "timeContainer")
_SPACE = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True, slots=True)
class Interval:
    """An active interval in seconds; ``end`` None is indefinite (bounded only by the parents)."""

    begin: Fraction
    end: Fraction | None

    def contains(self, t: Fraction) -> bool:
        return self.begin <= t and (self.end is None or t < self.end)


@dataclass(slots=True)
class Shown:
    """One ``p`` as resolved: its interval, ancestors, region, and whether its text can change."""

    node: ET.Element
    interval: Interval
    ancestors: tuple[ET.Element, ...]
    region: str | None
    #: Whether anything inside it is timed on its own (spans, ``br``, ``set``, ``seq``).
    varies: bool
    #: Its own end is not after its own begin (an authoring mistake kept for the checks to name).
    inverted: bool = False
    #: ``xml:space="preserve"`` applies: a line feed in its text breaks the line.
    preserve: bool = False


@dataclass
class Timeline:
    """Resolve the body once; then :meth:`segments` gives each ``p``'s displayed text over time."""

    root: ET.Element
    ns: str
    #: A parsed time attribute of an element, or None (absent or malformed, already reported).
    time: Callable[[ET.Element, str], Fraction | None]
    paragraphs: list[Shown] = field(default_factory=list)
    intervals: dict[int, Interval] = field(default_factory=dict)
    sets: dict[int, list[tuple[Interval, dict[str, str]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tag = self._tag
        self.p, self.span, self.br, self.set = tag("p"), tag("span"), tag("br"), tag("set")
        self.timed = frozenset({tag("body"), tag("div"), self.p, self.span, self.br, self.set})
        self.mixed = frozenset({self.p, self.span})
        self.indefinite = frozenset({self.br, self.set, tag("region")})
        self.styles = self._styles()
        self.regions = {r.attrib[_XML_ID]: r for r in self.root.iter(tag("region")) if r.attrib.get(_XML_ID)}
        for region in self.regions.values():
            self._resolve(region, Fraction(0), "par", Interval(Fraction(0), None), (), None)
        #: Whether display can change anywhere (any ``set``, display or visibility style, timed region).
        self.dynamic = (
            bool(self.sets)
            or any(self.styles.values())
            or any(self._styled(r) for r in self.regions.values())
        )
        body = self.root.find(tag("body"))
        if body is not None:
            self._resolve(body, Fraction(0), "par", Interval(Fraction(0), None), (), None)

    def _tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    # -- timing ---------------------------------------------------------------------------------
    def _resolve(
        self,
        node: ET.Element,
        base: Fraction,
        container: str,
        bound: Interval,
        ancestors: tuple[ET.Element, ...],
        region: str | None,
    ) -> Interval:
        """The element's own interval (before bounding) from its sync base; children resolved too."""
        offset = self.time(node, "begin")
        begin = base if offset is None else base + offset
        own = node.attrib.get("timeContainer", "par").strip()
        indefinite = node.tag in self.indefinite and container == "par"
        implicit: Fraction | None = None if indefinite else begin
        if node.tag in self.mixed and own == "par" and (node.text or any(c.tail for c in node)):
            implicit = None
        explicit = self._explicit_end(node, base, begin)
        start = begin if begin >= bound.begin else bound.begin
        active = Interval(start, _min(explicit, bound.end))
        region = node.attrib.get("region", region)
        path = (*ancestors, node)
        cursor = begin
        for child in node:
            if child.tag not in self.timed:
                continue
            if child.tag == self.br and own == "par" and not any(a in child.attrib for a in _TIMING):
                implicit = None  # an untimed br lasts as long as its parent (the common case, kept cheap)
                continue
            sync = cursor if own == "seq" else begin
            interval = self._resolve(child, sync, own, active, path, region)
            if own == "seq":
                if interval.end is None:
                    implicit = None
                    break
                cursor = interval.end
                implicit = cursor
            elif implicit is not None:
                implicit = None if interval.end is None else max(implicit, interval.end)
        end = explicit if explicit is not None else implicit
        bounded = Interval(start, _min(end, bound.end))
        self.intervals[id(node)] = bounded
        if node.tag == self.set:
            values = self._own_values(node)
            if values:
                self.sets.setdefault(id(ancestors[-1]) if ancestors else 0, []).append((bounded, values))
        elif node.tag == self.p:
            inverted = explicit is not None and explicit <= begin
            shown = Interval(begin, explicit) if inverted else bounded
            varies = own == "seq" or any(self._timed_inside(d) for d in node.iter() if d is not node)
            preserve = self._preserve(path)
            self.paragraphs.append(Shown(node, shown, ancestors, region, varies, inverted, preserve))
        return Interval(begin, end)

    def _preserve(self, path: tuple[ET.Element, ...]) -> bool:
        """Whether ``xml:space`` is ``preserve`` for the last element of ``path`` (from the root down)."""
        for node in reversed(path):
            if _XML_SPACE in node.attrib:
                return node.attrib[_XML_SPACE].strip() == "preserve"
        return self.root.attrib.get(_XML_SPACE, "").strip() == "preserve"

    def _timed_inside(self, node: ET.Element) -> bool:
        if node.tag == self.set or "region" in node.attrib:
            return True
        return node.tag in self.timed and any(
            a in node.attrib for a in ("begin", "end", "dur", "timeContainer")
        )

    def _explicit_end(self, node: ET.Element, base: Fraction, begin: Fraction) -> Fraction | None:
        end, dur = self.time(node, "end"), self.time(node, "dur")
        candidates = ([base + end] if end is not None else []) + ([begin + dur] if dur is not None else [])
        return min(candidates) if candidates else None

    # -- styles ---------------------------------------------------------------------------------
    def _styles(self) -> dict[str, dict[str, str]]:
        """Each ``style`` element's display and visibility, its referenced styles resolved."""
        raw = {s.attrib[_XML_ID]: s for s in self.root.iter(self._tag("style")) if s.attrib.get(_XML_ID)}
        self._style_nodes = raw
        resolved: dict[str, dict[str, str]] = {}

        def resolve(key: str, seen: frozenset[str]) -> dict[str, str]:
            if key in resolved:
                return resolved[key]
            values: dict[str, str] = {}
            node = raw.get(key)
            if node is None or key in seen:
                return values
            for ref in node.attrib.get("style", "").split():
                values.update(resolve(ref, seen | {key}))
            values.update(self._own_values(node))
            resolved[key] = values
            return values

        for key in raw:
            resolve(key, frozenset())
        return resolved

    def _own_values(self, node: ET.Element) -> dict[str, str]:
        values = {}
        for ns in _STYLE_NS:
            for name in _PROPERTIES:
                value = node.attrib.get(f"{{{ns}}}{name}")
                if value is not None:
                    values[name] = value.strip()
        return values

    def _specified(self, node: ET.Element) -> dict[str, str]:
        values: dict[str, str] = {}
        for ref in node.attrib.get("style", "").split():
            values.update(self.styles.get(ref, {}))
        if node.tag == self._tag("region"):
            for nested in node.iter(self._tag("style")):
                values.update(self._own_values(nested))
        values.update(self._own_values(node))
        return values

    def _styled(self, node: ET.Element) -> bool:
        return bool(self._specified(node)) or any(a in node.attrib for a in ("begin", "end", "dur"))

    def _value(self, node: ET.Element, name: str, t: Fraction) -> str | None:
        value = self._specified(node).get(name)
        for interval, values in self.sets.get(id(node), ()):
            if name in values and interval.contains(t):
                value = values[name]
        return value

    # -- what is shown ----------------------------------------------------------------------------
    def segments(
        self, shown: Shown, region_id: str | None = None
    ) -> list[tuple[Fraction, Fraction | None, list[str]]] | None:
        """The ``p``'s displayed lines over its interval; None when nothing about it varies.

        ``region_id`` shows only the spans that name that region (a ``p`` with no region of its own
        whose spans name theirs is shown in each of them).
        """
        region_id = region_id or shown.region
        region = self.regions.get(region_id) if region_id else None
        if not (shown.varies or self.dynamic or region_id != shown.region) or shown.inverted:
            return None
        interval = shown.interval
        if region is not None:
            interval = _clip(interval, self.intervals.get(id(region), interval))
        cuts = {interval.begin}
        watched = [*shown.ancestors, *shown.node.iter(), *([region] if region is not None else [])]
        for node in watched:
            for change in [self.intervals.get(id(node))] + [i for i, _ in self.sets.get(id(node), ())]:
                if change is not None:
                    cuts.update(t for t in (change.begin, change.end) if t is not None)
        times = sorted(t for t in cuts if interval.contains(t))
        if not times:
            return []  # never active: nothing shown
        pieces: list[tuple[Fraction, Fraction | None, list[str]]] = []
        only = region_id if region_id != shown.region else None
        for start, stop in zip(times, [*times[1:], interval.end], strict=True):
            lines = self._lines_at(shown, region, start, only)
            if pieces and pieces[-1][2] == lines and pieces[-1][1] == start:
                pieces[-1] = (pieces[-1][0], stop, lines)
            elif any(lines):
                pieces.append((start, stop, lines))
        return pieces

    def span_regions(self, shown: Shown) -> list[str]:
        """The regions named by the spans of a ``p`` that has none of its own, in document order."""
        named = (d.attrib.get("region") for d in shown.node.iter(self.span))
        return list(dict.fromkeys(r for r in named if r in self.regions))

    def _lines_at(self, shown: Shown, region: ET.Element | None, t: Fraction, only: str | None) -> list[str]:
        visibility = "visible"
        for node in ([region] if region is not None else []) + list(shown.ancestors):
            if self._hidden(node, t):
                return []
            visibility = self._value(node, "visibility", t) or visibility
        walk = _Walk(t, shown.preserve, shown.region, only)
        self._collect(shown.node, walk, visibility, only is None)
        return walk.lines()

    def static_lines(self, shown: Shown) -> list[str]:
        """The text of a ``p`` whose display never changes: spans included, ``br`` breaks a line."""
        walk = _Walk(None, shown.preserve, shown.region, None)
        self._collect(shown.node, walk, "visible", True)
        return walk.lines()

    def _collect(self, node: ET.Element, walk: _Walk, inherited: str, inside: bool) -> None:
        """Append what ``node`` shows at ``walk.t`` (anything, when None) to ``walk.parts``."""
        t = walk.t
        if t is not None and self._hidden(node, t):
            return
        visibility = inherited if t is None else (self._value(node, "visibility", t) or inherited)
        preserve = walk.preserve
        space = node.attrib.get(_XML_SPACE)
        if space is not None:
            walk.preserve = space.strip() == "preserve"
        # Text directly in a seq container takes no time (TTML2 §12.4): it is never shown.
        text = inside and visibility != "hidden" and node.attrib.get("timeContainer", "par").strip() != "seq"
        if node.text and text:
            walk.add(node.text)
        for child in node:
            interval = self.intervals.get(id(child))
            if t is None or interval is None or interval.contains(t):
                if child.tag == self.br:
                    walk.parts.append("\n")
                elif child.tag == self.span and self._in_flow(child, walk):
                    named = child.attrib.get("region")
                    within = inside or (walk.only is not None and named == walk.only)
                    self._collect(child, walk, visibility, within)
            if child.tail and text:
                walk.add(child.tail)
        walk.preserve = preserve

    def _hidden(self, node: ET.Element, t: Fraction) -> bool:
        """``display="none"`` or full transparency: the element and all it holds are not seen."""
        return self._value(node, "display", t) == "none" or _transparent(self._value(node, "opacity", t))

    def vertical(self, shown: Shown) -> bool:
        """Whether the ``p`` is set vertically: ``tts:writingMode`` tb… on it, an ancestor or its region."""
        region = self.regions.get(shown.region) if shown.region else None
        for node in [*([region] if region is not None else []), *shown.ancestors, shown.node]:
            sources = [node, *(self._style_nodes.get(r) for r in node.attrib.get("style", "").split())]
            if region is node:
                sources += list(node.iter(self._tag("style")))
            for source in sources:
                for ns in _STYLE_NS:
                    if source is not None and source.attrib.get(f"{{{ns}}}writingMode", "").startswith("tb"):
                        return True
        return False

    def _in_flow(self, span: ET.Element, walk: _Walk) -> bool:
        """Whether a span's text is read in the line: ruby annotations are not, nor other regions'."""
        if any(span.attrib.get(f"{{{ns}}}ruby", "").strip() in _RUBY_ANNOTATION for ns in _STYLE_NS):
            return False
        named = span.attrib.get("region")
        return named is None or walk.only is not None or named == walk.region


@dataclass(slots=True)
class _Walk:
    """One pass over a ``p``'s content: at what time, how to treat white space, into which parts."""

    t: Fraction | None
    preserve: bool
    region: str | None
    only: str | None
    parts: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text if self.preserve else text.replace("\n", " "))

    def lines(self) -> list[str]:
        return [_collapse(line) for line in "".join(self.parts).split("\n")]


def _collapse(line: str) -> str:
    """XML whitespace runs as one space, trimmed."""
    if "  " in line or "\t" in line or "\r" in line:
        line = _SPACE.sub(" ", line)
    return line.strip(" ")


def _transparent(opacity: str | None) -> bool:
    try:
        return opacity is not None and float(opacity) <= 0
    except ValueError:
        return False


def _clip(a: Interval, b: Interval) -> Interval:
    return Interval(max(a.begin, b.begin), _min(a.end, b.end))


def _min(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
