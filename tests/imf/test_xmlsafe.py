"""IMF XML is parsed without DTDs, entities or the network: attacks are refused, not expanded."""

from __future__ import annotations

from pathlib import Path

import pytest

from slate.imf import validate_path
from slate.imf.xmlsafe import UnsafeXml, parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<CompositionPlaylist xmlns="http://www.smpte-ra.org/schemas/2067-3/2016"><Id>&lol4;</Id></CompositionPlaylist>"""


def _external(target: Path) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE am [<!ENTITY secret SYSTEM "file://{target}">]>\n'
        '<AssetMap xmlns="http://www.smpte-ra.org/schemas/429-9/2007/AM"><Id>&secret;</Id></AssetMap>'
    ).encode()


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        parse_xml(BILLION_LAUGHS, "CPL.xml")


def test_an_external_entity_is_refused_and_the_file_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    with pytest.raises(UnsafeXml) as refused:
        parse_xml(_external(secret), "ASSETMAP.xml")
    assert "TOP-SECRET" not in refused.value.message


def test_the_validator_reports_an_entity_attack_as_a_fatal_finding(tmp_path: Path) -> None:
    document = tmp_path / "CPL_attack.xml"
    document.write_bytes(BILLION_LAUGHS)
    report = validate_path(document)
    assert [(f.code, f.level.value) for f in report.findings] == [("IMF_XML_UNREADABLE", "FATAL")]


def test_a_plain_document_parses() -> None:
    root = parse_xml(b'<AssetMap xmlns="http://www.smpte-ra.org/schemas/429-9/2007/AM"><Id>x</Id></AssetMap>')
    assert root.tag.endswith("AssetMap")
