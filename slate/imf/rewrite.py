"""Make a new package from an edited CPL: the CPL, its OPL when the source had one, a fresh PKL
and ASSETMAP, and — for a complete package — copies of the track files the CPL plays.

A supplemental package carries only the new documents (and any new track file); the track files
it plays stay in the original package, which ``slate imf validate --original`` resolves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lxml import etree
from pydantic import BaseModel, ConfigDict

from slate.errors import InvalidInput
from slate.imf.editor import retitle
from slate.imf.hashing import digest_bytes
from slate.imf.package import Package
from slate.imf.writer import Entry, copy_hashed, new_urn, now, write_assetmap, write_pkl, xml_bytes
from slate.imf.xmlsafe import local, parse_xml

__all__ = ["Written", "write_edited"]

CREATOR = "Slate"


class Written(BaseModel):
    """What was written: the folder, the new CPL's Id and file, and every PKL entry."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    folder: Path
    cpl_id: str
    cpl_file: str
    entries: list[Entry]


def _new_opl(package: Package, source_cpl: str, new_cpl: str, folder: Path) -> Entry | None:
    for opl_id, opl in package.opls.items():
        if opl.composition_id != source_cpl:
            continue
        root = parse_xml((package.root / package.files[opl_id]).read_bytes(), package.files[opl_id])
        new_id = new_urn()
        for element in root:
            if isinstance(element.tag, str) and local(element) in {
                "Id",
                "CompositionPlaylistId",
                "IssueDate",
            }:
                element.text = {"Id": new_id, "CompositionPlaylistId": new_cpl, "IssueDate": now()}[
                    local(element)
                ]
        data = xml_bytes(root)
        name = f"OPL_{new_id[9:]}.xml"
        (folder / name).write_bytes(data)
        return Entry(id=new_id, path=name, type="text/xml", digest=digest_bytes(data))
    return None


def _track_files(root: etree._Element) -> list[str]:
    found = [
        (e.text or "").strip() for e in root.iter() if isinstance(e.tag, str) and local(e) == "TrackFileId"
    ]
    return list(dict.fromkeys(found))


def _copy_track_files(
    package: Package, root: etree._Element, folder: Path, supplemental: bool, added: dict[str, Path]
) -> list[Entry]:
    entries = []
    for file_id in _track_files(root):
        source = added.get(file_id)
        if source is None and supplemental:
            continue  # stays in the original package
        if source is None:
            relative = package.paths.get(file_id)
            if relative is None or not (package.root / relative).is_file():
                raise InvalidInput(
                    f"track file {file_id} is not in the source package; make a supplemental "
                    "package or add the file",
                    track_file=file_id,
                )
            source = package.root / relative
        digest = copy_hashed(source, folder / source.name)
        entries.append(Entry(id=file_id, path=source.name, type="application/mxf", digest=digest))
    return entries


def write_edited(
    package: Package,
    cpl_id: str,
    dest: Path,
    edit: Callable[[etree._Element], object],
    *,
    supplemental: bool = False,
    added: dict[str, Path] | None = None,
) -> Written:
    """Apply ``edit`` to a copy of CPL ``cpl_id`` of ``package`` and write a new package to ``dest``."""
    if cpl_id not in package.cpls:
        raise InvalidInput(f"the package has no CPL {cpl_id}", cpl_id=cpl_id)
    if dest.exists() and any(dest.iterdir()):
        raise InvalidInput(f"{dest} is not empty; a new package needs a folder of its own", dest=str(dest))
    dest.mkdir(parents=True, exist_ok=True)
    name = package.files[cpl_id]
    root = parse_xml((package.root / name).read_bytes(), name)
    edit(root)
    new_id = retitle(root)
    data = xml_bytes(root)
    cpl_file = f"CPL_{new_id[9:]}.xml"
    (dest / cpl_file).write_bytes(data)
    entries = [
        *_copy_track_files(package, root, dest, supplemental, added or {}),
        Entry(id=new_id, path=cpl_file, type="text/xml", digest=digest_bytes(data)),
    ]
    opl = _new_opl(package, cpl_id, new_id, dest)
    if opl is not None:
        entries.append(opl)
    title = package.pkls[0].annotation if package.pkls and package.pkls[0].annotation else "IMF package"
    pkl = write_pkl(dest, entries, f"{title} ({'supplemental' if supplemental else 'complete'})", CREATOR)
    write_assetmap(dest, entries, pkl, CREATOR)
    return Written(folder=dest, cpl_id=new_id, cpl_file=cpl_file, entries=entries)
