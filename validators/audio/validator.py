"""The audio validator: open, stream once, measure, and report every finding with its evidence.

The subject is one interleaved WAV/BWF/RF64 file or a set of mono files, one per channel. Mono files
whose names carry the labels of the requested layout (``…_L.wav`` … ``…_Rs.wav``) are put in that
order; otherwise they are taken in the order given. The rules come from, in order of preference,
``context.audio_rules``, ``context.profile`` (a :class:`Profile`), or the profile named by
``context.profile_name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from validators.audio.checks_format import duration_findings, format_findings
from validators.audio.checks_roles import role_findings
from validators.audio.checks_signal import signal_findings
from validators.audio.figures import LOUDNESS_METHOD, Figures, compute_figures
from validators.audio.layouts import Layout, expected_layout, label_from_filename
from validators.audio.measure import Measured, Meter
from validators.audio.rules import AudioRules
from validators.audio.source import AudioInfo, AudioSource, Unreadable
from validators.base import Finding, Location, QCContext, Report, Severity

__all__ = ["audio_rules", "validate"]

Subject = str | Path | Sequence[str | Path]


def audio_rules(context: QCContext) -> AudioRules:
    """The audio rules that apply to this run (see the module docstring)."""
    if context.audio_rules is not None:
        return context.audio_rules
    return context.resolved_profile().for_asset(context.asset_type).audio


def validate(subject: Subject, context: QCContext) -> Report:
    """Check a printmaster, M&E or other mix; never raises for a bad file (``AUDIO_UNREADABLE``)."""
    rules = audio_rules(context)
    paths = _ordered(subject, context.channel_layout)
    report = Report(subject=_name(paths), profile=context.profile_name)
    try:
        with AudioSource(paths) as source:
            info = source.info
            layout = expected_layout(context.channel_layout, info.channels)
            report.findings.extend(format_findings(info, layout, context.channel_layout, rules))
            report.measurements.update(_header(info))
            measured = _measure(source, rules)
    except Unreadable as exc:
        report.findings.append(_unreadable(exc))
        return report
    labels = _labels(info, layout)
    figures = compute_figures(measured, labels, rules)
    report.findings.extend(duration_findings(info, labels, context.program_duration, rules))
    report.findings.extend(signal_findings(figures, measured, context.asset_type, rules))
    if layout is not None and len(layout.labels) == info.channels:
        report.findings.extend(role_findings(figures, layout, context.asset_type, rules))
    report.measurements.update(_signal(figures))
    return report


def _measure(source: AudioSource, rules: AudioRules) -> Measured:
    """Stream the samples through the meter; the next block is read while this one is measured."""
    info = source.info
    meter = Meter(
        info.channels,
        info.sample_rate,
        speech_band=rules.speech_band_hz,
        lfe_cutoff=rules.lfe_cutoff_hz,
        clip_level=10 ** (rules.clip_level_dbfs / 20),
        clip_min_run=rules.clip_min_run,
    )
    with ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(source.read_block, meter.block_frames)
        while (block := pending.result()).shape[1]:
            n = block.shape[1]
            np.copyto(meter.buffer()[:, :n], block)
            pending = reader.submit(source.read_block, meter.block_frames)
            meter.feed_buffer(n)
    return meter.result()


def _ordered(subject: Subject, requested: str | None) -> list[Path]:
    """The subject's paths; mono files labelled with every channel of the layout, in its order."""
    paths = [Path(subject)] if isinstance(subject, str | Path) else [Path(p) for p in subject]
    layout = expected_layout(requested, len(paths))
    if len(paths) < 2 or layout is None:
        return paths
    labels = [label_from_filename(p.name) for p in paths]
    if sorted(label or "" for label in labels) != sorted(layout.labels):
        return paths
    return [paths[labels.index(label)] for label in layout.labels]


def _labels(info: AudioInfo, layout: Layout | None) -> list[str]:
    if layout is not None and len(layout.labels) == info.channels:
        return list(layout.labels)
    return [f"ch{i + 1}" for i in range(info.channels)]


def _name(paths: list[Path]) -> str:
    return str(paths[0]) if len(paths) == 1 else " + ".join(p.name for p in paths)


def _unreadable(exc: Unreadable) -> Finding:
    return Finding(
        code="AUDIO_UNREADABLE",
        severity=Severity.BLOCKER,
        message=f"{exc.path}: {exc}",
        rule="the audio is a readable WAV/BWF/RF64 (or mono WAV set)",
        evidence={"file": exc.path},
        location=Location(),
    )


def _header(info: AudioInfo) -> dict[str, Any]:
    return {
        "container": info.container,
        "subtype": info.subtype,
        "bit_depth": info.bit_depth,
        "sample_rate_hz": info.sample_rate,
        "channels": info.channels,
        "frames": info.frames,
        "duration_seconds": round(info.duration_seconds, 3),
        "declared_layout": info.declared_layout,
    }


def _signal(figures: Figures) -> dict[str, Any]:
    return {
        "programme_loudness_lkfs": figures.programme_loudness_lkfs,
        "loudness_method": LOUDNESS_METHOD,
        "loudness_range_lu": figures.loudness_range_lu,
        "true_peak_dbtp": figures.true_peak_dbtp,
        "per_channel": {ch.label: ch.model_dump(exclude={"label"}) for ch in figures.channels},
        "correlation": figures.correlation,
    }
