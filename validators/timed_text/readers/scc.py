"""Scenarist SCC reader: CEA-608 caption data (pop-on, roll-up, paint-on) at 29.97 frames a second.

Each line is a timecode (``;`` before the frames means drop-frame) followed by 608 byte pairs,
one pair per frame. Times are counted in 30000 units a second, so one frame is exactly 1001 units.
A caption becomes an event from the frame it is displayed to the frame it is erased or replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from validators.base import Finding, Location, Severity
from validators.timecode import Timecode, label_frames
from validators.timed_text.model import Document, Event, ReadResult

__all__ = ["SCC_FPS", "read_scc"]

SCC_FPS = Fraction(30000, 1001)
_UNITS_PER_FRAME = 1001
_LINE = re.compile(r"(\d{2}):(\d{2}):(\d{2})([:;.,])(\d{2})\s+(.*)$")
_WORD = re.compile(r"[0-9a-fA-F]{4}\Z")
_BASIC = {0x2A: "á", 0x5C: "é", 0x5E: "í", 0x5F: "ó", 0x60: "ú", 0x7B: "ç", 0x7C: "÷", 0x7D: "Ñ", 0x7E: "ñ"}
_SPECIAL = "®°½¿™¢£♪à èâêîôû"
_EXTENDED = {
    0x12: "ÁÉÓÚÜü‘¡*'—©℠•“”ÀÂÇÈÊËëÎÏïÔÙùÛ«»",
    0x13: "ÃãÍÌìÒòÕõ{}\\^_|~ÄäÖöß¥¤│ÅåØø┌┐└┘",
}
_PAC_ROWS = {0x11: 1, 0x12: 3, 0x15: 5, 0x16: 7, 0x17: 9, 0x10: 11, 0x13: 12, 0x14: 14}


@dataclass
class _Screen:
    """Caption memories as rows of text, the current mode and the caption on screen since when."""

    mode: str = "pop"
    row: int = 15
    depth: int = 2
    hidden: dict[int, str] = field(default_factory=dict)
    shown: dict[int, str] = field(default_factory=dict)
    on_screen: tuple[str, int, int | None] | None = None  # text, since (units), top row
    events: list[Event] = field(default_factory=list)
    last_control: str = ""

    def write(self, text: str) -> None:
        target = self.hidden if self.mode == "pop" else self.shown
        target[self.row] = target.get(self.row, "") + text

    def replace_last(self, text: str) -> None:
        target = self.hidden if self.mode == "pop" else self.shown
        target[self.row] = target.get(self.row, "")[:-1] + text

    def refresh(self, now: int, line: int) -> None:
        """Close the caption on screen when what is displayed changed."""
        text = "\n".join(t.strip() for _, t in sorted(self.shown.items()) if t.strip())
        current = self.on_screen[0] if self.on_screen else ""
        if text == current:
            return
        if self.on_screen and current:
            _, since, top = self.on_screen
            position = "top" if top is not None and top <= 4 else None
            self.events.append(Event(since, now, current.split("\n"), source_line=line, position=position))
        top_row = min(self.shown) if self.shown else None
        self.on_screen = (text, now, top_row) if text else None


def read_scc(text: str, name: str) -> ReadResult:
    """Read SCC text; a bad header, timecode or byte pair is a finding with its line."""
    lines = text.split("\n")
    if not lines[0].strip().startswith("Scenarist_SCC V1.0"):
        return ReadResult(None, [_error(f"{name}: an SCC file must start with 'Scenarist_SCC V1.0'", 1)])
    screen = _Screen()
    findings: list[Finding] = []
    now = 0
    for number, raw in enumerate(lines[1:], 2):
        if not raw.strip():
            continue
        match = _LINE.match(raw.strip())
        if match is None:
            findings.append(
                _error(f"{name}: line {number}: {raw.strip()[:40]!r} is not 'timecode<TAB>data'", number)
            )
            continue
        hh, mm, ss, sep, ff = int(match[1]), int(match[2]), int(match[3]), match[4], int(match[5])
        if mm > 59 or ss > 59 or ff > 29:
            findings.append(_error(f"{name}: line {number}: timecode out of range", number))
            continue
        now = label_frames(Timecode(hh, mm, ss, ff, drop=sep in ";,"), 30) * _UNITS_PER_FRAME
        for offset, word in enumerate(match[6].split()):
            if not _WORD.match(word):
                findings.append(_error(f"{name}: line {number}: {word!r} is not a 608 byte pair", number))
                break
            _apply(screen, int(word[:2], 16) & 0x7F, int(word[2:], 16) & 0x7F, now + offset * 1001, number)
        screen.refresh(now + len(match[6].split()) * _UNITS_PER_FRAME, number)
    screen.refresh(now, len(lines))
    document = Document(
        format="scc", timescale=30000, events=screen.events, frame_rate=SCC_FPS, time_base="smpte"
    )
    return ReadResult(document, findings)


def _apply(screen: _Screen, b1: int, b2: int, at: int, line: int) -> None:
    if 0x10 <= b1 <= 0x1F:
        word = f"{b1:02x}{b2:02x}"
        if word == screen.last_control:
            screen.last_control = ""  # control codes are sent twice; act once
            return
        screen.last_control = word
        if b1 & 0x08:
            return  # data channel 2: not read
        _control(screen, b1, b2, at, line)
        return
    screen.last_control = ""
    screen.write("".join(_BASIC.get(b, chr(b)) for b in (b1, b2) if b >= 0x20))


def _control(screen: _Screen, b1: int, b2: int, at: int, line: int) -> None:
    if b1 in (0x14, 0x15) and 0x20 <= b2 <= 0x2F:
        _command(screen, b2, at, line)
    elif b1 == 0x11 and 0x30 <= b2 <= 0x3F:
        screen.write(_SPECIAL[b2 - 0x30])
    elif b1 in _EXTENDED and 0x20 <= b2 <= 0x3F:
        screen.replace_last(_EXTENDED[b1][b2 - 0x20])
    elif b1 == 0x11 and 0x20 <= b2 <= 0x2F:
        screen.write(" ")  # mid-row style change shows as a space
    elif b2 >= 0x40 and b1 in _PAC_ROWS:
        screen.row = _PAC_ROWS[b1] + (1 if b2 & 0x20 and b1 != 0x10 else 0)


def _command(screen: _Screen, code: int, at: int, line: int) -> None:
    if code == 0x20:
        screen.mode = "pop"
    elif code in (0x25, 0x26, 0x27):
        screen.mode, screen.row, screen.depth = "roll", 15, code - 0x23
    elif code == 0x29:
        screen.mode = "paint"
    elif code == 0x2C:
        screen.shown = {}
        screen.refresh(at, line)
    elif code == 0x2E:
        screen.hidden = {}
    elif code == 0x2F:
        screen.shown, screen.hidden = screen.hidden, screen.shown
        screen.refresh(at, line)
    elif code == 0x2D and screen.mode == "roll":
        screen.refresh(at, line)
        rows = sorted(screen.shown)
        keep = rows[-(screen.depth - 1) :] if screen.depth > 1 else []
        screen.shown = {row - 1: screen.shown[row] for row in keep}
    elif code == 0x21:
        screen.replace_last("")


def _error(message: str, line: int) -> Finding:
    return Finding(
        code="TT_PARSE_ERROR",
        severity=Severity.BLOCKER,
        message=message,
        location=Location(line=line),
        rule="Scenarist SCC / CEA-608",
    )
