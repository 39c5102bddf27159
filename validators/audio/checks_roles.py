"""Checks that need to know what each channel is for: the LFE, the centre's dialogue, the order.

Two channels can be recognised from their signal alone: the LFE carries (almost) nothing above
~120 Hz, and in a full mix the centre carries the dialogue. When either shows up in the wrong slot,
the pair of slots usually matches one of the wrong orders other tools use
(:data:`~validators.audio.layouts.KNOWN_ORDERS`); that order tells how to put the channels back,
and the finding carries the remap for ``slate fix``.
"""

from __future__ import annotations

from validators.audio.figures import Figures
from validators.audio.layouts import KNOWN_ORDERS, Layout, positions
from validators.audio.rules import AudioRules
from validators.base import Finding, Location, Report, Severity

__all__ = ["role_findings"]

#: Asset types that are full mixes (dialogue expected in the centre) and that must have none.
FULL_MIX_TYPES = frozenset({"printmaster", "secondary_audio"})
NO_DIALOGUE_TYPES = frozenset({"me"})


def role_findings(figures: Figures, layout: Layout, asset_type: str, rules: AudioRules) -> list[Finding]:
    """LFE band, dialogue placement and channel order, for layouts with an LFE and a centre."""
    lfe, centre = layout.lfe_index, layout.center_index
    if lfe is None or centre is None:
        return []
    findings = _lfe_full_band(figures, lfe, rules)
    if asset_type in FULL_MIX_TYPES:
        findings.extend(_centre_without_dialogue(figures, centre, lfe, rules))
    if asset_type in NO_DIALOGUE_TYPES:
        findings.extend(_dialogue_in_me(figures, lfe, rules))
    findings.extend(_order(figures, layout, asset_type, rules))
    return findings


def _lfe_full_band(figures: Figures, lfe: int, rules: AudioRules) -> list[Finding]:
    ch = figures.channels[lfe]
    if ch.silent or ch.high_band_ratio <= rules.lfe_max_high_band_ratio:
        return []
    return [
        Finding(
            code="AUDIO_LFE_FULL_BAND",
            severity=Severity.ISSUE,
            message=f"the LFE carries {ch.high_band_ratio:.0%} of its energy above "
            f"{rules.lfe_cutoff_hz:g} Hz: a full-band channel is mapped to it",
            location=Location(channel=ch.label),
            rule=f"the LFE is band-limited to about {rules.lfe_cutoff_hz:g} Hz",
            evidence={
                **ch.evidence("high_band_ratio", "rms_dbfs", "speech_band_share", "dialogue_score"),
                "cutoff_hz": rules.lfe_cutoff_hz,
                "max_ratio": rules.lfe_max_high_band_ratio,
            },
        )
    ]


def _centre_without_dialogue(figures: Figures, centre: int, lfe: int, rules: AudioRules) -> list[Finding]:
    ch = figures.channels[centre]
    if figures.dialogue_like(centre, rules):
        return []
    others = [i for i in range(len(figures.channels)) if i != centre]
    speaking = [figures.channels[i].label for i in others if figures.dialogue_like(i, rules)]
    levels = [figures.channels[i].speech_band_dbfs for i in others if i != lfe]
    loudest = max((v for v in levels if v is not None), default=None)
    own = ch.speech_band_dbfs
    starved = loudest is not None and (own is None or own < loudest - rules.center_speech_band_deficit_db)
    if not speaking and not starved:
        return []
    where = (
        f"dialogue-like content is in {', '.join(speaking)}"
        if speaking
        else (f"its speech band is {_gap(own, loudest)} dB below the other channels'")
    )
    return [
        Finding(
            code="AUDIO_CENTER_NO_DIALOG",
            severity=Severity.BLOCKER,
            message=f"the centre carries no dialogue; {where}",
            location=Location(channel=ch.label),
            rule="a printmaster's dialogue is in the centre channel",
            evidence={
                **ch.evidence("dialogue_score", "speech_band_dbfs", "speech_band_share"),
                "dialogue_in": speaking,
                "loudest_other_speech_band_dbfs": loudest,
            },
        )
    ]


def _dialogue_in_me(figures: Figures, lfe: int, rules: AudioRules) -> list[Finding]:
    return [
        Finding(
            code="AUDIO_DIALOG_IN_ME",
            severity=Severity.BLOCKER,
            message=f"channel {ch.label} of the M&E carries dialogue-like content "
            f"(score {ch.dialogue_score})",
            location=Location(channel=ch.label),
            rule="an M&E carries music and effects only, no dialogue",
            evidence=ch.evidence(
                "dialogue_score", "beat_periodicity", "speech_band_share", "speech_band_dbfs"
            ),
        )
        for index, ch in enumerate(figures.channels)
        if index != lfe and figures.dialogue_like(index, rules)
    ]


def _order(figures: Figures, layout: Layout, asset_type: str, rules: AudioRules) -> list[Finding]:
    """A finding when the LFE-like or dialogue channel sits in another slot, with the remap if known."""
    count = len(figures.channels)
    lfe_slots = [i for i in range(count) if figures.lfe_like(i, rules)]
    lfe_slot = lfe_slots[0] if len(lfe_slots) == 1 else None
    dialogue_slot = None
    if asset_type in FULL_MIX_TYPES:
        speaking = [i for i in range(count) if figures.dialogue_like(i, rules)]
        if speaking:
            dialogue_slot = max(speaking, key=lambda i: figures.channels[i].dialogue_score)
    if lfe_slot in (None, layout.lfe_index) and dialogue_slot in (None, layout.center_index):
        return []
    matches = [
        (name, order)
        for name, order in KNOWN_ORDERS.items()
        if len(order) == count
        and (lfe_slot is None or order.index("LFE") == lfe_slot)
        and (dialogue_slot is None or order.index("C") == dialogue_slot)
    ]
    seen = {"lfe_like_channel": lfe_slot, "dialogue_channel": dialogue_slot}
    expected = " ".join(layout.labels)
    if len(matches) != 1:
        return [
            Finding(
                code="AUDIO_CHANNEL_ORDER",
                severity=Severity.BLOCKER,
                message=f"channels are not in {expected} order (LFE-like content in channel "
                f"{_slot(lfe_slot)}, dialogue in channel {_slot(dialogue_slot)}); "
                "the order is not identified",
                rule=f"channel order {expected}",
                evidence={**seen, "candidates": [m[0] for m in matches]},
            )
        ]
    name, order = matches[0]
    return [
        Finding(
            code="AUDIO_CHANNEL_ORDER",
            severity=Severity.BLOCKER,
            fixable=True,
            message=f"channels are in {name} order, not {expected}",
            rule=f"channel order {expected}",
            evidence={
                **seen,
                "detected_order": list(order),
                "detected_name": name,
                "expected_order": list(layout.labels),
                "remap": positions(order, layout.labels),
            },
        )
    ]


def _slot(index: int | None) -> str:
    return "?" if index is None else str(index + 1)


def _gap(own: float | None, loudest: float | None) -> str:
    if own is None or loudest is None:
        return "more than 60"
    return f"{loudest - own:.1f}"


def channel_remap(report: Report) -> list[int] | None:
    """The channel order a fixable ``AUDIO_CHANNEL_ORDER`` finding of ``report`` identifies, or None.

    The media layer applies a plain list of indexes; reading it out of the finding stays here, beside
    the check that wrote it.
    """
    finding = next((f for f in report.findings if f.code == "AUDIO_CHANNEL_ORDER" and f.fixable), None)
    if finding is None:
        return None
    return [int(i) for i in finding.evidence["remap"]]
