"""The running emulator: its database, files, tokens, faults, and background workers.

One :class:`Emulator` belongs to one FastAPI app (``app.state.emulator``). Routes reach it through
:func:`get_emulator`. :meth:`Emulator.reset` empties everything but the accounts and live tokens,
so a test can start from a clean portal without restarting the server.
"""

from __future__ import annotations

import secrets
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import delete
from sqlalchemy.orm import Session

from slate.backlot.emulator._config import Account, EmulatorConfig
from slate.backlot.emulator._db import Base, make_engine
from slate.backlot.emulator._faults import Faults, Stats

__all__ = ["ApiError", "Emulator", "Principal", "get_emulator", "new_id"]


def new_id(prefix: str) -> str:
    """A short unique id with a readable prefix (``DLV-1a2b3c4d5e6f``)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class ApiError(Exception):
    """An error answer of the portal: status, message and reason code (rendered as JSON)."""

    def __init__(self, status: int, message: str, reason_code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason_code = reason_code


@dataclass(frozen=True)
class Principal:
    """The account behind a bearer token."""

    account: Account
    expires_at: float


class Emulator:
    """State and workers of one emulator instance."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir
        self.files_dir = config.data_dir / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.engine, self._sessions = make_engine(config.data_dir / "portal.db")
        self.faults = Faults()
        self.stats = Stats()
        self.token_ttl = config.token_ttl
        self.webhook_url = config.webhook_url
        self._tokens: dict[str, Principal] = {}
        self._tokens_lock = threading.Lock()
        self.tokens_issued = 0
        self._jobs = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portal-inspect")
        self._pending: set[Future[Any]] = set()
        self._pending_lock = threading.Lock()
        self.webhooks_wakeup = threading.Event()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def issue_token(self, account: Account) -> str:
        token = secrets.token_urlsafe(32)
        with self._tokens_lock:
            self._tokens[token] = Principal(account=account, expires_at=time.monotonic() + self.token_ttl)
            self.tokens_issued += 1
        return token

    def principal(self, token: str) -> Principal | None:
        """The live principal of a token, or None when it is unknown or expired."""
        with self._tokens_lock:
            found = self._tokens.get(token)
            if found is None or found.expires_at <= time.monotonic():
                self._tokens.pop(token, None)
                return None
            return found

    def revoke_tokens(self) -> int:
        with self._tokens_lock:
            count = len(self._tokens)
            self._tokens.clear()
            return count

    def submit(self, job: Any, *args: Any) -> None:
        """Run ``job(*args)`` in the background (inspection, proxies); reset waits for it."""
        future = self._jobs.submit(job, *args)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[Any]) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait for background jobs to finish."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._pending_lock:
                if not self._pending:
                    return
            time.sleep(0.02)

    def reset(self) -> None:
        """Back to an empty portal: no data, no files, no faults, no statistics, default settings."""
        self.wait_idle()
        with self.session() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
        shutil.rmtree(self.files_dir, ignore_errors=True)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.faults.clear()
        self.stats.clear()
        self.token_ttl = self.config.token_ttl
        self.webhook_url = self.config.webhook_url
        with self._tokens_lock:
            self.tokens_issued = 0

    def file_path(self, *parts: str) -> Path:
        """A path under the emulator's file store (its folder is created)."""
        path = self.files_dir.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def close(self) -> None:
        self._jobs.shutdown(wait=True)
        self.engine.dispose()


def get_emulator(request: Request) -> Emulator:
    """FastAPI dependency: the emulator of the app serving this call."""
    emulator: Emulator = request.app.state.emulator
    return emulator
