"""The CPL editor: trim a composition, drop or replace a track, and write the result as a new
package (complete, or supplemental to the original it references).

Edits are made on the CPL's own XML tree, so everything Slate does not model (content versions,
locales, extension properties, essence descriptors) passes through untouched. A trim is given in
frames of the composition edit rate, ``[in, out)``; each resource's EntryPoint and SourceDuration
are recomputed at the resource's own edit rate with exact fractions, and a cut that would fall
between two edit units of some track (an audio sample rate that does not divide the frame rate)
is refused rather than rounded. The essence is not re-wrapped: MXF track files are referenced
whole, and the composition selects the part that plays.
"""

from __future__ import annotations

import copy
from fractions import Fraction

from lxml import etree

from slate.errors import InvalidInput
from slate.imf.readers import parse_rate
from slate.imf.writer import new_urn, now
from slate.imf.xmlsafe import local

__all__ = ["drop_track", "replace_track_file", "retitle", "trim"]


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if isinstance(c.tag, str) and local(c) == name), None)


def _all(element: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in element.iter() if isinstance(e.tag, str) and local(e) == name]


def _text(element: etree._Element, name: str) -> str | None:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else None


def _number(element: etree._Element, name: str) -> int | None:
    child = _child(element, name)
    return int((child.text or "").strip()) if child is not None else None


def _set(resource: etree._Element, name: str, value: int, after: str) -> None:
    """Set a resource's child ``name``, creating it right after ``after`` when absent."""
    child = _child(resource, name)
    if child is None:
        anchor = _child(resource, after)
        child = etree.Element(f"{{{etree.QName(resource).namespace}}}{name}")
        if anchor is None:
            resource.append(child)
        else:
            anchor.addnext(child)
    child.text = str(value)


class _Timing:
    """A resource's timing in its own edit units, and its edit rate."""

    def __init__(self, resource: etree._Element, default_rate: Fraction) -> None:
        self.rate = parse_rate(_text(resource, "EditRate")) or default_rate
        self.entry = _number(resource, "EntryPoint") or 0
        intrinsic = _number(resource, "IntrinsicDuration") or 0
        duration = _number(resource, "SourceDuration")
        self.duration = duration if duration is not None else intrinsic - self.entry
        self.repeat = _number(resource, "RepeatCount") or 1

    def seconds(self) -> Fraction:
        return Fraction(self.duration * self.repeat) / self.rate


def _units(seconds: Fraction, rate: Fraction, what: str) -> int:
    value = seconds * rate
    if value.denominator != 1:
        raise InvalidInput(f"the cut falls between two edit units of {what} (edit rate {rate})", what=what)
    return value.numerator


def _expand_repeats(resource: etree._Element, timing: _Timing) -> list[etree._Element]:
    """A resource played N times becomes N resources played once, each with its own Id."""
    if timing.repeat == 1:
        return [resource]
    copies = []
    for _ in range(timing.repeat):
        clone = copy.deepcopy(resource)
        repeat = _child(clone, "RepeatCount")
        if repeat is not None:
            clone.remove(repeat)
        id_element = _child(clone, "Id")
        if id_element is not None:
            id_element.text = new_urn()
        resource.addprevious(clone)
        copies.append(clone)
    resource.getparent().remove(resource)  # type: ignore[union-attr]
    return copies


def _trim_resource(
    resource: etree._Element, start: Fraction, low: Fraction, high: Fraction, rate: Fraction, label: str
) -> Fraction:
    """Keep the part of ``resource`` (starting at ``start`` s) inside [low, high) s; return its end."""
    timing = _Timing(resource, rate)
    end = start + timing.seconds()
    keep_from, keep_to = max(start, low), min(end, high)
    if keep_to <= keep_from:
        resource.getparent().remove(resource)  # type: ignore[union-attr]
        return end
    skipped = _units(keep_from - start, timing.rate, label)
    kept = _units(keep_to - keep_from, timing.rate, label)
    _set(resource, "EntryPoint", timing.entry + skipped, after="IntrinsicDuration")
    _set(resource, "SourceDuration", kept, after="EntryPoint")
    for marker in _all(resource, "Marker"):
        offset = _number(marker, "Offset") or 0
        if skipped <= offset < skipped + kept:
            _set(marker, "Offset", offset - skipped, after="Label")
        else:
            resource.remove(marker)
    return end


def _trim_sequence(sequence: etree._Element, low: Fraction, high: Fraction, rate: Fraction) -> None:
    label = f"{local(sequence)} {_text(sequence, 'TrackId')}"
    start = Fraction(0)
    for resource in _all(sequence, "Resource"):
        timing = _Timing(resource, rate)
        pieces = [resource]
        if (
            start < high
            and start + timing.seconds() > low
            and (start < low or start + timing.seconds() > high)
        ):
            pieces = _expand_repeats(resource, timing)
        for piece in pieces:
            start = _trim_resource(piece, start, low, high, rate, label)


def _segment_seconds(segment: etree._Element, rate: Fraction) -> Fraction:
    for sequence in _all(segment, "ResourceList"):
        owner = sequence.getparent()
        if owner is not None and local(owner) != "MarkerSequence":
            return sum((_Timing(r, rate).seconds() for r in _all(sequence, "Resource")), Fraction(0))
    return Fraction(0)


def trim(root: etree._Element, in_frame: int, out_frame: int) -> Fraction:
    """Keep frames ``[in_frame, out_frame)`` of the composition; return the new duration in frames."""
    rate = parse_rate(_text(root, "EditRate"))
    if rate is None:
        raise InvalidInput("the CPL has no usable EditRate")
    total = sum((_segment_seconds(s, rate) for s in _all(root, "Segment")), Fraction(0)) * rate
    if not 0 <= in_frame < out_frame <= total:
        raise InvalidInput(
            f"in {in_frame} / out {out_frame} must satisfy 0 <= in < out <= {total} frames",
            in_frame=in_frame,
            out_frame=out_frame,
        )
    low, high = Fraction(in_frame) / rate, Fraction(out_frame) / rate
    start = Fraction(0)
    for segment in _all(root, "Segment"):
        length = _segment_seconds(segment, rate)
        if start + length <= low or start >= high:
            segment.getparent().remove(segment)  # type: ignore[union-attr]
        else:
            for sequence_list in _all(segment, "SequenceList"):
                for sequence in [s for s in sequence_list if isinstance(s.tag, str)]:
                    _trim_sequence(sequence, low - start, high - start, rate)
        start += length
    return Fraction(out_frame - in_frame)


def _prune_descriptors(root: etree._Element) -> None:
    used = {(e.text or "").strip() for e in _all(root, "SourceEncoding")}
    for descriptor in _all(root, "EssenceDescriptor"):
        identifier = _child(descriptor, "Id")
        if identifier is not None and (identifier.text or "").strip() not in used:
            descriptor.getparent().remove(descriptor)  # type: ignore[union-attr]


def drop_track(root: etree._Element, track_id: str) -> None:
    """Remove virtual track ``track_id`` from every segment, and descriptors no longer used."""
    found = [
        s
        for t in _all(root, "TrackId")
        if (t.text or "").strip() == track_id and (s := t.getparent()) is not None
    ]
    if not found:
        raise InvalidInput(f"the CPL has no virtual track {track_id}", track_id=track_id)
    for sequence in found:
        sequence.getparent().remove(sequence)  # type: ignore[union-attr]
    _prune_descriptors(root)


def replace_track_file(root: etree._Element, track_id: str, old_file: str, new_file: str) -> None:
    """Point the resources of ``track_id`` that play ``old_file`` at ``new_file`` instead."""
    changed = 0
    for track in _all(root, "TrackId"):
        if (track.text or "").strip() != track_id:
            continue
        for resource in _all(track.getparent(), "Resource"):  # type: ignore[arg-type]
            file_id = _child(resource, "TrackFileId")
            if file_id is not None and (file_id.text or "").strip() == old_file:
                file_id.text = new_file
                stale = _child(resource, "Hash")
                if stale is not None:
                    resource.remove(stale)
                changed += 1
    if not changed:
        raise InvalidInput(f"track {track_id} plays no track file {old_file}", track_id=track_id)


def retitle(root: etree._Element) -> str:
    """Give the edited CPL a fresh Id and IssueDate and drop its (now broken) signature."""
    cpl_id = new_urn()
    for name, value in (("Id", cpl_id), ("IssueDate", now())):
        element = _child(root, name)
        if element is not None:
            element.text = value
    for name in ("Signer", "Signature", "TotalRunningTime"):
        element = _child(root, name)
        if element is not None:
            root.remove(element)
    return cpl_id
