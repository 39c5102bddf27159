"""``slate download`` end to end: dry run, download, bad options, and a killed process resumed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from slate.downloads import part_path
from tests.downloads.conftest import Materials
from tests.fixtures.portal import PortalServer

runner = CliRunner()


def test_dry_run_lists_files_with_sizes_and_writes_nothing(fp_env: PortalServer, tmp_path: Path) -> None:
    fp_env.seed()
    dest = tmp_path / "dest"
    args = ["download", "--title", "The Long Harbour", "--season", "1", "--types", "audio.printmaster"]
    result = runner.invoke(app, [*args, "--dest", str(dest), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "The_Long_Harbour_S01_Fog_Signal/81001003_pm51.wav" in result.output
    assert "3 files" in result.output
    assert not dest.exists()


def test_download_then_run_again(fp_env: PortalServer, tmp_path: Path) -> None:
    fp_env.seed()
    dest = tmp_path / "dest"
    args = ["download", "--requests", "SR-81001001-06,SR-81002001-06", "--types", "docs", "--dest", str(dest)]
    result = runner.invoke(app, [*args, "--concurrency", "2", "--rate-mbps", "100"])
    assert result.exit_code == 0, result.output
    assert "✓ The_Long_Harbour_S01_Low_Tide/81001001_guide.pdf (downloaded)" in result.output
    rows = json.loads((dest / "manifest.json").read_text())
    assert len(rows) == 6 and {r["status"] for r in rows} == {"downloaded"}
    assert {r["path"].split("/")[0] for r in rows} == {
        "The_Long_Harbour_S01_Low_Tide",
        "The_Long_Harbour_S02_Breakwater",
    }
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "present" in again.output


def test_bad_options_are_clear_errors(fp_env: PortalServer, tmp_path: Path) -> None:
    dest = ["--dest", str(tmp_path)]
    cases = {
        ("--title", "X", "--rate-mbps", "55"): "rate 55 Mb/s is not allowed: a rate is set in steps of 10",
        ("--title", "X", "--types", "video.subtitle"): "unknown material type 'video.subtitle'",
        ("--requests", "SR-1", "--title", "X"): "by request ids or by title",
        ("--title", "X", "--state", "gone"): "unknown material state 'gone'",
        ("--title", "No Such Show"): "no source request of 'No Such Show'",
    }
    for args, message in cases.items():
        result = runner.invoke(app, ["download", *args, *dest])
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)


def test_a_killed_download_process_resumes(
    fp_env: PortalServer, materials: Materials, tmp_path: Path
) -> None:
    materials.assignment("81900070", title="Killed")
    materials.material("81900070", size=4 * 1024 * 1024)
    dest = tmp_path / "dest"
    fp_env.faults(download_bytes_per_second=1024 * 1024)  # slow enough to kill it half-way
    command = [sys.executable, "-m", "cli", "download", "--title", "Killed", "--dest", str(dest)]
    child = subprocess.Popen(
        command, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    target = dest / "Killed" / "81900070_printmaster.bin"
    try:
        deadline = time.monotonic() + 30
        while not (part_path(target).exists() and part_path(target).stat().st_size >= 1024 * 1024):
            assert time.monotonic() < deadline and child.poll() is None, "the download never got going"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    left = part_path(target).stat().st_size
    assert 0 < left < 4 * 1024 * 1024 and not target.exists()
    fp_env.faults()  # lift the cap
    result = runner.invoke(app, ["download", "--title", "Killed", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert f"resumed at byte {left:,}" in result.output
    (row,) = json.loads((dest / "manifest.json").read_text())
    assert row["status"] == "downloaded" and row["bytes_on_disk"] == 4 * 1024 * 1024
    assert hashlib.sha256(target.read_bytes()).hexdigest() == row["checksum"]
    assert not part_path(target).exists()


def test_a_file_that_stays_corrupt_fails_the_command(
    fp_env: PortalServer, materials: Materials, tmp_path: Path
) -> None:
    materials.assignment("81900095", title="Bad Bytes")
    materials.material("81900095", size=10_000)
    fp_env.faults(corrupt_downloads=2)
    result = runner.invoke(app, ["download", "--title", "Bad Bytes", "--dest", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "✗ Bad_Bytes/81900095_printmaster.bin: checksum mismatch" in result.output
    (row,) = json.loads((tmp_path / "manifest.json").read_text())
    assert row["status"] == "failed" and not (tmp_path / row["path"]).exists()
