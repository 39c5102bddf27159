"""What every command does when the database cannot be used: one line, exit status 1, no secret.

A wrong ``SLATE_DATABASE_URL`` (a bad password, a server that is down, a URL that does not parse)
used to end any command in pages of traceback, some of which could carry the URL. Caught once, at
the top of :func:`cli.main`, it becomes a line naming the setting, the (masked) URL and the cause.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is loaded by the commands that use the database, not at start-up
    from sqlalchemy.exc import SQLAlchemyError

__all__ = ["database_cause", "database_failure"]


def database_cause(exc: BaseException) -> SQLAlchemyError | None:
    """The database error behind ``exc`` (itself, or what a :class:`StorageError` wraps), if any."""
    if "sqlalchemy.exc" not in sys.modules:  # nothing touched a database
        return None
    from sqlalchemy.exc import SQLAlchemyError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SQLAlchemyError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _masked(url: str) -> tuple[str, str | None]:
    """The URL with its password hidden (or a placeholder if it does not parse), and the password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "<not a database URL>", None
    return parsed.render_as_string(hide_password=True), parsed.password


def _cause(exc: BaseException) -> str:
    """The driver's own first line (``password authentication failed``), not SQLAlchemy's wrapping."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    if isinstance(exc, NoSuchModuleError):  # a kind of ArgumentError: first
        return "no database driver of that name is installed"
    if isinstance(exc, ArgumentError):
        return "the URL does not parse as a database URL"
    origin = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(origin).splitlines() if line.strip()]
    return lines[0] if lines else type(origin).__name__


def database_failure(exc: BaseException, url: str, setting: str = "SLATE_DATABASE_URL") -> str:
    """The one line a command prints when the database at ``url`` cannot be used."""
    shown, password = _masked(url)
    cause = _cause(exc)
    for secret in filter(None, [password, *re.findall(r"://[^:/@]*:([^@]+)@", url)]):
        cause = cause.replace(secret, "***")
    return f"error: cannot use the database {setting}={shown}: {cause}"
