"""A small XML tree with line numbers, built on expat, so TTML findings can say where they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from xml.parsers import expat

__all__ = ["XmlError", "XmlNode", "parse_xml"]


class XmlError(ValueError):
    """The bytes are not well-formed XML; ``line`` and ``column`` say where expat stopped."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(slots=True)
class XmlNode:
    """An element: namespace, local name, attributes keyed ``{ns}name`` or ``name``, children, text."""

    ns: str
    name: str
    attrs: dict[str, str]
    line: int
    children: list[XmlNode] = field(default_factory=list)
    #: Text and child elements in document order (strings between elements are kept).
    content: list[XmlNode | str] = field(default_factory=list)
    declared_encoding: str | None = None


def parse_xml(data: bytes) -> XmlNode:
    """Parse UTF-8 ``data`` (whatever it declares: callers decode first) into :class:`XmlNode` s.

    Raises :class:`XmlError` when the bytes are not well-formed.
    """
    parser = expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")
    parser.buffer_text = True
    stack: list[XmlNode] = []
    root: list[XmlNode] = []
    declared: list[str | None] = [None]

    def start(tag: str, attrs: dict[str, str]) -> None:
        ns, name = _split(tag)
        node = XmlNode(ns, name, {_attr_key(k): v for k, v in attrs.items()}, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
            stack[-1].content.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].content.append(data)

    def xml_decl(_version: str | None, encoding: str | None, _standalone: int) -> None:
        declared[0] = encoding

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.XmlDeclHandler = xml_decl
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlError(expat.errors.messages[exc.code], exc.lineno, exc.offset) from exc
    node = root[0]
    node.declared_encoding = declared[0]
    return node


@lru_cache(maxsize=1024)
def _split(tag: str) -> tuple[str, str]:
    """``"uri name"`` → (uri, name); cached because a document repeats a few tags many times."""
    ns, _, name = tag.rpartition(" ")
    return ns, name


@lru_cache(maxsize=1024)
def _attr_key(key: str) -> str:
    ns, name = _split(key)
    return f"{{{ns}}}{name}" if ns else name
