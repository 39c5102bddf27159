"""Two workers creating the same rows at once: both succeed, nothing is duplicated or misnumbered.

Seen in the demo: two proxy attaches of one request at once failed with a raw
``UNIQUE constraint failed: assets.request_id, assets.name``. Each round here starts two threads
at a barrier, each with its own connection, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from sqlalchemy import select

from slate import lifecycle
from slate.models import AssetCategory, StoredFile
from slate.store import AssetRow, AssetVersionRow, Database
from tests.slate.builders import create, put_version

ROUNDS = 5


def _together(*calls: Callable[[], object]) -> list[BaseException]:
    """Run the calls in threads released at once; the exceptions they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            call()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def _attach(db: Database, request_id: str, content: bytes) -> Callable[[], object]:
    def call() -> object:
        with db.session() as session:
            return lifecycle.attach_material(
                session,
                request_id,
                asset_name="final_proxy",
                category=AssetCategory.VIDEO,
                stored=StoredFile(
                    file_name="proxy.mp4",
                    blob_key=f"materials/{hashlib.sha256(content).hexdigest()}",
                    size=len(content),
                    md5=hashlib.md5(content).hexdigest(),
                    sha256=hashlib.sha256(content).hexdigest(),
                ),
                actor="test",
            )

    return call


def _versions(db: Database, request_id: str) -> tuple[int, list[int]]:
    with db.session() as session:
        assets = session.scalars(select(AssetRow).where(AssetRow.request_id == request_id)).all()
        numbers = session.scalars(
            select(AssetVersionRow.number)
            .where(AssetVersionRow.request_id == request_id)
            .order_by(AssetVersionRow.number)
        ).all()
    return len(assets), list(numbers)


def test_two_attaches_of_one_proxy_at_once_make_one_asset_and_one_version(db: Database) -> None:
    for round_ in range(ROUNDS):
        request_id = f"SR-ATTACH-{round_}"
        create(db, request_id)
        same = b"the same proxy bytes"
        assert _together(_attach(db, request_id, same), _attach(db, request_id, same)) == []
        assert _versions(db, request_id) == (1, [1])


def test_two_different_attaches_at_once_are_numbered_one_after_the_other(db: Database) -> None:
    for round_ in range(ROUNDS):
        request_id = f"SR-ATTACH2-{round_}"
        create(db, request_id)
        assert _together(_attach(db, request_id, b"first"), _attach(db, request_id, b"second")) == []
        assert _versions(db, request_id) == (1, [1, 2])


def test_two_ingests_of_one_asset_at_once_are_both_stored(db: Database) -> None:
    for round_ in range(ROUNDS):
        request_id = f"SR-INGEST-{round_}"
        create(db, request_id)
        errors = _together(
            lambda r=request_id: put_version(db, r, b"one\n"),  # type: ignore[misc]
            lambda r=request_id: put_version(db, r, b"two\n"),  # type: ignore[misc]
        )
        assert errors == []
        assert _versions(db, request_id) == (1, [1, 2])
