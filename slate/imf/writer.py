"""Write the packaging documents of a new package: PKL (ST 2067-2:2016), ASSETMAP (ST 429-9) and
the copied track files, hashing every file as it is written so the PKL's sizes and SHA-1s are the
bytes on disk.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel

from slate.imf.hashing import Digest, digest_bytes, digest_file

__all__ = ["Entry", "copy_hashed", "new_urn", "now", "write_assetmap", "write_pkl", "xml_bytes"]

AM_NS = "http://www.smpte-ra.org/schemas/429-9/2007/AM"
PKL_NS = "http://www.smpte-ra.org/schemas/2067-2/2016/PKL"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"


class Entry(BaseModel):
    """One file of the new package: its UUID, path in the package, MIME type and digest."""

    id: str
    path: str
    type: str
    digest: Digest


def new_urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def copy_hashed(source: Path, target: Path) -> Digest:
    """Copy ``source`` to ``target``; the digest is of the bytes written, in the same pass."""
    return digest_file(source, copy_to=target)


def _default_ns(uri: str) -> Any:
    """``{None: uri}``: lxml's spelling of a default namespace (its stubs want str keys)."""
    return {None: uri}


def _sub(parent: etree._Element, ns: str, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        element.text = text
    return element


def write_pkl(folder: Path, entries: list[Entry], annotation: str, creator: str) -> Entry:
    """Write a PKL listing ``entries``; return the PKL's own entry (not listed in itself)."""
    pkl_id = new_urn()
    root = etree.Element(f"{{{PKL_NS}}}PackingList", nsmap=_default_ns(PKL_NS))
    _sub(root, PKL_NS, "Id", pkl_id)
    _sub(root, PKL_NS, "AnnotationText", annotation)
    _sub(root, PKL_NS, "IssueDate", now())
    _sub(root, PKL_NS, "Issuer", creator)
    _sub(root, PKL_NS, "Creator", creator)
    assets = _sub(root, PKL_NS, "AssetList")
    for entry in entries:
        asset = _sub(assets, PKL_NS, "Asset")
        _sub(asset, PKL_NS, "Id", entry.id)
        _sub(asset, PKL_NS, "AnnotationText", Path(entry.path).name)
        _sub(asset, PKL_NS, "Hash", entry.digest.sha1)
        _sub(asset, PKL_NS, "Size", str(entry.digest.size))
        _sub(asset, PKL_NS, "Type", entry.type)
        _sub(asset, PKL_NS, "OriginalFileName", Path(entry.path).name)
        _sub(asset, PKL_NS, "HashAlgorithm").set("Algorithm", SHA1)
    data = xml_bytes(root)
    name = f"PKL_{pkl_id[9:]}.xml"
    (folder / name).write_bytes(data)
    return Entry(id=pkl_id, path=name, type="pkl", digest=digest_bytes(data))


def write_assetmap(folder: Path, entries: list[Entry], pkl: Entry, creator: str) -> None:
    """Write ASSETMAP.xml at the root of ``folder`` mapping every entry and the PKL."""
    root = etree.Element(f"{{{AM_NS}}}AssetMap", nsmap=_default_ns(AM_NS))
    _sub(root, AM_NS, "Id", new_urn())
    _sub(root, AM_NS, "Creator", creator)
    _sub(root, AM_NS, "VolumeCount", "1")
    _sub(root, AM_NS, "IssueDate", now())
    _sub(root, AM_NS, "Issuer", creator)
    assets = _sub(root, AM_NS, "AssetList")
    for entry in [*entries, pkl]:
        asset = _sub(assets, AM_NS, "Asset")
        _sub(asset, AM_NS, "Id", entry.id)
        if entry is pkl:
            _sub(asset, AM_NS, "PackingList", "true")
        chunk = _sub(_sub(asset, AM_NS, "ChunkList"), AM_NS, "Chunk")
        _sub(chunk, AM_NS, "Path", entry.path)
        _sub(chunk, AM_NS, "VolumeIndex", "1")
        _sub(chunk, AM_NS, "Offset", "0")
        _sub(chunk, AM_NS, "Length", str(entry.digest.size))
    (folder / "ASSETMAP.xml").write_bytes(xml_bytes(root))
