"""Where a package's files come from: a folder, or a ZIP unpacked safely.

A ZIP is checked member by member before a single byte is written: an absolute name, a ``..``
step, a symbolic link, a drive letter or a name that would land outside the destination refuses
the whole archive, and nothing is extracted. ZIP64 archives (over 4 GiB, over 65,535 members)
are read by :mod:`zipfile` as they come.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from slate.errors import InvalidInput

__all__ = ["UnsafeArchive", "check_members", "is_imf_zip", "unpack_zip"]

_CHUNK = 8 * 1024 * 1024


class UnsafeArchive(InvalidInput):
    """A ZIP member would escape the package (absolute, ``..``, link, outside name)."""


def _refusal(info: zipfile.ZipInfo, dest: Path) -> str | None:
    """Why this member may not be extracted into ``dest``, or None when it may."""
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if "\\" in name or "\x00" in name:
        return "has a backslash or NUL in its name"
    pure = PurePosixPath(name)
    if pure.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in pure.parts:
        return "has a '..' step"
    target = (dest / name).resolve()
    if target != dest and dest not in target.parents:
        return "would land outside the package"
    return None


def check_members(archive: zipfile.ZipFile, dest: Path) -> None:
    """Refuse the archive when any member is unsafe; names every offender in the error."""
    dest = dest.resolve()
    problems = [
        f"{info.filename!r} {why}" for info in archive.infolist() if (why := _refusal(info, dest)) is not None
    ]
    if problems:
        raise UnsafeArchive(
            "the ZIP was refused, nothing extracted: " + "; ".join(problems), members=problems
        )


def _check_room(archive: zipfile.ZipFile, dest: Path, max_bytes: int | None) -> None:
    """Refuse an archive that would unpack to more than ``max_bytes`` (default: the free space)."""
    declared = sum(info.file_size for info in archive.infolist())
    if max_bytes is None:
        existing = next((p for p in [dest, *dest.parents] if p.exists()), Path("/"))
        max_bytes = shutil.disk_usage(existing).free
    if declared > max_bytes:
        raise UnsafeArchive(
            f"the ZIP was refused, nothing extracted: it unpacks to {declared} bytes, more than the "
            f"{max_bytes} available",
            declared=declared,
            available=max_bytes,
        )


def unpack_zip(path: Path, dest: Path, max_bytes: int | None = None) -> Path:
    """Unpack ``path`` into ``dest`` (created) after checking every member; return ``dest``.

    Members are copied by streaming, so a 4 GiB ZIP64 member never sits in memory; an archive
    whose members add up to more than ``max_bytes`` (default: the free disk space) is refused
    first, so a ZIP bomb fills nothing.
    """
    with zipfile.ZipFile(path) as archive:
        check_members(archive, dest)
        _check_room(archive, dest, max_bytes)
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        for info in archive.infolist():
            target = root / info.filename
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, target.open("wb") as out:
                while block := src.read(_CHUNK):
                    out.write(block)
    return dest


def is_imf_zip(path: Path) -> bool:
    """A ZIP holding an ASSETMAP at its root or in one top-level folder: an IMF package."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    return any(PurePosixPath(n).name in {"ASSETMAP.xml", "ASSETMAP"} and n.count("/") <= 1 for n in names)
