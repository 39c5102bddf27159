"""Helpers the flow tests share: an assignment taken in by intake, media made with ffmpeg, digests."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterName,
    FlowRunFilterState,
    FlowRunFilterStateType,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import StateType

from flows.intake import intake
from flows.validate import validate
from slate.models import AssetVersion, MaterialStatus
from slate.store import Database, get_request, list_versions
from tests.fixtures.portal import PortalServer


def created_event(request_id: str, event_id: str | None = None) -> dict[str, Any]:
    """The portal's ``assignment.created`` webhook body for ``request_id``."""
    return {
        "id": event_id or f"EVT-{request_id}",
        "type": "assignment.created",
        "occurred_at": datetime.now(UTC).isoformat(),
        "request_id": request_id,
        "data": {},
    }


def assign_and_intake(portal: PortalServer, **spec: Any) -> str:
    """A new assignment on the emulator, taken in by the intake flow; returns its request id."""
    spec = {"movieId": "81000050", "title": "Undertow", "sourceType": "SUBTITLE", "language": "en", **spec}
    request_id = str(portal.create_assignment(**spec)["requestId"])
    assert intake(created_event(request_id)) == request_id
    return request_id


def validate_in_background(request_id: str) -> tuple[threading.Thread, dict[str, Any]]:
    """Start the validate flow in a thread (it may pause); its outcome or error lands in the dict."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["outcome"] = validate(request_id)
        except BaseException as exc:  # the test thread reports it
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def paused_run(request_id: str, timeout: float = 60) -> UUID:
    """The id of the validation of ``request_id`` once it is paused for the operator."""
    deadline = time.monotonic() + timeout
    paused = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    name=FlowRunFilterName(like_=f"validate {request_id}"), state=paused
                )
            )
            if runs:
                return runs[0].id
            time.sleep(0.3)
    raise AssertionError(f"no paused validation of {request_id} within {timeout}s")


def state(db: Database, request_id: str) -> tuple[MaterialStatus, list[AssetVersion]]:
    """The request's material status and its versions."""
    with db.session() as session:
        return get_request(session, request_id).material_status, list_versions(session, request_id)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wav(path: Path, *, channels: int, seconds: float = 0.5) -> Path:
    """A short 48 kHz 24-bit PCM WAV of a tone with ``channels`` channels (2 = stereo, 6 = 5.1)."""
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    tone = f"sine=frequency=440:sample_rate=48000:duration={seconds}"
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", tone,
               "-af", f"aformat=channel_layouts={layout}", "-c:a", "pcm_s24le", str(path)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return path


def stored_files(root: Path) -> list[Path]:
    """Every file under a local blob store's root (empty when nothing was stored)."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def run_in_child(script: str, argument: str, env: dict[str, str]) -> tuple[UUID, list[str]]:
    """Run a flow in a child process (``script`` prints its flow run id last), as a served run would;
    return the run's id and its log lines from Slate's loggers, as the Prefect server stored them."""
    env = {**env, "PREFECT_LOGGING_EXTRA_LOGGERS": "slate"}  # what prefect.yaml and `slate up` set
    argv = [sys.executable, "-c", script, argument]
    child = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert child.returncode == 0, child.stderr[-2000:]
    run_id = UUID(child.stdout.strip().splitlines()[-1])
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return run_id, [entry.message for entry in logs if entry.name.startswith("slate")]
