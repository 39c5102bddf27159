"""Realistic data for a fresh portal: one show, two seasons of three episodes, every source type.

Each episode gets one source request per source type (plus a German subtitle), with due dates a
few weeks out, the content partner, and mostly Slate's fulfillment partner (one request belongs to
another vendor and one is unassigned, so visibility rules have something to hide). Each episode's
materials are tiny generated files (WAV, TTML, PDF); with ``with_proxies`` the first episode also
gets a locked and a final proxy made by ffmpeg from a one-second test picture.
"""

from __future__ import annotations

import math
import struct
import subprocess
import wave
from datetime import timedelta
from pathlib import Path

from slate.backlot._contract import AssetState, DownloadAssetType
from slate.backlot.emulator._config import CONTENT_PARTNER, FULFILLMENT_PARTNER
from slate.backlot.emulator._db import RequestRow, utcnow
from slate.backlot.emulator._processing import add_asset
from slate.backlot.emulator._proxies import make_proxy
from slate.backlot.emulator._state import ApiError, Emulator
from slate.backlot.emulator._webhooks import emit
from slate.backlot.webhooks import EventType
from slate.errors import MediaError
from slate.models import SourceType

__all__ = ["SHOW", "seed"]

SHOW = "The Long Harbour"
EPISODE_TITLES = {
    (1, 1): "Low Tide",
    (1, 2): "The Pilot Boat",
    (1, 3): "Fog Signal",
    (2, 1): "Breakwater",
    (2, 2): "Salt",
    (2, 3): "Harbour Lights",
}
_LANGUAGE = {
    SourceType.SUBTITLE: "fr",
    SourceType.SDH_CC: "en",
    SourceType.FORCED_NARRATIVE: "fr",
    SourceType.SECONDARY_AUDIO: "fr",
    SourceType.SECONDARY_AV_MUXED: "fr",
}
_CHANNELS = {
    SourceType.AV_MUXED: 2,
    SourceType.SECONDARY_AV_MUXED: 2,
    SourceType.AUDIO_PRINTMASTER: 6,
    SourceType.AUDIO_ME: 6,
    SourceType.SECONDARY_AUDIO: 2,
    SourceType.AUDIO_DESCRIPTION: 2,
}
_TTML = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    ttp:timeBase="media" ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001" xml:lang="{lang}">
  <body><div>
    <p begin="00:00:01.000" end="00:00:03.000">{title}</p>
    <p begin="00:00:04.000" end="00:00:06.500">The tide is turning.</p>
  </div></body>
</tt>
"""


def _wav(path: Path, channels: int, seconds: float = 0.25, rate: int = 8000) -> Path:
    """A short 16-bit PCM WAV with a quiet tone on every channel."""
    frames = int(seconds * rate)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        sample = [int(3000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(frames)]
        out.writeframes(b"".join(struct.pack("<" + "h" * channels, *([s] * channels)) for s in sample))
    return path


def _pdf(path: Path, text: str) -> Path:
    """A one-line PDF document (enough for a document type to be a document)."""
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n% "
        + text.encode()
        + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return path


def _materials(emulator: Emulator, movie_id: str, title: str) -> int:
    folder = f"materials/{movie_id}"
    ttml = emulator.file_path(folder, f"{movie_id}_en_template.ttml")
    ttml.write_text(_TTML.format(lang="en", title=title), encoding="utf-8")

    def pdf(name: str, text: str) -> Path:
        return _pdf(emulator.file_path(folder, f"{movie_id}_{name}.pdf"), text)

    files = [
        (DownloadAssetType.PRINTMASTER, _wav(emulator.file_path(folder, f"{movie_id}_pm51.wav"), 6), "en"),
        (DownloadAssetType.ME, _wav(emulator.file_path(folder, f"{movie_id}_me51.wav"), 6), None),
        (DownloadAssetType.ENGLISH_TEMPLATE, ttml, "en"),
        (DownloadAssetType.SHOW_GUIDE, pdf("guide", SHOW), None),
        (DownloadAssetType.DIALOG_LIST, pdf("dl", title), "en"),
        (
            DownloadAssetType.ME_NOTES,
            pdf("me_notes", title),
            None,
        ),
    ]
    for kind, path, language in files:
        add_asset(emulator, movie_id=movie_id, kind=kind, path=path, language=language)
    return len(files)


def _revised_template(emulator: Emulator, movie_id: str, title: str) -> int:
    """A second English template: the first one becomes Upgraded."""
    path = emulator.file_path("materials", movie_id, f"{movie_id}_en_template_v2.ttml")
    path.write_text(_TTML.format(lang="en", title=f"{title} (revised)"), encoding="utf-8")
    add_asset(emulator, movie_id=movie_id, kind=DownloadAssetType.ENGLISH_TEMPLATE, path=path, language="en")
    return 1


def _proxies(emulator: Emulator, movie_id: str) -> int:
    source = emulator.file_path("materials", movie_id, "source.mp4")
    command = [
        "ffmpeg", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", "testsrc=size=320x180:rate=24:duration=1",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(source),
    ]  # fmt: skip
    if subprocess.run(command, capture_output=True, timeout=120, check=False).returncode != 0:
        raise MediaError("ffmpeg could not make the seed picture", path=str(source), rule="seed proxy")
    final = make_proxy(source, emulator.file_path("materials", movie_id, f"{movie_id}_final_proxy.mp4"))
    locked = make_proxy(
        source,
        emulator.file_path("materials", movie_id, f"{movie_id}_locked_proxy.mp4"),
        watermark=FULFILLMENT_PARTNER,
    )
    add_asset(emulator, movie_id=movie_id, kind=DownloadAssetType.FINAL_PROXY, path=final)
    add_asset(
        emulator,
        movie_id=movie_id,
        kind=DownloadAssetType.LOCKED_PROXY,
        path=locked,
        partner=FULFILLMENT_PARTNER,
    )
    return 2


def _requests(movie_id: str, season: int, episode: int) -> list[RequestRow]:
    now = utcnow()
    types = [*SourceType, SourceType.SUBTITLE]
    rows = []
    for index, source_type in enumerate(types):
        language = "de" if index == len(types) - 1 else _LANGUAGE.get(source_type, "en")
        partner: str | None = FULFILLMENT_PARTNER
        if source_type is SourceType.FINAL_SCRIPT:
            partner = None  # not yet assigned by the content partner
        elif source_type is SourceType.SECONDARY_AV_MUXED and season == 2:
            partner = "Harbourside Dubbing"  # another vendor's work
        rows.append(
            RequestRow(
                request_id=f"SR-{movie_id}-{index:02d}",
                movie_id=movie_id,
                title=f"{SHOW}: S{season:02d}E{episode:02d} {EPISODE_TITLES[(season, episode)]}",
                show_name=SHOW,
                season_number=season,
                episode_number=episode,
                episode_title=EPISODE_TITLES[(season, episode)],
                package_id=f"PKG-{movie_id}",
                source_type=source_type.value,
                language=language,
                due_date=(now + timedelta(days=14 * season + 3 * episode + index % 4)).date(),
                status="OPEN",
                content_partner=CONTENT_PARTNER,
                fulfillment_partner=partner,
                audio_channels=_CHANNELS.get(source_type),
                runtime_seconds="2700",
                created_at=now,
                updated_at=now + timedelta(microseconds=index),
            )
        )
    return rows


def seed(emulator: Emulator, *, with_proxies: bool = False, notify: bool = False) -> dict[str, int]:
    """Fill an empty portal; returns how many requests and materials were made."""
    counts = {"requests": 0, "assets": 0}
    with emulator.session() as session:
        if session.get(RequestRow, "SR-81001001-00") is not None:
            raise ApiError(409, "the portal is already seeded; reset it first", "ALREADY_SEEDED")
    for (season, episode), title in EPISODE_TITLES.items():
        movie_id = f"810{season:02d}{episode:03d}"
        with emulator.session() as session:
            for row in _requests(movie_id, season, episode):
                session.add(row)
                if notify:
                    emit(session, EventType.ASSIGNMENT_CREATED, row.request_id, sourceType=row.source_type)
                counts["requests"] += 1
        counts["assets"] += _materials(emulator, movie_id, title)
        if (season, episode) == (1, 1):
            counts["assets"] += _revised_template(emulator, movie_id, title)
            if with_proxies:
                counts["assets"] += _proxies(emulator, movie_id)
    # One material of the last episode is announced but not yet available.
    last = emulator.file_path("materials", "81002003", "81002003_cc_en.ttml")
    last.write_text(_TTML.format(lang="en", title="pending"), encoding="utf-8")
    add_asset(
        emulator,
        movie_id="81002003",
        kind=DownloadAssetType.CLOSED_CAPTION,
        path=last,
        language="en",
        state=AssetState.NOT_AVAILABLE,
    )
    counts["assets"] += 1
    return counts
