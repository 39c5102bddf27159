"""What the IMF validator reports: a finding with a level, on one of two axes kept apart.

*Structure* covers what the documents say (schema, namespaces, identifiers, timeline, essence
descriptors); *integrity* covers whether the bytes are the ones the packing list promises. They are
kept apart because a package can be well formed with a corrupted file, or byte-exact and malformed,
and the two call for different fixes (re-transfer versus re-author).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = ["Axis", "Finding", "Findings", "Level", "blocking"]


class Level(StrEnum):
    """How bad a finding is; FATAL and ERROR refuse the package, WARNING only informs."""

    FATAL = "FATAL"
    ERROR = "ERROR"
    WARNING = "WARNING"


class Axis(StrEnum):
    """Which question the finding answers: is it well made, or are the bytes intact."""

    STRUCTURE = "structure"
    INTEGRITY = "integrity"


class Finding(BaseModel):
    """One fact about a package, in the shape ``slate imf validate --json`` prints."""

    model_config = ConfigDict(frozen=True)

    code: str
    level: Level
    axis: Axis
    file: str
    message: str


class Findings:
    """A growing list of findings for one file at a time, so checks stay one-liners."""

    def __init__(self, file: str = "") -> None:
        self.items: list[Finding] = []
        self.file = file

    def add(
        self,
        code: str,
        message: str,
        level: Level = Level.ERROR,
        *,
        file: str | None = None,
        axis: Axis = Axis.STRUCTURE,
    ) -> None:
        """Record one finding against ``file`` (default: the current file)."""
        self.items.append(
            Finding(
                code=code, level=level, axis=axis, file=self.file if file is None else file, message=message
            )
        )

    def extend(self, findings: Iterable[Finding]) -> None:
        self.items.extend(findings)


def blocking(findings: Iterable[Finding], axis: Axis | None = None) -> list[Finding]:
    """The FATAL and ERROR findings, optionally of one axis only."""
    return [f for f in findings if f.level in (Level.FATAL, Level.ERROR) and (axis is None or f.axis == axis)]
