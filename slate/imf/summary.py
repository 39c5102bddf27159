"""A package's timeline and findings as plain data, for QC reports, ingest and the workspace.

The timeline lists each CPL's segments, their sequences (one per virtual track) and resources,
with durations in the resource's edit units and in composition frames, so an operator sees what
plays without opening the XML.
"""

from __future__ import annotations

from typing import Any

from slate.imf.models import Composition
from slate.imf.timeline import resource_rate, sequence_seconds
from slate.imf.validate import Report

__all__ = ["composition_timeline", "report_summary"]


def composition_timeline(composition: Composition) -> dict[str, Any]:
    """One CPL's segments → sequences → resources, with exact durations as strings."""
    rate = composition.edit_rate
    segments = []
    total = 0
    for segment in composition.segments:
        sequences = []
        frames = 0
        for sequence in segment.sequences:
            seconds = sequence_seconds(sequence, composition)
            if seconds is not None and rate is not None and sequence.kind != "MarkerSequence":
                frames = max(frames, int(seconds * rate))
            sequences.append(
                {
                    "kind": sequence.kind,
                    "track_id": sequence.track_id,
                    "seconds": str(seconds) if seconds is not None else None,
                    "resources": [
                        {
                            "track_file_id": r.track_file_id,
                            "edit_rate": str(resource_rate(r, composition)),
                            "entry_point": r.entry_point or 0,
                            "duration": r.duration(),
                        }
                        for r in sequence.resources
                    ],
                }
            )
        segments.append({"id": segment.id, "frames": frames, "sequences": sequences})
        total += frames
    return {
        "cpl_id": composition.id,
        "title": composition.title,
        "edit_rate": str(rate),
        "frames": total,
        "languages": composition.languages,
        "segments": segments,
    }


def report_summary(report: Report) -> dict[str, Any]:
    """The findings and, when the package was read, each CPL's timeline."""
    cpls = report.package.cpls.values() if report.package is not None else []
    return {
        "ok": report.ok,
        "findings": [f.model_dump(mode="json") for f in report.findings],
        "compositions": [composition_timeline(c) for c in cpls],
    }
