"""A ZIP is refused whole, with nothing extracted, when one member would escape the package."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from slate.imf.source import UnsafeArchive, unpack_zip


def _zip(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(
    "bad",
    ["../escape.txt", "/etc/cron.d/evil", "pkg/../../escape.txt", "C:/windows/evil.dll", "a\\..\\b.txt"],
)
def test_a_member_leaving_the_package_refuses_the_whole_zip(tmp_path: Path, bad: str) -> None:
    archive = _zip(tmp_path / "pkg.zip", {"ASSETMAP.xml": b"<x/>", bad: b"owned"})
    dest = tmp_path / "out"
    with pytest.raises(UnsafeArchive) as refused:
        unpack_zip(archive, dest)
    assert repr(bad) in refused.value.message
    assert not dest.exists(), "nothing may be extracted from a refused ZIP"
    assert not (tmp_path / "escape.txt").exists()


def test_a_symbolic_link_member_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "pkg.zip", {"ASSETMAP.xml": b"<x/>"}, link="video.mxf")
    with pytest.raises(UnsafeArchive, match="symbolic link"):
        unpack_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_clean_zip64_archive_unpacks_every_member(tmp_path: Path) -> None:
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w", allowZip64=True) as out:
        with out.open("sub/track.mxf", "w", force_zip64=True) as member:
            member.write(b"\x06\x0e" * 1000)
        out.writestr("ASSETMAP.xml", b"<AssetMap/>")
    dest = unpack_zip(archive, tmp_path / "out")
    assert (dest / "sub" / "track.mxf").read_bytes() == b"\x06\x0e" * 1000
    assert (dest / "ASSETMAP.xml").read_bytes() == b"<AssetMap/>"


def test_an_archive_unpacking_beyond_the_room_given_is_refused_before_writing(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("ASSETMAP.xml", b"<x/>")
        out.writestr("track.mxf", bytes(8 * 1024 * 1024))  # 8 MiB of zeros, a few KiB packed
    assert archive.stat().st_size < 64 * 1024
    with pytest.raises(UnsafeArchive, match="more than the 1048576 available"):
        unpack_zip(archive, tmp_path / "out", max_bytes=1024 * 1024)
    assert not (tmp_path / "out").exists()
    assert (unpack_zip(archive, tmp_path / "ok") / "track.mxf").stat().st_size == 8 * 1024 * 1024
