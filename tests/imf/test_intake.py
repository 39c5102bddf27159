"""Ingest and ``slate qc`` judge an IMF package with the same validator as ``slate imf validate``."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from slate.errors import InvalidInput
from slate.ingest import classify
from slate.models import AssetCategory
from tasks.imf_qc import timeline_markdown
from tasks.qc import validate_file
from tests.imf.builders import Track, write_package
from validators import QCContext, Severity


def _zip(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as out:
        for file in folder.iterdir():
            out.write(file, f"IMP/{file.name}")
    return archive


@pytest.fixture
def package(tmp_path: Path, essence: dict[str, Path]) -> Path:
    tracks = [
        Track("MainImageSequence", essence["video"], (24, 1), intrinsic=48),
        Track("MainAudioSequence", essence["audio"], (48000, 1), intrinsic=96000),
    ]
    write_package(tmp_path / "pkg", tracks)
    return tmp_path / "pkg"


def test_ingest_classifies_an_imf_zip_as_video_with_its_timeline(package: Path, tmp_path: Path) -> None:
    category, summary = classify(_zip(package, tmp_path / "master.zip"))
    assert category is AssetCategory.VIDEO
    assert (summary["format"], summary["language"]) == ("imf", "en")
    (composition,) = summary["imf"]["compositions"]
    assert composition["frames"] == 48
    assert [s["kind"] for s in composition["segments"][0]["sequences"]] == [
        "MainImageSequence",
        "MainAudioSequence",
    ]


def test_ingest_refuses_an_imf_zip_that_does_not_validate(package: Path, tmp_path: Path) -> None:
    next(package.glob("MainAudioSequence_*.mxf")).write_bytes(b"not the packed bytes")
    with pytest.raises(InvalidInput, match="the IMF package does not validate") as refused:
        classify(_zip(package, tmp_path / "master.zip"))
    assert refused.value.rule == "IMF package validates"
    assert "IMF_SIZE_MISMATCH" in refused.value.message


def test_qc_type_imf_uses_the_imf_validator(package: Path) -> None:
    result = CliRunner().invoke(app, ["qc", "--type", "imf", str(package), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [f["code"] for f in body["findings"]] == ["IMF_APP_ID_MISSING"]
    assert body["compositions"][0]["frames"] == 48


def test_qc_of_an_imf_version_reports_findings_and_prints_the_timeline(package: Path, tmp_path: Path) -> None:
    archive = _zip(package, tmp_path / "master.zip")
    context = QCContext(asset_type="av", language="en", profile_name="netflix")
    report = validate_file(archive, None, context, subject="master.zip")
    assert [(f.code, f.severity) for f in report.findings] == [("IMF_APP_ID_MISSING", Severity.WARNING)]
    assert not report.blocked
    lines = timeline_markdown(report.measurements["imf"])
    assert any(line.startswith("## CPL urn:uuid:") and "48 frames at 24" in line for line in lines)
    assert sum(line.startswith("| 1 | Main") for line in lines) == 2
    next(package.glob("MainImageSequence_*.mxf")).unlink()
    broken = validate_file(_zip(package, tmp_path / "broken.zip"), None, context, subject="broken.zip")
    assert broken.blocked and "IMF_FILE_MISSING" in broken.codes()
