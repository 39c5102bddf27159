"""Checks of a composition's essence descriptors and of the application it declares.

Every resource's SourceEncoding must name a descriptor of the EssenceDescriptorList and every
descriptor must be referenced (ST 2067-2 core constraints); the resources of one virtual track
must share one kind of essence (homogeneous); picture descriptors carry a VideoLineMap. The
application-specific rules live in :mod:`slate.imf.app_rules`.
"""

from __future__ import annotations

from slate.imf.app_rules import check_applications
from slate.imf.findings import Findings, Level
from slate.imf.models import Composition, EssenceDescriptor, Node
from slate.imf.timeline import MARKER

__all__ = ["KNOWN_APPLICATIONS", "check_descriptors", "signature"]

KNOWN_APPLICATIONS = {
    "http://www.smpte-ra.org/schemas/2067-20/2013",
    "http://www.smpte-ra.org/schemas/2067-20/2016",
    "http://www.smpte-ra.org/schemas/2067-21/2014",
    "http://www.smpte-ra.org/schemas/2067-21/2016",
    "http://www.smpte-ra.org/ns/2067-21/2020",
    "http://www.smpte-ra.org/ns/2067-21/2021",
    "http://www.smpte-ra.org/ns/2067-21/5ED",
    "http://www.smpte-ra.org/ns/2067-50/2017",
    "http://www.smpte-ra.org/ns/2067-40/2020",
    "http://www.smpte-ra.org/ns/2067-40/2016",
}
#: Properties that differ between files of one homogeneous track (identity, length, links).
_VOLATILE = {
    "InstanceID",
    "EssenceLength",
    "LinkedTrackID",
    "MCALinkID",
    "MGALinkID",
    "SADMMetadataSectionLinkID",
    "MGAMetadataSectionLinkID",
    "ContainerDuration",
    "ACESPictureSubDescriptorInstanceID",
    "TargetFrameSubDescriptorInstanceIDs",
    "VideoLineMap",
    "SubDescriptors",
    "TargetFrameSubDescriptor",
}
_PICTURE = {"RGBADescriptor", "CDCIDescriptor"}


def signature(node: Node) -> tuple[object, ...]:
    """A descriptor reduced to what must stay equal across a track (names, values, structure)."""
    children = sorted(
        (signature(c) for c in node.children if c.name not in _VOLATILE),
        key=repr,
    )
    subs = node.find("SubDescriptors")
    if subs is not None:
        kept = (signature(c) for c in subs.children if c.name not in _VOLATILE)
        children.append(("SubDescriptors", tuple(sorted(kept, key=repr))))
    return (node.name, node.text if not node.children else "", tuple(children))


def _check_references(composition: Composition, out: Findings) -> None:
    ids = [d.id for d in composition.descriptors]
    known = set(ids)
    if len(known) != len(ids):
        out.add("IMF_CPL_DESCRIPTOR_DUPLICATE", "two EssenceDescriptors share an Id")
    used: set[str] = set()
    for segment in composition.segments:
        for sequence in segment.sequences:
            if sequence.kind == MARKER:
                continue
            for resource in sequence.resources:
                if resource.source_encoding is None:
                    out.add("IMF_CPL_SOURCE_ENCODING", f"resource {resource.id} has no SourceEncoding")
                elif resource.source_encoding not in known:
                    out.add(
                        "IMF_CPL_DESCRIPTOR_MISSING",
                        f"resource {resource.id} SourceEncoding "
                        f"{resource.source_encoding} names no EssenceDescriptor of the list",
                        Level.FATAL,
                    )
                used.add(resource.source_encoding or "")
    for descriptor_id in ids:
        if descriptor_id not in used:
            out.add(
                "IMF_CPL_DESCRIPTOR_UNREFERENCED",
                f"EssenceDescriptor {descriptor_id} is referenced by no resource",
            )


def _check_homogeneous(composition: Composition, by_id: dict[str, EssenceDescriptor], out: Findings) -> None:
    signatures = {d.id: signature(d.descriptor) for d in by_id.values() if d.descriptor is not None}
    for track_id, sequences in composition.tracks().items():
        if sequences[0].kind == MARKER:
            continue
        found = {
            signatures[r.source_encoding]
            for s in sequences
            for r in s.resources
            if r.source_encoding in signatures
        }
        if len(found) > 1:
            out.add(
                "IMF_CPL_TRACK_NOT_HOMOGENEOUS",
                f"virtual track {track_id} ({sequences[0].kind}) references essence descriptors that differ",
            )


def _check_pictures(composition: Composition, out: Findings) -> None:
    for descriptor in composition.descriptors:
        node = descriptor.descriptor
        if node is None:
            out.add("IMF_CPL_DESCRIPTOR_EMPTY", f"EssenceDescriptor {descriptor.id} holds no descriptor")
        elif node.name in _PICTURE and node.find("VideoLineMap") is None:
            out.add("IMF_CPL_VIDEO_LINE_MAP", f"picture descriptor {descriptor.id} has no VideoLineMap")


def _check_application_ids(composition: Composition, out: Findings) -> None:
    if not composition.applications:
        out.add(
            "IMF_APP_ID_MISSING", "no ApplicationIdentification: application rules not checked", Level.WARNING
        )
    for app in composition.applications:
        if app not in KNOWN_APPLICATIONS:
            out.add(
                "IMF_APP_ID_UNKNOWN",
                f"ApplicationIdentification {app} is not one Slate checks",
                Level.WARNING,
            )


def check_descriptors(composition: Composition, out: Findings) -> None:
    """Add findings for descriptor references, homogeneity and the declared applications' rules."""
    by_id = {d.id: d for d in composition.descriptors}
    _check_references(composition, out)
    _check_homogeneous(composition, by_id, out)
    _check_pictures(composition, out)
    _check_application_ids(composition, out)
    check_applications(composition, by_id, out)
