"""SubRip (SRT) and WebVTT readers: plain-text cues with millisecond times.

Written here rather than taken from a lenient library so that a malformed timing line is a
finding with its line number instead of a silently skipped cue.
"""

from __future__ import annotations

import html
import re

from validators.base import Finding, Location, Severity
from validators.timed_text.model import Document, Event, ReadResult

__all__ = ["read_srt", "read_vtt"]

_SRT_TIMING = re.compile(
    r"\s*(\d+):([0-5]\d):([0-5]\d)[,.](\d{3})\s*-->\s*(\d+):([0-5]\d):([0-5]\d)[,.](\d{3})\s*$"
)
_VTT_TIMING = re.compile(
    r"\s*(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})\s+-->\s+(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})(.*)$"
)
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_TOP = re.compile(r"\{\\an[789]\}")
_VERTICAL = re.compile(r"\{\\an[79]\}")


def read_srt(text: str, name: str) -> ReadResult:
    """Read SubRip text; blocks whose timing line is malformed are reported and skipped."""
    events: list[Event] = []
    findings: list[Finding] = []
    for line_no, lines in _blocks(text):
        timing_at = 1 if len(lines) > 1 and lines[0].strip().isdigit() else 0
        match = _SRT_TIMING.match(lines[timing_at])
        if match is None:
            findings.append(_bad_timing(name, line_no + timing_at, lines[timing_at], "SubRip"))
            continue
        g = match.groups()
        events.append(
            _event(_ms(g[0], g[1], g[2], g[3]), _ms(g[4], g[5], g[6], g[7]), lines, timing_at, line_no)
        )
    if not events and not findings:
        findings.append(_parse_error(f"{name}: no subtitle blocks found", None))
    return ReadResult(Document(format="srt", timescale=1000, events=events), findings)


def read_vtt(text: str, name: str) -> ReadResult:
    """Read WebVTT text; the ``WEBVTT`` signature is required and NOTE/STYLE/REGION blocks skipped."""
    first = text.split("\n", 1)[0]
    if not (first.startswith("WEBVTT") and (len(first) == 6 or first[6] in " \t")):
        return ReadResult(None, [_parse_error(f"{name}: a WebVTT file must start with 'WEBVTT'", 1)])
    events: list[Event] = []
    findings: list[Finding] = []
    for index, (line_no, lines) in enumerate(_blocks(text)):
        if index == 0 or lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = 0 if "-->" in lines[0] else 1
        if timing_at >= len(lines):
            findings.append(_bad_timing(name, line_no, lines[0], "WebVTT"))
            continue
        match = _VTT_TIMING.match(lines[timing_at])
        if match is None:
            findings.append(_bad_timing(name, line_no + timing_at, lines[timing_at], "WebVTT"))
            continue
        g = match.groups()
        event = _event(
            _ms(g[0] or "0", g[1], g[2], g[3]), _ms(g[4] or "0", g[5], g[6], g[7]), lines, timing_at, line_no
        )
        if re.search(r"\bline:(0|[0-9]%|[1-3][0-9]%)", g[8]):
            event.position = "top"
        events.append(event)
    if not events and not findings:
        message = f"{name}: a WebVTT file with no cues: nothing is ever shown"
        rule = "a timed-text file holds at least one cue"
        findings.append(_parse_error(message, None, "TT_NO_EVENTS", rule))
    return ReadResult(Document(format="vtt", timescale=1000, events=events), findings)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blocks of non-blank lines separated by blank lines, each with its 1-based first line number."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip("\r"))
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _event(begin: int, end: int, lines: list[str], timing_at: int, line_no: int) -> Event:
    raw = lines[timing_at + 1 :]
    joined = "\n".join(raw)
    top = _TOP.search(joined) is not None
    italic = "<i>" in joined.lower()
    clean = [_plain(line) for line in raw]
    return Event(
        begin,
        end,
        clean,
        source_line=line_no,
        position="top" if top else None,
        italic=italic,
        raw_lines=raw,
        vertical=_VERTICAL.search(joined) is not None,
    )


def _plain(line: str) -> str:
    """A cue line without tags or entities (the common line has neither, so skip the work)."""
    if "<" in line or "{" in line:
        line = _TAG.sub("", line)
    if "&" in line:
        line = html.unescape(line)
    return line.strip()


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _bad_timing(name: str, line: int, text: str, fmt: str) -> Finding:
    return _parse_error(f"{name}: line {line}: {text.strip()!r} is not a {fmt} timing line", line)


def _parse_error(
    message: str, line: int | None, code: str = "TT_PARSE_ERROR", rule: str = "well-formed SubRip/WebVTT"
) -> Finding:
    return Finding(
        code=code, severity=Severity.BLOCKER, message=message, location=Location(line=line), rule=rule
    )
