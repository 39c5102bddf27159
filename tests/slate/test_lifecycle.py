"""The lifecycle state machine: every allowed transition, and illegal ones refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from slate import lifecycle
from slate.errors import FrozenRecord, TransitionError
from slate.lifecycle import TRANSITIONS
from slate.models import AssetColor, MaterialStatus, Service, ServiceType
from slate.store import AssetVersionRow, Database, audit_trail, get_request, get_version, list_versions
from tests.slate.builders import create, put_version, snapshot, stored_file

M = MaterialStatus
SUBTITLING = Service(type=ServiceType.SUBTITLING)


def _apply(db: Database, name: str, version_id: int | None = None, request_id: str = "SR-1") -> None:
    with db.session() as session:
        lifecycle.apply(session, request_id, name, actor="op", reason="test", version_id=version_id)


def _service(db: Database, service: Service | None = SUBTITLING) -> None:
    with db.session() as session:
        lifecycle.set_service(session, "SR-1", service, actor="op")


def _bring_to(db: Database, state: MaterialStatus) -> int | None:
    """Create SR-1 and walk it to ``state``; return its current version id, if any."""
    create(db)
    if state is M.NOT_RECEIVED:
        return None
    if state is M.CANCELED:
        _apply(db, "cancel")
        return None
    version = put_version(db)
    if state is M.REDELIVERY_REQUESTED:
        _apply(db, "reject", version)
    if state in (M.ACCEPTED, M.DELIVERED):
        _apply(db, "accept", version)
    if state is M.DELIVERED:
        _service(db)
        _apply(db, "deliver", version)
    return version


def _status(db: Database) -> MaterialStatus:
    with db.session() as session:
        return get_request(session, "SR-1").material_status


def _color(db: Database, version_id: int) -> AssetColor:
    with db.session() as session:
        return get_version(session, version_id).color


def test_new_request_is_not_received_with_an_audit_line(db: Database) -> None:
    create(db, material_status=M.DELIVERED)  # a record cannot smuggle in a status
    with db.session() as session:
        assert get_request(session, "SR-1").material_status is M.NOT_RECEIVED
        trail = audit_trail(session, "SR-1")
    assert [(e.transition, e.from_state, e.to_state) for e in trail] == [("create", None, "NOT_RECEIVED")]


def test_the_happy_path_walks_every_status_and_colour(db: Database) -> None:
    create(db)
    first = put_version(db, content=b"v1")
    assert (_status(db), _color(db, first)) == (M.RECEIVED, AssetColor.GRAY)
    _apply(db, "accept", first)
    assert (_status(db), _color(db, first)) == (M.ACCEPTED, AssetColor.LIGHT_BLUE)
    _service(db)
    _apply(db, "deliver", first)
    assert _status(db) is M.DELIVERED
    with db.session() as session:
        assert get_version(session, first).frozen
    _apply(db, "reject", first)
    assert (_status(db), _color(db, first)) == (M.REDELIVERY_REQUESTED, AssetColor.RED)
    second = put_version(db, content=b"v2")
    assert (_status(db), _color(db, first), _color(db, second)) == (
        M.RECEIVED,
        AssetColor.RED,
        AssetColor.GRAY,
    )


def test_a_new_version_supersedes_the_current_one(db: Database) -> None:
    version = _bring_to(db, M.ACCEPTED)
    assert version is not None
    newer = put_version(db, content=b"v2")
    assert _color(db, version) is AssetColor.DARK_BLUE
    assert (_status(db), _color(db, newer)) == (M.RECEIVED, AssetColor.GRAY)
    with db.session() as session:
        supersede = [e for e in audit_trail(session, "SR-1") if e.transition == "supersede"]
    assert len(supersede) == 1 and supersede[0].automatic and supersede[0].version_id == version


def test_delivering_a_received_request_accepts_it_first_recorded_as_automatic(db: Database) -> None:
    version = _bring_to(db, M.RECEIVED)
    _service(db)
    _apply(db, "deliver", version)
    assert _status(db) is M.DELIVERED
    with db.session() as session:
        trail = [
            (e.transition, e.to_state, e.automatic)
            for e in audit_trail(session, "SR-1")
            if e.subject == "material"
        ]
    assert trail[-2:] == [("accept", "ACCEPTED", True), ("deliver", "DELIVERED", False)]


@pytest.mark.parametrize(
    ("state", "target"), [(M.NOT_RECEIVED, "uncancel"), (M.RECEIVED, "uncancel_with_material")]
)
def test_cancel_and_uncancel(db: Database, state: MaterialStatus, target: str) -> None:
    _bring_to(db, state)
    _apply(db, "cancel")
    assert _status(db) is M.CANCELED
    wrong = "uncancel_with_material" if target == "uncancel" else "uncancel"
    with pytest.raises(TransitionError):
        _apply(db, wrong)
    _apply(db, target)
    assert _status(db) is TRANSITIONS[target].material_to


_ALLOWED = [(name, state) for name, t in TRANSITIONS.items() for state in sorted(t.material_from)]


def _satisfy(db: Database, name: str, state: MaterialStatus) -> int | None:
    """Bring SR-1 to ``state`` with every guard of ``name`` met; return the version it acts on."""
    if name == "uncancel_with_material":  # a canceled request that still has a current version
        version = _bring_to(db, M.RECEIVED)
        _apply(db, "cancel")
        return version
    version = _bring_to(db, state)
    if name == "deliver":
        _service(db)
    return version


@pytest.mark.parametrize(("name", "state"), _ALLOWED, ids=[f"{n}-from-{s}" for n, s in _ALLOWED])
def test_every_allowed_transition_lands_in_its_target_state(
    db: Database, name: str, state: MaterialStatus
) -> None:
    t = TRANSITIONS[name]
    version = _satisfy(db, name, state)
    assert _status(db) is state
    if name == "receive":  # a new upload is the only way in: it stores the version it receives
        version = put_version(db, content=f"new upload in {state}".encode())
    else:
        _apply(db, name, version)
    assert _status(db) is t.material_to
    with db.session() as session:
        last = [e for e in audit_trail(session, "SR-1") if e.subject == "material"][-1]
        assert (last.transition, last.from_state, last.to_state, last.automatic) == (
            name,
            state.value,
            t.material_to.value if t.material_to else state.value,
            False,
        )
        if t.version_to is not None:
            assert version is not None
            row = get_version(session, version)
            assert row.color is t.version_to
            assert row.frozen is (t.freeze or state is M.DELIVERED)


_ILLEGAL = [
    (name, state)
    for name, t in TRANSITIONS.items()
    for state in MaterialStatus
    if state not in t.material_from and not (name == "deliver" and state is M.RECEIVED)
]


@pytest.mark.parametrize(("name", "state"), _ILLEGAL, ids=[f"{n}-from-{s}" for n, s in _ILLEGAL])
def test_illegal_transitions_are_refused_and_write_nothing(
    db: Database, name: str, state: MaterialStatus
) -> None:
    version = _bring_to(db, state)
    if name == "deliver":
        _service_if_allowed(db)
    before = snapshot(db)
    with pytest.raises(TransitionError) as refused:
        _apply(db, name, version)
    assert refused.value.from_state == state.value  # type: ignore[attr-defined]
    assert refused.value.transition == name  # type: ignore[attr-defined]
    assert TRANSITIONS[name].rule in str(refused.value)
    assert snapshot(db) == before


def _service_if_allowed(db: Database) -> None:
    if _status(db) not in (M.DELIVERED, M.CANCELED):
        _service(db)


def test_delivery_needs_a_service_type(db: Database) -> None:
    version = _bring_to(db, M.ACCEPTED)
    before = snapshot(db)
    with pytest.raises(TransitionError, match="Service Type"):
        _apply(db, "deliver", version)
    assert snapshot(db) == before


def test_delivering_a_received_request_without_a_service_type_names_the_real_state(db: Database) -> None:
    """The automatic accept must not leak into the refusal: the request is, and stays, RECEIVED."""
    version = _bring_to(db, M.RECEIVED)
    before = snapshot(db)
    for refuse in (_apply, _check_only):
        with pytest.raises(TransitionError) as refused:
            refuse(db, "deliver", version)
        error: Any = refused.value
        assert (error.transition, error.from_state, error.to_state) == ("deliver", "RECEIVED", "DELIVERED")
        assert "cannot deliver from RECEIVED" in str(error)
        assert "Service Type" in error.reason and TRANSITIONS["deliver"].rule in str(error)
        assert snapshot(db) == before
    assert _status(db) is M.RECEIVED


def _check_only(db: Database, name: str, version_id: int | None = None) -> None:
    lifecycle.check(db, "SR-1", name, version_id=version_id)


def test_service_type_other_needs_text() -> None:
    with pytest.raises(ValueError, match="needs a description"):
        Service(type=ServiceType.OTHER)
    assert str(Service(type=ServiceType.OTHER, other="Karaoke lyrics")) == "OTHER: Karaoke lyrics"


def test_only_a_light_blue_version_is_delivered(db: Database) -> None:
    old = _bring_to(db, M.ACCEPTED)
    assert old is not None
    new = put_version(db, content=b"v2")
    _apply(db, "accept", new)
    _service(db)
    before = snapshot(db)
    with pytest.raises(TransitionError, match="DARK_BLUE"):
        _apply(db, "deliver", old)
    assert snapshot(db) == before


def test_a_version_is_never_delivered_to_another_request(db: Database) -> None:
    version = _bring_to(db, M.ACCEPTED)
    create(db, "SR-2")
    other = put_version(db, "SR-2")
    with db.session() as session:
        lifecycle.apply(session, "SR-2", "accept", actor="op", version_id=other)
        lifecycle.set_service(session, "SR-2", SUBTITLING, actor="op")
    before = snapshot(db)
    with pytest.raises(TransitionError, match="belongs to request SR-1"):
        _apply(db, "deliver", version, request_id="SR-2")
    assert snapshot(db) == before


def test_a_superseded_version_cannot_be_accepted(db: Database) -> None:
    old = _bring_to(db, M.RECEIVED)
    put_version(db, content=b"v2")
    with pytest.raises(TransitionError, match="superseded"):
        _apply(db, "accept", old)


def test_a_delivered_version_is_delivered_once_and_its_metadata_frozen(db: Database) -> None:
    version = _bring_to(db, M.DELIVERED)
    assert version is not None
    with db.session() as session:
        row = session.get(AssetVersionRow, version)
        assert row is not None
        row.color = AssetColor.LIGHT_BLUE.value  # colour may still change…
    with pytest.raises(FrozenRecord, match="frozen"), db.session() as session:
        row = session.get(AssetVersionRow, version)
        assert row is not None
        row.file_name = "renamed.ttml"  # …its metadata may not
    with db.session() as session:
        assert [v.file_name for v in list_versions(session, "SR-1")] == ["episode.ttml"]


def test_a_versions_bytes_never_change(db: Database) -> None:
    version = _bring_to(db, M.RECEIVED)
    with pytest.raises(FrozenRecord, match="sha256"), db.session() as session:
        row = session.get(AssetVersionRow, version)
        assert row is not None
        row.sha256 = "0" * 64


def test_the_service_type_is_fixed_once_delivered(db: Database) -> None:
    _bring_to(db, M.DELIVERED)
    with pytest.raises(TransitionError, match="Service Type cannot change"):
        _service(db, Service(type=ServiceType.QC))


def test_unknown_transition_is_refused(db: Database) -> None:
    create(db)
    with pytest.raises(TransitionError, match="unknown transition"):
        _apply(db, "teleport")


def _attach(db: Database, content: bytes, name: str = "final_proxy") -> int:
    from slate.models import AssetCategory

    with db.session() as session:
        version_id, _ = lifecycle.attach_material(
            session,
            "SR-1",
            asset_name=name,
            category=AssetCategory.VIDEO,
            stored=stored_file(content, "final.mp4", f"SR-1/{name}"),
            actor="portal",
        )
    return version_id


def test_portal_materials_are_active_at_once_and_leave_the_material_status_alone(db: Database) -> None:
    create(db)
    first = _attach(db, b"proxy v1")
    assert (_status(db), _color(db, first)) == (M.NOT_RECEIVED, AssetColor.LIGHT_BLUE)
    assert _attach(db, b"proxy v1") == first  # the same file reported twice is attached once
    newer = _attach(db, b"proxy v2")
    assert (_color(db, first), _color(db, newer)) == (AssetColor.DARK_BLUE, AssetColor.LIGHT_BLUE)
    _apply(db, "cancel")
    _apply(db, "uncancel")  # a proxy is not the vendor's material: back to NOT_RECEIVED
    assert _status(db) is M.NOT_RECEIVED


def test_a_material_asset_cannot_receive_deliverables(db: Database) -> None:
    create(db)
    _attach(db, b"proxy", name="main")
    with pytest.raises(TransitionError, match="separate assets"):
        put_version(db, asset="main")
