"""Open what audio QC is given — one interleaved WAV/BWF/RF64, or a set of mono files — and stream it.

Samples are read in blocks with soundfile, never the whole file: a 60-minute 5.1 printmaster is about
3 GB. The declared layout comes from ffprobe (the WAV channel mask) for one file, and from the
channel label in each name for a set of mono files. Anything that cannot be opened raises
:class:`Unreadable`, which the validator turns into an ``AUDIO_UNREADABLE`` finding.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt
import soundfile as sf
from pydantic import BaseModel, ConfigDict

from validators.audio.layouts import label_from_filename

__all__ = ["AudioInfo", "AudioSource", "Unreadable", "probe_layout"]

_PROBE_TIMEOUT_S = 60


class Unreadable(Exception):
    """The audio cannot be read; ``path`` names the file and the message says why."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class AudioInfo(BaseModel):
    """What the headers say: format, rate, sample type, channel count, length and declared layout."""

    model_config = ConfigDict(frozen=True)

    files: tuple[str, ...]
    container: str
    subtype: str
    sample_rate: int
    channels: int
    frames: int
    #: ffprobe's layout name for one file (``5.1``), the labels for mono files, None when undeclared.
    declared_layout: str | None
    #: Per channel, the label a mono file's name gives it (None for one interleaved file).
    file_labels: tuple[str | None, ...] = ()
    #: Per channel, the length of its mono file in samples (empty for one interleaved file).
    file_frames: tuple[int, ...] = ()
    #: Per file whose data chunk is cut short: (path, bytes the header declares, bytes present).
    truncated: tuple[tuple[str, int, int], ...] = ()

    @property
    def duration_seconds(self) -> float:
        """Length in seconds (for messages; exact comparisons use ``frames``)."""
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    @property
    def bit_depth(self) -> int | None:
        """Bits per sample for PCM, None for other sample types."""
        digits = self.subtype.removeprefix("PCM_")
        return int(digits) if self.subtype.startswith("PCM_") and digits.isdigit() else None


def probe_layout(path: Path) -> str | None:
    """ffprobe's name for the channel mask of the first audio stream, or None when there is none."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    command = [
        ffprobe,
        "-v",
        "error",
        "-select_streams",
        "a:0",
        "-show_entries",
        "stream=channel_layout",
        "-of",
        "json",
        str(path),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False)
        streams = json.loads(done.stdout or "{}").get("streams", [])
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
        return None
    layout = streams[0].get("channel_layout") if streams else None
    return str(layout) if layout else None


class AudioSource:
    """An open subject: its :class:`AudioInfo`, and its samples read block by block into a caller's buffer."""

    def __init__(self, subject: str | Path | Sequence[str | Path]) -> None:
        paths = [Path(subject)] if isinstance(subject, str | Path) else [Path(p) for p in subject]
        if not paths:
            raise Unreadable("no audio file given", path="")
        self._stack = ExitStack()
        self._files: list[sf.SoundFile] = []
        self._buffer = np.empty((0, 0), dtype=np.float32)
        try:
            for path in paths:
                self._files.append(self._stack.enter_context(_open(path)))
            self.info = self._describe(paths)
        except BaseException:
            self._stack.close()
            raise

    def __enter__(self) -> AudioSource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stack.close()

    def read_block(self, frames: int) -> npt.NDArray[np.float32]:
        """The next ``frames`` samples (fewer at the end), channels first, as a view of a reused buffer.

        The view is valid until the next call; copy what is needed before reading again.
        """
        try:
            if len(self._files) == 1:
                if self._buffer.shape[0] < frames:
                    self._buffer = np.empty((frames, self.info.channels), dtype=np.float32)
                data = self._files[0].read(frames, dtype="float32", always_2d=True, out=self._buffer[:frames])
                return np.asarray(data.T)
            if self._buffer.shape[1] < frames:
                self._buffer = np.empty((self.info.channels, frames), dtype=np.float32)
            counts = [
                f.read(frames, dtype="float32", out=self._buffer[i, :frames]).shape[0]
                for i, f in enumerate(self._files)
            ]
            return self._buffer[:, : min(counts)]
        except (RuntimeError, sf.LibsndfileError) as exc:
            raise Unreadable(f"read failed: {exc}", self.info.files[0]) from exc

    def _describe(self, paths: list[Path]) -> AudioInfo:
        first = self._files[0]
        if len(self._files) == 1:
            return AudioInfo(
                files=(str(paths[0]),),
                container=first.format,
                subtype=first.subtype,
                sample_rate=first.samplerate,
                channels=first.channels,
                frames=first.frames,
                declared_layout=probe_layout(paths[0]),
                truncated=_truncated(paths[:1], self._files),
            )
        for path, handle in zip(paths, self._files, strict=True):
            if handle.channels != 1:
                raise Unreadable(f"a set of mono files holds a {handle.channels}-channel file", str(path))
            if handle.samplerate != first.samplerate:
                raise Unreadable(
                    f"sample rate {handle.samplerate} Hz differs from "
                    f"{first.samplerate} Hz of {paths[0].name}",
                    str(path),
                )
        labels = tuple(label_from_filename(p.name) for p in paths)
        declared = " ".join(label or "?" for label in labels) if any(labels) else None
        subtypes = {h.subtype for h in self._files}
        return AudioInfo(
            files=tuple(str(p) for p in paths),
            container=first.format,
            subtype=first.subtype if len(subtypes) == 1 else "/".join(sorted(subtypes)),
            sample_rate=first.samplerate,
            channels=len(self._files),
            frames=min(h.frames for h in self._files),
            declared_layout=declared,
            file_labels=labels,
            file_frames=tuple(h.frames for h in self._files),
            truncated=_truncated(paths, self._files),
        )


def _open(path: Path) -> sf.SoundFile:
    if not path.is_file():
        raise Unreadable("no such file", str(path))
    try:
        handle = sf.SoundFile(str(path))
    except (RuntimeError, sf.LibsndfileError) as exc:
        raise Unreadable(f"not a readable audio file: {exc}", str(path)) from exc
    if handle.frames == 0:
        handle.close()
        raise Unreadable("the file holds no audio samples", str(path))
    return handle


_DATA_SIZE = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
_UNSET_SIZES = {0, 0xFFFFFFFF}  # headers written by a stream, never finalised: nothing to compare


def _truncated(paths: Sequence[Path], handles: Sequence[sf.SoundFile]) -> tuple[tuple[str, int, int], ...]:
    """Files whose data chunk is shorter than their header says (libsndfile notes it in its log)."""
    found = []
    for path, handle in zip(paths, handles, strict=True):
        match = _DATA_SIZE.search(handle.extra_info)
        if match:
            declared, present = int(match.group(1)), int(match.group(2))
            if present < declared and declared not in _UNSET_SIZES:
                found.append((str(path), declared, present))
    return tuple(found)
