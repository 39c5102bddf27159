"""Readers: bytes of a timed-text file in, one :class:`~validators.timed_text.model.Document` out.

:func:`read_path` picks the reader from the content (falling back to the extension), decodes the
text (Netflix requires UTF-8: anything else is read as well as possible and reported as
``TT_ENCODING``), and turns every failure into a finding: it never raises for a bad file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path

from validators.base import Finding, Location, Severity
from validators.timed_text.model import ReadResult
from validators.timed_text.readers._limits import max_bytes
from validators.timed_text.readers.scc import read_scc
from validators.timed_text.readers.text import read_srt, read_vtt
from validators.timed_text.readers.ttml import read_ttml

__all__ = ["FORMATS", "detect_format", "read_bytes", "read_path"]

FORMATS = ("srt", "vtt", "ttml", "scc")
_EXTENSIONS = {".srt": "srt", ".vtt": "vtt", ".ttml": "ttml", ".xml": "ttml", ".dfxp": "ttml", ".scc": "scc"}
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_path(path: Path) -> ReadResult:
    """Read a timed-text file; an unreadable one gives ``TT_PARSE_ERROR`` and no document.

    A file over the size limit (``SLATE_TIMED_TEXT_MAX_BYTES``) gives ``TT_TOO_LARGE`` without
    being read, so memory stays bounded whatever the file.
    """
    try:
        if (too_large := _too_large(path.stat().st_size, path.name)) is not None:
            return too_large
        data = path.read_bytes()
    except OSError as exc:
        return ReadResult(None, [_finding("TT_PARSE_ERROR", f"{path}: cannot read: {exc.strerror}")])
    return read_bytes(data, path.name)


def _too_large(size: int, name: str) -> ReadResult | None:
    limit = max_bytes()
    if size <= limit:
        return None
    message = (
        f"{name}: {size:,} bytes; timed text is read up to {limit:,} bytes "
        "(SLATE_TIMED_TEXT_MAX_BYTES), a subtitle file is rarely over a megabyte"
    )
    return ReadResult(None, [_finding("TT_TOO_LARGE", message)])


def read_bytes(data: bytes, name: str) -> ReadResult:
    """Read timed text held in memory; ``name`` gives the extension and names the file in findings."""
    if (too_large := _too_large(len(data), name)) is not None:
        return too_large
    text, findings = _decode(data, name)
    kind = detect_format(text, name)
    if kind is None:
        findings.append(_finding("TT_PARSE_ERROR", f"{name}: not SRT, WebVTT, TTML or SCC"))
        return ReadResult(None, findings)
    try:
        result = _READERS[kind](text, name)
    except (ValueError, RecursionError, OverflowError, MemoryError) as exc:
        # Pathological input (numbers of thousands of digits, elements nested thousands deep)
        # is still a bad file, not a crash.
        message = f"{name}: cannot be read as {kind}: {type(exc).__name__}: {str(exc)[:200]}"
        findings.append(_finding("TT_PARSE_ERROR", message))
        return ReadResult(None, findings)
    if result.document is not None and findings:
        result.document.encoding = "non-utf-8"
    if kind == "ttml" and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        message = f"{name}: TTML carries a document type declaration (DTD); the portal refuses such files"
        findings.append(_finding("TT_DTD", message))
    return ReadResult(result.document, findings + result.findings)


_READERS: dict[str, Callable[[str, str], ReadResult]] = {
    "ttml": lambda text, name: read_ttml(text.encode("utf-8"), name),
    "vtt": read_vtt,
    "scc": read_scc,
    "srt": read_srt,
}


def detect_format(text: str, name: str) -> str | None:
    """The format by content first (files are often misnamed), else by extension."""
    head = text.lstrip()[:400]
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith("Scenarist_SCC"):
        return "scc"
    if head.startswith("<"):
        return "ttml"
    if re.match(r"(\d+\s*\n)?\s*\d+:\d\d:\d\d[,.]\d{3}\s*-->", head):
        return "srt"
    return _EXTENSIONS.get(Path(name).suffix.lower())


def _decode(data: bytes, name: str) -> tuple[str, list[Finding]]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            return _newlines(text), [_encoding(f"{name}: encoded as {codec.upper()}, not UTF-8")]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        fallback = _declared(data) or "cp1252"
        try:
            text = data.decode(fallback, errors="replace")
        except LookupError:
            fallback, text = "cp1252", data.decode("cp1252", errors="replace")
        message = f"{name}: not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); read as {fallback}"
        return _newlines(text), [_encoding(message, line)]
    declared = _declared(data)
    findings = []
    if declared and declared.lower().replace("_", "-") not in ("utf-8", "utf8") and not text.isascii():
        findings.append(
            _encoding(f"{name}: declares {declared} but holds UTF-8; read as UTF-8", 1, Severity.WARNING)
        )
    return _newlines(text), findings


def _declared(data: bytes) -> str | None:
    match = _XML_ENCODING.match(data[:200])
    return match[1].decode("ascii") if match else None


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _encoding(message: str, line: int | None = None, severity: Severity = Severity.BLOCKER) -> Finding:
    return Finding(
        code="TT_ENCODING",
        severity=severity,
        message=message,
        location=Location(line=line),
        rule="Netflix TTSG: timed text is UTF-8",
    )


def _finding(code: str, message: str) -> Finding:
    return Finding(code=code, severity=Severity.BLOCKER, message=message, rule="readable timed text")
