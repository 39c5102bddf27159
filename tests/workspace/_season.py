"""A short season in the store, in every colour, for the workspace's tests and screenshots.

Everything goes through the lifecycle (the portal's side is set as reconcile would set it), and
each version's bytes are really in the blob store, so downloads stream real content.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from slate import lifecycle
from slate.models import PortalStatus, Service, ServiceType, SourceRequest, SourceType, StoredFile
from slate.objects import BlobStore
from slate.people import Role, add_user
from slate.store import Database, SourceRequestRow

PASSWORD = "workspace test password"
ROLES = {
    "ada": Role.ADMIN,
    "pam": Role.PROJECT_MANAGER,
    "otto": Role.OPERATOR,
    "fay": Role.FREELANCER,
    "vic": Role.VENDOR,
    "val": Role.VIEWER,
}
KINDS = [
    (SourceType.AV_MUXED, "en"),
    (SourceType.AUDIO_PRINTMASTER, "en"),
    (SourceType.SUBTITLE, "en"),
    (SourceType.SUBTITLE, "es"),
    (SourceType.DIALOG_LIST, "en"),
]
#: request id → what happened to it: its expected chip colour in the table.
STORY = {
    "SR-101": "LIGHT_BLUE",  # E1 video: accepted
    "SR-102": "RED",  # E1 printmaster: rejected by the portal
    "SR-103": "LIGHT_BLUE",  # E1 subtitle en: delivered, accepted on the portal
    "SR-104": "GRAY",  # E1 subtitle es: two versions, the second just received (upgraded)
    "SR-105": "GRAY",  # E1 dialog list: nothing yet
    "SR-201": "GRAY",
    "SR-202": "GRAY",
    "SR-203": "LIGHT_BLUE",
    "SR-204": "GRAY",
    "SR-205": "GRAY",
}


def _request(request_id: str, episode: int, kind: SourceType, language: str, due: date) -> SourceRequest:
    return SourceRequest(
        request_id=request_id,
        movie_id=f"8100000{episode}",
        title="The Long Night",
        show_name="The Long Night",
        season=1,
        episode_number=episode,
        episode_title=["Pilot", "Embers"][episode - 1],
        package_id="PKG-S1",
        source_type=kind,
        language=language,
        due_date=due,
    )


def put(database: Database, blobs: BlobStore, request_id: str, content: bytes, name: str) -> int:
    """Store ``content`` and receive it as the request's next version."""
    key = f"{request_id}/main/{len(content)}-{name}"
    stored = blobs.put_stream(key, io.BytesIO(content))
    with database.session() as session:
        kind = session.get(SourceRequestRow, request_id)
        assert kind is not None
        version_id, _ = lifecycle.receive_version(
            session,
            request_id,
            asset_name="main",
            category=SourceType(kind.source_type).category,
            stored=StoredFile(
                file_name=name,
                blob_key=key,
                size=stored.size,
                md5=stored.md5,
                sha256=stored.sha256,
            ),
            actor="otto",
        )
    return version_id


def seed(database: Database, blobs: BlobStore, *, users: bool = True) -> None:
    """Two episodes of five requests each, in the states :data:`STORY` names."""
    today = date.today()
    with database.session() as session:
        for episode in (1, 2):
            for n, (kind, language) in enumerate(KINDS, start=1):
                due = today - timedelta(days=2) if episode == 1 else today + timedelta(days=2 + n * 10)
                rid = f"SR-{episode}0{n}"
                lifecycle.create_request(session, _request(rid, episode, kind, language, due), actor="portal")
        if users:
            for name, role in ROLES.items():
                group = (
                    "freelancers" if role is Role.FREELANCER else "vendors" if role is Role.VENDOR else None
                )
                add_user(session, name, role, PASSWORD, group=group)
    versions = {
        rid: put(database, blobs, rid, f"{rid} v1\n".encode(), f"{rid.lower()}_v1.bin")
        for rid in ("SR-101", "SR-102", "SR-103", "SR-203")
    }
    put(database, blobs, "SR-104", b"1\n00:00:01,000 --> 00:00:02,000\nHola\n", "subtitle_es.srt")
    put(database, blobs, "SR-104", b"1\n00:00:01,000 --> 00:00:02,500\nHola.\n", "subtitle_es.srt")
    with database.session() as session:
        for rid in ("SR-101", "SR-102", "SR-103", "SR-203"):
            lifecycle.apply(session, rid, "accept", actor="otto", reason="QC clean", version_id=versions[rid])
        lifecycle.set_service(session, "SR-103", Service(type=ServiceType.SUBTITLING), actor="otto")
        lifecycle.apply(session, "SR-103", "deliver", actor="otto", version_id=versions["SR-103"])
        lifecycle.apply(
            session,
            "SR-102",
            "reject",
            actor="portal",
            reason="channels out of order",
            version_id=versions["SR-102"],
        )
        for rid, status in (("SR-103", PortalStatus.ACCEPTED), ("SR-102", PortalStatus.REDELIVERY_REQUESTED)):
            row = session.get(SourceRequestRow, rid)
            assert row is not None
            row.portal_status = status.value
