"""Text from outside never drives a terminal or a spreadsheet (issue 11, item 9)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from slate.downloads import FileStatus, ManifestRow
from slate.downloads._manifest import write_manifest
from slate.settings import reset_settings
from slate.store import open_database
from slate.textsafe import printable, spreadsheet_cell
from tests.slate.builders import create, put_version
from tests.validators.tt_files import clean_events, srt, write

ESC = "\x1b"
HOSTILE_TITLE = f"Night{ESC}]0;owned{ESC}\\{ESC}[2J\r\nforged line\u202e"


def test_printable_shows_every_control_character_and_keeps_ordinary_text() -> None:
    assert printable("Été — 夜 🎬 Ørsted") == "Été — 夜 🎬 Ørsted"
    shown = printable(HOSTILE_TITLE)
    assert not any(c in shown for c in (ESC, "\r", "\n", "\u202e"))
    assert shown == "Night\\e]0;owned\\e\\\\e[2J\\r\\nforged line\\u202e"
    assert printable("a\x00b\x9bc\u2028") == "a\\x00b\\x9bc\\u2028"


def test_spreadsheet_cell_neutralises_each_formula_prefix() -> None:
    for prefix in ("=", "+", "-", "@", "\t", "\r"):
        assert spreadsheet_cell(f"{prefix}HYPERLINK(1)") == f"'{prefix}HYPERLINK(1)"
    assert spreadsheet_cell("episode=1.wav") == "episode=1.wav"
    assert spreadsheet_cell("") == ""


def test_the_manifest_csv_has_no_formula_cells(tmp_path: Path) -> None:
    row = ManifestRow(
        asset_id="A-1",
        movie_id="81",
        request_ids=["SR-1"],
        category="audio",
        type="Printmaster",
        state="Active",
        file_name='=HYPERLINK("http://evil.example/","open")',
        size=1,
        checksum="0" * 64,
        path="Show/@SUM(1+1).wav",
        status=FileStatus.FAILED,
        error="-2+3",
    )
    write_manifest(tmp_path, [row])
    with (tmp_path / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        (written,) = list(csv.DictReader(fh))
    assert written["file_name"] == "'" + row.file_name
    assert written["error"] == "'-2+3"
    assert written["path"] == "Show/@SUM(1+1).wav"  # only a leading prefix is a formula
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in written.values())
    # the JSON manifest is data for programs: kept exact
    assert '=HYPERLINK(\\"http://evil.example/\\",\\"open\\")' in (tmp_path / "manifest.json").read_text()


def test_slate_status_prints_a_hostile_title_escaped(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'slate.db'}")
    try:
        create(database, "SR-1", title=HOSTILE_TITLE, episode_title="[bold red]styled[/]")
        put_version(database, "SR-1")
    finally:
        database.dispose()
    env = {**os.environ, "SLATE_HOME": str(tmp_path), "SLATE_LOG_FORMAT": "json", "COLUMNS": "200"}
    env.pop("SLATE_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "cli", "status", "SR-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert ESC not in done.stdout and "\u202e" not in done.stdout
    assert "Night\\e]0;owned" in done.stdout
    assert "forged line" in done.stdout and "\nforged line" not in done.stdout
    assert "[bold red]styled[/]" in done.stdout  # shown as written, not read as markup


def test_slate_qc_prints_a_hostile_file_name_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLATE_HOME", str(tmp_path / "home"))
    reset_settings()
    try:
        path = write(tmp_path, f"ep{ESC}[2J\nok.srt", srt(clean_events()))
        result = CliRunner().invoke(app, ["qc", str(path), "--type", "subtitle", "--fps", "24"])
    finally:
        reset_settings()
    assert result.exit_code == 0, result.output
    assert ESC not in result.output and "ep\\e[2J\\nok.srt" in result.output.replace("\n", "")
