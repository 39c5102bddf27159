"""What "current" means: the request's own deliverable, never a reference the portal attached.

Seen before: a subtitle request with the portal's locked proxy attached showed
``v1 81000100_locked_proxy.mp4`` as its current version in the status panel and ``slate status``.
"""

from __future__ import annotations

import hashlib

from rich.console import Console

from cli._render import status_panels, versions_table
from slate import lifecycle
from slate.models import AssetCategory, AssetRole, StoredFile
from slate.store import Database, current_version, get_request, list_versions
from tests.slate.builders import create, put_version


def _attach_proxy(db: Database, request_id: str) -> None:
    content = b"proxy bytes"
    with db.session() as session:
        lifecycle.attach_material(
            session,
            request_id,
            asset_name="final_proxy",
            category=AssetCategory.VIDEO,
            stored=StoredFile(
                file_name="81000100_locked_proxy.mp4",
                blob_key="materials/proxy",
                size=len(content),
                md5=hashlib.md5(content).hexdigest(),
                sha256=hashlib.sha256(content).hexdigest(),
            ),
            actor="portal",
        )


def _text(renderable: object) -> str:
    console = Console(width=200, record=True)
    console.print(renderable)
    return console.export_text()


def test_a_proxy_attached_after_the_deliverable_is_not_the_current_version(db: Database) -> None:
    create(db, "SR-CUR")
    put_version(db, "SR-CUR", b"subtitles\n")
    _attach_proxy(db, "SR-CUR")
    with db.session() as session:
        current = current_version(session, "SR-CUR")
        versions = list_versions(session, "SR-CUR")
        request = get_request(session, "SR-CUR")
    assert current is not None and current.label == "episode.ttml v1"
    assert current.role is AssetRole.DELIVERABLE
    assert [(v.label, v.role) for v in versions] == [
        ("episode.ttml v1", AssetRole.DELIVERABLE),
        ("81000100_locked_proxy.mp4 v1", AssetRole.MATERIAL),
    ]
    panels = _text(status_panels(request, versions))
    assert "current       episode.ttml v1 GRAY" in panels
    assert "references    81000100_locked_proxy.mp4 v1" in panels
    table = _text(versions_table(versions))
    assert "portal material" in table and "episode.ttml v1" in table


def test_a_request_with_only_a_proxy_has_no_current_version(db: Database) -> None:
    create(db, "SR-PROXY-ONLY")
    _attach_proxy(db, "SR-PROXY-ONLY")
    with db.session() as session:
        assert current_version(session, "SR-PROXY-ONLY") is None
        request = get_request(session, "SR-PROXY-ONLY")
        panels = _text(status_panels(request, list_versions(session, "SR-PROXY-ONLY")))
    assert "current       -" in panels
