"""``slate demo``: the embedded demo, then both panels and the audit trail."""

from __future__ import annotations

from rich.console import Console

from slate.cli._render import request_view
from slate.demo import run_demo
from slate.store import audit_trail, get_request, list_versions, open_database


def demo() -> None:
    """Walk one generated assignment through the lifecycle on the embedded defaults."""
    console = Console(width=140)
    result = run_demo()
    database = open_database(result.database_url)
    try:
        with database.session() as session:
            request = get_request(session, result.request_id)
            versions = list_versions(session, result.request_id)
            events = audit_trail(session, result.request_id)
    finally:
        database.dispose()
    console.print(request_view(request, versions, events))
    console.print(f"database: {result.database_url}\nblob: {result.blob_key}")
