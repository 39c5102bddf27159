"""Connecting to the domain database and bringing its schema up to date.

SQLite is the default (a file under ``SLATE_HOME``): WAL so readers never block the writer,
foreign keys on (SQLite leaves them off unless asked), and a busy timeout so that two processes
writing at once wait rather than fail. PostgreSQL is used when ``SLATE_DATABASE_URL`` names it.
The schema exists only through Alembic migrations (:func:`Database.upgrade`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from slate.errors import ConflictError, StorageError
from slate.store._guards import install_guards

__all__ = ["Database", "open_database"]

_MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # One pooled connection serves one thread at a time, but not always the thread that
        # opened it (a served process runs its flow runs on threads).
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, pool_pre_ping=True)


def _is_unique_violation(exc: DatabaseIntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


class Database:
    """One domain database: an engine, a session factory and the migrations that shape it."""

    def __init__(self, url: str) -> None:
        install_guards()
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def upgrade(self, revision: str = "head") -> None:
        """Apply every migration up to ``revision`` (idempotent).

        Alembic is imported here, not at the top: it costs a second of start-up that commands
        which never migrate (``slate --help``, ``slate qc``) should not pay.
        """
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def table_names(self) -> list[str]:
        """The tables that exist now (for checks and tests)."""
        return sorted(inspect(self.engine).get_table_names())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits at the end, rolls back everything on any error.

        A concurrent edit detected by the version column surfaces as :class:`ConflictError`, and so
        does a row another worker created first under the same unique key: both mean "someone else
        got there at the same time; read again and retry", never a raw database error.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except StaleDataError as exc:
            session.rollback()
            raise ConflictError(
                "the record was changed by someone else since it was read; reload and try again",
                detail=str(exc),
            ) from exc
        except DatabaseIntegrityError as exc:
            session.rollback()
            if not _is_unique_violation(exc):
                raise
            raise ConflictError(
                "another worker created the same record at the same time; try again",
                detail=str(exc.orig),
            ) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def new_session(self) -> Session:
        """A bare session the caller commits or rolls back and closes itself."""
        return self._sessions()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Open the configured database (or ``url``), migrating it to the latest schema by default."""
    if url is None:
        from slate.settings import get_settings

        url = get_settings().effective_database_url
    try:
        database = Database(url)
        if upgrade:
            database.upgrade()
    except ConflictError:
        raise
    except Exception as exc:
        raise StorageError(
            f"cannot open the database at {make_url(url)!r}: {exc}", url=str(make_url(url))
        ) from exc
    return database
