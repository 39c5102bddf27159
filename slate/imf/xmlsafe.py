"""Parse IMF XML documents without trusting them.

An IMF document arrives from outside (a vendor's ZIP), so the parser refuses what could make it
read the network or the disk, or expand without bound: no DTD loading, no entity resolution, no
network, no huge-tree mode. A document that declares a DOCTYPE at all is refused outright — IMF
documents never carry one, and refusing is clearer than expanding half of it.
"""

from __future__ import annotations

from lxml import etree

from slate.errors import InvalidInput

__all__ = ["UnsafeXml", "local", "namespace", "parse_xml"]


class UnsafeXml(InvalidInput):
    """The document is not well formed, or uses a feature Slate refuses (DTD, entities)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, name: str = "") -> etree._Element:
    """The root element of ``data``; :class:`UnsafeXml` when it is malformed or declares a DTD."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXml(f"{name}: a DOCTYPE or entity declaration is not allowed", file=name)
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"{name}: not well-formed XML: {exc}", file=name) from exc
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        raise UnsafeXml(f"{name}: a DOCTYPE is not allowed", file=name)
    return root


def local(element: etree._Element) -> str:
    """The element's name without its namespace (string work: QName is slow on big CPLs)."""
    return str(element.tag).rpartition("}")[2]


def namespace(element: etree._Element) -> str:
    """The element's namespace URI ('' when it has none)."""
    tag = str(element.tag)
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""
