"""``slate imf``: validate an IMF package as the studio will, and make trimmed packages from one.

``slate imf validate PATH`` takes a package folder, a ZIP of one or a single ASSETMAP, PKL, CPL or
OPL document. Exit codes: 0 when no finding reaches ERROR, 1 when one does, 2 for bad usage or a
refused archive.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli._qc_common import fail
from slate.errors import InvalidInput

if TYPE_CHECKING:
    from slate.imf import Finding

__all__ = ["app"]

app = typer.Typer(help="IMF packages (SMPTE ST 2067).", no_args_is_help=True)
_STYLE = {"FATAL": "bold red", "ERROR": "red", "WARNING": "yellow"}


@app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(help="Package folder, ZIP, or one ASSETMAP/PKL/CPL/OPL.")],
    as_json: Annotated[bool, typer.Option("--json", help='Print {"findings": [...]} as JSON.')] = False,
    original: Annotated[
        Path | None, typer.Option("--original", help="The original package a supplemental one references.")
    ] = None,
) -> None:
    """Check structure (schema, identifiers, timeline, descriptors) and integrity (sizes, SHA-1)."""
    from slate.imf import validate_path

    if not path.exists():
        raise fail(f"{path} does not exist")
    try:
        report = validate_path(path, original)
    except InvalidInput as exc:
        raise fail(exc.message) from exc
    if as_json:
        typer.echo(json.dumps({"findings": [f.model_dump(mode="json") for f in report.findings]}, indent=2))
    else:
        _print(report.findings, path)
    raise typer.Exit(0 if report.ok else 1)


def _print(findings: list[Finding], path: Path) -> None:
    console = Console(width=160)
    table = Table(title=f"IMF {path}", show_lines=False)
    for column in ("level", "axis", "code", "file", "message"):
        table.add_column(column)
    for finding in findings:
        style = _STYLE.get(finding.level.value, "")
        table.add_row(
            finding.level.value, finding.axis.value, finding.code, finding.file, finding.message, style=style
        )
    if findings:
        console.print(table)
    else:
        console.print(f"[green]{path}: no finding[/]")
