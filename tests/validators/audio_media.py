"""Test media for audio QC, generated with numpy, espeak-ng and ffmpeg (nothing is checked in).

A clean 5.1 printmaster is 4 s at 48 kHz, 24-bit: correlated noise in L/R (a shared bed, as a mix
has), independent noise in Ls/Rs, a real spoken sentence (espeak-ng) in C and noise below 80 Hz in
the LFE, scaled so that programme loudness is about −24 LKFS and peaks stay below −2 dBTP. Every
defect is made from the same channels, so a test changes exactly one thing. Files are written once
per session under one directory; :class:`AudioMedia` makes each on first use.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from slate.media import synth

RATE = 48_000
SECONDS = 4
LABELS = ("L", "R", "C", "LFE", "Ls", "Rs")

Array = npt.NDArray[np.float64]

#: The clean channels per media directory, so every test module of a session shares one set.
_CHANNELS: dict[Path, Array] = {}


def run(command: list[str]) -> str:
    """Run a tool and return its stderr (ffmpeg reports there); fail loudly with its output."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
    return done.stderr


def _noise(seed: int, n: int, low: float = 20.0, high: float = 16_000.0) -> Array:
    """Pink-ish band-limited noise with unit RMS (the demo's generator)."""
    return synth.noise(seed, n, low, high)


def speech(root: Path) -> Array:
    """A spoken sentence at 48 kHz, padded or cut to the clip length, peak-normalised to 1."""
    return synth.speech(root, SECONDS)


def clean_channels(root: Path) -> Array:
    """The six channels of the clean printmaster, shape (6, n), before loudness scaling."""
    n = RATE * SECONDS
    bed = _noise(1, n)
    left = 0.8 * bed + 0.6 * _noise(2, n)
    right = 0.8 * bed + 0.6 * _noise(3, n)
    return np.stack(
        [
            0.03 * left,
            0.03 * right,
            0.25 * speech(root),
            0.05 * _noise(4, n, low=20.0, high=80.0),
            0.02 * _noise(5, n),
            0.02 * _noise(6, n),
        ]
    )


def write(path: Path, channels: Array, *, layout: str | None = "5.1", subtype: str = "PCM_24",
          rate: int = RATE, rf64: bool = False) -> Path:  # fmt: skip
    """Write channels to a WAV; with ``layout`` ffmpeg sets the channel mask, without it none is set."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.clip(channels.T, -1.0, 1.0)
    if layout is None and not rf64:
        sf.write(path, data, rate, subtype=subtype)
        return path
    plain = path.with_suffix(".plain.wav")
    sf.write(plain, data, rate, subtype=subtype)
    codec = {"PCM_24": "pcm_s24le", "PCM_16": "pcm_s16le", "FLOAT": "pcm_f32le"}[subtype]
    command = ["ffmpeg", "-v", "error", "-y", "-i", str(plain)]
    if layout is not None:
        command += ["-af", f"channelmap=channel_layout={layout}"]
    command += ["-c:a", codec, *(["-rf64", "always"] if rf64 else []), str(path)]
    run(command)
    plain.unlink()
    return path


def ffmpeg_loudness(path: Path) -> tuple[float, float]:
    """ffmpeg's integrated loudness (LUFS) and true peak (dBTP) of a file, an independent meter."""
    err = run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
               "loudnorm=print_format=json", "-f", "null", "-"])  # fmt: skip
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", err)
    assert found, err
    data = json.loads(found.group(0))
    return float(data["input_i"]), float(data["input_tp"])


class AudioMedia:
    """Makes each test file once, under ``root``; the names say what is wrong with them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def channels(self) -> Array:
        """The clean channels scaled to about −24 LKFS (measured once per session with ffmpeg)."""
        cached = _CHANNELS.get(self.root)
        if cached is None:
            base = clean_channels(self.root)
            loudness, _ = ffmpeg_loudness(write(self.root / "calibrate.wav", base))
            cached = _CHANNELS[self.root] = base * 10 ** ((-24.0 - loudness) / 20)
        return cached.copy()

    def file(self, name: str, make: Callable[[Array], Array], **options: object) -> Path:
        """``name``.wav holding ``make(clean channels)``, written on first use."""
        path = self.root / f"{name}.wav"
        if not path.exists():
            write(path, make(self.channels()), **options)  # type: ignore[arg-type]
        return path

    def clean(self) -> Path:
        """The clean 5.1 printmaster."""
        return self.file("clean", lambda ch: ch)

    def mono_set(self, name: str, labels: tuple[str, ...]) -> list[Path]:
        """The clean channels as mono files ``<name>_<label>.wav`` (given in the order of ``labels``)."""
        data = self.channels()
        paths = []
        for index, label in enumerate(labels):
            path = self.root / name / f"{name}_{label}.wav"
            if not path.exists():
                write(path, data[index : index + 1], layout=None)
            paths.append(path)
        return paths
