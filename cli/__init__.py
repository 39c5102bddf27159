"""The ``slate`` command line.

Each group of commands lives in its own module and is added here, in one list, so that
``slate --help`` shows everything and a command's code stays next to what it drives.
"""

from __future__ import annotations

import typer

from cli import _backlot, _db, _demo, _download, _qc, _status, _up, _users, _webhooks, _workspace

__all__ = ["app", "main"]

app = typer.Typer(
    name="slate",
    help="Slate: from the portal's assignment to the portal's acceptance.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(_db.app, name="db")
app.add_typer(_users.app, name="user")
app.command("status")(_status.status)
app.command("demo")(_demo.demo)
app.command("backlot-emulator")(_backlot.backlot_emulator)
_qc.register(app)
app.command("webhooks")(_webhooks.webhooks)
app.command("webhook-receiver")(_webhooks.webhook_receiver)
_up.register(app)
app.command("download")(_download.download)
app.command("workspace")(_workspace.workspace)


def main() -> None:
    """Entry point of the ``slate`` console script."""
    app()
