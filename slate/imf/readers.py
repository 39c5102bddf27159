"""Read one IMF document (bytes) into its typed model, with the findings its reading raised.

A reader never raises for a bad document: a malformed or unsafe document, an unknown root element
or namespace is a FATAL finding and no model; a schema fault is an ERROR and the model is built
from what could be read, so that later checks still run on the rest.
"""

from __future__ import annotations

from fractions import Fraction

from lxml import etree
from pydantic import BaseModel, ConfigDict

from slate.imf.findings import Findings, Level
from slate.imf.models import (
    AssetMap,
    Chunk,
    Composition,
    EssenceDescriptor,
    MapAsset,
    Node,
    OutputProfileList,
    PackingList,
    PklAsset,
    Resource,
    Segment,
    Sequence,
)
from slate.imf.schema import check_schema
from slate.imf.xmlsafe import UnsafeXml, local, namespace, parse_xml

__all__ = ["NAMESPACES", "Document", "parse_rate", "read_document"]

AM_NS = "http://www.smpte-ra.org/schemas/429-9/2007/AM"
PKL_NS = (
    "http://www.smpte-ra.org/schemas/429-8/2007/PKL",
    "http://www.smpte-ra.org/schemas/2067-2/2016/PKL",
    "http://www.smpte-ra.org/ns/2067-2/2020/PKL",
)
CPL_NS = ("http://www.smpte-ra.org/schemas/2067-3/2013", "http://www.smpte-ra.org/schemas/2067-3/2016")
OPL_NS = ("http://www.smpte-ra.org/schemas/2067-100/2014", "http://www.smpte-ra.org/ns/2067-100/2021")
#: Root element → (document kind, namespaces it may be in).
NAMESPACES = {
    "AssetMap": ("assetmap", (AM_NS,)),
    "PackingList": ("pkl", PKL_NS),
    "CompositionPlaylist": ("cpl", CPL_NS),
    "OutputProfileList": ("opl", OPL_NS),
}
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

Model = AssetMap | PackingList | Composition | OutputProfileList


class Document(BaseModel):
    """One document as read: its kind, its model (None when unreadable) and its findings."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: str | None
    model: Model | None


def _text(element: etree._Element, name: str) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and local(child) == name:
            return (child.text or "").strip()
    return None


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and local(c) == name]


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def parse_rate(text: str | None) -> Fraction | None:
    """An edit rate ``"24000 1001"`` as an exact fraction, None when absent or malformed."""
    parts = (text or "").split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[1]) == 0:
        return None
    return Fraction(int(parts[0]), int(parts[1]))


def _node(element: etree._Element) -> Node:
    return Node(
        name=local(element),
        ns=namespace(element),
        text=(element.text or "").strip(),
        children=[_node(c) for c in element if isinstance(c.tag, str)],
    )


def _assetmap(root: etree._Element) -> AssetMap:
    assets = []
    for asset_list in _children(root, "AssetList"):
        for asset in _children(asset_list, "Asset"):
            chunks = [
                Chunk(
                    path=_text(c, "Path") or "",
                    volume_index=_int(_text(c, "VolumeIndex")),
                    offset=_int(_text(c, "Offset")),
                    length=_int(_text(c, "Length")),
                )
                for chunk_list in _children(asset, "ChunkList")
                for c in _children(chunk_list, "Chunk")
            ]
            flag = (_text(asset, "PackingList") or "").lower() in {"true", "1"}
            assets.append(MapAsset(id=_text(asset, "Id") or "", packing_list=flag, chunks=chunks))
    return AssetMap(
        id=_text(root, "Id") or "",
        namespace=namespace(root),
        volume_count=_int(_text(root, "VolumeCount")),
        assets=assets,
    )


def _pkl(root: etree._Element) -> PackingList:
    assets = []
    for asset_list in _children(root, "AssetList"):
        for asset in _children(asset_list, "Asset"):
            algorithm = _children(asset, "HashAlgorithm")
            assets.append(
                PklAsset(
                    id=_text(asset, "Id") or "",
                    hash=_text(asset, "Hash"),
                    size=_int(_text(asset, "Size")),
                    type=_text(asset, "Type"),
                    original_file_name=_text(asset, "OriginalFileName"),
                    annotation=_text(asset, "AnnotationText"),
                    hash_algorithm=algorithm[0].get("Algorithm") if algorithm else None,
                )
            )
    return PackingList(
        id=_text(root, "Id") or "",
        namespace=namespace(root),
        annotation=_text(root, "AnnotationText"),
        group_id=_text(root, "GroupId"),
        assets=assets,
    )


def _resource(element: etree._Element) -> Resource:
    offsets = [_int(_text(m, "Offset")) for m in _children(element, "Marker")]
    return Resource(
        id=_text(element, "Id") or "",
        kind=(element.get(_XSI_TYPE) or "").split(":")[-1],
        edit_rate=parse_rate(_text(element, "EditRate")),
        intrinsic_duration=_int(_text(element, "IntrinsicDuration")),
        entry_point=_int(_text(element, "EntryPoint")),
        source_duration=_int(_text(element, "SourceDuration")),
        repeat_count=_int(_text(element, "RepeatCount")) or 1,
        source_encoding=_text(element, "SourceEncoding"),
        track_file_id=_text(element, "TrackFileId"),
        hash=_text(element, "Hash"),
        marker_offsets=[o for o in offsets if o is not None],
    )


def _segments(root: etree._Element) -> list[Segment]:
    segments = []
    for segment_list in _children(root, "SegmentList"):
        for segment in _children(segment_list, "Segment"):
            sequences = [
                Sequence(
                    kind=local(seq),
                    ns=namespace(seq),
                    id=_text(seq, "Id") or "",
                    track_id=_text(seq, "TrackId") or "",
                    resources=[
                        _resource(r)
                        for rl in _children(seq, "ResourceList")
                        for r in _children(rl, "Resource")
                    ],
                )
                for seq_list in _children(segment, "SequenceList")
                for seq in seq_list
                if isinstance(seq.tag, str)
            ]
            segments.append(Segment(id=_text(segment, "Id") or "", sequences=sequences))
    return segments


def _composition(root: etree._Element) -> Composition:
    descriptors = []
    for edl in _children(root, "EssenceDescriptorList"):
        for ed in _children(edl, "EssenceDescriptor"):
            body = [c for c in ed if isinstance(c.tag, str) and local(c) != "Id"]
            descriptors.append(
                EssenceDescriptor(id=_text(ed, "Id") or "", descriptor=_node(body[0]) if body else None)
            )
    applications: list[str] = []
    sadm_tracks: list[str] = []
    for ext in _children(root, "ExtensionProperties"):
        for app in _children(ext, "ApplicationIdentification"):
            applications.extend((app.text or "").split())
        for parameters in _children(ext, "MGASADMVirtualTrackParameterSet"):
            sadm_tracks.extend(t for t in [_text(parameters, "TrackId")] if t)
    languages = [
        (language.text or "").strip()
        for locales in _children(root, "LocaleList")
        for locale in _children(locales, "Locale")
        for language_list in _children(locale, "LanguageList")
        for language in _children(language_list, "Language")
    ]
    return Composition(
        id=_text(root, "Id") or "",
        namespace=namespace(root),
        title=_text(root, "ContentTitle") or "",
        edit_rate=parse_rate(_text(root, "EditRate")),
        applications=applications,
        languages=languages,
        descriptors=descriptors,
        segments=_segments(root),
        sadm_parameter_tracks=sadm_tracks,
    )


def _opl(root: etree._Element) -> OutputProfileList:
    macros = [_text(m, "Name") or "" for ml in _children(root, "MacroList") for m in _children(ml, "Macro")]
    return OutputProfileList(
        id=_text(root, "Id") or "",
        namespace=namespace(root),
        composition_id=_text(root, "CompositionPlaylistId"),
        macros=macros,
    )


_BUILDERS = {"assetmap": _assetmap, "pkl": _pkl, "cpl": _composition, "opl": _opl}


def read_document(data: bytes, name: str, out: Findings) -> Document:
    """Read ``data`` (the file ``name``) into a :class:`Document`, adding findings to ``out``."""
    try:
        root = parse_xml(data, name)
    except UnsafeXml as exc:
        out.add("IMF_XML_UNREADABLE", exc.message, Level.FATAL, file=name)
        return Document(kind=None, model=None)
    known = NAMESPACES.get(local(root))
    if known is None:
        out.add(
            "IMF_UNKNOWN_DOCUMENT", f"root element {local(root)!r} is no IMF document", Level.FATAL, file=name
        )
        return Document(kind=None, model=None)
    kind, namespaces = known
    if namespace(root) not in namespaces:
        out.add(
            "IMF_NAMESPACE",
            f"{local(root)} namespace {namespace(root)!r} is not one Slate reads ({', '.join(namespaces)})",
            Level.FATAL,
            file=name,
        )
        return Document(kind=kind, model=None)
    sub = Findings(name)
    check_schema(root, kind, sub)
    out.extend(sub.items)
    return Document(kind=kind, model=_BUILDERS[kind](root))
