"""The multi-machine path: prefect.yaml deployed to a process work pool and run by a Prefect worker.

A process pool is created on the test server; then Prefect's own command line does the rest, as an
operator would type it: ``prefect --no-prompt deploy`` from prefect.yaml, ``prefect worker start``.
Every entry is deployed (names made unique: the test server is shared by the session); the
worker runs the real ``reconcile`` against the portal emulator.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.workers.process import ProcessWorker

from deployments.serve import DEFAULT_FILE, load_project
from tests.fixtures.portal import PortalServer
from tests.fixtures.prefect_server import PrefectServer

ROOT = DEFAULT_FILE.parent


def _prefect(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"prefect {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture
def worker_env(prefect_server: PrefectServer, portal: PortalServer, tmp_path: Path) -> dict[str, str]:
    """What a worker machine would have: the API, Slate's home and the portal it talks to."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SLATE_"))}
    env.update(
        PREFECT_API_URL=prefect_server.api_url,
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        SLATE_HOME=str(tmp_path / "slate"),
        SLATE_PORTAL_BASE_URL=portal.base_url,
    )
    return env


@pytest.fixture
def deployed(worker_env: dict[str, str], tmp_path: Path) -> tuple[str, str]:
    """A fresh process pool and every entry of prefect.yaml deployed to it: (pool, name suffix).

    The copy differs from prefect.yaml only where the shared test server needs it: a unique suffix
    on each deployment name and schedules registered switched off (no stray cron runs).
    """
    pool = f"slate-pool-{uuid.uuid4().hex[:8]}"
    suffix = f"-{uuid.uuid4().hex[:8]}"
    project = yaml.safe_load(DEFAULT_FILE.read_text())
    for entry in project["deployments"]:
        entry["name"] += suffix
        entry["work_pool"]["name"] = pool
        for schedule in entry.get("schedules", []):
            schedule["active"] = False
    copy = tmp_path / "prefect.yaml"
    copy.write_text(yaml.safe_dump(project))
    with get_client(sync_client=True) as client:
        template = ProcessWorker.get_default_base_job_template()
        client.create_work_pool(WorkPoolCreate(name=pool, type="process", base_job_template=template))
    _prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(copy), env=worker_env)
    return pool, suffix


@pytest.fixture
def worker(
    deployed: tuple[str, str], worker_env: dict[str, str], tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``prefect worker start`` on the pool, in its own process group; stopped with SIGTERM."""
    pool, _ = deployed
    with (tmp_path / "worker.log").open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "worker",
                "start",
                "--pool",
                pool,
                "--limit",
                "2",
                "--type",
                "process",
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_prefect_yaml_deploys_to_a_process_pool_and_a_worker_runs_it(
    deployed: tuple[str, str], worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    pool, suffix = deployed
    with get_client(sync_client=True) as client:
        in_pool = client.read_deployments(
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))
        )
    listed = [spec.name for spec in load_project().deployments]
    assert sorted(d.name for d in in_pool) == sorted(name + suffix for name in listed)
    run = run_deployment(f"reconcile/reconcile{suffix}", timeout=120, poll_interval=0.5)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert run.state is not None and run.state.type == StateType.COMPLETED, f"{run.state}\n{log}"
    assert run.work_pool_name == pool
    assert run.infrastructure_pid, "the worker did not record the process it started"
    assert str(run.id) in log
    os.killpg(worker.pid, signal.SIGTERM)
    assert worker.wait(timeout=30) in (0, -signal.SIGTERM)
