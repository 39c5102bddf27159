"""``slate qc`` and ``slate fix``: check files against a rule profile, and write corrected copies.

``qc`` dispatches through :data:`validators.REGISTRY` by ``--type``, so every kind of asset a
validator is registered for (timed text, audio) is checked the same way. Exit codes: 0 when no
finding reaches BLOCKER, 1 when one does, 2 for an unreadable file or bad usage.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from slate.settings import get_settings

if TYPE_CHECKING:  # the validators (numpy, media readers) are imported when a command runs
    from validators import QCContext, Report
    from validators.profiles import Profile
    from validators.timed_text import fixes
    from validators.timed_text.model import Document

__all__ = ["fix", "qc", "register"]

_UNREADABLE = {"AUDIO_UNREADABLE"}
#: Registry kinds whose validators check domain records rather than files (run by the flows).
_NOT_FILES = {"delivery"}
#: By severity (BLOCKER 3 down to INFO 0; ``Severity`` is an IntEnum).
_STYLE = {3: "bold red", 2: "yellow", 1: "cyan", 0: "dim"}


def register(app: typer.Typer) -> None:
    """Add ``qc`` and ``fix`` to the ``slate`` command line."""
    app.command("qc")(qc)
    app.command("fix")(fix)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _profile(name: str, overrides: list[str]) -> Profile:
    from validators.profiles import ProfileError, load_profile

    try:
        return load_profile(name, search_dirs=[get_settings().home / "profiles"], overrides=overrides)
    except ProfileError as exc:
        raise _fail(str(exc)) from exc


def _context(
    asset_type: str, language: str, fps: Fraction | None, profile: Profile, **extra: Any
) -> QCContext:
    from validators import QCContext

    options = {"profile": profile, **{k: v for k, v in extra.pop("options", {}).items() if v}}
    return QCContext(
        asset_type=asset_type,
        language=language,
        profile_name=profile.name,
        fps=fps,
        options=options,
        **extra,
    )


def qc(
    *,
    files: Annotated[list[Path], typer.Argument(help="Files to check (timed text or audio).")],
    asset_type: Annotated[
        str, typer.Option("--type", help="subtitle, sdh, forced, template, printmaster, me, …")
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
    from validators import REGISTRY
    from validators.timed_text.options import (
        parse_duration,
        parse_layout,
        parse_rate,
        parse_shot_changes,
        parse_start_timecode,
        parse_timebase,
    )

    validators = REGISTRY.get(asset_type) if asset_type not in _NOT_FILES else None
    if not validators:
        kinds = ", ".join(sorted(set(REGISTRY) - _NOT_FILES))
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
        options={"children": children, "full_subtitle": full, "reference": reference, "shot_changes": cuts},
    )
    subjects: list[Any] = [list(files)] if mono_set else list(files)
    reports = [_merge(subject, [v(subject, context) for v in validators]) for subject in subjects]
    _print(reports, as_json)
    if any(_unreadable(r) for r in reports):
        raise typer.Exit(2)
    raise typer.Exit(1 if any(r.blocked for r in reports) else 0)


def _merge(subject: Any, reports: list[Report]) -> Report:
    """One report per subject, whatever number of validators ran on it."""
    from validators import Report

    name = reports[0].subject if isinstance(subject, list) else str(subject)
    merged = Report(subject=name, profile=reports[0].profile)
    for report in reports:
        merged.findings.extend(report.findings)
        merged.measurements.update(report.measurements)
    return merged


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
        table = Table(title=f"{report.subject} — profile {report.profile} — {verdict}", title_justify="left")
        for column in ("severity", "code", "where", "message"):
            table.add_column(column, overflow="fold")
        for f in report.findings:
            style = _STYLE[f.severity]
            table.add_row(f"[{style}]{f.severity}[/]", f.code, str(f.location), f.message)
        console.print(table)
        for line in _figure_lines(report.measurements):
            console.print(f"[dim]{line}[/]", highlight=False)


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


def fix(
    *,
    files: Annotated[
        list[Path], typer.Argument(help="Timed-text files to correct (never changed in place).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory for the corrected files.")],
    fps: Annotated[
        str | None, typer.Option("--fps", help="The frame rate the file is timed at / the programme's.")
    ] = None,
    shift: Annotated[
        str | None,
        typer.Option("--shift", help="Move every time: -3600, -01:00:00:00, or auto (the offset QC finds)."),
    ] = None,
    program_duration: Annotated[
        str | None, typer.Option("--program-duration", help="Seconds or HH:MM:SS:FF (for --shift auto).")
    ] = None,
    start_timecode: Annotated[
        str | None, typer.Option("--start-timecode", help="Programme start (for --shift auto).")
    ] = None,
    to_fps: Annotated[
        str | None, typer.Option("--to-fps", help="Retime from --fps to this frame rate.")
    ] = None,
    snap: Annotated[bool, typer.Option("--snap", help="Snap times to frames.")] = False,
    close_gaps: Annotated[
        bool, typer.Option("--close-gaps", help="Close gaps under half a second to 2 frames.")
    ] = False,
    min_duration: Annotated[
        bool, typer.Option("--min-duration", help="Extend short events where there is room.")
    ] = False,
    to_format: Annotated[
        str | None, typer.Option("--format", help="srt, vtt or ttml (default: same as input).")
    ] = None,
    timebase: Annotated[
        str, typer.Option("--timebase", help="TTML time base to write: media or smpte.")
    ] = "media",
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="A correctly timed file: the written file is checked for drift."),
    ] = None,
    asset_type: Annotated[
        str, typer.Option("--type", help="Asset type, for the rules checked after.")
    ] = "subtitle",
    language: Annotated[str, typer.Option("--language", help="Default: the file's xml:lang, else en.")] = "",
    profile_name: Annotated[str, typer.Option("--profile")] = "netflix",
    overrides: Annotated[
        list[str] | None, typer.Option("--set", help="Override one rule (key=value).")
    ] = None,
) -> None:
    """Write corrected copies and print what changed; with no correction named, snap, close and extend."""
    from validators.timed_text.options import parse_duration, parse_rate, parse_start_timecode
    from validators.timed_text.validate import TIMED_TEXT_TYPES

    if asset_type not in TIMED_TEXT_TYPES:
        raise _fail(f"slate fix corrects timed text; --type {asset_type!r} is not one of {TIMED_TEXT_TYPES}")
    if to_format not in (None, "srt", "vtt", "ttml") or timebase not in ("media", "smpte"):
        raise _fail("--format is srt, vtt or ttml; --timebase is media or smpte")
    profile = _profile(profile_name, overrides or [])
    try:
        rate = parse_rate(fps) if fps else None
        target_rate = parse_rate(to_fps) if to_fps else None
        offset = parse_duration(shift, rate) if shift and shift != "auto" else None
        duration = parse_duration(program_duration, rate) if program_duration else None
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if target_rate and rate is None:
        raise _fail("--to-fps needs --fps (the rate the file is timed at)")
    try:
        start_timecode = parse_start_timecode(start_timecode, target_rate or rate) if start_timecode else None
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    job = _FixJob(
        reference=_reference(reference),
        plan=_plan(snap, close_gaps, min_duration, shift, offset, rate, target_rate),
        auto_shift=shift == "auto",
        rate=rate,
        to_format=to_format,
        timebase=timebase,
        profile=profile,
        asset_type=asset_type,
        language=language,
        program_duration=duration,
        start_timecode=start_timecode,
    )
    out.mkdir(parents=True, exist_ok=True)
    remaining = sum(_fix_one(path, out, job) for path in files)
    raise typer.Exit(1 if remaining else 0)


def _plan(
    snap: bool,
    close: bool,
    extend: bool,
    shift: str | None,
    offset: Fraction | None,
    rate: Fraction | None,
    target: Fraction | None,
) -> fixes.FixPlan:
    """The corrections asked for; with none named, snap, close and extend."""
    from validators.timed_text import fixes

    steps = {name for name, on in (("snap", snap), ("close", close), ("extend", extend)) if on}
    if not steps and shift is None and target is None:
        steps = {"snap", "close", "extend"}
    steps |= {"shift"} if shift else set()
    steps |= {"retime"} if target else set()
    return fixes.FixPlan(frozenset(steps), offset=offset, source_fps=rate, target_fps=target)


@dataclass(frozen=True)
class _FixJob:
    """What ``slate fix`` was asked to do, the same for every file."""

    plan: fixes.FixPlan
    auto_shift: bool
    rate: Fraction | None
    to_format: str | None
    timebase: str
    profile: Profile
    asset_type: str
    language: str
    program_duration: Fraction | None
    start_timecode: str | None
    reference: Document | None = None

    def context(self, fps: Fraction | None, language: str) -> QCContext:
        """The QC context a file is checked in, before (offset) and after (recheck) the fix."""
        return _context(
            self.asset_type,
            language,
            fps,
            self.profile,
            program_duration=self.program_duration,
            start_timecode=self.start_timecode,
            options={"reference_document": self.reference},
        )


def _reference(path: Path | None) -> Document | None:
    """``slate fix --reference``, read once for every file; bad usage when it cannot be read."""
    from validators.timed_text.readers import read_path

    if path is None:
        return None
    if not path.is_file():
        raise _fail(f"cannot read --reference {path}: no such file")
    result = read_path(path)
    if result.document is None:
        raise _fail(f"--reference {path} cannot be read: " + "; ".join(f.message for f in result.findings))
    return result.document


def _fix_one(path: Path, out: Path, job: _FixJob) -> int:
    """Correct one file into ``out``; return how many findings of the fixed rules remain."""
    from validators.timed_text import fixes
    from validators.timed_text.readers import read_path
    from validators.timed_text.writers import write

    console = Console(soft_wrap=True)  # paths and changes stay whole lines, for logs and greps
    result = read_path(path)
    if result.document is None:
        raise _fail(f"{path}: cannot be read: " + "; ".join(f.message for f in result.findings))
    source = result.document
    fmt = job.to_format or ("ttml" if source.format in ("ttml", "scc") else source.format)
    target = out / f"{path.stem}.{'xml' if fmt == 'ttml' else fmt}"
    if target.resolve() == path.resolve():
        raise _fail(f"{target} is the input file; slate fix never writes in place")
    fps = job.plan.target_fps or job.rate or source.frame_rate
    language = job.language or source.language or "en"
    rules = job.profile.for_asset(job.asset_type).timed_text
    plan = job.plan
    if job.auto_shift:
        found = fixes.start_offset(source, job.context(job.rate or source.frame_rate, language), rules)
        plan = replace(plan, offset=None if found is None else -found)
    fixed = fixes.apply_plan(source, plan, fps, rules, language)
    _write_atomically(target, write(fixed.document, fmt, fps=fps, time_base=job.timebase))
    console.print(f"[bold]{path}[/] → [bold]{target}[/] ({len(fixed.changes)} change(s))")
    for change in fixed.changes[:50]:
        console.print(f"  {change}")
    if len(fixed.changes) > 50:
        console.print(f"  … and {len(fixed.changes) - 50} more")
    return _recheck(target, job, fps, language, console)


def _recheck(target: Path, job: _FixJob, fps: Fraction | None, language: str, console: Console) -> int:
    """Validate the written file; count findings of the rules the plan fixed that are still there."""
    from validators.timed_text import fixes
    from validators.timed_text.readers import read_path
    from validators.timed_text.validate import validate_document

    reread = read_path(target)
    if reread.document is None:
        console.print(f"[red]the written file {target} does not read back[/]")
        return 1
    report = validate_document(reread.document, job.context(fps, language), job.profile)
    rules = job.profile.for_asset(job.asset_type).timed_text
    gaps = rules.language(language).gap_checks
    unchecked = fixes.unchecked(
        job.plan.codes, fps=fps is not None, reference=job.reference is not None, gap_checks=gaps
    )
    wanted = job.plan.codes - unchecked.keys()
    left = [f for f in report.findings if f.code in wanted]
    for finding in left[:20]:
        console.print(f"  [yellow]still:[/] {finding.code} {finding.location}: {finding.message}")
    if wanted and not left:
        console.print(f"  [green]clean for {', '.join(sorted(wanted))}[/]")
    for code, reason in unchecked.items():
        console.print(f"  [dim]not checked:[/] {code}: {reason}")
    return len(left)


def _write_atomically(target: Path, text: str) -> None:
    """Write to a temporary file beside ``target`` and rename it, so nothing is ever half-written."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
