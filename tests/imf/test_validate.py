"""The validator on packages written by hand: clean ones pass, each defect gets its finding."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from slate.imf import Axis, Level, blocking, validate_path
from tests.imf.builders import Track, write_package

TWO_SECONDS_48K = 96000


def _package(tmp_path: Path, essence: dict[str, Path], **timing: int) -> tuple[Path, dict[str, str]]:
    video = Track(
        "MainImageSequence",
        essence["video"],
        (24, 1),
        intrinsic=48,
        entry=timing.get("entry", 0),
        duration=timing.get("frames", 48),
    )
    audio = Track(
        "MainAudioSequence",
        essence["audio"],
        (48000, 1),
        intrinsic=TWO_SECONDS_48K,
        duration=timing.get("samples", TWO_SECONDS_48K),
    )
    folder = tmp_path / "pkg"
    return folder, write_package(folder, [video, audio])


def _codes(path: Path) -> set[str]:
    return {f.code for f in blocking(validate_path(path).findings)}


def test_a_clean_package_has_no_error(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence)
    report = validate_path(folder)
    assert report.ok, report.findings
    assert [f.code for f in report.findings] == ["IMF_APP_ID_MISSING"]  # a warning only
    assert report.package is not None and len(report.package.digests) == 3


def test_a_changed_byte_is_a_hash_finding_on_the_integrity_axis(
    tmp_path: Path, essence: dict[str, Path]
) -> None:
    folder, _ = _package(tmp_path, essence)
    track = next(folder.glob("MainImageSequence_*.mxf"))
    data = bytearray(track.read_bytes())
    data[-1] ^= 0xFF
    track.write_bytes(bytes(data))
    findings = blocking(validate_path(folder).findings)
    assert [(f.code, f.axis) for f in findings] == [("IMF_HASH_MISMATCH", Axis.INTEGRITY)]
    assert findings[0].file == track.name


def test_a_truncated_file_is_a_size_finding(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence)
    track = next(folder.glob("MainAudioSequence_*.mxf"))
    track.write_bytes(track.read_bytes()[:-10])
    assert _codes(folder) == {"IMF_SIZE_MISMATCH", "IMF_HASH_MISMATCH"}


def test_a_missing_track_file_is_an_error(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence)
    next(folder.glob("MainAudioSequence_*.mxf")).unlink()
    assert _codes(folder) == {"IMF_FILE_MISSING"}


def test_a_cpl_whose_id_differs_from_the_pkl_is_an_error(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, names = _package(tmp_path, essence)
    cpl = folder / names["cpl"]
    text = cpl.read_text().replace(names["cpl_id"], "urn:uuid:00000000-0000-4000-8000-000000000000", 1)
    cpl.write_text(text)
    assert "IMF_UUID_MISMATCH" in _codes(folder)


def test_sequences_of_unequal_length_are_refused(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence, samples=TWO_SECONDS_48K - 2000)  # audio 1/24 s short
    assert "IMF_CPL_SEGMENT_DURATION" in _codes(folder)


def test_audio_not_ending_on_a_frame_is_inexact(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence, samples=TWO_SECONDS_48K - 1)
    assert {"IMF_CPL_EDIT_RATE", "IMF_CPL_SEGMENT_DURATION"} <= _codes(folder)


def test_a_resource_beyond_its_track_file_is_refused(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence, entry=10, frames=48)
    findings = blocking(validate_path(folder).findings)
    assert any(
        f.code == "IMF_CPL_RESOURCE_RANGE" and "EntryPoint 10 + SourceDuration 48" in f.message
        for f in findings
    )


def test_a_cpl_without_main_image_is_refused(tmp_path: Path, essence: dict[str, Path]) -> None:
    audio = Track("MainAudioSequence", essence["audio"], (48000, 1), intrinsic=TWO_SECONDS_48K)
    write_package(tmp_path / "pkg", [audio])
    assert "IMF_CPL_NO_MAIN_IMAGE" in _codes(tmp_path / "pkg")


def test_a_zip_of_the_package_validates_like_the_folder(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence)
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w", allowZip64=True) as out:
        for file in folder.iterdir():
            out.write(file, file.name)
    shutil.rmtree(folder)
    report = validate_path(archive)
    assert report.ok, report.findings
    assert [f.code for f in report.findings] == ["IMF_APP_ID_MISSING"]


def test_cli_prints_json_findings_and_fails_on_an_error(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence)
    runner = CliRunner()
    clean = runner.invoke(app, ["imf", "validate", str(folder), "--json"])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["findings"][0]["level"] == Level.WARNING.value
    next(folder.glob("MainAudioSequence_*.mxf")).unlink()
    broken = runner.invoke(app, ["imf", "validate", str(folder), "--json"])
    assert broken.exit_code == 1
    finding = json.loads(broken.output)["findings"][0]
    assert set(finding) == {"code", "level", "axis", "file", "message"}
    assert finding["code"] == "IMF_FILE_MISSING" and re.match(r"MainAudioSequence_.*\.mxf", finding["file"])


def test_a_zip_wrapping_its_package_in_one_folder_is_read(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence)
    archive = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in folder.iterdir():
            out.write(file, f"Show_S01E01_IMF/{file.name}")
    assert validate_path(archive).ok


def test_an_assetmap_deeper_than_one_folder_is_refused(tmp_path: Path, essence: dict[str, Path]) -> None:
    folder, _ = _package(tmp_path, essence)
    deep = tmp_path / "volume" / "a" / "b"
    shutil.copytree(folder, deep)
    assert _codes(tmp_path / "volume") == {"IMF_ASSETMAP_LOCATION"}


def test_a_mapped_path_that_links_outside_the_package_is_refused(
    tmp_path: Path, essence: dict[str, Path]
) -> None:
    folder, _ = _package(tmp_path, essence)
    track = next(folder.glob("MainAudioSequence_*.mxf"))
    outside = tmp_path / "elsewhere.mxf"
    track.rename(outside)
    track.symlink_to(outside)
    assert "IMF_ASSETMAP_PATH" in _codes(folder)
