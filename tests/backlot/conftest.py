"""Helpers for the portal tests: tiny generated media, declarations, and a webhook receiver."""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from slate.backlot import DeliveryDeclaration
from slate.backlot.webhooks import HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, verify
from slate.models import ServiceType
from tests.fixtures.portal import WEBHOOK_SECRET, PortalServer

TTML = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    ttp:timeBase="{time_base}" ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001" xml:lang="fr">
  <body><div><p begin="00:00:01.000" end="00:00:02.000">Bonjour</p></div></body>
</tt>
"""


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny files made once per session: WAVs, a 1 s 320x180 AV file, timed text."""
    root = tmp_path_factory.mktemp("portal-media")
    files = {
        "stereo_wav": root / "stereo.wav",
        "six_wav": root / "pm51.wav",
        "av": root / "episode.mp4",
        "ttml_media": root / "subs_fr.ttml",
        "ttml_smpte": root / "subs_smpte_fr.ttml",
        "ttml_broken": root / "broken_fr.ttml",
        "srt": root / "subs_fr.srt",
    }
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=0.5",
        "-ac",
        "2",
        "-ar",
        "8000",
        str(files["stereo_wav"]),
    )
    ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=0.5",
        "-af", "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0", "-ar", "8000", str(files["six_wav"]),
    )  # fmt: skip
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=320x180:rate=24:duration=1",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
        "-shortest", str(files["av"]),
    )  # fmt: skip
    files["ttml_media"].write_text(TTML.format(time_base="media"), encoding="utf-8")
    files["ttml_smpte"].write_text(TTML.format(time_base="smpte"), encoding="utf-8")
    files["ttml_broken"].write_text(TTML.format(time_base="media").replace("</div>", ""), encoding="utf-8")
    files["srt"].write_text("1\n00:00:01,000 --> 00:00:02,000\nBonjour\n", encoding="utf-8")
    return files


def declare(path: Path, service: ServiceType = ServiceType.SUBTITLING, **fields: Any) -> DeliveryDeclaration:
    """A truthful declaration of ``path`` (checksums computed), with ``fields`` overriding."""
    data = path.read_bytes()
    values: dict[str, Any] = {
        "file_name": path.name,
        "size": len(data),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "service_type": service,
    }
    values.update(fields)
    return DeliveryDeclaration(**values)


@pytest.fixture
def assignment(portal: PortalServer) -> Callable[..., str]:
    """Create an assignment for Slate's fulfillment partner; returns its request id."""

    def make(source_type: str, **spec: Any) -> str:
        spec.setdefault("movie_id", "81100001")
        spec.setdefault("title", "Test Title")
        created = portal.create_assignment(source_type=source_type, **spec)
        return str(created["requestId"])

    return make


class Receiver:
    """A tiny webhook receiver: verifies each signature with ``slate.backlot.webhooks.verify``."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.server: ThreadingHTTPServer | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                problem = verify(
                    WEBHOOK_SECRET,
                    self.headers.get(HEADER_TIMESTAMP),
                    self.headers.get(HEADER_SIGNATURE),
                    body,
                )
                with receiver.arrived:
                    if problem is None:
                        event = json.loads(body)
                        event["_header_id"] = self.headers.get(HEADER_ID)
                        receiver.events.append(event)
                    else:
                        receiver.refused.append(problem)
                    receiver.arrived.notify_all()
                self.send_response(401 if problem else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def start(self, port: int = 0) -> str:
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self.handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 15) -> None:
        with self.arrived:
            if not self.arrived.wait_for(lambda: predicate(self.events), timeout=timeout):
                raise AssertionError(f"webhooks never matched; got {[e['type'] for e in self.events]}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.stop()
