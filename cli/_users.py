"""``slate user``: add, list and disable the people who use the workspace.

The password is read from standard input (``--password-stdin``), never from the command line,
where it would sit in the shell's history and in every process listing.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from slate.errors import SlateError

app = typer.Typer(help="People of the workspace: users, roles, groups.", no_args_is_help=True)


def _fail(exc: SlateError) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/] {exc}")
    return typer.Exit(2)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user's login name.")],
    role: Annotated[
        str, typer.Option("--role", help="admin, project_manager, operator, freelancer, vendor or viewer.")
    ],
    group: Annotated[str | None, typer.Option("--group", help="A group to join (made on first use).")] = None,
    group_admin: Annotated[
        bool, typer.Option("--group-admin", help="Make the user the group's admin.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (required).")
    ] = False,
) -> None:
    """Add a user; the password comes from standard input and is stored only as an argon2 hash."""
    from slate.people import Role, add_user
    from slate.store import open_database

    if not password_stdin:
        Console(stderr=True).print("[red]error:[/] give the password on standard input with --password-stdin")
        raise typer.Exit(2)
    try:
        chosen = Role(role)
    except ValueError:
        Console(stderr=True).print(
            f"[red]error:[/] no role {role!r}; one of {', '.join(r.value for r in Role)}"
        )
        raise typer.Exit(2) from None
    password = sys.stdin.readline().rstrip("\r\n")
    database = open_database()
    try:
        with database.session() as session:
            user = add_user(session, name, chosen, password, group=group, group_admin=group_admin)
    except SlateError as exc:
        raise _fail(exc) from exc
    finally:
        database.dispose()
    Console().print(
        f"user [bold]{user.name}[/] added as {user.role.value}" + (f" in {group}" if group else "")
    )


@app.command("list")
def list_() -> None:
    """Every user with role, groups and whether they are disabled."""
    from slate.people import list_users
    from slate.store import open_database

    database = open_database()
    try:
        with database.session() as session:
            users = list_users(session)
    finally:
        database.dispose()
    table = Table("name", "role", "groups", "state")
    for user in users:
        table.add_row(
            user.name, user.role.value, ", ".join(user.groups), "disabled" if user.disabled else "active"
        )
    Console().print(table)


@app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="The user to disable.")]) -> None:
    """Disable a user and end every session they hold."""
    from slate.people import disable_user
    from slate.store import open_database

    database = open_database()
    try:
        with database.session() as session:
            disable_user(session, name)
    except SlateError as exc:
        raise _fail(exc) from exc
    finally:
        database.dispose()
    Console().print(f"user [bold]{name}[/] disabled; their sessions are revoked")
