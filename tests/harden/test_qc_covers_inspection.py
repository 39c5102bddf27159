"""What the portal's inspection refuses, Slate's QC reports first, as a blocker (item 10).

Each case is a timed-text file (and what is declared with it) that one rule of the emulator's
inspection refuses; the test checks the emulator does refuse it, and that ``slate qc`` (the
timed-text validator with the same declaration) reports a blocker. A rule added to the emulator
without a case here fails the coverage test.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
from fractions import Fraction
from pathlib import Path

import pytest

from slate.backlot._contract import DeliveryDeclaration, ServiceType, TimeBase
from slate.backlot.emulator import _inspection
from validators import QCContext, Severity
from validators.timed_text.validate import validate

TT = 'xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
BODY = '<body><div><p begin="00:00:01.000" end="00:00:03.000">Hello.</p></div></body>'
SRT = "1\n00:00:01,000 --> 00:00:03,000\nHello.\n\n"
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello.\n\n"


def _ttml(attributes: str = 'ttp:timeBase="media"', head: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}<tt {TT} xml:lang="en" {attributes}>{BODY}</tt>\n'


#: name → (file name, content, declared time base, declared frame rate)
CASES: dict[str, tuple[str, str | bytes, TimeBase | None, str | None]] = {
    "binary": ("sub.srt", b"\x00\x01\x02binary" * 10, None, None),
    "dtd": ("sub.xml", _ttml(head='<!DOCTYPE tt [<!ENTITY x "y">]>\n'), None, None),
    "not well-formed": ("sub.xml", _ttml().replace("</tt>", ""), None, None),
    "root not tt": ("sub.xml", f'<?xml version="1.0"?>\n<html {TT}>{BODY}</html>\n', None, None),
    "time base differs": ("sub.xml", _ttml('ttp:timeBase="media"'), TimeBase.SMPTE, None),
    "frame rate invalid": ("sub.xml", _ttml('ttp:timeBase="media" ttp:frameRate="x"'), None, "24"),
    "frame rate differs": ("sub.xml", _ttml('ttp:timeBase="media" ttp:frameRate="25"'), None, "24"),
    "not a known format": ("sub.txt", "just some words\nand more\n", None, None),
    "srt with smpte": ("sub.srt", SRT, TimeBase.SMPTE, None),
    "vtt with smpte": ("sub.vtt", VTT, TimeBase.SMPTE, None),
}


def _declaration(path: Path, time_base: TimeBase | None, rate: str | None) -> DeliveryDeclaration:
    data = path.read_bytes()

    return DeliveryDeclaration(
        file_name=path.name,
        size=len(data),
        md5=hashlib.md5(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        service_type=ServiceType.SUBTITLING,
        time_base=time_base,
        frame_rate=rate,
    )


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_each_inspection_refusal_is_a_qc_blocker(tmp_path: Path, case: str) -> None:
    name, content, time_base, rate = CASES[case]
    path = _write(tmp_path, name, content)
    refused = _inspection._inspect_timed_text(path, _declaration(path, time_base, rate))
    assert refused is not None, f"the emulator accepts the {case!r} case: it tests no rule"
    context = QCContext(
        asset_type="subtitle",
        language="en",
        profile_name="netflix",
        fps=Fraction(rate) if rate and rate.isdigit() else None,
        declared_timebase=time_base.value if time_base else None,
    )
    report = validate(path, context)
    blockers = [f for f in report.findings if f.severity is Severity.BLOCKER]
    assert blockers, (
        f"{case}: the portal refuses it ({refused.message}) but QC finds no blocker: {report.findings}"
    )


def test_every_inspection_rule_has_a_case() -> None:
    """The timed-text rules are the findings the emulator's two timed-text functions can return."""
    rules = 0
    for function in (_inspection._inspect_timed_text, _inspection._ttml_time_base):
        tree = ast.parse(inspect.getsource(function).lstrip())
        rules += sum(
            isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Finding"
            for node in ast.walk(tree)
        )
    assert rules == 9  # an SRT and a WebVTT refusal share one rule: ten cases for nine rules
    assert len(CASES) == rules + 1
