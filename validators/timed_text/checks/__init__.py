"""Timed-text checks, in the order they run; each adds findings to a shared :class:`Checker`."""

from __future__ import annotations

from validators.timed_text.checks._common import Check, Checker
from validators.timed_text.checks.declaration import (
    check_frame_rate,
    check_open_ended,
    check_program_bounds,
    check_start_offset,
    check_timebase,
    resolve_open_ends,
)
from validators.timed_text.checks.reference import check_drift, check_forced_in_full, check_shot_changes
from validators.timed_text.checks.style import TEXT_CHECKS
from validators.timed_text.checks.text import check_glyphs, check_text
from validators.timed_text.checks.timing import check_durations, check_frame_alignment, check_sequence

__all__ = ["CHECKS", "Check", "Checker"]

CHECKS: tuple[Check, ...] = (
    resolve_open_ends,
    check_open_ended,
    check_frame_rate,
    check_timebase,
    check_start_offset,
    check_program_bounds,
    check_frame_alignment,
    check_durations,
    check_sequence,
    check_text,
    check_glyphs,
    *TEXT_CHECKS,
    check_shot_changes,
    check_forced_in_full,
    check_drift,
)
