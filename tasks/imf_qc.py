"""QC of an IMF package: Slate's IMF validator seen through the QC report's shape.

A version that is an IMF package (a ZIP holding an ASSETMAP) is judged by :mod:`slate.imf`, the
same validator as ``slate imf validate`` and ingest. Its FATAL and ERROR findings become BLOCKERs,
its WARNINGs stay warnings; the report's measurements carry each CPL's timeline, which the
markdown report prints as a table of segments, sequences and resources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slate.imf import Level, validate_path
from slate.imf.summary import report_summary
from validators import Finding, Report, Severity

__all__ = ["imf_report", "timeline_markdown"]

_SEVERITY = {Level.FATAL: Severity.BLOCKER, Level.ERROR: Severity.BLOCKER, Level.WARNING: Severity.WARNING}


def imf_report(path: Path, subject: str, profile: str) -> Report:
    """The package's findings as a QC report, its timeline in ``measurements["imf"]``."""
    report = validate_path(path)
    findings = [
        Finding(
            code=f.code,
            severity=_SEVERITY[f.level],
            message=f"{f.file}: {f.message}" if f.file else f.message,
            rule=f"IMF {f.axis.value}",
            evidence={"file": f.file, "axis": f.axis.value},
        )
        for f in report.findings
    ]
    summary = report_summary(report)
    return Report(
        subject=subject, profile=profile, findings=findings, measurements={"imf": summary["compositions"]}
    )


def timeline_markdown(compositions: list[dict[str, Any]]) -> list[str]:
    """Markdown lines: one table per CPL, a row per resource of each segment and sequence."""
    lines: list[str] = []
    for cpl in compositions:
        lines += [
            "",
            f"## CPL {cpl['cpl_id']} — {cpl['title']}, {cpl['frames']} frames at {cpl['edit_rate']}",
            "",
            "| segment | sequence | track file | edit rate | entry | duration |",
            "|---|---|---|---|---|---|",
        ]
        for number, segment in enumerate(cpl["segments"], start=1):
            for sequence in segment["sequences"]:
                for r in sequence["resources"]:
                    lines.append(
                        f"| {number} | {sequence['kind']} | `{r['track_file_id']}` | {r['edit_rate']} "
                        f"| {r['entry_point']} | {r['duration']} |"
                    )
    return lines
