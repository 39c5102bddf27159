"""``slate download``: bulk download of portal materials across requests, with rich progress.

Choose by ``--requests SR1,SR2`` or ``--title "Show" [--season N]``; narrow with ``--types`` and
``--state``. Files land in ``DEST/ShowName_Season_EpisodeTitle/`` beside ``manifest.json`` and
``manifest.csv``. ``--dry-run`` lists what would be downloaded, with sizes. Exit codes: 0 when
every file is on disk and verified, 1 when some failed (see the manifest), 2 for bad usage.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as RichBars
from rich.table import Table

from cli._render import shown
from slate.errors import InvalidInput, NotFound, SlateError
from slate.settings import get_settings

if TYPE_CHECKING:  # the portal client and the download engine are imported when the command runs
    from slate.downloads import DownloadReport, FileOutcome, PlannedFile, Selection

__all__ = ["download"]

_err = Console(stderr=True)
_TYPES_HELP = "Comma-separated, e.g. video,audio.printmaster,docs (default: every type)."
_STATE_HELP = "active, upgraded, not_available (comma-separated)."
_DRY_HELP = "List what would be downloaded, with sizes, and stop."


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class _Bars:
    """One bar per file in flight and one for the whole run, with rate and ETA (thread-safe)."""

    def __init__(self, bars: RichBars, files: list[PlannedFile]) -> None:
        self.bars = bars
        total = sum(f.asset.size for f in files if f.downloadable)
        self.overall = bars.add_task("[bold]all files", total=total)
        self.tasks: dict[str, TaskID] = {}
        self.done: dict[str, int] = {}
        self.lock = threading.Lock()

    def started(self, item: PlannedFile, already: int) -> None:
        with self.lock:
            self.done[item.asset.asset_id] = already
            self.tasks[item.asset.asset_id] = self.bars.add_task(
                item.relpath[-60:], total=item.asset.size, completed=already
            )
        self.bars.advance(self.overall, already)

    def advanced(self, item: PlannedFile, nbytes: int) -> None:
        with self.lock:
            key = item.asset.asset_id
            before = self.done.get(key, 0)
            self.done[key] = min(item.asset.size, before + nbytes)  # a re-fetch does not overfill
            step = self.done[key] - before
            task = self.tasks.get(key)
        if task is not None:
            self.bars.update(task, completed=self.done[key])
        self.bars.advance(self.overall, step)

    def finished(self, item: PlannedFile, outcome: FileOutcome) -> None:
        from slate.downloads import FileStatus

        with self.lock:
            key = item.asset.asset_id
            task = self.tasks.pop(key, None)
            missing = item.asset.size - self.done.get(key, 0)
        if task is not None:
            self.bars.remove_task(task)
        if outcome.row.status in {FileStatus.DOWNLOADED, FileStatus.PRESENT}:
            self.bars.advance(self.overall, missing)
            resumed = f", resumed at byte {outcome.resumed_from:,}" if outcome.resumed_from else ""
            self.bars.console.print(
                f"[green]✓[/] {shown(item.relpath)} [dim]({outcome.row.status.value}{resumed})[/]"
            )
        else:
            self.bars.console.print(f"[red]✗[/] {shown(item.relpath)}: {shown(outcome.row.error)}")


def _plan_table(files: list[PlannedFile]) -> Table:
    table = Table(title="would download", show_lines=False)
    for column in ("path", "type", "state", "size", "requests"):
        table.add_column(column, justify="right" if column == "size" else "left")
    for f in files:
        size = f"{f.asset.size:,}" if f.downloadable else "not available"
        table.add_row(
            shown(f.relpath), f.asset.type.value, f.asset.state.value, size, shown(", ".join(f.request_ids))
        )
    total = sum(f.asset.size for f in files if f.downloadable)
    table.caption = f"{len(files)} files, {total:,} bytes"
    return table


def _summary(report: DownloadReport) -> Table:
    from slate.downloads import FileStatus

    table = Table(title=f"downloaded to {report.dest}")
    table.add_column("status")
    table.add_column("files", justify="right")
    for status in FileStatus:
        count = sum(o.row.status is status for o in report.outcomes)
        if count:
            table.add_row(status.value, str(count))
    mbps = report.bytes_transferred * 8 / max(report.seconds, 1e-9) / 1e6
    table.caption = f"{report.bytes_transferred:,} bytes in {report.seconds:.1f} s ({mbps:.1f} Mb/s)"
    return table


def _selection(
    requests: str | None, title: str | None, season: int | None, types: str | None, state: str
) -> Selection:
    from slate.downloads import make_selection

    return make_selection(
        request_ids=_split(requests), title=title, season=season, types=_split(types), states=_split(state)
    )


def download(
    dest: Annotated[Path, typer.Option("--dest", help="Folder the episode folders and manifests go in.")],
    requests: Annotated[str | None, typer.Option("--requests", help="Request ids, comma-separated.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="A show (or film) title.")] = None,
    season: Annotated[int | None, typer.Option("--season", help="Only this season of --title.")] = None,
    types: Annotated[
        str | None,
        typer.Option("--types", help=_TYPES_HELP),
    ] = None,
    state: Annotated[str, typer.Option("--state", help=_STATE_HELP)] = ("active"),
    rate_mbps: Annotated[
        int | None, typer.Option("--rate-mbps", help="Bandwidth limit: 10 to 1000 Mb/s in steps of 10.")
    ] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", min=1, max=32)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=_DRY_HELP)] = False,
) -> None:
    """Download portal materials (proxies, printmasters, templates, documents) across requests."""
    from slate.backlot import HttpPortalClient
    from slate.downloads import download_files, select_materials, type_tokens, validate_rate_mbps

    try:
        selection = _selection(requests, title, season, types, state)
        rate = validate_rate_mbps(rate_mbps) if rate_mbps is not None else None
        with HttpPortalClient.from_settings() as client:
            files = select_materials(client, selection)
            if dry_run:
                Console(width=160).print(_plan_table(files))
                return
            with RichBars(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=_err,
            ) as bars:
                report = download_files(
                    client,
                    files,
                    dest,
                    rate_mbps=rate,
                    concurrency=concurrency or get_settings().download_concurrency,
                    progress=_Bars(bars, files),
                )
    except (InvalidInput, NotFound) as exc:
        _err.print(f"[red]error:[/] {exc}")
        if isinstance(exc, InvalidInput) and exc.data.get("rule") == "a category or category.type":
            _err.print(f"types: {', '.join(type_tokens())}")
        raise typer.Exit(2) from exc
    except SlateError as exc:
        _err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    Console(width=160).print(_summary(report))
    if report.failures:
        raise typer.Exit(1)
