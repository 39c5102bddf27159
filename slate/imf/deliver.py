"""Declare a validated IMF package to the portal (``POST /v1/deliveries/imf``).

Slate never sends a package it would refuse itself: the package is validated first (against its
original when it is supplemental), then its ASSETMAP, the PKL that lists the chosen CPL, and the
CPL go to every IMF request the CPL answers. The portal's answer, SUCCESS or ERROR per CPL with a
status per track, is returned as is; a refusal by the portal is an answer, not an exception.
"""

from __future__ import annotations

from pathlib import Path

from slate.backlot import ImfDeliveryResult, PortalClient
from slate.errors import InvalidInput
from slate.imf.findings import blocking
from slate.imf.package import Package, load_package
from slate.imf.validate import validate_package

__all__ = ["deliver_package", "package_parts"]


def package_parts(package: Package, cpl_id: str) -> tuple[Path, Path, Path]:
    """The ASSETMAP, the PKL listing ``cpl_id`` and the CPL file of a package read from a folder."""
    pkl = next((p for p in package.pkls if cpl_id in {a.id for a in p.assets}), None)
    if pkl is None or cpl_id not in package.files:
        raise InvalidInput(f"no PKL of the package lists CPL {cpl_id}", cpl_id=cpl_id)
    assetmap = next(package.root / n for n in ("ASSETMAP.xml", "ASSETMAP") if (package.root / n).is_file())
    return assetmap, package.root / package.files[pkl.id], package.root / package.files[cpl_id]


def deliver_package(
    portal: PortalClient,
    folder: Path,
    request_ids: list[str],
    *,
    cpl_id: str | None = None,
    original: Path | None = None,
) -> ImfDeliveryResult:
    """Validate the package in ``folder`` and declare one of its CPLs to ``request_ids``."""
    package = load_package(folder)
    report = validate_package(package, load_package(original) if original is not None else None)
    errors = blocking(report.findings)
    if errors:
        reasons = "; ".join(f"{f.code} {f.file}: {f.message}" for f in errors[:5])
        raise InvalidInput(
            f"{folder}: the package does not validate, nothing was sent ({reasons})",
            codes=[f.code for f in errors],
        )
    chosen = cpl_id or (next(iter(package.cpls)) if len(package.cpls) == 1 else None)
    if chosen is None or chosen not in package.cpls:
        raise InvalidInput(f"{folder} holds {len(package.cpls)} CPLs; name the one to deliver")
    return portal.deliver_imf(request_ids, *package_parts(package, chosen))
