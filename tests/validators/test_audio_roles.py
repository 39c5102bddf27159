"""Channel roles from the signal: the LFE's band, dialogue in the centre (or not, in an M&E), and mismaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.validators.audio_media import RATE, SECONDS, AudioMedia, _noise
from validators.audio import validate
from validators.base import Finding, QCContext, Report, Severity

L, R, C, LFE, LS, RS = range(6)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> AudioMedia:
    return AudioMedia(tmp_path_factory.getbasetemp() / "audio_media")


def qc(path: Path, asset: str = "printmaster") -> Report:
    return validate(path, QCContext(asset_type=asset, channel_layout="5.1"))


def finding(report: Report, code: str) -> Finding:
    return next(f for f in report.findings if f.code == code)


def reorder(*order: int) -> object:
    return lambda ch: ch[list(order)]


def test_dialogue_in_the_centre_of_an_me(media: AudioMedia) -> None:
    report = qc(media.clean(), asset="me")
    assert report.codes() == ["AUDIO_DIALOG_IN_ME"]
    found = report.findings[0]
    assert found.location.channel == "C" and found.severity is Severity.BLOCKER
    assert found.evidence["dialogue_score"] > 0.35 and found.evidence["speech_band_share"] > 0.5


def test_an_me_with_effects_in_the_centre_is_clean(media: AudioMedia) -> None:
    effects = 0.02 * _noise(7, RATE * SECONDS)
    path = media.file("me_clean", lambda ch: np.concatenate([ch[:2], effects[None] * 2, ch[3:]]))
    assert qc(path, asset="me").findings == []


def test_full_band_lfe(media: AudioMedia) -> None:
    full = 0.05 * _noise(8, RATE * SECONDS)
    path = media.file("lfe_full_band", lambda ch: np.concatenate([ch[:3], full[None], ch[4:]]))
    report = qc(path)
    assert report.codes() == ["AUDIO_LFE_FULL_BAND"]
    found = report.findings[0]
    assert found.location.channel == "LFE" and found.evidence["high_band_ratio"] > 0.5
    assert found.evidence["cutoff_hz"] == 120


def test_printmaster_whose_dialogue_is_not_in_the_centre(media: AudioMedia) -> None:
    def speech_left(ch: np.ndarray) -> np.ndarray:
        out = ch.copy()
        out[L], out[C] = ch[L] + ch[C], 0.5 * ch[RS] + 0.5 * ch[LS]
        return out

    report = qc(media.file("speech_in_left", speech_left))
    assert set(report.codes()) == {"AUDIO_CENTER_NO_DIALOG", "AUDIO_CHANNEL_ORDER"}
    centre = finding(report, "AUDIO_CENTER_NO_DIALOG")
    assert centre.location.channel == "C" and centre.evidence["dialogue_in"] == ["L"]
    order = finding(report, "AUDIO_CHANNEL_ORDER")
    assert not order.fixable and order.evidence["dialogue_channel"] == L


@pytest.mark.parametrize(
    ("name", "carried", "detected"),
    [
        ("lcr", (L, C, R, LFE, LS, RS), "L C R LFE Ls Rs"),
        ("c_lfe_swap", (L, R, LFE, C, LS, RS), "L R LFE C Ls Rs (C/LFE swapped)"),
        ("film", (L, C, R, LS, RS, LFE), "L C R Ls Rs LFE (film)"),
        ("netflix_example", (L, C, R, LS, LFE, RS), "L C R Ls LFE Rs"),
    ],
)
def test_mismapped_orders_are_identified_with_their_remap(
    media: AudioMedia, name: str, carried: tuple[int, ...], detected: str
) -> None:
    report = qc(media.file(f"order_{name}", reorder(*carried)))
    order = finding(report, "AUDIO_CHANNEL_ORDER")
    assert order.fixable and order.severity is Severity.BLOCKER
    assert order.evidence["detected_name"] == detected
    remap = order.evidence["remap"]
    assert [carried[i] for i in remap] == [L, R, C, LFE, LS, RS]
    assert "AUDIO_CENTER_NO_DIALOG" in report.codes()


def test_c_lfe_swap_also_shows_a_full_band_lfe(media: AudioMedia) -> None:
    report = qc(media.file("order_c_lfe_swap", reorder(L, R, LFE, C, LS, RS)))
    assert finding(report, "AUDIO_LFE_FULL_BAND").location.channel == "LFE"
    assert finding(report, "AUDIO_CENTER_NO_DIALOG").location.channel == "C"


def test_music_with_a_beat_in_an_me_centre_is_not_dialogue(media: AudioMedia) -> None:
    t = np.arange(RATE * SECONDS) / RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220, 277, 330, 440, 554, 660)) / 6
    plucks = 0.15 * chord * np.exp(-((t % 0.5) / 0.12))  # 120 beats per minute
    path = media.file("me_music", lambda ch: np.concatenate([ch[:2], plucks[None], ch[3:]]))
    report = qc(path, asset="me")
    assert report.findings == []
    centre = report.measurements["per_channel"]["C"]
    assert centre["dialogue_score"] > 0.35 and centre["beat_periodicity"] > 0.45
