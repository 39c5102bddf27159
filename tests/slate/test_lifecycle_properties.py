"""Random sequences of operations never leave the database in a state the machine forbids,
and replaying the audit log gives the current state."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from slate import lifecycle
from slate.errors import SlateError, TransitionError
from slate.models import AssetColor, MaterialStatus, Service, ServiceType
from slate.store import (
    AssetVersionRow,
    AuditEventRow,
    Base,
    Database,
    SourceRequestRow,
)
from tests.slate.builders import create, put_version, snapshot

REQUESTS = ("SR-A", "SR-B")
# Weighted so that long legal chains (upload, accept, service, deliver) happen often.
NAMES = ("upload",) * 2 + ("accept",) * 4 + ("service",) * 3 + ("deliver",) * 5 + ("reject",) * 2
NAMES += ("cancel", "uncancel", "uncancel_with_material")
OPERATIONS = st.tuples(
    st.sampled_from(NAMES), st.sampled_from(REQUESTS), st.integers(min_value=0, max_value=7)
)


def _run(db: Database, op: tuple[str, str, int]) -> None:
    name, request_id, arg = op
    assert isinstance(arg, int)
    if name == "upload":
        put_version(
            db, request_id, content=f"{request_id}{arg}".encode(), asset="alt" if arg == 7 else "main"
        )
        return
    with db.session() as session:
        if name == "service":
            service = Service(type=ServiceType.SUBTITLING) if arg < 6 else None
            lifecycle.set_service(session, request_id, service, actor="prop")
            return
        version_id = None
        if name in ("accept", "deliver", "reject"):
            # Mostly the request's newest version (the legal case), sometimes any version at all.
            query = select(AssetVersionRow.version_id).order_by(AssetVersionRow.version_id)
            own = list(session.scalars(query.where(AssetVersionRow.request_id == request_id)))
            anyone = list(session.scalars(query))
            version_id = own[-1] if own and arg < 5 else (anyone[arg % len(anyone)] if anyone else None)
        lifecycle.apply(session, request_id, name, actor="prop", version_id=version_id)


def _check_invariants(db: Database) -> None:
    with db.session() as session:
        for request in session.scalars(select(SourceRequestRow)):
            versions = list(
                session.scalars(
                    select(AssetVersionRow).where(AssetVersionRow.request_id == request.request_id)
                )
            )
            colors = [v.color for v in versions]
            status = MaterialStatus(request.material_status)
            by_asset: dict[int, list[AssetVersionRow]] = {}
            for v in versions:
                by_asset.setdefault(v.asset_id, []).append(v)
            for asset_versions in by_asset.values():
                current = [v for v in asset_versions if v.color in (AssetColor.GRAY, AssetColor.LIGHT_BLUE)]
                assert len(current) <= 1, "an asset has at most one current version"
                if current:
                    assert current[0].number == max(v.number for v in asset_versions), (
                        "only the newest is current"
                    )
            if status is MaterialStatus.NOT_RECEIVED:
                assert not any(c in (AssetColor.GRAY, AssetColor.LIGHT_BLUE) for c in colors)
            if status is MaterialStatus.ACCEPTED:
                assert AssetColor.LIGHT_BLUE in colors
            if status is MaterialStatus.DELIVERED:
                assert request.service_type and any(v.frozen for v in versions)
            for v in versions:
                if v.frozen:
                    assert v.color != AssetColor.GRAY, "a delivered version was never merely received"
        _check_replay(session)


def _check_replay(session: object) -> None:
    """Folding the audit log gives every current status and colour."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    material: dict[str, str] = {}
    color: dict[int, str] = {}
    for event in session.scalars(select(AuditEventRow).order_by(AuditEventRow.event_id)):
        if event.subject == "material":
            assert material.get(event.request_id) == event.from_state, "each line starts where the last ended"
            material[event.request_id] = event.to_state
        elif event.subject == "version":
            assert event.version_id is not None
            assert color.get(event.version_id, AssetColor.GRAY.value) == event.from_state
            color[event.version_id] = event.to_state
    assert material == {r.request_id: r.material_status for r in session.scalars(select(SourceRequestRow))}
    for v in session.scalars(select(AssetVersionRow)):
        assert color.get(v.version_id, AssetColor.GRAY.value) == v.color


def _wipe(db: Database) -> None:
    """Empty every table between examples (Core deletes: the ORM guards refuse deleting audit rows)."""
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


# Fewer examples on PostgreSQL: its round trips are slower, and the test must stay a few seconds.
EXAMPLES = {"sqlite": 100, "postgresql": 40}


def test_random_operations_keep_the_database_legal(db: Database) -> None:
    @settings(max_examples=EXAMPLES[db.dialect], deadline=None)
    @given(ops=st.lists(OPERATIONS, min_size=1, max_size=25))
    def run(ops: list[tuple[str, str, int]]) -> None:
        _wipe(db)
        for request_id in REQUESTS:
            create(db, request_id)
        for op in ops:
            before = snapshot(db)
            try:
                _run(db, op)
            except (TransitionError, SlateError):
                assert snapshot(db) == before, f"refused {op} but wrote something"
            _check_invariants(db)

    run()
