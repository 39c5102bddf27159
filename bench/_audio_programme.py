"""Programme-like 5.1 test audio for bench/audio_qc.py, written as a WAV by repeating one block.

Run as its own process (``python bench/_audio_programme.py PATH MINUTES``) so that the benchmark's
parent process stays small: a child's peak RSS includes its parent's at the moment it was forked.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

RATE = 48_000
CHANNELS = 6
BLOCK_SECONDS = 30
_PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")
_MASK_51 = 0x3F


def _noise(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    shape = np.where((freqs >= low) & (freqs <= high), 1 / np.sqrt(np.maximum(freqs, 1.0)), 0.0)
    signal = np.fft.irfft(spectrum * shape, n)
    return signal / np.sqrt(np.mean(signal**2))


def _envelope(rng: np.random.Generator, n: int, depth_db: float) -> np.ndarray:
    points = rng.uniform(-depth_db, 0, size=n // RATE + 2)
    return 10 ** (np.interp(np.arange(n) / RATE, np.arange(points.size), points) / 20)


def _speech(n: int, workdir: Path, rng: np.random.Generator) -> np.ndarray:
    """Spoken sentences from espeak-ng when installed, else syllable-modulated noise."""
    if shutil.which("espeak-ng") and shutil.which("ffmpeg"):
        raw, wav = workdir / "speech.wav", workdir / "speech48.raw"
        text = "The delivery is due on Friday. Check the centre channel, then the surrounds. " * 3
        subprocess.run(["espeak-ng", "-w", str(raw), text], check=True, capture_output=True)
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-i",
                str(raw),
                "-ar",
                str(RATE),
                "-ac",
                "1",
                "-f",
                "f32le",
                str(wav),
            ],
            check=True,
        )
        voice = np.fromfile(wav, dtype="<f4").astype(np.float64)
        return np.resize(voice / np.max(np.abs(voice)), n)
    syllables = (np.sin(2 * np.pi * 4 * np.arange(n) / RATE) > 0).astype(float)
    return _noise(rng, n, 300, 3400) * syllables * 0.3


def programme_block(workdir: Path) -> bytes:
    """30 s of 5.1 programme as interleaved 24-bit little-endian PCM."""
    rng = np.random.default_rng(2026)
    n = RATE * BLOCK_SECONDS
    bed = _noise(rng, n, 30, 16_000) * _envelope(rng, n, 12)
    channels = np.stack(
        [
            0.05 * (0.8 * bed + 0.5 * _noise(rng, n, 30, 16_000)),
            0.05 * (0.8 * bed + 0.5 * _noise(rng, n, 30, 16_000)),
            0.35 * _speech(n, workdir, rng),
            0.08 * _noise(rng, n, 20, 100) * _envelope(rng, n, 15),
            0.02 * _noise(rng, n, 60, 14_000) * _envelope(rng, n, 10),
            0.02 * _noise(rng, n, 60, 14_000) * _envelope(rng, n, 10),
        ]
    )
    samples = np.ascontiguousarray(np.clip(np.round(channels.T * 2**23), -(2**23), 2**23 - 1).astype("<i4"))
    return samples.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()


def _header(data_bytes: int) -> bytes:
    """A WAVE_FORMAT_EXTENSIBLE header (5.1 mask), RF64 when the data passes 4 GiB."""
    block_align = CHANNELS * 3
    fmt = struct.pack(
        "<HHIIHHHHI16s",
        0xFFFE,
        CHANNELS,
        RATE,
        RATE * block_align,
        block_align,
        24,
        22,
        24,
        _MASK_51,
        _PCM_GUID,
    )
    fmt_chunk = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if data_bytes + 4 + len(fmt_chunk) + 8 < 2**32:
        riff_size = 4 + len(fmt_chunk) + 8 + data_bytes
        return (
            b"RIFF"
            + struct.pack("<I", riff_size)
            + b"WAVE"
            + fmt_chunk
            + b"data"
            + struct.pack("<I", data_bytes)
        )
    ds64 = struct.pack(
        "<QQQI", 4 + 36 + len(fmt_chunk) + 8 + data_bytes, data_bytes, data_bytes // block_align, 0
    )
    return (
        b"RF64"
        + struct.pack("<I", 0xFFFFFFFF)
        + b"WAVE"
        + b"ds64"
        + struct.pack("<I", len(ds64))
        + ds64
        + fmt_chunk
        + b"data"
        + struct.pack("<I", 0xFFFFFFFF)
    )


def generate(path: Path, minutes: float) -> None:
    """Write ``minutes`` of programme by repeating the block (the last repeat cut to length)."""
    block = programme_block(path.parent)
    total = int(minutes * 60 * RATE) * CHANNELS * 3
    with path.open("wb") as out:
        out.write(_header(total))
        left = total
        while left > 0:
            piece = block[: min(len(block), left)]
            out.write(piece)
            left -= len(piece)


if __name__ == "__main__":
    generate(Path(sys.argv[1]), float(sys.argv[2]))
