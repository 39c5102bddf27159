"""Sample media made on the spot: a 5.1 printmaster, an M&E, a short AV file, subtitles.

Used by the demo (and by tests that need realistic files): nothing is checked in, everything is
made with numpy, espeak-ng (a real spoken sentence for the centre channel) and ffmpeg. A clean
printmaster has a correlated bed in L/R, independent surrounds, speech in C and only low
frequencies in the LFE, at about −24 LKFS programme loudness with peaks under −2 dBTP; its
defects (a channel order, a silent channel) are made from the same channels.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from slate.errors import MediaError

__all__ = ["RATE", "av_file", "noise", "printmaster", "speech", "subtitle_ttml"]

RATE = 48_000
SENTENCE = "We deliver the final printmaster on Friday, and the subtitles follow next week. Thank you."
Array = npt.NDArray[np.float64]


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise MediaError(f"{command[0]} failed: {done.stderr[-2000:]}", command=" ".join(command))


def noise(seed: int, n: int, low: float = 20.0, high: float = 16_000.0) -> Array:
    """Band-limited pink-ish noise with unit RMS."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    shape = np.where((freqs >= low) & (freqs <= high), 1 / np.sqrt(np.maximum(freqs, 1.0)), 0.0)
    signal = np.fft.irfft(spectrum * shape, n)
    return np.asarray(signal / np.sqrt(np.mean(signal**2)))


def speech(scratch: Path, seconds: int) -> Array:
    """A spoken sentence at 48 kHz, cut or padded to ``seconds``, peak 1."""
    raw, resampled = scratch / "speech_raw.wav", scratch / "speech_48k.wav"
    if not resampled.exists():
        _run(["espeak-ng", "-s", "150", "-w", str(raw), SENTENCE])
        _run(["ffmpeg", "-v", "error", "-y", "-i", str(raw), "-ar", str(RATE), "-ac", "1", str(resampled)])
    data, _ = sf.read(resampled, dtype="float64")
    clip = np.zeros(RATE * seconds)
    clip[: min(data.size, clip.size)] = data[: clip.size]
    peak = float(np.max(np.abs(clip)))
    return np.asarray(clip / peak, dtype=np.float64)


def _channels(scratch: Path, seconds: int, dialogue: bool) -> Array:
    n = RATE * seconds
    bed = noise(1, n)
    centre = 0.25 * speech(scratch, seconds) if dialogue else 0.01 * noise(7, n, low=200.0, high=4000.0)
    return np.stack(
        [
            0.03 * (0.8 * bed + 0.6 * noise(2, n)),
            0.03 * (0.8 * bed + 0.6 * noise(3, n)),
            centre,
            0.05 * noise(4, n, low=20.0, high=80.0),
            0.02 * noise(5, n),
            0.02 * noise(6, n),
        ]
    )


def printmaster(
    path: Path, *, seconds: int = 6, order: Sequence[int] = (0, 1, 2, 3, 4, 5), dialogue: bool = True
) -> Path:
    """A 5.1, 48 kHz, 24-bit WAV with a 5.1 channel mask; ``order`` permutes the channels (a mismap).

    ``dialogue=False`` makes an M&E: the centre carries effects, not speech.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    channels = _channels(path.parent, seconds, dialogue)[list(order)]
    plain = path.with_suffix(".plain.wav")
    sf.write(plain, np.clip(channels.T, -1.0, 1.0), RATE, subtype="PCM_24")
    _run(["ffmpeg", "-v", "error", "-y", "-i", str(plain), "-af", "channelmap=channel_layout=5.1",
          "-c:a", "pcm_s24le", str(path)])  # fmt: skip
    plain.unlink()
    return path


def av_file(path: Path, *, seconds: int = 4) -> Path:
    """A small muxed AV file (320×180 test pattern, 23.976 fps, stereo tone), quick to encode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = f"testsrc2=size=320x180:rate=24000/1001:duration={seconds}"
    tone = f"sine=frequency=440:sample_rate=48000:duration={seconds}"
    _run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", tone,
          "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
          "-shortest", str(path)])  # fmt: skip
    return path


_TTML = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" xml:lang="{lang}"
    ttp:timeBase="smpte" ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001">
  <body>
    <div>
{events}
    </div>
  </body>
</tt>
"""


def subtitle_ttml(path: Path, lines: Sequence[str], *, lang: str = "en", offset_hours: int = 0) -> Path:
    """A TTML subtitle file, one event every 4 s lasting 2 s; ``offset_hours`` shifts the whole timeline."""
    events = []
    for i, line in enumerate(lines):
        begin, end = 1 + 4 * i, 3 + 4 * i
        events.append(
            f'      <p xml:id="s{i + 1}" begin="{offset_hours:02d}:00:{begin:02d}:00" '
            f'end="{offset_hours:02d}:00:{end:02d}:00">{line}</p>'
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_TTML.format(lang=lang, events="\n".join(events)), encoding="utf-8")
    return path
