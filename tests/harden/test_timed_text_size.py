"""A timed-text file beyond the size limit is refused with a finding, before it is read (item 8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from slate.settings import reset_settings
from tests.validators.tt_files import clean_events, srt, write
from validators.timed_text.readers import read_bytes, read_path


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SLATE_HOME", str(tmp_path / "home"))
    reset_settings()
    yield
    reset_settings()


def test_a_file_over_the_default_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.srt"
    with path.open("wb") as fh:  # sparse: 60 MB on paper, nothing on disk
        fh.truncate(60 * 1000 * 1000)
    result = read_path(path)
    assert result.document is None
    (finding,) = result.findings
    assert finding.code == "TT_TOO_LARGE" and str(finding.severity) == "BLOCKER"
    assert "60,000,000 bytes" in finding.message and "5,000,000" in finding.message


def test_the_limit_is_a_setting_and_qc_reports_it_as_a_blocker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "ok.srt", srt(clean_events()))
    size = path.stat().st_size
    monkeypatch.setenv("SLATE_TIMED_TEXT_MAX_BYTES", str(size - 1))
    result = CliRunner().invoke(app, ["qc", str(path), "--type", "subtitle", "--fps", "24", "--json"])
    assert result.exit_code == 2, result.output  # not read at all: as an unreadable file
    codes = [(f["code"], f["severity"]) for f in json.loads(result.output)["findings"]]
    assert ("TT_TOO_LARGE", "BLOCKER") in codes
    assert read_bytes(path.read_bytes(), path.name).findings[0].code == "TT_TOO_LARGE"
    monkeypatch.setenv("SLATE_TIMED_TEXT_MAX_BYTES", str(size))
    assert read_path(path).document is not None
