"""What a TTML document's root element declares (language, time base, frame rate), read safely.

Delivery declares the time base and frame rate the portal will check, and ingest records the
document's language. Both used to search the first 64 KiB for ``ttp:timeBase="…"``, which misses a
single-quoted attribute or a namespace bound to another prefix, and can read a value out of a
comment. Here the XML parser reads up to the root element's start tag and stops there: the body
is never read, entities are never expanded, nothing is fetched.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from pydantic import BaseModel, ConfigDict

__all__ = ["TtmlHead", "read_ttml_head"]

_TT = "http://www.w3.org/ns/ttml"
_TTP = "{http://www.w3.org/ns/ttml#parameter}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class TtmlHead(BaseModel):
    """The root ``tt`` element's attributes, as written (None where absent)."""

    model_config = ConfigDict(frozen=True)

    language: str | None = None
    time_base: str | None = None
    frame_rate: str | None = None
    frame_rate_multiplier: str | None = None


def read_ttml_head(path: Path) -> TtmlHead | None:
    """The root's declarations, or None when ``path`` is not an XML document whose root is TTML's ``tt``."""
    try:
        with path.open("rb") as handle:  # closed here: the parser stops at the root's start tag
            events = etree.iterparse(
                handle, events=("start",), resolve_entities=False, no_network=True, load_dtd=False
            )
            _, root = next(iter(events))
    except (etree.XMLSyntaxError, StopIteration, OSError):
        return None
    if root.tag != f"{{{_TT}}}tt":
        return None
    return TtmlHead(
        language=root.get(_XML_LANG),
        time_base=root.get(f"{_TTP}timeBase"),
        frame_rate=root.get(f"{_TTP}frameRate"),
        frame_rate_multiplier=root.get(f"{_TTP}frameRateMultiplier"),
    )
