"""Validate an IMF package (folder or ZIP) or one IMF document, as the studio will.

:func:`validate_path` is the one entry point: the command line, QC and ingest call it and get a
:class:`Report` — the findings on two axes (structure, integrity) and the package as read. A
single document (an ASSETMAP, PKL, CPL or OPL given alone) is checked on its own, without
resolving what it references; a package is checked across its documents and against its bytes.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from slate.imf.descriptors import check_descriptors
from slate.imf.findings import Axis, Finding, Findings, Level, blocking
from slate.imf.models import AssetMap, Composition, OutputProfileList, PackingList
from slate.imf.package import Package, load_package
from slate.imf.readers import read_document
from slate.imf.source import unpack_zip
from slate.imf.timeline import MARKER, check_timeline

__all__ = ["Report", "check_document", "validate_package", "validate_path"]

_SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"


class Report(BaseModel):
    """What validation found; ``ok`` when nothing reaches ERROR on either axis."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    findings: list[Finding] = Field(default_factory=list)
    package: Package | None = None

    @property
    def ok(self) -> bool:
        return not blocking(self.findings)


def _check_assetmap(assetmap: AssetMap, out: Findings) -> None:
    if assetmap.volume_count != 1:
        out.add(
            "IMF_ASSETMAP_VOLUME_COUNT",
            f"VolumeCount is {assetmap.volume_count}; a package is one volume",
            Level.FATAL,
        )
    ids = [a.id for a in assetmap.assets]
    if len(set(ids)) != len(ids):
        out.add("IMF_ASSETMAP_DUPLICATE", "two ASSETMAP entries share an Id")
    for asset in assetmap.assets:
        for chunk in asset.chunks:
            if chunk.volume_index not in (None, 1):
                out.add(
                    "IMF_ASSETMAP_VOLUME_INDEX",
                    f"asset {asset.id} chunk has VolumeIndex {chunk.volume_index}; only 1 is allowed",
                    Level.FATAL,
                )
        if len(asset.chunks) > 1:
            out.add("IMF_ASSETMAP_CHUNKS", f"asset {asset.id} is split in {len(asset.chunks)} chunks")


def _check_pkl(pkl: PackingList, out: Findings) -> None:
    ids = [a.id for a in pkl.assets]
    if len(set(ids)) != len(ids):
        out.add("IMF_PKL_DUPLICATE", "two PKL assets share an Id")
    for asset in pkl.assets:
        if asset.hash_algorithm is not None and asset.hash_algorithm != _SHA1:
            out.add("IMF_PKL_HASH_ALGORITHM", f"asset {asset.id} uses {asset.hash_algorithm}, not SHA-1")


def check_document(model: AssetMap | PackingList | Composition | OutputProfileList, out: Findings) -> None:
    """The checks one document supports read alone."""
    if isinstance(model, AssetMap):
        _check_assetmap(model, out)
    elif isinstance(model, PackingList):
        _check_pkl(model, out)
    elif isinstance(model, Composition):
        check_timeline(model, out)
        check_descriptors(model, out)


def _check_integrity(package: Package, out: Findings) -> None:
    for pkl in package.pkls:
        for asset in pkl.assets:
            digest = package.digests.get(asset.id)
            if digest is None:
                continue
            name = package.files.get(asset.id, asset.id)
            if asset.size is not None and digest.size != asset.size:
                out.add(
                    "IMF_SIZE_MISMATCH",
                    f"{name} is {digest.size} bytes; the PKL says {asset.size}",
                    file=name,
                    axis=Axis.INTEGRITY,
                )
            if asset.hash is not None and digest.sha1 != asset.hash:
                out.add(
                    "IMF_HASH_MISMATCH",
                    f"{name} SHA-1 is {digest.sha1}; the PKL says {asset.hash}",
                    file=name,
                    axis=Axis.INTEGRITY,
                )


def _check_references(package: Package, original: Package | None, out: Findings) -> None:
    in_package = package.pkl_asset_ids()
    elsewhere = original.pkl_asset_ids() if original is not None else set()
    for cpl_id, cpl in package.cpls.items():
        name = package.files.get(cpl_id, cpl_id)
        for segment in cpl.segments:
            for sequence in segment.sequences:
                if sequence.kind == MARKER:
                    continue
                for resource in sequence.resources:
                    track_file = resource.track_file_id or ""
                    if track_file in in_package or track_file in elsewhere:
                        continue
                    level = Level.ERROR if original is not None else Level.WARNING
                    where = "this package or the original" if original is not None else "this package"
                    out.add(
                        "IMF_TRACK_FILE_ABSENT",
                        f"track file {track_file} of {sequence.kind} is not in {where}",
                        level,
                        file=name,
                    )
    for opl_id, opl in package.opls.items():
        if opl.composition_id not in package.cpls:
            out.add(
                "IMF_OPL_CPL",
                f"the OPL names CPL {opl.composition_id}, which the package does not hold",
                file=package.files.get(opl_id, opl_id),
            )


def validate_package(package: Package, original: Package | None = None) -> Report:
    """Every check of a package read with :func:`slate.imf.package.load_package`."""
    out = Findings()
    out.extend(package.findings)
    if package.assetmap is not None:
        out.file = "ASSETMAP.xml"
        _check_assetmap(package.assetmap, out)
    for pkl in package.pkls:
        out.file = package.files.get(pkl.id, pkl.id)
        _check_pkl(pkl, out)
    for cpl_id, cpl in package.cpls.items():
        out.file = package.files.get(cpl_id, cpl_id)
        check_document(cpl, out)
    out.file = ""
    if package.assetmap is not None and package.pkls and not package.cpls:
        out.add("IMF_NO_CPL", "the package holds no readable CPL", Level.FATAL)
    _check_references(package, original, out)
    _check_integrity(package, out)
    return Report(findings=out.items, package=package)


def _validate_folder(folder: Path, original: Path | None) -> Report:
    reference = load_package(original) if original is not None else None
    return validate_package(load_package(folder), reference)


def validate_path(path: Path, original: Path | None = None) -> Report:
    """Validate a package folder, a ZIP of one, or a single IMF document."""
    if path.is_dir():
        return _validate_folder(path, original)
    if zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="slate-imf-") as scratch:
            report = _validate_folder(unpack_zip(path, Path(scratch) / "package"), original)
            if report.package is not None:  # its documents stay; its folder goes with the scratch
                report.package = report.package.model_copy(update={"root": path})
            return report
    out = Findings(path.name)
    document = read_document(path.read_bytes(), path.name, out)
    if document.model is not None:
        check_document(document.model, out)
    return Report(findings=out.items)
