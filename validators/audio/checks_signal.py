"""Checks on the samples that need no channel roles: silence, clipping, peaks, loudness, correlation."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import numpy.typing as npt

from validators.audio.analysis import per_second_correlation
from validators.audio.figures import LOUDNESS_METHOD, ChannelFigures, Figures
from validators.audio.measure import Measured
from validators.audio.rules import AudioRules
from validators.base import Finding, Location, Severity

__all__ = ["signal_findings"]


def signal_findings(
    figures: Figures, measured: Measured, asset_type: str, rules: AudioRules
) -> list[Finding]:
    """Findings from the measured signal, in channel order within each check."""
    return [
        *_silent(figures, rules),
        *_clipping(figures, rules),
        *_true_peak(figures, rules),
        *_loudness(figures, asset_type, rules),
        *_pairs(figures, measured, rules),
    ]


def _silent(figures: Figures, rules: AudioRules) -> list[Finding]:
    return [
        Finding(
            code="AUDIO_SILENT_CHANNEL",
            severity=Severity.WARNING if ch.label == "LFE" else Severity.ISSUE,
            message=f"channel {ch.label} is silent (peak {_level(ch.peak_dbfs)} dBFS)",
            location=Location(channel=ch.label),
            rule=f"every channel carries signal above {rules.silence_threshold_dbfs} dBFS",
            evidence=ch.evidence("peak_dbfs", "rms_dbfs"),
        )
        for ch in figures.channels
        if ch.silent
    ]


def _clipping(figures: Figures, rules: AudioRules) -> list[Finding]:
    return [
        Finding(
            code="AUDIO_CLIPPING",
            severity=Severity.ISSUE,
            message=f"channel {ch.label} clips: {ch.clipped_runs} runs of "
            f"{rules.clip_min_run}+ samples at full scale",
            location=Location(channel=ch.label, start_seconds=ch.clip_first_s, end_seconds=ch.clip_last_s),
            rule=f"no runs of {rules.clip_min_run} or more samples at or above {rules.clip_level_dbfs} dBFS",
            evidence=ch.evidence("clipped_runs", "clip_first_s", "clip_last_s", "peak_dbfs"),
        )
        for ch in figures.channels
        if ch.clipped_runs
    ]


def _true_peak(figures: Figures, rules: AudioRules) -> list[Finding]:
    findings = []
    for ch in figures.channels:
        if ch.true_peak_dbtp is None or ch.true_peak_dbtp <= rules.true_peak_max_dbtp:
            continue
        blocker = ch.true_peak_dbtp > rules.true_peak_blocker_dbtp
        findings.append(
            Finding(
                code="AUDIO_TRUE_PEAK",
                severity=Severity.BLOCKER if blocker else Severity.ISSUE,
                message=f"channel {ch.label} peaks at {ch.true_peak_dbtp} dBTP "
                f"(max {rules.true_peak_max_dbtp})",
                location=Location(
                    channel=ch.label, start_seconds=ch.true_peak_at_s, end_seconds=ch.true_peak_at_s
                ),
                rule=f"true peak (4x oversampled, BS.1770) at most {rules.true_peak_max_dbtp} dBTP; "
                f"above {rules.true_peak_blocker_dbtp} dBTP the portal rejects",
                evidence={
                    **ch.evidence("true_peak_dbtp", "true_peak_at_s", "peak_dbfs"),
                    "limit_dbtp": rules.true_peak_max_dbtp,
                },
            )
        )
    return findings


def _loudness(figures: Figures, asset_type: str, rules: AudioRules) -> list[Finding]:
    if asset_type not in rules.loudness_required_for:
        return []
    measured = figures.programme_loudness_lkfs
    target, tolerance = rules.program_loudness_lufs, rules.loudness_tolerance_lu
    if measured is not None and abs(measured - target) <= tolerance:
        return []
    shown = "below the absolute gate" if measured is None else f"{measured} LKFS"
    return [
        Finding(
            code="AUDIO_LOUDNESS",
            severity=Severity.ISSUE,
            message=f"programme loudness is {shown}, outside {target} ±{tolerance} LKFS (not dialogue-gated)",
            rule=f"programme loudness {target} ±{tolerance} LKFS ({LOUDNESS_METHOD})",
            evidence={
                "programme_loudness_lkfs": measured,
                "target_lkfs": target,
                "tolerance_lu": tolerance,
                "method": LOUDNESS_METHOD,
            },
        )
    ]


def _pairs(figures: Figures, measured: Measured, rules: AudioRules) -> list[Finding]:
    """Duplicates (each channel reported once, against the first it copies) and inverted pairs."""
    findings: list[Finding] = []
    channels = figures.channels
    copies: set[int] = set()
    for first, second in combinations(range(len(channels)), 2):
        a, b = channels[first], channels[second]
        if a.silent or b.silent or not figures.correlation or second in copies:
            continue
        value = figures.correlation[first][second]
        per_second = per_second_correlation(measured.gram, first, second)
        if value >= rules.duplicate_correlation_min:
            copies.add(second)
            hits = per_second >= rules.duplicate_correlation_min
            findings.append(_pair_finding("AUDIO_CHANNEL_DUPLICATE", value, hits, a, b))
        elif value <= rules.polarity_correlation_max and "LFE" not in (a.label, b.label):
            hits = per_second <= rules.polarity_correlation_max
            findings.append(_pair_finding("AUDIO_POLARITY_INVERTED", value, hits, a, b))
    return findings


def _pair_finding(
    code: str, value: float, seconds: npt.NDArray[np.bool_], a: ChannelFigures, b: ChannelFigures
) -> Finding:
    hits = np.flatnonzero(seconds)
    start = float(hits[0]) if hits.size else None
    end = float(hits[-1] + 1) if hits.size else None
    level = round((b.rms_dbfs or 0.0) - (a.rms_dbfs or 0.0), 2)
    first, second = a.label, b.label
    if code == "AUDIO_CHANNEL_DUPLICATE":
        where = second
        message = f"channel {second} duplicates {first} (correlation {value:.4f}, level {level:+.2f} dB)"
        rule = "each channel carries its own signal"
    else:
        # A negative correlation is symmetric: it cannot tell which of the two was inverted, so
        # the finding names the pair rather than guess one channel.
        where = f"{first}/{second}"
        message = (
            f"one of {first} and {second} is polarity-inverted against the other (correlation {value:.3f})"
        )
        rule = "channels are in polarity with each other"
    return Finding(
        code=code,
        severity=Severity.ISSUE,
        message=message,
        location=Location(channel=where, start_seconds=start, end_seconds=end),
        rule=rule,
        evidence={
            "other_channel": first,
            "correlation": value,
            "level_difference_db": level,
            "seconds_affected": int(hits.size),
        },
    )


def _level(value: float | None) -> str:
    return "-inf" if value is None else f"{value}"
