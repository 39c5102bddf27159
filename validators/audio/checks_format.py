"""Checks on what the headers say: sample rate, bit depth, channel count, declared layout, length."""

from __future__ import annotations

from fractions import Fraction

from validators.audio.layouts import Layout
from validators.audio.rules import AudioRules
from validators.audio.source import AudioInfo
from validators.base import Finding, Location, Severity

__all__ = ["duration_findings", "format_findings"]


def format_findings(
    info: AudioInfo, layout: Layout | None, requested: str | None, rules: AudioRules
) -> list[Finding]:
    """Findings about the file's format, before any sample is read."""
    findings = [
        *_truncated(info),
        *_rate(info, rules),
        *_depth(info, rules),
        *_count(info, layout, requested),
    ]
    if layout is not None and len(layout.labels) == info.channels:
        findings.extend(_declared(info, layout))
    return findings


def duration_findings(
    info: AudioInfo, labels: list[str], program_duration: Fraction | None, rules: AudioRules
) -> list[Finding]:
    """The audio must run as long as the programme, and mono files as long as each other."""
    findings: list[Finding] = []
    seconds = Fraction(info.frames, info.sample_rate) if info.sample_rate else Fraction(0)
    if program_duration is not None and abs(seconds - program_duration) > Fraction(
        str(rules.duration_tolerance_s)
    ):
        findings.append(
            Finding(
                code="AUDIO_DURATION_MISMATCH",
                severity=Severity.BLOCKER,
                message=f"the audio runs {float(seconds):.3f} s, the programme "
                f"{float(program_duration):.3f} s (tolerance {rules.duration_tolerance_s} s)",
                rule=f"audio length within {rules.duration_tolerance_s} s of the programme runtime",
                evidence={
                    "audio_seconds": round(float(seconds), 3),
                    "program_seconds": round(float(program_duration), 3),
                    "difference_seconds": round(float(seconds - program_duration), 3),
                },
            )
        )
    for label, frames, path in zip(labels, info.file_frames, info.files, strict=False):
        if frames != info.frames:
            findings.append(
                Finding(
                    code="AUDIO_DURATION_MISMATCH",
                    severity=Severity.BLOCKER,
                    message=f"{path} runs {frames - info.frames} samples longer than the shortest file",
                    location=Location(channel=label),
                    rule="the mono files of one mix have the same length",
                    evidence={"file": path, "frames": frames, "shortest_frames": info.frames},
                )
            )
    return findings


def _truncated(info: AudioInfo) -> list[Finding]:
    return [
        Finding(
            code="AUDIO_UNREADABLE",
            severity=Severity.BLOCKER,
            message=f"{path} is truncated: its header declares {declared} bytes of samples, "
            f"only {present} are present",
            rule="the file is complete (an interrupted copy or render is not deliverable)",
            evidence={"file": path, "declared_bytes": declared, "present_bytes": present},
        )
        for path, declared, present in info.truncated
    ]


def _rate(info: AudioInfo, rules: AudioRules) -> list[Finding]:
    if info.sample_rate == rules.sample_rate_hz:
        return []
    return [
        Finding(
            code="AUDIO_SAMPLE_RATE",
            severity=Severity.BLOCKER,
            message=f"sample rate is {info.sample_rate} Hz, not {rules.sample_rate_hz} Hz",
            rule=f"LPCM at {rules.sample_rate_hz} Hz",
            evidence={"sample_rate_hz": info.sample_rate, "required_hz": rules.sample_rate_hz},
        )
    ]


def _depth(info: AudioInfo, rules: AudioRules) -> list[Finding]:
    if info.bit_depth == rules.bit_depth:
        return []
    what = f"{info.bit_depth}-bit PCM" if info.bit_depth else f"{info.subtype} samples"
    return [
        Finding(
            code="AUDIO_BIT_DEPTH",
            severity=Severity.BLOCKER,
            message=f"samples are {what}, not {rules.bit_depth}-bit PCM",
            rule=f"uncompressed {rules.bit_depth}-bit little-endian PCM",
            evidence={"subtype": info.subtype, "bit_depth": info.bit_depth, "required": rules.bit_depth},
        )
    ]


def _count(info: AudioInfo, layout: Layout | None, requested: str | None) -> list[Finding]:
    if layout is not None and len(layout.labels) == info.channels:
        return []
    if layout is None and requested is None:
        message = f"{info.channels} channels is none of 2.0, 5.1 or 7.1"
    elif layout is None:
        message = f"the requested layout {requested!r} is none of 2.0, 5.1 or 7.1"
    else:
        message = (
            f"{info.channels} channels, but the request is {layout.name} ({len(layout.labels)} channels)"
        )
    return [
        Finding(
            code="AUDIO_CHANNEL_COUNT",
            severity=Severity.BLOCKER,
            message=message,
            rule="the channel count matches the requested layout (2.0, 5.1, 7.1)",
            evidence={
                "channels": info.channels,
                "requested": requested,
                "expected_channels": len(layout.labels) if layout else None,
            },
        )
    ]


def _declared(info: AudioInfo, layout: Layout) -> list[Finding]:
    expected = " ".join(layout.labels)
    if info.file_labels:
        if tuple(info.file_labels) == layout.labels:
            return []
        severity = Severity.WARNING if not any(info.file_labels) else Severity.ISSUE
        declared = info.declared_layout or "no labels"
        message = f"the files' channel labels say {declared}, not {expected}"
    elif info.declared_layout in layout.masks or (info.declared_layout is None and layout.name == "2.0"):
        return []
    elif info.declared_layout is None:
        severity, declared = Severity.WARNING, None
        message = (
            f"no channel mask: the file does not declare its layout (expected {layout.name}: {expected})"
        )
    else:
        severity, declared = Severity.ISSUE, info.declared_layout
        message = f"the channel mask declares {declared!r}, not {layout.name} ({expected})"
    return [
        Finding(
            code="AUDIO_LAYOUT_DECLARED",
            severity=severity,
            message=message,
            rule=f"the declared layout is {layout.name} in the order {expected}",
            evidence={
                "declared": declared,
                "expected": list(layout.labels),
                "accepted_masks": list(layout.masks),
            },
        )
    ]
