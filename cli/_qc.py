"""``slate qc``: check files against a rule profile (``slate fix`` lives in :mod:`cli._fix`).

``qc`` dispatches through :data:`validators.REGISTRY` by ``--type``, so every kind of asset a
validator is registered for (timed text, audio) is checked the same way. Exit codes: 0 when no
finding reaches BLOCKER, 1 when one does, 2 for an unreadable file or bad usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli._qc_common import context as _context
from cli._qc_common import fail as _fail
from cli._qc_common import profile as _profile
from cli._render import shown

if TYPE_CHECKING:  # the validators (numpy, media readers) are imported when a command runs
    from validators import Report

__all__ = ["qc", "register", "report_json"]

_UNREADABLE = {"AUDIO_UNREADABLE"}
#: By severity (BLOCKER 3 down to INFO 0; ``Severity`` is an IntEnum).
_STYLE = {3: "bold red", 2: "yellow", 1: "cyan", 0: "dim"}


def register(app: typer.Typer) -> None:
    """Add ``qc`` and ``fix`` to the ``slate`` command line."""
    from cli._fix import fix

    app.command("qc")(qc)
    app.command("fix")(fix)


def qc(
    *,
    files: Annotated[list[Path], typer.Argument(help="Files to check (timed text or audio).")],
    asset_type: Annotated[
        str, typer.Option("--type", help="subtitle, sdh, forced, template, printmaster, me, imf, …")
    ],
    language: Annotated[
        str, typer.Option("--language", help="Language tag (default: the file's xml:lang, else en).")
    ] = "",
    fps: Annotated[
        str | None, typer.Option("--fps", help="Programme frame rate: 25, 23.976, 24000/1001.")
    ] = None,
    program_duration: Annotated[
        str | None, typer.Option("--program-duration", help="Seconds or HH:MM:SS:FF.")
    ] = None,
    start_timecode: Annotated[
        str | None, typer.Option("--start-timecode", help="Programme start, e.g. 01:00:00:00.")
    ] = None,
    timebase: Annotated[
        str | None, typer.Option("--timebase", help="Time base declared on the portal.")
    ] = None,
    layout: Annotated[
        str | None, typer.Option("--layout", help="Requested channel layout: 2.0, 5.1, 7.1.")
    ] = None,
    children: Annotated[
        bool, typer.Option("--children", help="A children's programme (slower reading).")
    ] = False,
    full: Annotated[
        Path | None, typer.Option("--full", help="The full subtitle file a forced file belongs to.")
    ] = None,
    reference: Annotated[
        Path | None, typer.Option("--reference", help="A correctly timed file to detect drift.")
    ] = None,
    shot_changes: Annotated[
        Path | None, typer.Option("--shot-changes", help="One cut a line (frame/time).")
    ] = None,
    profile_name: Annotated[str, typer.Option("--profile", help="Rule profile name.")] = "netflix",
    overrides: Annotated[
        list[str] | None, typer.Option("--set", help="Override one rule: timed_text.max_duration_ms=6000.")
    ] = None,
    mono_set: Annotated[
        bool, typer.Option("--mono-set", help="The files are one mix: mono files, one per channel.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Check files against a rule profile and print the findings with their timecodes."""
    from validators import file_kinds, run_validators
    from validators.timed_text.options import (
        parse_duration,
        parse_layout,
        parse_rate,
        parse_shot_changes,
        parse_start_timecode,
        parse_timebase,
    )

    if asset_type == "imf":  # a package (folder or ZIP), judged by the IMF validator
        from cli._imf import check_paths

        raise typer.Exit(check_paths(list(files), as_json))
    if asset_type not in file_kinds():
        kinds = ", ".join([*file_kinds(), "imf"])
        raise _fail(f"--type {asset_type!r} is not a kind of file QC checks: one of {kinds}")
    profile = _profile(profile_name, overrides or [])
    try:
        rate = parse_rate(fps) if fps else None
        duration = parse_duration(program_duration, rate) if program_duration else None
        cuts = parse_shot_changes(shot_changes, rate) if shot_changes else None
        start_timecode = parse_start_timecode(start_timecode, rate) if start_timecode else None
        layout = parse_layout(layout) if layout else None
        timebase = parse_timebase(timebase) if timebase else None
    except (ValueError, OSError) as exc:
        raise _fail(str(exc)) from exc
    missing = [str(f) for f in [*files, full, reference] if f is not None and not f.is_file()]
    if missing:
        raise _fail(f"cannot read {', '.join(missing)}: no such file")
    context = _context(
        asset_type,
        language,
        rate,
        profile,
        program_duration=duration,
        start_timecode=start_timecode,
        declared_timebase=timebase,
        channel_layout=layout,
        children=children,
        full_subtitle=full,
        reference=reference,
        shot_changes=cuts,
    )
    subjects: list[Any] = [list(files)] if mono_set else list(files)
    reports = [run_validators(asset_type, subject, context) for subject in subjects]
    _print(reports, as_json)
    if any(_unreadable(r) for r in reports):
        raise typer.Exit(2)
    raise typer.Exit(1 if any(r.blocked for r in reports) else 0)


def _unreadable(report: Report) -> bool:
    return report.measurements.get("readable") is False or any(f.code in _UNREADABLE for f in report.findings)


def report_json(report: Report) -> dict[str, Any]:
    """A report as the JSON ``slate qc --json`` prints: file, findings, measurements."""
    return {
        "file": report.subject,
        "profile": report.profile,
        "findings": [
            {
                "code": f.code,
                "severity": str(f.severity),
                "message": f.message,
                "location": {**f.location.model_dump(exclude_none=True), "text": str(f.location)},
                "rule": f.rule,
                "fixable": f.fixable,
                "evidence": f.evidence,
            }
            for f in report.findings
        ],
        "measurements": report.measurements,
    }


def _print(reports: list[Report], as_json: bool) -> None:
    """JSON (one object for one subject, a list for several) or a table per subject."""
    if as_json:
        # default=str: Fractions and paths among the figures print as text ("24000/1001").
        payload: Any = json.loads(json.dumps([report_json(r) for r in reports], default=str))
        typer.echo(json.dumps(payload[0] if len(reports) == 1 else payload, indent=2, ensure_ascii=False))
        return
    console = Console(width=160)
    for report in reports:
        worst = report.worst
        verdict = "clean" if worst is None else f"worst: {worst}"
        title = f"{shown(report.subject)} — profile {shown(report.profile)} — {verdict}"
        table = Table(title=title, title_justify="left")
        for column in ("severity", "code", "where", "message"):
            table.add_column(column, overflow="fold")
        for f in report.findings:
            style = _STYLE[f.severity]
            table.add_row(f"[{style}]{f.severity}[/]", f.code, shown(f.location), shown(f.message))
        console.print(table)
        for line in _figure_lines(report.measurements):
            console.print(f"[dim]{shown(line)}[/]", highlight=False)


#: Per-channel figures the table view shows; ``--json`` has them all.
_BRIEF = ("rms_dbfs", "peak_dbfs", "true_peak_dbtp")


def _figure_lines(measurements: dict[str, Any]) -> list[str]:
    """The scalar figures on one line, then one short line per entry of a nested table (a channel).

    Nested figures (13 per channel, a correlation matrix) would bury the findings; the table view
    shows a few and points to ``--json`` for the rest.
    """
    scalars = {k: v for k, v in measurements.items() if v is not None and not isinstance(v, dict | list)}
    lines = [", ".join(f"{k}={v}" for k, v in scalars.items())]
    nested = [k for k in measurements if k not in scalars and measurements[k] is not None]
    for key in nested:
        value = measurements[key]
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
            for name, figures in value.items():
                brief = [f"{k}={figures[k]}" for k in _BRIEF if figures.get(k) is not None]
                brief += [flag for flag in ("silent",) if figures.get(flag) is True]
                lines.append(f"  {name}: {', '.join(brief or [f'{len(figures)} figures'])}")
    if nested:
        lines.append(f"({', '.join(nested)}: all figures with --json)")
    return lines
