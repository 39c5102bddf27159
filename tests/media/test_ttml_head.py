"""The TTML root's declarations are read by the XML parser, whatever the quoting or prefixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from slate.backlot import TimeBase
from slate.delivery import _timed_text_declarations
from slate.media.ttml_head import read_ttml_head

_TT = "http://www.w3.org/ns/ttml"
_TTP = "http://www.w3.org/ns/ttml#parameter"


def _write(tmp_path: Path, text: str, name: str = "sub.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_single_quotes_and_another_prefix_are_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"<?xml version='1.0'?>\n<tt xmlns='{_TT}' xmlns:p='{_TTP}' xml:lang='es-419'"
        " p:timeBase='smpte' p:frameRate='30' p:frameRateMultiplier='1000 1001'><body/></tt>",
    )
    head = read_ttml_head(path)
    assert head is not None
    assert (head.language, head.time_base, head.frame_rate) == ("es-419", "smpte", "30")
    assert _timed_text_declarations(path) == (TimeBase.SMPTE, "30000/1001")


def test_a_comment_before_the_root_is_not_a_declaration(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f'<!-- ttp:timeBase="smpte" ttp:frameRate="25" xml:lang="fr" -->\n<tt xmlns="{_TT}"><body/></tt>',
    )
    head = read_ttml_head(path)
    assert head is not None and head.language is None and head.time_base is None
    assert _timed_text_declarations(path) == (TimeBase.MEDIA, None)


@pytest.mark.parametrize(
    "text",
    [
        '<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
        "1\n00:00:01,000 --> 00:00:02,000\nnot XML\n",
        "",
    ],
)
def test_what_is_not_ttml_has_no_head(tmp_path: Path, text: str) -> None:
    assert read_ttml_head(_write(tmp_path, text)) is None


@pytest.mark.parametrize(("depth", "language"), [(3, "en"), (40, None)])
def test_entities_are_not_expanded(tmp_path: Path, depth: int, language: str | None) -> None:
    """A shallow internal entity is left alone; a nesting bomb is refused by the parser, unexpanded."""
    nested = "".join(f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};&e{i - 1};&e{i - 1};">' for i in range(1, depth))
    path = _write(
        tmp_path,
        f'<!DOCTYPE tt [<!ENTITY e0 "ha">{nested}]>\n'
        f'<tt xmlns="{_TT}" xml:lang="en"><body>&e{depth - 1};</body></tt>',
    )
    head = read_ttml_head(path)
    assert (head.language if head else None) == language
