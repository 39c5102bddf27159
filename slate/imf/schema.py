"""A light schema for the IMF documents: required and allowed children, and value types.

Slate does not ship the SMPTE XSDs; it checks what a reader relies on and what the corpus of
known-bad documents breaks: a required element missing, an element where the schema allows none
(a Chunk outside its ChunkList, a Macro outside its MacroList), a UUID, integer, boolean or edit
rate that does not parse. Children in other namespaces (extensions, signatures, RegXML essence
descriptors) are left alone.
"""

from __future__ import annotations

import re

from lxml import etree

from slate.imf.findings import Findings, Level
from slate.imf.xmlsafe import local, namespace

__all__ = ["SPECS", "check_schema"]

#: (min, max) occurrences of each child; ``None`` as max means unbounded.
Rule = dict[str, tuple[int, int | None]]
ONE, OPT, MANY, SOME = (1, 1), (0, 1), (0, None), (1, None)

_ASSETMAP: dict[str, Rule] = {
    "AssetMap": {
        "Id": ONE,
        "AnnotationText": OPT,
        "Creator": ONE,
        "VolumeCount": ONE,
        "IssueDate": ONE,
        "Issuer": ONE,
        "AssetList": ONE,
    },
    "AssetList": {"Asset": SOME},
    "Asset": {"Id": ONE, "AnnotationText": OPT, "PackingList": OPT, "ChunkList": ONE},
    "ChunkList": {"Chunk": SOME},
    "Chunk": {"Path": ONE, "VolumeIndex": OPT, "Offset": OPT, "Length": OPT},
}
_PKL: dict[str, Rule] = {
    "PackingList": {
        "Id": ONE,
        "AnnotationText": OPT,
        "IconId": OPT,
        "IssueDate": ONE,
        "Issuer": ONE,
        "Creator": ONE,
        "GroupId": OPT,
        "AssetList": ONE,
    },
    "AssetList": {"Asset": SOME},
    "Asset": {
        "Id": ONE,
        "AnnotationText": OPT,
        "Hash": ONE,
        "Size": ONE,
        "Type": ONE,
        "OriginalFileName": OPT,
        "HashAlgorithm": OPT,
    },
}
_CPL: dict[str, Rule] = {
    "CompositionPlaylist": {
        "Id": ONE,
        "Annotation": OPT,
        "IssueDate": ONE,
        "Issuer": OPT,
        "Creator": OPT,
        "ContentOriginator": OPT,
        "ContentTitle": ONE,
        "ContentKind": OPT,
        "ContentVersionList": OPT,
        "EssenceDescriptorList": OPT,
        "CompositionTimecode": OPT,
        "EditRate": ONE,
        "TotalRunningTime": OPT,
        "LocaleList": OPT,
        "ExtensionProperties": OPT,
        "SegmentList": ONE,
        "Signer": OPT,
    },
    "SegmentList": {"Segment": SOME},
    "Segment": {"Id": ONE, "Annotation": OPT, "SequenceList": ONE},
    "ResourceList": {"Resource": SOME},
    "Resource": {
        "Id": ONE,
        "Annotation": OPT,
        "EditRate": OPT,
        "IntrinsicDuration": ONE,
        "EntryPoint": OPT,
        "SourceDuration": OPT,
        "RepeatCount": OPT,
        "SourceEncoding": OPT,
        "TrackFileId": OPT,
        "KeyId": OPT,
        "Hash": OPT,
        "HashAlgorithm": OPT,
        "Marker": MANY,
    },
    "EssenceDescriptorList": {"EssenceDescriptor": SOME},
    "ContentVersionList": {"ContentVersion": SOME},
    "ContentVersion": {"Id": ONE, "LabelText": ONE},
}
_OPL: dict[str, Rule] = {
    "OutputProfileList": {
        "Id": ONE,
        "Annotation": OPT,
        "IssueDate": ONE,
        "Issuer": OPT,
        "Creator": OPT,
        "CompositionPlaylistId": ONE,
        "ExtensionProperties": OPT,
        "AliasList": OPT,
        "MacroList": ONE,
    },
    "MacroList": {"Macro": SOME},
}
SPECS = {"assetmap": _ASSETMAP, "pkl": _PKL, "cpl": _CPL, "opl": _OPL}
#: Elements whose other children belong to open content (descriptors, sequences, macros).
_OPEN = {"EssenceDescriptor", "SequenceList", "ExtensionProperties", "Macro", "AliasList"}

_UUID = re.compile(r"^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_UUID_FIELDS = {
    "Id",
    "TrackId",
    "TrackFileId",
    "SourceEncoding",
    "CompositionPlaylistId",
    "GroupId",
    "IconId",
    "KeyId",
}
_INT_FIELDS = {
    "VolumeCount",
    "VolumeIndex",
    "Offset",
    "Length",
    "Size",
    "IntrinsicDuration",
    "EntryPoint",
    "SourceDuration",
    "RepeatCount",
}
_RATE = re.compile(r"^\s*[1-9][0-9]*\s+[1-9][0-9]*\s*$")


def _counts(element: etree._Element, core: str) -> tuple[dict[str, int], list[str]]:
    counts: dict[str, int] = {}
    for child in element:
        if isinstance(child.tag, str) and namespace(child) == core:
            counts[local(child)] = counts.get(local(child), 0) + 1
    return counts, list(counts)


def _check_children(element: etree._Element, rule: Rule, core: str, out: Findings) -> None:
    name = local(element)
    counts, _ = _counts(element, core)
    for child, (low, high) in rule.items():
        seen = counts.get(child, 0)
        if seen < low:
            out.add("IMF_SCHEMA_MISSING", f"{name} lacks its required {child}", Level.ERROR)
        elif high is not None and seen > high:
            out.add("IMF_SCHEMA_REPEATED", f"{name} has {seen} {child} (at most {high})")
    if name in _OPEN:
        return
    for child in counts:
        if child not in rule:
            out.add("IMF_SCHEMA_UNEXPECTED", f"{child} is not allowed inside {name}")


def _check_value(element: etree._Element, out: Findings) -> None:
    name, text = local(element), (element.text or "").strip()
    parent = element.getparent()
    free_id = parent is not None and local(parent) == "ContentVersion"  # any URI (EIDR, …)
    if name in _UUID_FIELDS and not free_id and not _UUID.match(text):
        out.add("IMF_SCHEMA_UUID", f"{name} {text!r} is not a urn:uuid")
    elif name in _INT_FIELDS and not text.isdigit():
        out.add("IMF_SCHEMA_INTEGER", f"{name} {text!r} is not a non-negative integer")
    elif name == "PackingList" and text not in {"true", "false", "1", "0"}:
        out.add("IMF_SCHEMA_BOOLEAN", f"PackingList {text!r} is not a boolean")
    elif name == "EditRate" and not _RATE.match(text):
        out.add("IMF_SCHEMA_EDIT_RATE", f"EditRate {text!r} is not two positive integers")


def check_schema(root: etree._Element, kind: str, out: Findings) -> None:
    """Add a finding for each schema rule ``root`` (a document of ``kind``) breaks."""
    specs, core = SPECS[kind], namespace(root)
    for element in root.iter():
        if not isinstance(element.tag, str) or namespace(element) != core:
            continue
        name = local(element)
        rule = specs.get(name)
        if name == "PackingList" and element is not root:
            rule = None
        if name == "Asset" and kind == "pkl" and core.endswith("2016/PKL"):
            rule = {**_PKL["Asset"], "HashAlgorithm": ONE}
        if rule is not None:
            _check_children(element, rule, core, out)
        if len(element) == 0:
            _check_value(element, out)
