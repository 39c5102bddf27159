"""Writers: SRT, WebVTT and TTML1 for delivery.

The TTML writer states everything Netflix's ingest reads: ``xml:lang``, ``ttp:timeBase``, and
``ttp:frameRate`` with ``ttp:frameRateMultiplier`` (23.976 is 24 × 1000/1001). With a frame rate,
times are written in frames (``media``: ``1234f``; ``smpte``: ``hh:mm:ss:ff`` labels), exact by
construction; without one, in milliseconds.
"""

from __future__ import annotations

from fractions import Fraction
from xml.sax.saxutils import escape, quoteattr

from validators.timed_text.model import Document, Event, frames_between

__all__ = ["write", "write_srt", "write_ttml", "write_vtt"]


def write(document: Document, fmt: str, *, fps: Fraction | None = None, time_base: str = "media") -> str:
    """``document`` as text in ``fmt`` (``srt``, ``vtt`` or ``ttml``)."""
    if fmt == "srt":
        return write_srt(document)
    if fmt == "vtt":
        return write_vtt(document)
    return write_ttml(document, fps=fps, time_base=time_base)


def write_srt(document: Document) -> str:
    """SubRip, times rounded to the millisecond."""
    blocks = []
    for number, event in enumerate(document.events, 1):
        timing = f"{_clock(document, event.begin, ',')} --> {_clock(document, event.end, ',')}"
        text = "\n".join(_srt_line(line, event) for line in event.lines)
        if event.position == "top":
            text = "{\\an8}" + text
        blocks.append(f"{number}\n{timing}\n{text}\n")
    return "\n".join(blocks)


def write_vtt(document: Document) -> str:
    """WebVTT, times rounded to the millisecond."""
    blocks = ["WEBVTT\n"]
    for event in document.events:
        settings = " line:0" if event.position == "top" else ""
        timing = f"{_clock(document, event.begin, '.')} --> {_clock(document, event.end, '.')}{settings}"
        blocks.append(
            f"{timing}\n" + "\n".join(_srt_line(escape(line), event) for line in event.lines) + "\n"
        )
    return "\n".join(blocks)


def write_ttml(document: Document, *, fps: Fraction | None = None, time_base: str = "media") -> str:
    """TTML1 with an explicit time base and frame rate; ``fps`` defaults to the document's own."""
    rate = fps or document.frame_rate
    lang = document.language or "en"
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
        f' xmlns:tts="http://www.w3.org/ns/ttml#styling" xml:lang={quoteattr(lang)}'
        f' ttp:timeBase="{time_base if rate else "media"}"{_rate_attrs(rate, time_base)}>',
        "  <head>",
        "    <layout>",
        '      <region xml:id="bottom" tts:origin="10% 10%" tts:extent="80% 80%"'
        ' tts:displayAlign="after" tts:textAlign="center"/>',
        '      <region xml:id="top" tts:origin="10% 10%" tts:extent="80% 80%"'
        ' tts:displayAlign="before" tts:textAlign="center"/>',
        "    </layout>",
        "  </head>",
        "  <body>",
        "    <div>",
    ]
    body = [
        _ttml_p(document, event, number, rate, time_base) for number, event in enumerate(document.events, 1)
    ]
    return "\n".join([*head, *body, "    </div>", "  </body>", "</tt>", ""])


def _rate_attrs(rate: Fraction | None, time_base: str) -> str:
    if rate is None:
        return ""
    nominal = -(-rate.numerator // rate.denominator)  # 24000/1001 → 24
    attrs = f' ttp:frameRate="{nominal}"'
    multiplier = rate / nominal
    if multiplier != 1:
        attrs += f' ttp:frameRateMultiplier="{multiplier.numerator} {multiplier.denominator}"'
    if time_base == "smpte":
        attrs += ' ttp:dropMode="nonDrop"'
    return attrs


def _ttml_p(document: Document, event: Event, number: int, rate: Fraction | None, time_base: str) -> str:
    begin = _ttml_time(document, event.begin, rate, time_base)
    end = _ttml_time(document, event.end, rate, time_base)
    text = "<br/>".join(escape(line) for line in event.lines)
    if event.italic:
        text = f'<span tts:fontStyle="italic">{text}</span>'
    region = "top" if event.position == "top" else "bottom"
    return f'      <p xml:id="e{number}" begin="{begin}" end="{end}" region="{region}">{text}</p>'


def _ttml_time(document: Document, units: int, rate: Fraction | None, time_base: str) -> str:
    if rate is None:
        ms = (2 * units * 1000 + document.timescale) // (2 * document.timescale)
        return f"{ms}ms"
    frames = frames_between(units, document.timescale, rate)
    if time_base != "smpte":
        return f"{frames}f"
    nominal = -(-rate.numerator // rate.denominator)
    seconds, ff = divmod(frames, nominal)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{ff:02d}"


def _clock(document: Document, units: int, sep: str) -> str:
    ms = (2 * units * 1000 + document.timescale) // (2 * document.timescale)
    s, ms = divmod(ms, 1000)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{sep}{ms:03d}"


def _srt_line(line: str, event: Event) -> str:
    return f"<i>{line}</i>" if event.italic and line else line
