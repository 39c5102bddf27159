"""Scenarist SCC reader: CEA-608 caption data (pop-on, roll-up, paint-on) at 29.97 frames a second.

Each line is a timecode (``;`` before the frames means drop-frame) followed by 608 byte pairs,
one pair per frame: the pair at position k of a line acts on frame (timecode + k). Times are
counted in 30000 units a second, so one frame is exactly 1001 units.

Events are what a viewer sees (CEA-608 §B "caption modes"):

* pop-on: a caption shows from End Of Caption (the memory swap) to its erasure or replacement;
* roll-up and paint-on: characters show the frame they arrive, so a caption begins with its first
  character, not when its row is complete; characters added to what is shown continue the same
  caption, a roll-up carriage return starts a new one with the next text, and characters written
  over shown ones (paint-on) replace them: the screen is a grid of 15 rows of 32 cells;
* a caption still shown when the data ends has no end in the file: it is marked ``open_ended`` and
  lasts to the programme's end (the validator resolves or reports it), never dropped.

ttconv's SCC reader was measured against these rules and differs (a paint-on overwrite replaces
the whole row, roll-up captions begin at the control code), so this reader keeps its own model.
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
_COLUMNS = 32

Grid = dict[int, dict[int, str]]


@dataclass
class _Screen:
    """Displayed and non-displayed memory as row → column → character, the cursor and the mode."""

    mode: str = "pop"
    row: int = 15
    col: int = 0
    depth: int = 2
    hidden: Grid = field(default_factory=dict)
    shown: Grid = field(default_factory=dict)
    #: Carriage returns so far: text after a roll is a new caption even if it only adds.
    rolls: int = 0
    #: The caption on screen: its lines, cells, since when, top row and the rolls when it began.
    current: tuple[list[str], Grid, int, int, int] | None = None
    events: list[Event] = field(default_factory=list)
    last_control: str = ""
    channel: int = 1

    def target(self) -> Grid:
        return self.hidden if self.mode == "pop" else self.shown

    def write(self, text: str) -> None:
        row = self.target().setdefault(self.row, {})
        for ch in text:
            row[self.col] = ch
            self.col = min(self.col + 1, _COLUMNS - 1)

    def backspace(self) -> None:
        if self.col > 0:
            self.col -= 1
        self.target().get(self.row, {}).pop(self.col, None)

    def delete_to_end(self) -> None:
        row = self.target().get(self.row, {})
        for col in [c for c in row if c >= self.col]:
            del row[col]

    def roll(self) -> None:
        """Carriage return in roll-up: rows move up one, the top of the window leaves, cursor to col 0."""
        base = self.row
        window = range(base - self.depth + 1, base + 1)
        moved = {r - 1: cells for r, cells in self.shown.items() if r in window and r - 1 in window}
        self.shown = {r: c for r, c in self.shown.items() if r not in window}
        self.shown.update(moved)
        self.col = 0
        self.rolls += 1

    def refresh(self, now: int, line: int, *, new_caption: bool = False) -> None:
        """Close or continue the caption on screen after the displayed memory changed."""
        rows = sorted(r for r, cells in self.shown.items() if _row_text(cells))
        lines = [_row_text(self.shown[r]) for r in rows]
        cells = {r: dict(self.shown[r]) for r in rows}
        if self.current is not None:
            old_lines, old_cells, since, top, rolls = self.current
            if lines == old_lines and not new_caption:
                self.current = (old_lines, cells, since, top, rolls)
                return
            if lines and not new_caption and rolls == self.rolls and _adds_only(old_cells, cells):
                self.current = (lines, cells, since, top, rolls)
                return
            if old_lines:
                self._close(now, line)
        self.current = (lines, cells, now, rows[0], self.rolls) if lines else None

    def _close(self, now: int, line: int, *, open_ended: bool = False) -> None:
        assert self.current is not None
        lines, _, since, top, _ = self.current
        position = "top" if top <= 4 else None
        self.events.append(
            Event(since, now, lines, source_line=line, position=position, open_ended=open_ended)
        )
        self.current = None

    def finish(self, now: int, line: int) -> None:
        """The data ends: a caption still shown has no end in the file."""
        if self.current is not None:
            self._close(max(now, self.current[2]), line, open_ended=True)


def _row_text(cells: dict[int, str]) -> str:
    if not cells:
        return ""
    first, last = min(cells), max(cells)
    return "".join(cells.get(c, " ") for c in range(first, last + 1)).strip()


def _adds_only(old: Grid, new: Grid) -> bool:
    """Whether ``new`` only fills cells that were empty in ``old`` (text added, nothing overwritten)."""
    return all(new.get(r, {}).get(c) == ch for r, cells in old.items() for c, ch in cells.items())


def read_scc(text: str, name: str) -> ReadResult:
    """Read SCC text; a bad header, timecode or byte pair is a finding with its line."""
    lines = text.split("\n")
    if not lines[0].strip().startswith("Scenarist_SCC V1.0"):
        return ReadResult(None, [_error(f"{name}: an SCC file must start with 'Scenarist_SCC V1.0'", 1)])
    screen = _Screen()
    findings: list[Finding] = []
    now = 0
    last_line = 1
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
        start = label_frames(Timecode(hh, mm, ss, ff, drop=sep in ";,"), 30) * _UNITS_PER_FRAME
        words = match[6].split()
        for offset, word in enumerate(words):
            if not _WORD.match(word):
                findings.append(_error(f"{name}: line {number}: {word!r} is not a 608 byte pair", number))
                break
            at = start + offset * _UNITS_PER_FRAME
            _apply(screen, int(word[:2], 16) & 0x7F, int(word[2:], 16) & 0x7F, at, number)
        now, last_line = start + len(words) * _UNITS_PER_FRAME, number
    screen.finish(now, last_line)
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
        screen.channel = 2 if b1 & 0x08 else 1
        if screen.channel == 1:
            _control(screen, b1, b2, at, line)
        return
    screen.last_control = ""
    if screen.channel == 1 and b1 >= 0x20:
        screen.write("".join(_BASIC.get(b, chr(b)) for b in (b1, b2) if b >= 0x20))
        _changed(screen, at, line)


def _changed(screen: _Screen, at: int, line: int) -> None:
    if screen.mode != "pop":
        screen.refresh(at, line)


def _control(screen: _Screen, b1: int, b2: int, at: int, line: int) -> None:
    if b1 in (0x14, 0x15) and 0x20 <= b2 <= 0x2F:
        _command(screen, b2, at, line)
    elif b1 == 0x17 and 0x21 <= b2 <= 0x23:
        screen.col = min(screen.col + b2 - 0x20, _COLUMNS - 1)  # tab offset
    elif b1 == 0x11 and 0x30 <= b2 <= 0x3F:
        screen.write(_SPECIAL[b2 - 0x30])
        _changed(screen, at, line)
    elif b1 in _EXTENDED and 0x20 <= b2 <= 0x3F:
        screen.backspace()  # an extended character replaces the standard one sent before it
        screen.write(_EXTENDED[b1][b2 - 0x20])
        _changed(screen, at, line)
    elif b1 == 0x11 and 0x20 <= b2 <= 0x2F:
        screen.write(" ")  # mid-row style change shows as a space
    elif b2 >= 0x40 and b1 in _PAC_ROWS:
        row = _PAC_ROWS[b1] + (1 if b2 & 0x20 and b1 != 0x10 else 0)
        if screen.mode == "roll" and row != screen.row:
            # The base row moves: the rows of the window go with it (CEA-608 §B.7).
            shift = row - screen.row
            screen.shown = {r + shift: cells for r, cells in screen.shown.items()}
        screen.row = row
        screen.col = ((b2 & 0x0E) >> 1) * 4 if b2 & 0x10 else 0


def _command(screen: _Screen, code: int, at: int, line: int) -> None:
    if code == 0x20:  # resume caption loading: pop-on
        screen.mode = "pop"
    elif code in (0x25, 0x26, 0x27):  # roll-up, 2 to 4 rows
        if screen.mode != "roll":
            screen.shown, screen.hidden = {}, {}
            screen.row = 15
            screen.refresh(at, line)
        screen.mode, screen.depth, screen.col = "roll", code - 0x23, 0
    elif code == 0x29:  # resume direct captioning: paint-on
        screen.mode = "paint"
    elif code == 0x2C:  # erase displayed memory
        screen.shown = {}
        screen.refresh(at, line)
    elif code == 0x2E:  # erase non-displayed memory
        screen.hidden = {}
    elif code == 0x2F:  # end of caption: swap memories, a new caption shows
        screen.shown, screen.hidden = screen.hidden, screen.shown
        screen.mode = "pop"
        screen.refresh(at, line, new_caption=True)
    elif code == 0x2D and screen.mode == "roll":  # carriage return
        screen.roll()
        screen.refresh(at, line)
    elif code == 0x21:  # backspace
        screen.backspace()
        _changed(screen, at, line)
    elif code == 0x24:  # delete to end of row
        screen.delete_to_end()
        _changed(screen, at, line)


def _error(message: str, line: int) -> Finding:
    return Finding(
        code="TT_PARSE_ERROR",
        severity=Severity.BLOCKER,
        message=message,
        location=Location(line=line),
        rule="Scenarist SCC / CEA-608",
    )
