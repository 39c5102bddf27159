"""Put a mix's channels back in order with ffmpeg, into a new file; the original is never touched.

Audio QC (``validators.audio``) reports ``AUDIO_CHANNEL_ORDER`` with the remap when the signal
identifies a known wrong order (L C R Ls Rs LFE, …); the caller reads it from the finding and
:func:`fix_channel_order` applies it, as a plain list of channel indexes (the media layer knows
nothing of QC reports):
samples are moved, not re-encoded (the same PCM codec, a correct channel mask), and the file appears
under its final name only once ffmpeg has finished.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from slate.errors import MediaError
from slate.media._probe import probe

__all__ = ["fix_channel_order", "remap_channels"]

_TIMEOUT_S = 3600
_LAYOUT_BY_COUNT = {2: "stereo", 6: "5.1", 8: "7.1"}


def remap_channels(source: Path, target: Path, order: Sequence[int], layout: str | None = None) -> Path:
    """Write ``target`` whose channel *i* is ``source``'s channel ``order[i]``, with the layout's mask.

    Raises :class:`MediaError` (naming the file) when the order does not fit or ffmpeg fails; no
    partial ``target`` is left behind.
    """
    source, target = Path(source), Path(target)
    stream = probe(source).audio
    if stream is None or not stream.channels:
        raise MediaError(f"{source}: no audio stream to remap", path=str(source))
    if sorted(order) != list(range(stream.channels)):
        raise MediaError(
            f"{source}: {list(order)} is not an order of its {stream.channels} channels",
            path=str(source),
            rule="the remap names every channel once",
        )
    if target.resolve() == source.resolve():
        raise MediaError(f"{source}: a fix writes a new file, never over its source", path=str(source))
    layout = layout or _LAYOUT_BY_COUNT.get(stream.channels)
    mapping = "|".join(str(i) for i in order) + (f":channel_layout={layout}" if layout else "")
    codec = stream.codec_name if stream.codec_name and stream.codec_name.startswith("pcm_") else "pcm_s24le"
    partial = target.with_name(f".{target.name}.partial")
    command = [
        _ffmpeg(),
        "-v",
        "error",
        "-nostdin",
        "-y",
        "-i",
        str(source),
        "-map",
        "0:a:0",
        "-map_metadata",
        "0",
        "-af",
        f"channelmap=map={mapping}",
        "-c:a",
        codec,
        "-write_bext",
        "1",
        "-rf64",
        "auto",
        "-f",
        "wav",
        str(partial),
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise MediaError(
                f"{source}: ffmpeg could not remap it: {done.stderr.strip()[-500:]}",
                path=str(source),
                stderr=done.stderr,
            )
        partial.replace(target)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{source}: ffmpeg took longer than {_TIMEOUT_S} s", path=str(source)) from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


def fix_channel_order(path: Path, out_dir: Path, remap: Sequence[int] | None) -> Path | None:
    """Write ``path`` with its channels in ``remap`` order into ``out_dir``.

    Returns the new file (``<stem>.remapped<suffix>`` in ``out_dir``), or None when there is no
    remap (nothing to fix, or an order the evidence does not identify).
    """
    if remap is None:
        return None
    path = Path(path)
    target = Path(out_dir) / f"{path.stem}.remapped{path.suffix or '.wav'}"
    return remap_channels(path, target, remap)


def _ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise MediaError("ffmpeg is not installed", rule="ffmpeg from the OS packages")
    return found
