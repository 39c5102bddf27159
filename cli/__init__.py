"""The ``slate`` command line.

Each group of commands lives in its own module and is added here, in one list, so that
``slate --help`` shows everything and a command's code stays next to what it drives.
"""

from __future__ import annotations

import typer

from cli import (
    _automations,
    _backlot,
    _costs,
    _db,
    _demo,
    _download,
    _imf,
    _qc,
    _reconcile,
    _reports,
    _retry,
    _status,
    _up,
    _users,
    _webhooks,
    _workspace,
)
from cli._failures import database_cause, database_failure

__all__ = ["app", "main"]

app = typer.Typer(
    name="slate",
    help="Slate: from the portal's assignment to the portal's acceptance.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(_db.app, name="db")
app.add_typer(_imf.app, name="imf")
app.add_typer(_users.app, name="user")
app.command("status")(_status.status)
app.command("demo")(_demo.demo)
app.command("backlot-emulator")(_backlot.backlot_emulator)
_qc.register(app)
app.command("webhooks")(_webhooks.webhooks)
app.command("reconcile-failures")(_reconcile.reconcile_failures)
app.command("automations")(_automations.automations)
app.command("webhook-receiver")(_webhooks.webhook_receiver)
_up.register(app)
app.command("download")(_download.download)
app.add_typer(_costs.cost_app, name="cost")
app.add_typer(_costs.rate_app, name="ratecard")
app.add_typer(_reports.export_app, name="export")
app.command("invoice")(_reports.invoice)
app.command("kpi")(_reports.kpi)
app.command("workspace")(_workspace.workspace)
app.command("retry")(_retry.retry)


def main() -> None:
    """Entry point of the ``slate`` console script.

    A database that cannot be used (wrong URL or password, server down) ends any command with one
    line naming the setting and the cause, status 1, and the password masked.
    """
    try:
        app()
    except Exception as exc:
        cause = database_cause(exc)
        if cause is None:
            raise
        from slate.settings import get_settings

        typer.echo(database_failure(cause, get_settings().effective_database_url), err=True)
        raise SystemExit(1) from None
