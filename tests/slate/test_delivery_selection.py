"""Delivery and rejection act on the request's deliverable, never on a portal material beside it."""

from __future__ import annotations

from slate.delivery import version_to_deliver
from slate.models import RejectionOrigin
from slate.redelivery import record_rejection
from slate.store import Database
from tests.slate.builders import create, put_version
from tests.slate.test_lifecycle import _attach


def test_a_proxy_attached_after_the_upload_is_not_what_gets_delivered_or_rejected(db: Database) -> None:
    create(db)
    deliverable = put_version(db, content=b"subtitles")
    _attach(db, b"final proxy bytes")  # newer, LIGHT_BLUE, but a portal material
    assert version_to_deliver(db, "SR-1").version_id == deliverable
    with db.session() as session:
        rejection, _ = record_rejection(
            session, "SR-1", origin=RejectionOrigin.PORTAL, reason_code="X", actor="portal", portal_ref="RR-1"
        )
    assert rejection.version_id == deliverable
