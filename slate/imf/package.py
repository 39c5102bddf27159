"""Gather a package's parts: the ASSETMAP, what it maps, the PKLs and the documents they list.

Every file the PKL lists is read once: an XML document is read into memory, hashed and parsed from
the same bytes; a track file is streamed through SHA-1. The result, :class:`Package`, holds the
typed documents, each file's digest and the findings met on the way (a file the ASSETMAP maps but
the folder lacks, a PKL entry the ASSETMAP does not map, an Id that differs between documents).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field

from slate.imf.findings import Finding, Findings, Level
from slate.imf.hashing import Digest, digest_bytes, digest_file
from slate.imf.models import AssetMap, Composition, OutputProfileList, PackingList
from slate.imf.readers import read_document

__all__ = ["Package", "find_assetmap", "load_package"]

_XML_TYPES = {"text/xml", "application/xml"}


class Package(BaseModel):
    """One IMF package as read from a folder."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    #: The folder read; for a ZIP validated whole, the ZIP itself once its scratch folder is gone.
    root: Path
    assetmap: AssetMap | None = None
    pkls: list[PackingList] = Field(default_factory=list)
    cpls: dict[str, Composition] = Field(default_factory=dict)
    opls: dict[str, OutputProfileList] = Field(default_factory=dict)
    #: Asset UUID → path relative to ``root``, from the ASSETMAP.
    paths: dict[str, str] = Field(default_factory=dict)
    #: Asset UUID → digest of its file, for each file the PKLs list and the folder holds.
    digests: dict[str, Digest] = Field(default_factory=dict)
    #: Asset UUID → the document file name (for findings).
    files: dict[str, str] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)

    def pkl_asset_ids(self) -> set[str]:
        return {asset.id for pkl in self.pkls for asset in pkl.assets}


def find_assetmap(root: Path, out: Findings) -> Path | None:
    """The ASSETMAP at the root or in one top-level folder (ST 429-9 Basic Map Profile v2).

    A ZIP often wraps its package in one folder, which the profile allows; an ASSETMAP deeper
    than that is an error, and so are two top-level ones (which package is meant is unclear).
    """
    names = ("ASSETMAP.xml", "ASSETMAP")
    for name in names:
        if (root / name).is_file():
            return root / name
    top = sorted(d / n for d in root.iterdir() if d.is_dir() for n in names if (d / n).is_file())
    if len(top) == 1:
        return top[0]
    deeper = sorted(p for n in names for p in root.rglob(n))
    if deeper:
        where = ", ".join(str(p.relative_to(root)) for p in deeper[:3])
        out.add(
            "IMF_ASSETMAP_LOCATION",
            f"ASSETMAP found at {where}: the Basic Map Profile allows one at "
            "the root or in a single top-level folder",
            Level.FATAL,
            file=where,
        )
    else:
        out.add("IMF_ASSETMAP_MISSING", "no ASSETMAP at the root of the package", Level.FATAL, file="")
    return None


def _safe_relative(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def _map_paths(package: Package, assetmap: AssetMap, out: Findings) -> None:
    for asset in assetmap.assets:
        path = asset.path
        if path is None:
            continue
        if not _safe_relative(path):
            out.add(
                "IMF_ASSETMAP_PATH",
                f"asset {asset.id} path {path!r} leaves the package",
                Level.FATAL,
                file="ASSETMAP.xml",
            )
            continue
        target = (package.root / path).resolve()
        if package.root.resolve() not in target.parents:
            out.add(
                "IMF_ASSETMAP_PATH",
                f"asset {asset.id} path {path!r} resolves outside the package (a link)",
                Level.FATAL,
                file="ASSETMAP.xml",
            )
            continue
        package.paths[asset.id] = path
        if not (package.root / path).is_file():
            out.add(
                "IMF_FILE_MISSING",
                f"the ASSETMAP maps asset {asset.id} to {path}, which is not in the package",
                file=path,
            )


def _read_xml(package: Package, asset_id: str, out: Findings) -> None:
    """Read, hash and parse one XML asset; file its model under its kind."""
    name = package.paths[asset_id]
    data = (package.root / name).read_bytes()
    package.digests[asset_id] = digest_bytes(data)
    package.files[asset_id] = name
    document = read_document(data, name, out)
    model = document.model
    if isinstance(model, Composition):
        package.cpls[asset_id] = model
    elif isinstance(model, OutputProfileList):
        package.opls[asset_id] = model
    if model is not None and not isinstance(model, AssetMap | PackingList) and model.id != asset_id:
        out.add(
            "IMF_UUID_MISMATCH",
            f"{name} has Id {model.id} but the ASSETMAP and PKL list it as {asset_id}",
            file=name,
        )


def _read_pkls(package: Package, assetmap: AssetMap, out: Findings) -> None:
    flagged = [a.id for a in assetmap.assets if a.packing_list]
    for asset_id in flagged:
        name = package.paths.get(asset_id)
        if name is None or not (package.root / name).is_file():
            continue
        data = (package.root / name).read_bytes()
        document = read_document(data, name, out)
        if isinstance(document.model, PackingList):
            package.pkls.append(document.model)
            package.files[asset_id] = name
            if document.model.id != asset_id:
                out.add(
                    "IMF_UUID_MISMATCH",
                    f"{name} has Id {document.model.id} but the ASSETMAP lists it as {asset_id}",
                    file=name,
                )
        elif document.kind is not None:
            out.add(
                "IMF_PKL_NOT_PKL",
                f"{name} is flagged PackingList in the ASSETMAP but is a {document.kind}",
                file=name,
            )
    if not flagged:
        out.add("IMF_PKL_MISSING", "the ASSETMAP flags no PackingList", Level.FATAL, file="ASSETMAP.xml")


def _read_assets(package: Package, out: Findings) -> None:
    for pkl in package.pkls:
        for asset in pkl.assets:
            name = package.paths.get(asset.id)
            if name is None:
                out.add(
                    "IMF_ASSETMAP_ENTRY_MISSING",
                    f"PKL asset {asset.id} "
                    f"({asset.original_file_name or asset.annotation or 'no name'}) has no ASSETMAP "
                    "entry, so its file cannot be found",
                    Level.FATAL,
                    file=asset.original_file_name or "",
                )
                continue
            if asset.id in package.digests or not (package.root / name).is_file():
                continue
            if (asset.type or "").split(";")[0].strip() in _XML_TYPES:
                if asset.type != "text/xml":
                    out.add(
                        "IMF_PKL_TYPE",
                        f"{name} is listed as {asset.type}, not text/xml",
                        Level.WARNING,
                        file=name,
                    )
                _read_xml(package, asset.id, out)
            else:
                package.digests[asset.id] = digest_file(package.root / name)
                package.files[asset.id] = name


def load_package(root: Path) -> Package:
    """Read the package in folder ``root`` (documents parsed, every listed file hashed once)."""
    out = Findings("ASSETMAP.xml")
    location = find_assetmap(root, out)
    package = Package(root=location.parent if location is not None else root)
    if location is not None:
        document = read_document(location.read_bytes(), location.name, out)
        if isinstance(document.model, AssetMap):
            package.assetmap = document.model
            _map_paths(package, document.model, out)
            _read_pkls(package, document.model, out)
            _read_assets(package, out)
    package.findings = out.items
    return package
