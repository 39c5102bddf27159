"""``slate retry SR-…``: run a request's failed step again, the one command the failure messages name.

A failed step ends its run with "retry <step>"; a run whose process died is marked Crashed ("retry
it"). This does what the Prefect UI's Retry button does, through
:func:`deployments.operator_runs.retry` (the same rules as the workspace's button), and records
who asked in the request's audit trail.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape


def retry(
    request_id: Annotated[str, typer.Argument(help="The portal's request id, e.g. SR-1234.")],
    step: Annotated[
        str | None,
        typer.Option(
            "--step", help="The step to retry (validate, deliver…); default: the latest that failed."
        ),
    ] = None,
) -> None:
    """Run the latest Failed or Crashed step of a request again; print the run and its Prefect link."""
    from prefect.settings import PREFECT_UI_URL

    from deployments.operator_runs import retry as retry_step
    from slate.errors import ConflictError, NotFound
    from slate.settings import get_settings
    from slate.store import open_database
    from workspace._runs import run_url

    database = open_database()
    try:
        retried = retry_step(request_id, step=step, actor=get_settings().actor, database=database)
    except (ConflictError, NotFound) as exc:
        Console(stderr=True, width=300).print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    how = "rescheduled" if retried.same_run else "started again as a new run"
    ui = str(PREFECT_UI_URL.value() or "").strip()
    link = run_url(ui, retried.run_id) if ui else f"flow run {retried.run_id}"
    Console(width=300).print(f"{escape(retried.step)}: {escape(retried.run_name)} {how} — {link}")
