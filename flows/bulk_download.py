"""Flow: bulk download of portal materials across requests, with a progress artifact.

Takes the parameters of ``slate download``. The selection is checked before anything is asked of
the portal; the files are fetched in a few chunk tasks; the run ends with the manifest in DEST and
a table artifact of every file.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect import flow
from prefect.artifacts import create_progress_artifact
from prefect.runtime import flow_run

from slate.downloads import FileOutcome, FileStatus, make_selection, validate_rate_mbps
from slate.settings import get_settings
from tasks.downloads import (
    bytes_done,
    chunked,
    download_chunk,
    plan_downloads,
    publish_downloads,
    publish_plan,
    write_download_manifest,
)


def _run_name() -> str:
    """``bulk download SR-1, SR-2`` or ``bulk download The Long Harbour S01``."""
    params: dict[str, Any] = flow_run.get_parameters()
    if params.get("requests"):
        ids = list(params["requests"])
        return "bulk download " + ", ".join(ids[:3]) + (f" +{len(ids) - 3}" if len(ids) > 3 else "")
    season = params.get("season")
    return f"bulk download {params.get('title')}" + (f" S{season:02d}" if season is not None else "")


@flow(name="bulk-download", flow_run_name=_run_name)
def bulk_download(
    dest: str,
    requests: list[str] | None = None,
    title: str | None = None,
    season: int | None = None,
    types: list[str] | None = None,
    states: list[str] | None = None,
    rate_mbps: int | None = None,
    concurrency: int | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Download the selected materials to ``dest``; returns how many files ended in each status."""
    selection = make_selection(
        request_ids=requests or [], title=title, season=season, types=types or [], states=states or ["active"]
    )
    rate = validate_rate_mbps(rate_mbps) if rate_mbps is not None else None
    connections = concurrency or get_settings().download_concurrency
    files = plan_downloads(selection)
    if dry_run:
        publish_plan(files)
        return {"planned": len(files)}
    total = sum(f.asset.size for f in files if f.downloadable)
    artifact = create_progress_artifact(0.0, description=f"Downloading {len(files)} files to {dest}")
    assert isinstance(artifact, UUID)  # the sync call returns the id, not a coroutine
    outcomes: list[FileOutcome] = []
    for chunk in chunked(files, connections):
        outcomes += download_chunk(chunk, dest, rate, connections, artifact, bytes_done(outcomes), total)
    write_download_manifest(dest, outcomes)
    publish_downloads(outcomes)
    counts = {s.value: sum(o.row.status is s for o in outcomes) for s in FileStatus}
    failed = counts[FileStatus.FAILED.value] + counts[FileStatus.PARTIAL.value]
    if failed:
        raise RuntimeError(f"{failed} of {len(files)} files did not download; see the manifest in {dest}")
    return {k: v for k, v in counts.items() if v}
