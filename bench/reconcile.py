"""Reconciling 10,000 portal requests: the ``reconcile`` flow against a plain loop over the client.

One run, one emulator (served over HTTP on loopback in its own process), seeded with
``--requests`` source requests (10,000 by default) assigned to Slate. Then, each from an empty
Slate database of its own:

1. the baseline: a plain loop over the portal client doing the flow's domain work — fetch every
   changed request and redelivery request, ``apply_requests`` in the flow's chunks,
   ``apply_redeliveries``, save the watermarks, sync proxies — with no Prefect at all;
2. the ``reconcile`` flow against a real Prefect server (``prefect_test_harness``, SQLite,
   heartbeats off): wall time, and its task runs as read back from the Prefect API;
3. the flow a second time on the same database: it must change nothing.

Goal: orchestration adds at most 25 % (flow time / baseline time <= 1.25). Wall time on a shared
machine swings with its load, so each side also reports the CPU seconds of every process involved
(this one, the emulator and the Prefect server), and the flow's ``slate.*`` events are counted as
the server stored them (one per status change; the server's in-memory broker may drop some).

    uv run python bench/reconcile.py                    # 10,000 requests
    uv run python bench/reconcile.py --quick            # 1,000 requests
    uv run python bench/reconcile.py --seed db          # seed through the emulator's database
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from _common import _process_cpu, load_average
from _portal import BenchPortal, portal_process

from slate.backlot import HttpPortalClient
from slate.downloads.proxy_sync import sync_proxies
from slate.logging import configure_logging
from slate.models import SourceType
from slate.objects import open_blob_store
from slate.reconcile import (
    REDELIVERY_WATERMARK,
    REQUEST_WATERMARK,
    apply_redeliveries,
    apply_requests,
    fetch_changed_redeliveries,
    fetch_changed_requests,
    read_watermark,
    write_watermark,
)
from slate.settings import get_settings, reset_settings
from slate.store import open_database

T = TypeVar("T")
GOAL = 1.25
_TYPES = [t for t in SourceType if t not in (SourceType.LOCKED_PROXY, SourceType.FINAL_PROXY)]
_LANGUAGES = ["en", "es", "fr", "de", "it"]
_CHANNELS = {
    SourceType.AV_MUXED: 2,
    SourceType.SECONDARY_AV_MUXED: 2,
    SourceType.AUDIO_PRINTMASTER: 6,
    SourceType.AUDIO_ME: 6,
    SourceType.SECONDARY_AUDIO: 2,
    SourceType.AUDIO_DESCRIPTION: 2,
}


def main() -> None:
    args = _arguments()
    configure_logging("WARNING")
    work = Path(tempfile.mkdtemp(prefix="slate-bench-reconcile-", dir=args.dir))
    os.environ.pop("SLATE_DATABASE_URL", None)
    os.environ["SLATE_LOG_LEVEL"] = "WARNING"
    try:
        with portal_process(work / "portal") as portal, _prefect(args.heartbeats) as api_url:
            os.environ.update(portal.slate_env())
            print(f"emulator {portal.base_url} (pid {portal.pid}); Prefect API {api_url}")
            seconds = _timed(lambda: _seed(portal, args.requests, args.seed))[1]
            print(f"seeded {args.requests} requests through the {_SEED_HOW[args.seed]} in {seconds:.1f} s")
            _run(portal, api_url, work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000, help="portal requests to seed")
    parser.add_argument("--quick", action="store_true", help="1,000 requests")
    parser.add_argument("--seed", choices=["api", "db"], default="api", help="how to seed the emulator")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where files go")
    parser.add_argument("--heartbeats", action="store_true", help="flow-run heartbeats on, as when served")
    args = parser.parse_args()
    if args.quick:
        args.requests = min(args.requests, 1_000)
    return args


@contextmanager
def _prefect(heartbeats: bool) -> Iterator[str]:
    """A real Prefect API server (SQLite), analytics off; heartbeats off as the tests run it, or on
    as served deployments run (``--heartbeats``: about a second more per flow run)."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    quiet: dict[Any, Any] = {PREFECT_SERVER_ANALYTICS_ENABLED: False}
    if not heartbeats:
        quiet[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    with temporary_settings(updates=quiet), prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


# --- seeding ------------------------------------------------------------------------------------

_SEED_HOW = {"api": "admin API (POST /admin/assignments, 4 in parallel)", "db": "emulator's database"}


def _spec(i: int) -> dict[str, Any]:
    """The i-th assignment: 1,000 titles of 10 requests, every source type, a few languages."""
    source_type = _TYPES[i % len(_TYPES)]
    spec: dict[str, Any] = {
        "requestId": f"SR-BENCH-{i:06d}",
        "movieId": f"{82_000_000 + i // 10}",
        "title": f"Bench Title {i // 10}",
        "sourceType": source_type.value,
        "language": _LANGUAGES[i % len(_LANGUAGES)],
    }
    if source_type in _CHANNELS:
        spec["audioChannels"] = _CHANNELS[source_type]
    return spec


def _seed(portal: BenchPortal, count: int, how: str) -> None:
    if how == "db":
        _seed_database(portal.data_dir, count)
        return
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in pool.map(lambda i: portal.call("POST", "/assignments", json=_spec(i)), range(count)):
            pass


def _seed_database(data_dir: Path, count: int) -> None:
    """Rows written with the emulator's own models and webhook outbox, beside the running server."""
    from slate.backlot.emulator._api_admin import AssignmentSpec
    from slate.backlot.emulator._db import RequestRow, make_engine, utcnow
    from slate.backlot.emulator._webhooks import emit
    from slate.backlot.webhooks import EventType
    from slate.models import PortalStatus

    engine, sessions = make_engine(data_dir / "portal.db")
    try:
        for start in range(0, count, 1000):
            with sessions() as session, session.begin():
                for i in range(start, min(count, start + 1000)):
                    spec = AssignmentSpec.model_validate(_spec(i))
                    now = utcnow()
                    values = spec.model_dump(exclude={"request_id", "runtime_seconds"})
                    row = RequestRow(
                        **values,
                        request_id=spec.request_id,
                        status=PortalStatus.OPEN.value,
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(row)
                    emit(session, EventType.ASSIGNMENT_CREATED, row.request_id, sourceType=row.source_type)
    finally:
        engine.dispose()


# --- the measurements ---------------------------------------------------------------------------


def _use_home(home: Path) -> None:
    os.environ["SLATE_HOME"] = str(home)
    reset_settings()


def _timed(action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def _baseline() -> dict[str, Any]:
    """The flow's domain work as a plain loop: no tasks, no events, no artifacts."""
    database = open_database()
    client = HttpPortalClient.from_settings()
    figures: dict[str, Any] = {}
    try:
        start = time.perf_counter()
        requests = fetch_changed_requests(client, read_watermark(database, REQUEST_WATERMARK))
        redeliveries = fetch_changed_redeliveries(client, read_watermark(database, REDELIVERY_WATERMARK))
        figures["fetch"] = time.perf_counter() - start
        size = get_settings().reconcile_page_size
        changes = []
        for chunk in range(0, len(requests), size):
            changes += apply_requests(database, requests[chunk : chunk + size], "bench")
        figures["core"] = time.perf_counter() - start  # fetch + apply_requests
        changes += apply_redeliveries(database, redeliveries, "bench")
        if requests:
            write_watermark(database, REQUEST_WATERMARK, max(r.updated_at for r in requests))
        if redeliveries:
            write_watermark(database, REDELIVERY_WATERMARK, max(r.created_at for r in redeliveries))
        proxies = sync_proxies(client, database, open_blob_store())
        figures["seconds"] = time.perf_counter() - start
        figures["fetched"] = len(requests) + len(redeliveries)
        figures["changed"] = len([c for c in changes if c.kind != "skipped"])
        figures["skipped"] = len([c for c in changes if c.kind == "skipped"])
        figures["proxies"] = len(proxies)
    finally:
        client.close()
        database.dispose()
    return figures


def _flow_run() -> tuple[int, float, UUID]:
    """Run the reconcile flow once; its return value, wall time and flow run id."""
    from flows.reconcile import reconcile

    state, seconds = _timed(lambda: reconcile(return_state=True))
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    return int(state.result()), seconds, flow_run_id


def _task_runs(flow_run_id: UUID) -> dict[str, tuple[int, float]]:
    """The task runs of a flow run as the Prefect API reports them: count and seconds, by task name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    runs: dict[str, tuple[int, float]] = {}
    runs_filter = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    with get_client(sync_client=True) as client:
        offset = 0
        while page := client.read_task_runs(flow_run_filter=runs_filter, limit=200, offset=offset):
            for run in page:
                name = run.name.rsplit("-", 1)[0]
                count, seconds = runs.get(name, (0, 0.0))
                runs[name] = (count + 1, seconds + run.total_run_time.total_seconds())
            offset += len(page)
    return runs


def _describe(runs: dict[str, tuple[int, float]]) -> str:
    return "; ".join(f"{name} x{count} {seconds:.1f} s" for name, (count, seconds) in sorted(runs.items()))


def _stored_events(api_url: str, settle: float = 10.0, limit: float = 180.0) -> int:
    """How many ``slate.*`` events the Prefect server has stored, once the count stops growing.

    The server ingests events asynchronously; its in-memory broker drops messages when its queue
    is full, so this can end below the number emitted.
    """
    import httpx

    body = {"filter": {"event": {"prefix": ["slate."]}}, "limit": 1}
    deadline, last, stable_since = time.monotonic() + limit, -1, time.monotonic()
    while time.monotonic() < deadline:
        total = int(httpx.post(f"{api_url}/events/filter", json=body, timeout=60).json()["total"])
        if total != last:
            last, stable_since = total, time.monotonic()
        elif time.monotonic() - stable_since >= settle:
            break
        time.sleep(1)
    return last


def _other_children(exclude: int) -> list[int]:
    """Child processes of this one (the Prefect server of the harness), except ``exclude``."""
    own = Path(f"/proc/{os.getpid()}/task")
    children: set[int] = set()
    for thread in own.iterdir():
        try:
            children |= {int(pid) for pid in (thread / "children").read_text().split()}
        except OSError:
            continue
    return sorted(children - {exclude})


def _cpu_of(pids: list[int]) -> float:
    return sum(_process_cpu(pid) for pid in pids)


def _run(portal: BenchPortal, api_url: str, work: Path, args: argparse.Namespace) -> None:
    servers = [portal.pid, *_other_children(portal.pid)]  # emulator, Prefect server
    print(f"before the baseline: {load_average()}")
    _use_home(work / "baseline")
    before = _cpu_of(servers)
    base, cpu = _with_cpu(_baseline)
    base["cpu"] = cpu + _cpu_of(servers) - before
    print(
        f"baseline: {base['seconds']:.1f} s (fetch {base['fetch']:.1f} s, fetch + apply_requests "
        f"{base['core']:.1f} s); {base['fetched']} fetched, {base['changed']} changed, "
        f"{base['skipped']} skipped; CPU s {base['cpu']:.1f} (here {cpu:.1f}); {load_average()}",
        flush=True,
    )
    _use_home(work / "flow")
    before = _cpu_of(servers)
    (changed, seconds, run_id), cpu = _with_cpu(_flow_run)
    flow_cpu = cpu + _cpu_of(servers) - before
    tasks = _task_runs(run_id)
    print(
        f"flow: {seconds:.1f} s, returned {changed} changed; {sum(c for c, _ in tasks.values())} task runs "
        f"({_describe(tasks)}); CPU s {flow_cpu:.1f} (here {cpu:.1f}, servers {flow_cpu - cpu:.1f}); "
        f"{load_average()}",
        flush=True,
    )
    print(f"slate.* events stored by the Prefect server: {_stored_events(api_url)}", flush=True)
    again, seconds_again, run_again = _flow_run()
    runs_again = sum(count for count, _ in _task_runs(run_again).values())
    print(f"flow again: {seconds_again:.1f} s, returned {again}; {runs_again} task runs")
    flow = (seconds, flow_cpu, sum(c for c, _ in tasks.values()), changed)
    _report(args.requests, base, flow, again, seconds_again)


def _with_cpu(action: Callable[[], T]) -> tuple[T, float]:
    """``action``'s result and the CPU seconds this process (all its threads) spent on it."""
    before = time.process_time()
    result = action()
    return result, time.process_time() - before


def _report(
    requests: int, base: dict[str, Any], flow: tuple[float, float, int, int], again: int, seconds_again: float
) -> None:
    seconds, cpu, task_runs, changed = flow
    ratio = seconds / base["seconds"]
    verdict = "pass" if ratio <= GOAL else "FAIL"
    print(f"\nReconcile {requests} portal requests from an empty Slate database")
    print(f"{'':<40} {'seconds':>8} {'CPU s':>7} {'task runs':>9} {'changed':>8}")
    print(
        f"{'plain loop over the client (same work)':<40} {base['seconds']:>8.1f} {base['cpu']:>7.1f} "
        f"{'-':>9} {base['changed']:>8}"
    )
    print(f"{'reconcile flow (Prefect server)':<40} {seconds:>8.1f} {cpu:>7.1f} {task_runs:>9} {changed:>8}")
    print(f"{'reconcile flow, second run':<40} {seconds_again:>8.1f} {'':>7} {'':>9} {again:>8}")
    print(f"ratio flow / plain loop, wall time: {ratio:.2f} (goal <= {GOAL:.2f}: {verdict})")
    print(f"ratio flow / plain loop, CPU (all processes): {cpu / base['cpu']:.2f}")
    print(f"second run changed nothing: {'yes' if again == 0 else f'NO ({again} changes)'}")
    print(f"end: {load_average()}")


if __name__ == "__main__":
    main()
