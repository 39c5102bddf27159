"""The portal's automated inspection of a delivered file, kept simple and self-contained.

Checks, in order, stopping at the first failure (the portal reports one reason code):

1. checksum: the declared MD5 and SHA-256 match the bytes received;
2. kind: the file is what the request's category needs (timed text is text, audio has audio and no
   picture, AV has a picture, documents are documents);
3. timed text: it parses (TTML, SRT or WebVTT) and its time base (TTML ``ttp:timeBase``, and
   ``ttp:frameRate`` × ``ttp:frameRateMultiplier``) agrees with the declaration;
4. audio: the channel count equals the request's, and the declared channel mapping's length.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from slate.backlot._contract import DeliveryDeclaration, InspectionReason, TimeBase
from slate.errors import MediaError
from slate.media import ffprobe_json
from slate.models import AssetCategory, SourceType, category_of

__all__ = ["Finding", "Probe", "inspect_delivery", "probe"]

_TTP = "{http://www.w3.org/ns/ttml#parameter}"
_SRT_TIMING = re.compile(r"^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}", re.MULTILINE)
_VTT_TIMING = re.compile(r"^(\d{2}:)?\d{2}:\d{2}\.\d{3} --> (\d{2}:)?\d{2}:\d{2}\.\d{3}", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    """Why a delivery failed inspection."""

    reason: InspectionReason
    message: str


@dataclass(frozen=True)
class Probe:
    """What ffprobe saw: stream counts by kind and the total number of audio channels."""

    video_streams: int
    audio_streams: int
    audio_channels: int


def probe(path: Path) -> Probe:
    """ffprobe the file; a file ffprobe cannot read has no streams."""
    try:
        streams: list[dict[str, Any]] = ffprobe_json(path, timeout=60).get("streams", [])
    except MediaError:
        streams = []
    video = [s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    return Probe(len(video), len(audio), sum(int(s.get("channels", 0)) for s in audio))


def _is_cover_art(stream: dict[str, Any]) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _digests(path: Path) -> tuple[str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def _read_text(path: Path) -> str | None:
    """The file as UTF-8 text, or None when it is binary."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _ttml_time_base(text: str, declared: DeliveryDeclaration) -> Finding | None:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return Finding(InspectionReason.TIMED_TEXT_UNPARSEABLE, "TTML must not carry a DTD")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return Finding(InspectionReason.TIMED_TEXT_UNPARSEABLE, f"TTML is not well-formed XML: {exc}")
    if root.tag.rsplit("}", 1)[-1] != "tt":
        return Finding(InspectionReason.TIMED_TEXT_UNPARSEABLE, f"root element is <{root.tag}>, not <tt>")
    time_base = root.get(f"{_TTP}timeBase", TimeBase.MEDIA.value)
    if declared.time_base is not None and time_base != declared.time_base.value:
        return Finding(
            InspectionReason.TIME_BASE_MISMATCH,
            f"file has ttp:timeBase={time_base!r}, declared {declared.time_base.value!r}",
        )
    rate = root.get(f"{_TTP}frameRate")
    if declared.frame_rate and rate:
        multiplier = root.get(f"{_TTP}frameRateMultiplier", "1 1").split()
        try:
            actual = Fraction(int(rate)) * Fraction(int(multiplier[0]), int(multiplier[1]))
        except (ValueError, IndexError, ZeroDivisionError):
            return Finding(InspectionReason.TIMED_TEXT_UNPARSEABLE, "ttp:frameRate is not a valid rate")
        if actual != Fraction(declared.frame_rate):
            return Finding(
                InspectionReason.TIME_BASE_MISMATCH,
                f"file frame rate {actual} differs from the declared {declared.frame_rate}",
            )
    return None


def _inspect_timed_text(path: Path, declared: DeliveryDeclaration) -> Finding | None:
    text = _read_text(path)
    if text is None:
        return Finding(InspectionReason.WRONG_FILE_TYPE, "a timed-text request got a binary file")
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _ttml_time_base(stripped, declared)
    if stripped.startswith("WEBVTT") and _VTT_TIMING.search(text):
        fmt = "WebVTT"
    elif _SRT_TIMING.search(text):
        fmt = "SubRip"
    else:
        return Finding(InspectionReason.TIMED_TEXT_UNPARSEABLE, "not TTML, SubRip or WebVTT")
    if declared.time_base not in (None, TimeBase.MEDIA):
        return Finding(
            InspectionReason.TIME_BASE_MISMATCH,
            f"{fmt} counts media time, declared {declared.time_base}",
        )
    return None


def _inspect_channels(found: Probe, expected: int | None, declared: DeliveryDeclaration) -> Finding | None:
    if expected is not None and found.audio_channels != expected:
        return Finding(
            InspectionReason.AUDIO_CHANNEL_MISMATCH,
            f"file has {found.audio_channels} audio channels, the request needs {expected}",
        )
    if declared.channel_mapping is not None and len(declared.channel_mapping) != found.audio_channels:
        return Finding(
            InspectionReason.AUDIO_CHANNEL_MISMATCH,
            f"declared mapping names {len(declared.channel_mapping)} channels, the file has "
            f"{found.audio_channels}",
        )
    return None


def inspect_delivery(
    path: Path, declared: DeliveryDeclaration, source_type: SourceType, audio_channels: int | None
) -> Finding | None:
    """The first reason the delivered file fails inspection, or None when it passes."""
    md5, sha256 = _digests(path)
    if md5 != declared.md5 or sha256 != declared.sha256:
        return Finding(
            InspectionReason.CHECKSUM_MISMATCH, "received bytes do not match the declared checksums"
        )
    category = source_type.category
    if category is AssetCategory.TIMED_TEXT:
        return _inspect_timed_text(path, declared)
    if category is AssetCategory.DOCS:
        if category_of(path.name) is not AssetCategory.DOCS or probe(path).audio_streams:
            return Finding(InspectionReason.WRONG_FILE_TYPE, f"{path.name} is not a document")
        return None
    found = probe(path)
    if category is AssetCategory.AUDIO and (found.video_streams or not found.audio_streams):
        return Finding(
            InspectionReason.WRONG_FILE_TYPE, "an audio request needs audio streams and no picture"
        )
    if category is AssetCategory.VIDEO and not found.video_streams:
        return Finding(InspectionReason.WRONG_FILE_TYPE, "an AV request needs a picture")
    return _inspect_channels(found, audio_channels, declared)
