"""The manifest in the destination folder: every file, its request ids, type, state, size, checksum.

Written as ``manifest.json`` and ``manifest.csv`` (for people and spreadsheets) as files finish (at
most once a second) and at the end of a run, each through a temporary file and a rename, so a reader
never sees half a manifest. It is kept *true to the disk*: ``downloaded`` and ``present`` rows name
files that exist, complete and verified; a failure says what is left (a partial file, or nothing).
Rows of earlier runs survive only while their file is still there with its size.
"""

from __future__ import annotations

import csv
import io
import json
import os
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from slate.errors import StorageError
from slate.logging import get_logger
from slate.textsafe import spreadsheet_cell

__all__ = ["MANIFEST_CSV", "MANIFEST_JSON", "FileStatus", "ManifestRow", "read_manifest", "write_manifest"]

log = get_logger(__name__)

MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"


class FileStatus(StrEnum):
    """What the disk holds for one material."""

    DOWNLOADED = "downloaded"  # fetched by this run, complete, checksum verified
    PRESENT = "present"  # already there from an earlier run, complete, checksum verified
    NOT_AVAILABLE = "not_available"  # the portal lists it but has no file yet
    PARTIAL = "partial"  # interrupted: a partial download waits to be resumed
    FAILED = "failed"  # nothing usable on disk (see ``error``)


class ManifestRow(BaseModel):
    """One material in the manifest."""

    asset_id: str
    movie_id: str
    request_ids: list[str]
    category: str
    type: str
    state: str
    file_name: str
    size: int
    checksum: str
    checksum_algorithm: str = "sha256"
    #: Relative to the destination, with ``/`` separators.
    path: str
    status: FileStatus
    bytes_on_disk: int = Field(default=0, ge=0)
    error: str = ""


_ROWS = TypeAdapter(list[ManifestRow])
_COLUMNS = list(ManifestRow.model_fields)


def read_manifest(dest: Path) -> list[ManifestRow]:
    """The rows of the manifest in ``dest``; none when there is none or it is unreadable."""
    path = dest / MANIFEST_JSON
    try:
        return _ROWS.validate_json(path.read_bytes())
    except FileNotFoundError:
        return []
    except (OSError, ValidationError) as exc:
        log.warning("ignoring an unreadable manifest", path=str(path), error=str(exc)[:200])
        return []


def _still_on_disk(dest: Path, row: ManifestRow) -> bool:
    if row.status not in {FileStatus.DOWNLOADED, FileStatus.PRESENT}:
        return False
    try:
        return (dest / row.path).stat().st_size == row.size
    except OSError:
        return False


def merge_rows(dest: Path, rows: list[ManifestRow]) -> list[ManifestRow]:
    """This run's rows, plus earlier rows whose file is still complete on disk."""
    current = {r.asset_id for r in rows}
    kept = [r for r in read_manifest(dest) if r.asset_id not in current and _still_on_disk(dest, r)]
    return sorted([*kept, *rows], key=lambda r: (r.path, r.asset_id))


def _csv_text(rows: list[ManifestRow]) -> str:
    """The CSV for spreadsheets: names from the portal cannot become formulas (``=HYPERLINK(…)``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = row.model_dump(mode="json")
        data["request_ids"] = ";".join(row.request_ids)
        writer.writerow({k: spreadsheet_cell(v) if isinstance(v, str) else v for k, v in data.items()})
    return out.getvalue()


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (all or nothing)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(
            f"cannot write the manifest {path}: {exc.strerror or exc}",
            path=str(path),
            errno=exc.errno,
            rule="manifest written",
        ) from exc


def write_manifest(dest: Path, rows: list[ManifestRow]) -> list[ManifestRow]:
    """Write both manifests (merged with earlier runs'); returns the rows written."""
    merged = merge_rows(dest, rows)
    _replace(dest / MANIFEST_JSON, json.dumps([r.model_dump(mode="json") for r in merged], indent=2) + "\n")
    _replace(dest / MANIFEST_CSV, _csv_text(merged))
    return merged
