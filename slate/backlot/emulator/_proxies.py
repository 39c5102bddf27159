"""Proxies of an AV delivery, made with ffmpeg: small and fast (low resolution, ultrafast preset).

The **Production Locked Proxy** carries the fulfillment partner's name burned into the picture, so a
leaked copy names its source; the **Final Proxy** is the same encode without it. The name is passed
to drawtext through a file, so no partner name can break the filter syntax, and drawn literally
(``expansion=none``), so a ``%{...}`` or a backslash in a name is not expanded.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Literal

from slate.errors import MediaError

__all__ = ["FONT_CANDIDATES", "find_font", "make_proxy", "watermark_filter"]

#: Fonts tried for the watermark (Debian package ``fonts-dejavu-core``).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)

#: Proxy height in pixels (width follows the aspect ratio).
PROXY_HEIGHT = 180


def find_font() -> Path:
    """The watermark font; a clear error naming the package when none is installed."""
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise MediaError(
        "no font for the proxy watermark: install the Debian package fonts-dejavu-core",
        path=str(FONT_CANDIDATES[0]),
        rule="watermark font installed",
    )


def _filter_path(path: Path) -> str:
    """A path quoted for an ffmpeg filter argument."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def watermark_filter(text_file: Path, *, expansion: Literal["none", "normal"] = "none") -> str:
    """The drawtext filter that burns the text of ``text_file``, boxed, into the middle of the picture.

    One definition, so a test can draw an expected name exactly as the locked proxy was drawn.
    """
    return (
        f"drawtext=fontfile='{_filter_path(find_font())}':textfile='{_filter_path(text_file)}'"
        f":expansion={expansion}:fontcolor=white@0.85:fontsize=h/8:box=1:boxcolor=black@0.5:boxborderw=4"
        ":x=(w-text_w)/2:y=(h-text_h)/2"
    )


def make_proxy(source: Path, dest: Path, watermark: str | None = None) -> Path:
    """Encode ``source`` to a small H.264/AAC MP4 at ``dest``, with ``watermark`` burned in if given."""
    video_filter = f"scale=-2:{PROXY_HEIGHT}"
    if watermark is not None:
        text_file = dest.with_suffix(".watermark.txt")
        text_file.write_text(watermark, encoding="utf-8")
        video_filter += "," + watermark_filter(text_file)
    partial = dest.with_name(f".{dest.name}.part.mp4")
    command = [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-vf", video_filter,
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-movflags", "+faststart", str(partial),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, timeout=600, check=False)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise MediaError(
            f"ffmpeg could not make a proxy of {source.name}: "
            f"{result.stderr.decode(errors='replace')[-400:]}",
            path=str(source),
            rule="proxy encode",
        )
    partial.replace(dest)
    return dest
