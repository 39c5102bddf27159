"""Audio QC on generated printmasters: a clean file is clean, and each defect gives its code and channel."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.validators.audio_media import RATE, Array, AudioMedia, write
from validators.audio import AudioRules, validate
from validators.base import QCContext, Report, Severity
from validators.profiles import load_profile


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> AudioMedia:
    return AudioMedia(tmp_path_factory.getbasetemp() / "audio_media")


def qc(subject: Path | list[Path], asset: str = "printmaster", **context: object) -> Report:
    return validate(subject, QCContext(asset_type=asset, **context))  # type: ignore[arg-type]


def only(report: Report, code: str) -> list[str | None]:
    """The channels named by the findings with ``code`` (and fail if any other code is present)."""
    assert set(report.codes()) == {code}, [f.message for f in report.findings]
    return [f.location.channel for f in report.findings]


def test_clean_printmaster_has_no_findings_and_reports_its_figures(media: AudioMedia) -> None:
    report = qc(media.clean(), channel_layout="5.1", program_duration=Fraction(4))
    assert report.findings == []
    figures = report.measurements
    assert figures["sample_rate_hz"] == RATE and figures["bit_depth"] == 24
    assert figures["declared_layout"] == "5.1"
    assert -24.5 < figures["programme_loudness_lkfs"] < -23.5
    assert "not dialogue-gated" in figures["loudness_method"]
    assert figures["true_peak_dbtp"] < -2.0
    assert set(figures["per_channel"]) == {"L", "R", "C", "LFE", "Ls", "Rs"}


def test_rf64_is_read_like_wav(media: AudioMedia) -> None:
    path = media.file("clean_rf64", lambda ch: ch, rf64=True)
    report = qc(path)
    assert report.measurements["container"] == "RF64"
    assert report.findings == []


def test_mono_files_labelled_by_name_are_put_in_order(media: AudioMedia) -> None:
    files = media.mono_set("show", ("L", "R", "C", "LFE", "Ls", "Rs"))
    shuffled = [files[i] for i in (2, 0, 5, 3, 1, 4)]
    report = qc(shuffled, channel_layout="5.1")
    assert report.findings == []
    assert report.measurements["declared_layout"] == "L R C LFE Ls Rs"


def test_mono_files_without_labels_warn_that_the_layout_is_undeclared(media: AudioMedia) -> None:
    files = media.mono_set("take", ("1", "2", "3", "4", "5", "6"))
    report = qc(files)
    assert only(report, "AUDIO_LAYOUT_DECLARED") == [None]
    assert report.findings[0].severity is Severity.WARNING


def test_missing_and_garbage_files_are_unreadable_findings(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF\x00\x00not a wave file at all" * 10)
    for path in (garbage, tmp_path / "missing.wav"):
        report = qc(path)
        assert report.codes() == ["AUDIO_UNREADABLE"]
        assert report.blocked
        assert str(path) in report.findings[0].message


def test_wrong_sample_rate_and_bit_depth(media: AudioMedia) -> None:
    path = media.file("rate_44k_16bit", lambda ch: ch, rate=44_100, subtype="PCM_16")
    report = qc(path)
    assert set(report.codes()) >= {"AUDIO_SAMPLE_RATE", "AUDIO_BIT_DEPTH"}
    rate = next(f for f in report.findings if f.code == "AUDIO_SAMPLE_RATE")
    assert rate.evidence["sample_rate_hz"] == 44_100 and rate.severity is Severity.BLOCKER
    depth = next(f for f in report.findings if f.code == "AUDIO_BIT_DEPTH")
    assert depth.evidence["bit_depth"] == 16


def test_channel_count_against_the_request(media: AudioMedia) -> None:
    stereo = media.file("stereo", lambda ch: ch[:2], layout="stereo")
    assert qc(stereo, asset="me", channel_layout="2.0").findings == []
    report = qc(stereo, asset="me", channel_layout="5.1")
    assert report.codes() == ["AUDIO_CHANNEL_COUNT"]
    assert report.findings[0].evidence == {"channels": 2, "requested": "5.1", "expected_channels": 6}


def test_missing_and_wrong_channel_masks(media: AudioMedia) -> None:
    unmasked = media.file("no_mask", lambda ch: ch, layout=None)
    assert only(qc(unmasked), "AUDIO_LAYOUT_DECLARED") == [None]
    hexagonal = media.file("mask_6_0", lambda ch: ch, layout="6.0")
    report = qc(hexagonal)
    assert report.codes() == ["AUDIO_LAYOUT_DECLARED"]
    assert report.findings[0].severity is Severity.ISSUE
    assert report.findings[0].evidence["declared"] == "6.0"


def test_silent_channel_is_named(media: AudioMedia) -> None:
    path = media.file("silent_ls", lambda ch: np.concatenate([ch[:4], 0 * ch[4:5], ch[5:]]))
    assert only(qc(path), "AUDIO_SILENT_CHANNEL") == ["Ls"]


def test_duplicated_channel_names_the_copy_and_its_source(media: AudioMedia) -> None:
    path = media.file("duplicate_rs", lambda ch: np.concatenate([ch[:5], ch[4:5]]))
    report = qc(path)
    assert only(report, "AUDIO_CHANNEL_DUPLICATE") == ["Rs"]
    finding = report.findings[0]
    assert finding.evidence["other_channel"] == "Ls" and finding.evidence["correlation"] > 0.999
    assert finding.location.start_seconds == 0 and finding.location.end_seconds == 4


@pytest.mark.parametrize(
    ("name", "invert"),
    [
        ("inverted_r", lambda ch: np.concatenate([ch[:1], -ch[1:2], ch[2:]])),
        ("inverted_l", lambda ch: np.concatenate([-ch[:1], ch[1:]])),
    ],
)
def test_polarity_inverted_pair_is_named_not_guessed(
    media: AudioMedia, name: str, invert: Callable[[Array], Array]
) -> None:
    """Correlation cannot tell which of L and R was inverted: either way the finding names the pair."""
    report = qc(media.file(name, invert))
    assert only(report, "AUDIO_POLARITY_INVERTED") == ["L/R"]
    finding = report.findings[0]
    assert finding.evidence["correlation"] < -0.5
    assert finding.message.startswith("one of L and R is polarity-inverted")


def test_clipping_and_true_peak_on_the_clipped_channel(media: AudioMedia) -> None:
    path = media.file("clipped_l", lambda ch: np.concatenate([np.clip(ch[:1] * 60, -1, 1), ch[1:]]))
    report = qc(path)
    # Driving L into the rails also makes the programme too loud.
    assert sorted(report.codes()) == ["AUDIO_CLIPPING", "AUDIO_LOUDNESS", "AUDIO_TRUE_PEAK"]
    clipping = next(f for f in report.findings if f.code == "AUDIO_CLIPPING")
    assert clipping.location.channel == "L" and clipping.evidence["clipped_runs"] > 10
    assert clipping.location.start_seconds is not None
    peak = next(f for f in report.findings if f.code == "AUDIO_TRUE_PEAK")
    assert peak.location.channel == "L" and peak.severity is Severity.BLOCKER
    assert peak.evidence["true_peak_dbtp"] > 0


def test_true_peak_between_the_issue_and_blocker_limits(media: AudioMedia) -> None:
    report = qc(media.clean(), audio_rules=AudioRules(true_peak_max_dbtp=-14.0))
    peaks = [f for f in report.findings if f.code == "AUDIO_TRUE_PEAK"]
    assert [f.location.channel for f in peaks] == ["C"]
    assert peaks[0].severity is Severity.ISSUE


def test_loudness_is_checked_for_a_printmaster_not_for_an_me(media: AudioMedia) -> None:
    quiet = media.file("quiet", lambda ch: ch * 10 ** (-8 / 20))
    report = qc(quiet)
    assert report.codes() == ["AUDIO_LOUDNESS"]
    assert -32.5 < report.findings[0].evidence["programme_loudness_lkfs"] < -31.5
    assert "programme loudness" in report.findings[0].rule


def test_a_profile_value_changes_the_loudness_target(media: AudioMedia) -> None:
    rules = AudioRules(program_loudness_lufs=-27.0, loudness_tolerance_lu=1.0)
    assert qc(media.clean(), audio_rules=rules).codes() == ["AUDIO_LOUDNESS"]


def test_duration_against_the_programme(media: AudioMedia) -> None:
    report = qc(media.clean(), program_duration=Fraction(10))
    assert report.codes() == ["AUDIO_DURATION_MISMATCH"]
    assert report.findings[0].evidence["difference_seconds"] == -6.0


def test_mono_files_of_different_lengths(media: AudioMedia, tmp_path: Path) -> None:
    files = media.mono_set("short", ("L", "R", "C", "LFE", "Ls", "Rs"))
    longer = tmp_path / "short_Rs.wav"
    write(longer, np.concatenate([media.channels()[5], np.zeros(RATE)])[None], layout=None)
    report = qc([*files[:5], longer])
    assert only(report, "AUDIO_DURATION_MISMATCH") == ["Rs"]


def test_a_dotted_profile_override_reaches_the_audio_checks(media: AudioMedia) -> None:
    profile = load_profile("netflix", overrides=["audio.true_peak_max_dbtp=-14.0"])
    report = qc(media.clean(), profile=profile)
    assert [f.location.channel for f in report.findings if f.code == "AUDIO_TRUE_PEAK"] == ["C"]


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.wav", np.zeros((6, 0)), layout=None)
    report = qc(path)
    assert report.codes() == ["AUDIO_UNREADABLE"]
    assert "no audio samples" in report.findings[0].message


def test_a_truncated_file_is_reported_with_what_is_missing(media: AudioMedia, tmp_path: Path) -> None:
    whole = media.clean().read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    report = qc(cut)
    assert "AUDIO_UNREADABLE" in report.codes() and report.blocked
    finding = next(f for f in report.findings if f.code == "AUDIO_UNREADABLE")
    assert finding.evidence["present_bytes"] < finding.evidence["declared_bytes"] == RATE * 4 * 18


def test_a_71_printmaster_is_checked_with_its_own_labels(media: AudioMedia) -> None:
    def seven_one(ch: np.ndarray) -> np.ndarray:
        rear = 0.5 * ch[4:6] + 0.01 * np.random.default_rng(9).standard_normal((2, ch.shape[1]))
        return np.concatenate([ch, rear])

    path = media.file("clean_71", seven_one, layout="7.1")
    report = qc(path, channel_layout="7.1")
    assert report.findings == []
    assert list(report.measurements["per_channel"]) == ["L", "R", "C", "LFE", "Lss", "Rss", "Lrs", "Rrs"]
    silent = media.file(
        "silent_lrs_71",
        lambda ch: np.concatenate([seven_one(ch)[:6], 0 * ch[:1], seven_one(ch)[7:]]),
        layout="7.1",
    )
    assert only(qc(silent, channel_layout="7.1"), "AUDIO_SILENT_CHANNEL") == ["Lrs"]
