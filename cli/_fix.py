"""``slate fix``: write corrected copies of timed-text files and recheck what was fixed.

Never in place: corrected files go to ``--out`` under a temporary name and are renamed when
complete. Exit codes: 0 when the rules the plan fixed are clean after it, 1 when some remain,
2 for an unreadable file or bad usage.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli._qc_common import context as _context
from cli._qc_common import fail as _fail
from cli._qc_common import profile as _profile
from cli._render import shown

if TYPE_CHECKING:  # the validators (numpy, media readers) are imported when the command runs
    from validators import QCContext
    from validators.profiles import Profile
    from validators.timed_text import fixes
    from validators.timed_text.model import Document

__all__ = ["fix"]


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
    """The corrections asked for; with none named, snap, close, extend and the text rules' fixes."""
    from validators.timed_text import fixes

    steps = {name for name, on in (("snap", snap), ("close", close), ("extend", extend)) if on}
    if not steps and shift is None and target is None:
        steps = {"snap", "close", "extend", "text"}
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
            reference_document=self.reference,
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
    console.print(f"[bold]{shown(path)}[/] → [bold]{shown(target)}[/] ({len(fixed.changes)} change(s))")
    for change in fixed.changes[:50]:
        console.print(f"  {shown(change)}")
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
        console.print(f"[red]the written file {shown(target)} does not read back[/]")
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
        where, message = shown(finding.location), shown(finding.message)
        console.print(f"  [yellow]still:[/] {finding.code} {where}: {message}")
    if wanted and not left:
        console.print(f"  [green]clean for {', '.join(sorted(wanted))}[/]")
    for code, reason in unchecked.items():
        console.print(f"  [dim]not checked:[/] {code}: {shown(reason)}")
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
