"""``slate imf``: validate an IMF package as the studio will, and make trimmed packages from one.

``slate imf validate PATH`` takes a package folder, a ZIP of one or a single ASSETMAP, PKL, CPL or
OPL document. Exit codes: 0 when no finding reaches ERROR, 1 when one does, 2 for bad usage or a
refused archive.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli._qc_common import fail
from slate.errors import InvalidInput

if TYPE_CHECKING:
    from lxml import etree

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
    raise typer.Exit(check_paths([path], as_json, original))


def check_paths(paths: list[Path], as_json: bool, original: Path | None = None) -> int:
    """Validate each path, print the findings (JSON: one object per path), return the exit status.

    ``slate qc --type imf`` comes here too, so both commands judge a package the same way.
    """
    from slate.imf import validate_path
    from slate.imf.summary import report_summary

    status = 0
    for path in paths:
        if not path.exists():
            raise fail(f"{path} does not exist")
        try:
            report = validate_path(path, original)
        except InvalidInput as exc:
            raise fail(exc.message) from exc
        if as_json:
            summary = report_summary(report)
            body = {"findings": summary["findings"], "compositions": summary["compositions"]}
            typer.echo(json.dumps(body, indent=2))
        else:
            _print(report.findings, path)
        status = max(status, 0 if report.ok else 1)
    return status


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


@app.command("trim")
def trim(
    package: Annotated[Path, typer.Argument(help="The source package: a folder or a ZIP.")],
    in_frame: Annotated[int, typer.Option("--in", help="First frame kept (composition edit rate).")],
    out_frame: Annotated[int, typer.Option("--out", help="First frame no longer kept (exclusive).")],
    dest: Annotated[Path, typer.Option("--dest", help="Empty folder for the new package.")],
    supplemental: Annotated[
        bool, typer.Option("--supplemental", help="Reference the original's track files, copy none.")
    ] = False,
    cpl: Annotated[str | None, typer.Option("--cpl", help="CPL Id when the package holds several.")] = None,
    drop: Annotated[
        list[str] | None, typer.Option("--drop-track", help="TrackId of a virtual track to leave out.")
    ] = None,
) -> None:
    """Write a new package whose CPL plays frames [in, out) of the source composition."""
    from slate.imf.editor import drop_track
    from slate.imf.editor import trim as trim_cpl
    from slate.imf.package import load_package
    from slate.imf.rewrite import write_edited
    from slate.imf.source import unpack_zip

    def edit(root: etree._Element) -> None:
        for track in drop or []:
            drop_track(root, track)
        trim_cpl(root, in_frame, out_frame)

    with tempfile.TemporaryDirectory(prefix="slate-imf-trim-") as scratch:
        try:
            folder = unpack_zip(package, Path(scratch) / "source") if package.is_file() else package
            source = load_package(folder)
            cpl_id = cpl or (next(iter(source.cpls)) if len(source.cpls) == 1 else None)
            if cpl_id is None:
                raise fail(f"{package} holds {len(source.cpls)} CPLs; name one with --cpl")
            written = write_edited(source, cpl_id, dest, edit, supplemental=supplemental)
        except InvalidInput as exc:
            raise fail(exc.message) from exc
    kind = "supplemental" if supplemental else "complete"
    Console().print(
        f"[green]{kind} package[/] {written.folder}: CPL {written.cpl_id} "
        f"({out_frame - in_frame} frames), {len(written.entries)} assets in its PKL"
    )


@app.command("deliver")
def deliver(
    package: Annotated[Path, typer.Argument(help="The package folder to declare to the portal.")],
    requests: Annotated[
        list[str], typer.Option("--request", help="An IMF request the CPL answers (repeat).")
    ],
    cpl: Annotated[str | None, typer.Option("--cpl", help="CPL Id when the package holds several.")] = None,
    original: Annotated[
        Path | None, typer.Option("--original", help="The original package of a supplemental one.")
    ] = None,
) -> None:
    """Validate the package, then declare its CPL to the portal's IMF requests (exit 1 on ERROR)."""
    from slate.backlot import HttpPortalClient
    from slate.imf.deliver import deliver_package

    try:
        with HttpPortalClient.from_settings() as client:
            result = deliver_package(client, package, requests, cpl_id=cpl, original=original)
    except InvalidInput as exc:
        raise fail(exc.message) from exc
    console = Console(width=160)
    style = "green" if result.status == "SUCCESS" else "bold red"
    console.print(f"[{style}]{result.status}[/] CPL {result.cpl_id}")
    for line in result.errors:
        console.print(f"  {line}")
    for track in result.track_status:
        console.print(f"  {track.request_id} {track.track_id} {track.status.value}")
    raise typer.Exit(0 if result.status == "SUCCESS" else 1)
