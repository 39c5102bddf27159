"""The IMF suite: Slate's IMF validator against Netflix Photon's test corpus (``photon-imf``).

``photon-imf/expected.json`` lists 75 cases (packages and single documents) with what Photon
found. Slate must, for each case (``photon-imf/README.md``):

* ``expect: valid``: report no FATAL or ERROR finding on the structure axis;
* ``expect: invalid``: report at least one;
* ``integrity: mismatch``: report a finding on the integrity axis whose code names HASH or SIZE;
* ``integrity: ok``: report no integrity finding at all;
* never crash.

The findings judged are those ``slate imf validate PATH --json`` prints (the same function, in
process, so the 75 cases take seconds rather than 75 interpreter starts).
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slate.imf import Axis, Level, validate_path

__all__ = ["FOLDER", "ImfOutcome", "judge_case", "run_imf"]

FOLDER = "photon-imf"
_BLOCKING = {Level.FATAL, Level.ERROR}


@dataclass
class ImfOutcome:
    """How the suite went, with the counts the report quotes."""

    total: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    tally: dict[str, int] = field(default_factory=dict)


def judge_case(root: Path, case: dict[str, Any]) -> str | None:
    """None when Slate behaves on this case as the corpus README requires, else what went wrong."""
    try:
        report = validate_path(root / case["path"])
    except Exception:  # a crash is exactly what conformance must catch and report
        return "validator crashed: " + traceback.format_exc(limit=3).strip().splitlines()[-1]
    structure = [f for f in report.findings if f.axis == Axis.STRUCTURE and f.level in _BLOCKING]
    integrity = [f for f in report.findings if f.axis == Axis.INTEGRITY]
    problems = []
    if case["expect"] == "valid" and structure:
        problems.append("valid case refused: " + "; ".join(f"{f.code} {f.message}" for f in structure[:3]))
    if case["expect"] == "invalid" and not structure:
        problems.append("invalid case accepted (no FATAL/ERROR structure finding)")
    if case["integrity"] == "mismatch" and not any("HASH" in f.code or "SIZE" in f.code for f in integrity):
        problems.append("PKL hash/size mismatch not reported")
    if case["integrity"] == "ok" and integrity:
        problems.append("integrity finding on a matching package: " + integrity[0].message)
    return "; ".join(problems) or None


def run_imf(root: Path) -> ImfOutcome:
    """Judge every case of ``root/photon-imf/expected.json``."""
    folder = root / FOLDER
    outcome = ImfOutcome()
    for case in json.loads((folder / "expected.json").read_text()):
        outcome.total += 1
        key = f"{case['kind']} {case['expect']}"
        outcome.tally[key] = outcome.tally.get(key, 0) + 1
        problem = judge_case(folder, case)
        if problem is not None:
            outcome.failures.append((case["path"], problem))
    return outcome
