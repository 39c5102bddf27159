"""The bulk_download and proxy_sync flows, run for real on the session's Prefect server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)

from flows.bulk_download import bulk_download
from flows.proxy_sync import proxy_sync
from slate.backlot import DownloadAssetType
from slate.lifecycle import create_request
from slate.store import list_versions, open_database
from tests.downloads.conftest import Materials
from tests.fixtures.portal import PortalServer
from tests.fixtures.prefect_server import PrefectServer


def run_facts(flow_run_id: UUID) -> tuple[str, dict[str, list[Any]]]:
    """The run's name, and its artifacts' data by type."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    by_type: dict[str, list[Any]] = {}
    for artifact in artifacts:
        data = artifact.data
        by_type.setdefault(str(artifact.type), []).append(json.loads(data) if isinstance(data, str) else data)
    return run.name, by_type


def test_bulk_download_flow_fetches_in_chunks_with_progress_and_a_table(
    fp_env: PortalServer, prefect_server: PrefectServer, materials: Materials, tmp_path: Path
) -> None:
    materials.assignment(
        "81900080", title="Flow Show", show_name="Flow Show", season_number=1, episode_title="One"
    )
    materials.assignment(
        "81900081", title="Flow Show", show_name="Flow Show", season_number=1, episode_title="Two"
    )
    for movie in ("81900080", "81900081"):
        for kind in ("PRINTMASTER", "ME", "SHOW_GUIDE", "DIALOG_LIST", "ME_NOTES"):
            materials.material(movie, DownloadAssetType[kind], size=40_000)
    dest = tmp_path / "dest"
    state = bulk_download(
        dest=str(dest), title="Flow Show", season=1, concurrency=1, rate_mbps=1000, return_state=True
    )
    assert state.is_completed(), state
    assert state.result() == {"downloaded": 10}
    rows = json.loads((dest / "manifest.json").read_text())
    assert len(rows) == 10 and {r["path"].split("/")[0] for r in rows} == {
        "Flow_Show_S01_One",
        "Flow_Show_S01_Two",
    }
    name, artifacts = run_facts(state.state_details.flow_run_id)
    assert name == "bulk download Flow Show S01"
    assert artifacts["progress"] == [100.0]
    (table,) = artifacts["table"]
    assert sorted(r["status"] for r in table) == ["downloaded"] * 10
    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    # 10 files at concurrency 1 make 3 chunks of 4, 4 and 2: the task runs stay few.
    assert sorted(t.name.rsplit("-", 1)[0] for t in task_runs).count("download chunk") == 3


def test_bulk_download_flow_dry_run_and_bad_parameters(
    fp_env: PortalServer, prefect_server: PrefectServer, tmp_path: Path
) -> None:
    fp_env.seed()
    state = bulk_download(
        dest=str(tmp_path / "d"), requests=["SR-81001001-06"], types=["docs"], dry_run=True, return_state=True
    )
    assert state.result() == {"planned": 3}
    assert not (tmp_path / "d").exists()
    name, artifacts = run_facts(state.state_details.flow_run_id)
    assert name == "bulk download SR-81001001-06"
    assert {r["type"] for r in artifacts["table"][0]} == {"Show Guide", "Dialog List", "M&E Notes"}
    bad = bulk_download(dest=str(tmp_path / "d"), title="X", rate_mbps=15, return_state=True)
    assert bad.is_failed() and "rate 15 Mb/s is not allowed" in str(bad.message)
    both = bulk_download(dest=str(tmp_path / "d"), requests=["SR-1"], title="X", return_state=True)
    assert both.is_failed() and "by request ids or by title, exactly one" in str(both.message)


def test_proxy_sync_flow_attaches_and_is_idempotent(
    fp_env: PortalServer, prefect_server: PrefectServer, portal_client: Any
) -> None:
    fp_env.seed(with_proxies=True)
    db = open_database()
    try:
        with db.session() as session:
            create_request(
                session, portal_client.get_source_request("SR-81001001-06").to_domain(), actor="test"
            )
        assert proxy_sync(["SR-81001001-06"]) == {"attached": 2}
        assert proxy_sync() == {"unchanged": 2}
        with db.session() as session:
            assert len(list_versions(session, "SR-81001001-06")) == 2
    finally:
        db.dispose()
