"""People: argon2 passwords, rate-limited log-in, revocable sessions, shares and the rule table."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from slate.errors import AccessDenied, InvalidInput, LoginRefused, TooManyAttempts
from slate.models import MaterialStatus
from slate.people import (
    STATE_RULES,
    Action,
    Grant,
    LoginPolicy,
    Role,
    ShareSubject,
    User,
    UserRow,
    add_user,
    create_share,
    decide,
    disable_user,
    find_user,
    grant_for,
    log_in,
    require,
    resolve_session,
    revoke_session,
    revoke_share,
    visible_requests,
)
from slate.store import Database, SourceRequestRow
from tests.slate.builders import create, put_version

PASSWORD = "correct horse battery"


def _user(session: Session, name: str) -> User:
    found = find_user(session, name)
    assert found is not None
    return found[0]


def _names_visible(db: Database, user_name: str) -> list[str]:
    with db.session() as session:
        user = _user(session, user_name)
        clause = visible_requests(user)
        query = select(SourceRequestRow.request_id).order_by(SourceRequestRow.request_id)
        if clause is not None:
            query = query.where(clause)
        return list(session.scalars(query))


def test_the_password_is_stored_only_as_an_argon2_hash(db: Database) -> None:
    with db.session() as session:
        add_user(session, "ana", Role.OPERATOR, PASSWORD)
    with db.engine.connect() as connection:
        dump = "\n".join(str(r) for r in connection.execute(text("SELECT * FROM users")))
    assert PASSWORD not in dump
    assert "$argon2id$" in dump


def test_a_short_password_or_a_bad_name_is_refused(db: Database) -> None:
    with db.session() as session, pytest.raises(InvalidInput, match="at least 10"):
        add_user(session, "ana", Role.OPERATOR, "short")
    with db.session() as session, pytest.raises(InvalidInput, match="not a user name"):
        add_user(session, "../ana", Role.OPERATOR, PASSWORD)


def test_log_in_opens_a_session_that_log_out_and_disable_end(db: Database) -> None:
    with db.session() as session:
        add_user(session, "ana", Role.OPERATOR, PASSWORD)
        first = log_in(session, "ana", PASSWORD, client="t")
        second = log_in(session, "ana", PASSWORD, client="t")
    with db.session() as session:
        seen = resolve_session(session, first.token)
        assert seen is not None and seen.user.name == "ana" and seen.csrf_token == first.csrf_token
        revoke_session(session, first.token)
    with db.session() as session:
        assert resolve_session(session, first.token) is None
        assert resolve_session(session, second.token) is not None
        disable_user(session, "ana")
    with db.session() as session:
        assert resolve_session(session, second.token) is None
        with pytest.raises(LoginRefused):
            log_in(session, "ana", PASSWORD, client="t")


def test_failed_logins_are_limited_per_name_across_processes(db: Database) -> None:
    policy = LoginPolicy(max_failures_per_name=3)
    with db.session() as session:
        add_user(session, "ana", Role.OPERATOR, PASSWORD)
    for _ in range(3):
        with db.session() as session, pytest.raises(LoginRefused):
            log_in(session, "ana", "wrong password!", client="t", policy=policy)
    # the right password is refused too now: the count lives in the database, not in a process
    with db.session() as session, pytest.raises(TooManyAttempts):
        log_in(session, "ana", PASSWORD, client="other", policy=policy)
    with db.session() as session, pytest.raises(LoginRefused):
        log_in(session, "nobody", PASSWORD, client="t", policy=policy)


def test_an_expired_session_is_refused(db: Database) -> None:
    policy = LoginPolicy(session_lifetime=timedelta(seconds=-1))
    with db.session() as session:
        add_user(session, "ana", Role.OPERATOR, PASSWORD)
        signed = log_in(session, "ana", PASSWORD, client="t", policy=policy)
    with db.session() as session:
        assert resolve_session(session, signed.token) is None


def test_a_freelancer_sees_only_what_is_shared_and_live(db: Database) -> None:
    create(db, "SR-1", package_id="PKG-A")
    create(db, "SR-2", package_id="PKG-A", language="es")
    create(db, "SR-3", package_id="PKG-B", language="fr")
    version = put_version(db, "SR-3")
    with db.session() as session:
        add_user(session, "fay", Role.FREELANCER, PASSWORD, group="freelancers")
        add_user(session, "gil", Role.FREELANCER, PASSWORD, group="freelancers")
        add_user(session, "ops", Role.OPERATOR, PASSWORD)
    assert _names_visible(db, "fay") == []
    assert _names_visible(db, "ops") == ["SR-1", "SR-2", "SR-3"]
    with db.session() as session:
        share = create_share(session, ShareSubject.REQUEST, "SR-1", grantee="fay", created_by="ops")
        create_share(session, ShareSubject.VERSION, str(version), grantee="freelancers", created_by="ops")
    assert _names_visible(db, "fay") == ["SR-1", "SR-3"]
    assert _names_visible(db, "gil") == ["SR-3"]
    with db.session() as session:
        fay = _user(session, "fay")
        assert grant_for(session, fay, "SR-3").version_ids == frozenset({version})
        assert grant_for(session, fay, "SR-1").version_ids is None
        assert not grant_for(session, fay, "SR-2").can_view
        revoke_share(session, share.share_id, actor="ops")
    assert _names_visible(db, "fay") == ["SR-3"]
    with db.session() as session:
        create_share(
            session,
            ShareSubject.PACKAGE,
            "PKG-A",
            grantee="fay",
            created_by="ops",
            expires_at=datetime.now(UTC) + timedelta(seconds=1),
        )
    assert _names_visible(db, "fay") == ["SR-1", "SR-2", "SR-3"]
    later = datetime.now(UTC) + timedelta(seconds=5)
    with db.session() as session:
        fay = _user(session, "fay")
        query = select(SourceRequestRow.request_id).where(visible_requests(fay, later))  # type: ignore[arg-type]
        assert sorted(session.scalars(query)) == ["SR-3"]


def test_the_state_table_freezes_metadata_and_guards_red_versions() -> None:
    def person(role: Role) -> User:
        return User(user_id=1, name="x", role=role, disabled=False)

    pm, ops, fay = person(Role.PROJECT_MANAGER), person(Role.OPERATOR), person(Role.FREELANCER)
    uploader = Grant(can_view=True, can_upload=True)
    for state in (MaterialStatus.ACCEPTED, MaterialStatus.DELIVERED):
        assert not any(
            decide(p, Action.EDIT_METADATA, state, Grant(can_view=True, can_edit=True))
            for p in (pm, ops, fay)
        )
    assert decide(pm, Action.EDIT_METADATA, MaterialStatus.RECEIVED)
    assert decide(ops, Action.UPLOAD, MaterialStatus.REDELIVERY_REQUESTED)
    assert decide(fay, Action.UPLOAD, MaterialStatus.REDELIVERY_REQUESTED, uploader)
    assert not decide(pm, Action.UPLOAD, MaterialStatus.REDELIVERY_REQUESTED)
    assert not decide(fay, Action.DOWNLOAD, MaterialStatus.RECEIVED, uploader)
    assert not decide(fay, Action.VIEW, MaterialStatus.RECEIVED)
    assert not decide(person(Role.VIEWER), Action.DELIVER, MaterialStatus.ACCEPTED)
    with pytest.raises(AccessDenied, match="frozen"):
        require(ops, Action.EDIT_METADATA, MaterialStatus.ACCEPTED)
    assert {r.action for r in STATE_RULES} == set(Action)


def test_deciding_a_paused_validation_and_retrying_a_step_are_for_who_runs_steps() -> None:
    """Admins and operators, while the request is live; no role or share gives it to anyone else."""

    def person(role: Role) -> User:
        return User(user_id=1, name="x", role=role, disabled=False)

    everything = Grant(can_view=True, can_download=True, can_upload=True, can_edit=True)
    for action in (Action.DECIDE, Action.RETRY):
        assert all(decide(person(r), action, MaterialStatus.RECEIVED) for r in (Role.ADMIN, Role.OPERATOR))
        assert not any(
            decide(person(r), action, MaterialStatus.RECEIVED, everything)
            for r in (Role.PROJECT_MANAGER, Role.VIEWER, Role.FREELANCER, Role.VENDOR)
        )
        assert not decide(person(Role.OPERATOR), action, MaterialStatus.CANCELED)
        with pytest.raises(AccessDenied, match=f"may not {action.value} while the material is CANCELED"):
            require(person(Role.ADMIN), action, MaterialStatus.CANCELED)
    assert decide(person(Role.OPERATOR), Action.RETRY, MaterialStatus.NOT_RECEIVED)  # a failed intake
    assert not decide(person(Role.OPERATOR), Action.DECIDE, MaterialStatus.NOT_RECEIVED)


def test_slate_user_commands_add_list_and_disable(tmp_path: Path) -> None:
    env = {**os.environ, "SLATE_HOME": str(tmp_path), "SLATE_LOG_FORMAT": "json"}
    env.pop("SLATE_DATABASE_URL", None)

    def slate(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli", "user", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    added = slate(
        "add",
        "fay",
        "--role",
        "freelancer",
        "--group",
        "freelancers",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    assert slate("add", "bo", "--role", "wizard", "--password-stdin", stdin=PASSWORD).returncode == 2
    listed = slate("list")
    assert "fay" in listed.stdout and "freelancer" in listed.stdout and "freelancers" in listed.stdout
    assert slate("disable", "fay").returncode == 0
    assert "disabled" in slate("list").stdout
    assert slate("disable", "nobody").returncode == 2
    from slate.store import open_database

    database = open_database(f"sqlite:///{tmp_path / 'slate.db'}")
    try:
        with database.session() as session:
            stored = session.scalar(select(UserRow.password_hash).where(UserRow.name == "fay"))
        assert stored is not None and stored.startswith("$argon2id$")
    finally:
        database.dispose()
