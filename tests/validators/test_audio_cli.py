"""Audio through ``slate qc``: JSON with the measured figures, and the exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from slate.settings import reset_settings
from tests.validators.audio_media import AudioMedia

runner = CliRunner()


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> AudioMedia:
    return AudioMedia(tmp_path_factory.getbasetemp() / "audio_media")


@pytest.fixture(autouse=True)
def slate_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SLATE_HOME", str(tmp_path / "home"))
    reset_settings()
    yield tmp_path / "home"
    reset_settings()


def qc_json(*args: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["qc", *args, "--json"])
    return result.exit_code, json.loads(result.output)


def test_a_clean_printmaster_exits_0_with_its_loudness(media: AudioMedia) -> None:
    code, report = qc_json(str(media.clean()), "--type", "printmaster", "--layout", "5.1")
    assert code == 0
    assert report["findings"] == []
    measurements = report["measurements"]
    assert isinstance(measurements, dict)
    assert -24.5 < measurements["programme_loudness_lkfs"] < -23.5


def test_a_mismapped_printmaster_exits_1_naming_the_order(media: AudioMedia) -> None:
    path = media.file("order_lcr", lambda ch: ch[[0, 2, 1, 3, 4, 5]])
    code, report = qc_json(str(path), "--type", "printmaster")
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list)
    order = next(f for f in findings if f["code"] == "AUDIO_CHANNEL_ORDER")
    assert order["severity"] == "BLOCKER" and order["fixable"] is True


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all" * 64)
    code, report = qc_json(str(junk), "--type", "me")
    assert code == 2
    findings = report["findings"]
    assert isinstance(findings, list) and findings[0]["code"] == "AUDIO_UNREADABLE"


def test_a_mono_set_is_one_subject(media: AudioMedia) -> None:
    files = media.mono_set("cli", ("L", "R", "C", "LFE", "Ls", "Rs"))
    code, report = qc_json(*map(str, files), "--type", "printmaster", "--layout", "5.1", "--mono-set")
    assert code == 0, report


def test_the_table_view_keeps_per_channel_figures_short(media: AudioMedia) -> None:
    result = runner.invoke(app, ["qc", str(media.clean()), "--type", "printmaster", "--layout", "5.1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    channel_lines = [line.strip().split(":")[0] for line in lines if "rms_dbfs=" in line]
    assert channel_lines == ["L", "R", "C", "LFE", "Ls", "Rs"]
    assert all(len(line) < 100 for line in lines if "rms_dbfs=" in line)
    assert "speech_band_share" not in result.output and "all figures with --json" in result.output
    assert "programme_loudness_lkfs=" in result.output
