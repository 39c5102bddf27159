"""One out-of-range portal record never stops reconcile (issue 11, item 2), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import String
from typer.testing import CliRunner

from cli import app
from slate.backlot import HttpPortalClient
from slate.backlot.emulator._db import RequestRow, utcnow
from slate.models import Service, SourceRequest
from slate.reconcile import (
    REQUEST_WATERMARK,
    apply_requests,
    fetch_changed_requests,
    read_watermark,
    stored_failures,
    watermark_after,
    write_watermark,
)
from slate.settings import reset_settings
from slate.store import Database, SourceRequestRow, get_request, open_database
from slate.store.reconcile_failures import list_failures, record_failure
from tests.fixtures.portal import PortalServer

LONG_ID = "SR-" + "1" * 62  # 65 characters: the column holds 64
LONG_TITLE = "T" * 600  # the column holds 512


def _assignment(portal: PortalServer, n: int, **spec: Any) -> str:
    body = {"movieId": f"8100{n:04d}", "title": f"Show {n}", "sourceType": "SUBTITLE", **spec}
    return str(portal.create_assignment(**body)["requestId"])


def _run(db: Database, client: HttpPortalClient) -> list[Any]:
    """One reconcile pass as the flow does it: fresh changes, then the stored failures, then the watermark."""
    fresh = fetch_changed_requests(client, read_watermark(db, REQUEST_WATERMARK))
    ids = {r.request_id for r in fresh}
    old = [r for r in stored_failures(db)[0] if r.request_id not in ids]
    changes = apply_requests(db, fresh + old, "test")
    retry = {c.request_id for c in changes if c.kind == "retry"}
    newest = watermark_after(((r.request_id, r.updated_at) for r in fresh), retry)
    if newest is not None:
        write_watermark(db, REQUEST_WATERMARK, newest)
    return changes


def _max_length(model: type[BaseModel], name: str) -> int | None:
    return next((m.max_length for m in model.model_fields[name].metadata if hasattr(m, "max_length")), None)


def test_model_limits_are_the_column_limits() -> None:
    """What the model accepts, the table can hold: checked on every text column of the request."""
    texts = {n for n, f in SourceRequest.model_fields.items() if f.annotation in (str, str | None)}
    checked = 0
    for column in SourceRequestRow.__table__.columns:
        if isinstance(column.type, String) and column.type.length and column.key in texts:
            assert _max_length(SourceRequest, column.key) == column.type.length, column.key
            checked += 1
    assert checked == 9
    other = SourceRequestRow.__table__.columns["service_other"].type
    assert isinstance(other, String) and _max_length(Service, "other") == other.length


def test_a_bad_record_is_failed_with_its_reason_and_the_others_are_applied(
    db: Database, portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    good = [_assignment(portal, 1), _assignment(portal, 2)]
    bad_id = _assignment(portal, 3, requestId=LONG_ID)
    good.append(_assignment(portal, 4))
    bad_title = _assignment(portal, 5, title=LONG_TITLE)
    good.append(_assignment(portal, 6))

    changes = _run(db, portal_client)
    kinds = {c.request_id: c.kind for c in changes}
    assert [kinds[g] for g in good] == ["request"] * 4
    assert kinds[bad_id] == kinds[bad_title] == "failed"
    with db.session() as session:
        for request_id in good:
            assert get_request(session, request_id).request_id == request_id
        failures = {f.item_id: f for f in list_failures(session)}
    assert set(failures) == {bad_id, bad_title}
    assert "request_id" in failures[bad_id].reason and "64" in failures[bad_id].reason
    assert "title" in failures[bad_title].reason and "512" in failures[bad_title].reason
    newest = max(r.updated_at for r in fetch_changed_requests(portal_client, None))
    assert read_watermark(db, REQUEST_WATERMARK) == newest, "the bad records do not hold the watermark"

    # A later change is applied; the stored failures are tried again (and fail again, counted).
    later = _assignment(portal, 7)
    kinds = {c.request_id: c.kind for c in _run(db, portal_client)}
    assert kinds == {later: "request", bad_id: "failed", bad_title: "failed"}
    with db.session() as session:
        assert {f.item_id: f.attempts for f in list_failures(session)} == {bad_id: 2, bad_title: 2}

    # The portal fixes the title: the next run applies it and forgets its failure.
    with portal.emulator.session() as session:
        row = session.get(RequestRow, bad_title)
        row.title = "A title of a sane length"
        row.updated_at = utcnow()
    kinds = {c.request_id: c.kind for c in _run(db, portal_client)}
    assert kinds[bad_title] == "request" and kinds[bad_id] == "failed"
    with db.session() as session:
        assert get_request(session, bad_title).title == "A title of a sane length"
        assert [f.item_id for f in list_failures(session)] == [bad_id]


def test_the_operator_sees_the_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLATE_HOME", str(tmp_path))
    monkeypatch.delenv("SLATE_DATABASE_URL", raising=False)
    reset_settings()
    try:
        database = open_database()
        with database.session() as session:
            record_failure(session, "request", LONG_ID, "request_id: at most 64 characters", {"x": 1})
        database.dispose()
        result = CliRunner().invoke(app, ["reconcile-failures"])
    finally:
        reset_settings()
    assert result.exit_code == 0, result.output
    assert "at most 64 characters" in result.output and "request" in result.output
