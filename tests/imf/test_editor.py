"""The CPL editor: trimmed, dropped and supplemental packages validate, and ffmpeg plays them."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from slate.errors import InvalidInput
from slate.imf import Axis, Level, blocking, validate_path
from slate.imf.editor import drop_track, trim
from slate.imf.findings import Findings
from slate.imf.package import load_package
from slate.imf.readers import read_document
from slate.imf.rewrite import write_edited
from slate.imf.writer import xml_bytes
from slate.imf.xmlsafe import parse_xml
from tests.imf.builders import Track, cpl_xml, urn, write_package


def _source(tmp_path: Path, essence: dict[str, Path], *, with_opl: bool = False) -> tuple[Path, list[Track]]:
    tracks = [
        Track("MainImageSequence", essence["video"], (24, 1), intrinsic=48),
        Track("MainAudioSequence", essence["audio"], (48000, 1), intrinsic=96000),
    ]
    write_package(tmp_path / "source", tracks, with_opl=with_opl)
    return tmp_path / "source", tracks


def _ffprobe(cpl: Path, *assetmaps: Path) -> dict[str, object]:
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-f",
            "imf",
            "-assetmaps",
            ",".join(str(a) for a in assetmaps),
            "-count_frames",
            "-show_entries",
            "format=duration:stream=codec_type,nb_read_frames",
            "-of",
            "json",
            str(cpl),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_trimmed_package_validates_clean_and_plays_exactly_the_kept_frames(
    tmp_path: Path, essence: dict[str, Path]
) -> None:
    source, _ = _source(tmp_path, essence, with_opl=True)
    package = load_package(source)
    written = write_edited(package, next(iter(package.cpls)), tmp_path / "trimmed", lambda r: trim(r, 5, 29))
    report = validate_path(written.folder)
    assert not blocking(report.findings), report.findings
    assert report.package is not None
    new_cpl = report.package.cpls[written.cpl_id]
    image, audio = new_cpl.segments[0].sequences
    assert (image.resources[0].entry_point, image.resources[0].source_duration) == (5, 24)
    assert (audio.resources[0].entry_point, audio.resources[0].source_duration) == (10000, 48000)
    assert written.cpl_id not in package.cpls and written.cpl_id != report.package.pkls[0].id
    opl = next(iter(report.package.opls.values()))
    assert opl.composition_id == written.cpl_id and opl.id not in load_package(source).opls
    probe = _ffprobe(written.folder / written.cpl_file, written.folder / "ASSETMAP.xml")
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")  # type: ignore[attr-defined]
    assert int(video["nb_read_frames"]) == 24
    assert float(probe["format"]["duration"]) == pytest.approx(1.0)  # type: ignore[index]


def test_a_supplemental_package_references_the_original(tmp_path: Path, essence: dict[str, Path]) -> None:
    source, tracks = _source(tmp_path, essence)
    package = load_package(source)
    written = write_edited(
        package, next(iter(package.cpls)), tmp_path / "supp", lambda r: trim(r, 0, 12), supplemental=True
    )
    assert not list(written.folder.glob("*.mxf")), "a supplemental package carries no original track file"
    assert [e.type for e in written.entries] == ["text/xml"]
    alone = validate_path(written.folder)
    assert {(f.code, f.level) for f in alone.findings if f.axis == Axis.STRUCTURE} >= {
        ("IMF_TRACK_FILE_ABSENT", Level.WARNING)
    }
    assert validate_path(written.folder, original=source).ok
    other = tmp_path / "other"
    write_package(other, [Track("MainImageSequence", essence["video"], (24, 1), intrinsic=48)])
    wrong = blocking(validate_path(written.folder, original=other).findings)
    assert {f.code for f in wrong} == {"IMF_TRACK_FILE_ABSENT"}
    assert tracks[1].file_id in " ".join(f.message for f in wrong)
    probe = _ffprobe(
        written.folder / written.cpl_file, source / "ASSETMAP.xml", written.folder / "ASSETMAP.xml"
    )
    assert float(probe["format"]["duration"]) == pytest.approx(0.5)  # type: ignore[index]


def test_trim_is_exact_at_24000_1001_with_48k_audio(tmp_path: Path, essence: dict[str, Path]) -> None:
    tracks = [
        Track("MainImageSequence", essence["video"], (24000, 1001), intrinsic=48),
        Track("MainAudioSequence", essence["audio"], (48000, 1), intrinsic=96096),
    ]
    write_package(tmp_path / "ntsc", tracks, rate=(24000, 1001))
    package = load_package(tmp_path / "ntsc")
    written = write_edited(package, next(iter(package.cpls)), tmp_path / "out", lambda r: trim(r, 1, 3))
    report = validate_path(written.folder)
    assert report.ok, report.findings
    assert report.package is not None
    audio = report.package.cpls[written.cpl_id].segments[0].sequences[1].resources[0]
    assert (audio.entry_point, audio.source_duration) == (2002, 4004)


def test_a_cut_between_audio_samples_is_refused(tmp_path: Path, essence: dict[str, Path]) -> None:
    tracks = [
        Track("MainImageSequence", essence["video"], (24000, 1001), intrinsic=48),
        Track("MainAudioSequence", essence["audio"], (44100, 1), intrinsic=88288),
    ]
    write_package(tmp_path / "cd", tracks, rate=(24000, 1001))
    package = load_package(tmp_path / "cd")
    with pytest.raises(InvalidInput, match="between two edit units of MainAudioSequence"):
        write_edited(package, next(iter(package.cpls)), tmp_path / "out", lambda r: trim(r, 1, 3))


def test_dropping_a_track_removes_its_sequences_and_descriptor(
    tmp_path: Path, essence: dict[str, Path]
) -> None:
    source, tracks = _source(tmp_path, essence)
    package = load_package(source)
    written = write_edited(
        package, next(iter(package.cpls)), tmp_path / "mute", lambda r: drop_track(r, tracks[1].track_id)
    )
    report = validate_path(written.folder)
    assert report.ok, report.findings
    assert report.package is not None
    cpl = report.package.cpls[written.cpl_id]
    assert [s.kind for s in cpl.segments[0].sequences] == ["MainImageSequence"]
    assert [d.id for d in cpl.descriptors] == [tracks[0].descriptor_id]
    assert len(list(written.folder.glob("*.mxf"))) == 1


def test_cli_trim_writes_a_package_that_validates(tmp_path: Path, essence: dict[str, Path]) -> None:
    source, _ = _source(tmp_path, essence)
    runner = CliRunner()
    result = runner.invoke(
        app, ["imf", "trim", str(source), "--in", "24", "--out", "48", "--dest", str(tmp_path / "cli")]
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["imf", "validate", str(tmp_path / "cli")]).exit_code == 0
    refused = runner.invoke(
        app, ["imf", "trim", str(source), "--in", "0", "--out", "49", "--dest", str(tmp_path / "bad")]
    )
    assert refused.exit_code == 2 and "out <= 48" in refused.output


def test_a_repeated_resource_cut_in_its_middle_becomes_single_plays(tmp_path: Path) -> None:

    video = Track("MainImageSequence", tmp_path, (24, 1), intrinsic=48)
    text = cpl_xml(urn(), (24, 1), [video]).replace(
        "<SourceDuration>48</SourceDuration>",
        "<SourceDuration>48</SourceDuration><RepeatCount>2</RepeatCount>",
    )
    root = parse_xml(text.encode())
    assert trim(root, 40, 60) == 20
    model = read_document(xml_bytes(root), "CPL.xml", Findings()).model
    assert model is not None and hasattr(model, "segments")
    resources = model.segments[0].sequences[0].resources
    assert [(r.entry_point, r.source_duration, r.repeat_count) for r in resources] == [(40, 8, 1), (0, 12, 1)]
    assert len({r.id for r in resources}) == 2


def test_cli_trim_reads_a_zipped_package(tmp_path: Path, essence: dict[str, Path]) -> None:
    source, _ = _source(tmp_path, essence)
    archive = tmp_path / "source.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in source.iterdir():
            out.write(file, f"IMP/{file.name}")
    result = CliRunner().invoke(
        app, ["imf", "trim", str(archive), "--in", "0", "--out", "24", "--dest", str(tmp_path / "from-zip")]
    )
    assert result.exit_code == 0, result.output
    report = validate_path(tmp_path / "from-zip")
    assert report.ok and report.package is not None
    assert len(report.package.digests) == 3  # CPL and both track files, copied out of the ZIP
