"""N assignments from the studio's signed webhook to DELIVERED: the embedded stack beside direct calls.

The stack part starts the embedded stack (``slate up``: Prefect server, served deployments,
webhook receiver, portal emulator) on free ports with a fresh temporary Slate home, and drives it
as the demo does: the studio (the emulator's admin API) creates N assignments, whose signed
webhooks start intake runs; as soon as Slate knows a request, a ``lifecycle`` run is started for
it with the vendor's file. The material is clean (subtitle TTML files in four languages, SDH,
forced narrative; ``--mixed`` adds a printmaster and an AV file), so no validation pauses.
Measured from the first webhook to the last request DELIVERED in Slate's database: wall time,
assignments per minute, and CPU seconds of the stack's four process trees (flow-run processes
included, live or reaped). The reconcile schedule is off, so only this work runs.

The direct part does the same domain work for N other assignments by plain calls in this one
process, no Prefect (intake, ingest, QC, acceptance, delivery; see ``_pipeline_work.py``), against
an emulator of its own, before the stack starts. Then the ratio, and where the stack's time went,
read back from its Prefect server: per run type the pickup latency (start − expected start) and
duration, per request each leg from webhook to DELIVERED, per task its duration.

    uv run python bench/pipeline.py                 # 16 assignments
    uv run python bench/pipeline.py --n 64
    uv run python bench/pipeline.py --keep          # leave the stack up to browse the runs
    uv run python bench/pipeline.py --port-base 24200 --timeout 900 --mixed
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from _common import load_average

#: Lifecycle run states after which a request not DELIVERED never will be.
_OVER = {"Completed", "Failed", "Crashed", "Cancelled", "Cancelling"}
#: How often Slate's database is read (for DELIVERED), and the Prefect API (for stuck runs).
_POLL_SECONDS = 0.5
_CHECK_SECONDS = 5.0


@dataclass
class StackRun:
    """What the stack took, and each request's moments (epoch seconds) for the analysis."""

    seconds: float
    cpu: dict[str, float]
    driver_cpu: float
    idle_cpu_per_s: float
    marks: dict[str, dict[str, float]]
    #: request id → why it is not DELIVERED (empty when every one is).
    missing: dict[str, str] = field(default_factory=dict)


def main() -> int:
    args = _arguments()
    work = Path(tempfile.mkdtemp(prefix="slate-bench-pipeline-"))
    for name in ("PREFECT_API_URL", "SLATE_DATABASE_URL", "SLATE_HOME"):
        os.environ.pop(name, None)
    os.environ.update(PREFECT_HOME=str(work / "prefect-driver"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    signal.signal(signal.SIGTERM, _interrupt)
    from slate.errors import SlateError
    from slate.logging import configure_logging

    configure_logging("WARNING")
    print(f"pipeline bench: {args.n} assignments ({'mixed' if args.mixed else 'subtitles'}), work in {work}")
    print(f"start: {load_average()}", flush=True)
    keep_work = args.keep
    try:
        from _pipeline_work import make_items

        items = make_items(args.n, work / "media", args.mixed)
        direct = None if args.no_direct else _direct(items, work)
        ok = _stack(items, work, args, direct)
        keep_work = keep_work or not ok
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("interrupted; the stack (if started) was stopped", file=sys.stderr)
        keep_work = True
        return 130
    except SlateError as exc:  # the stack did not start, a part died, a call was refused
        print(f"pipeline bench: {exc}", file=sys.stderr)
        keep_work = True
        return 1
    except BaseException:
        keep_work = True
        raise
    finally:
        print(f"end: {load_average()}")
        if keep_work:
            print(f"kept {work} (Slate homes, stack logs under stack-home/stack/)")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=16, help="assignments (default 16)")
    parser.add_argument("--port-base", type=int, default=None, help="ports N, N+1, N+2 (default: free ones)")
    parser.add_argument("--keep", action="store_true", help="leave the stack up (stop it with `slate down`)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds to wait (default 300 + 10 N)")
    parser.add_argument("--mixed", action="store_true", help="add a clean printmaster and AV file to the mix")
    parser.add_argument("--no-direct", action="store_true", help="skip the direct run")
    parser.add_argument(
        "--start-timeout", type=float, default=300.0, help="seconds for the stack to be ready"
    )
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="idle stack CPU measured over this")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("--n must be at least 1")
    args.timeout = args.timeout or 300 + 10 * args.n
    return args


# --- direct ---


def _direct(items: list[Any], work: Path) -> Any:
    from _pipeline_work import run_direct
    from _portal import portal_process

    from slate.settings import reset_settings

    with portal_process(work / "direct-portal") as portal:
        os.environ.update(SLATE_HOME=str(work / "direct-home"), **portal.slate_env())
        reset_settings()
        print(f"direct run: {len(items)} assignments by plain calls, emulator pid {portal.pid}…", flush=True)
        result = run_direct(items, portal)
    for name in portal.slate_env():
        os.environ.pop(name, None)
    print(f"direct run: {result.seconds:.1f} s, {result.cpu:.1f} CPU s", flush=True)
    return result


# --- stack ---


def free_port_base() -> int:
    """A base N with N, N+1 and N+2 free on 127.0.0.1."""
    for _ in range(500):
        base = random.randrange(20_000, 60_000)
        if all(_port_free(base + i) for i in range(3)):
            return base
    raise RuntimeError("no three consecutive free ports found; pass --port-base")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _stack(items: list[Any], work: Path, args: argparse.Namespace, direct: Any) -> bool:
    from deployments.serve import DEFAULT_FILE
    from deployments.stack import Ports, Stack
    from slate.settings import get_settings, reset_settings

    home = work / "stack-home"
    os.environ.update(
        SLATE_HOME=str(home),
        SLATE_STACK_SCHEDULES_ACTIVE="false",
        SLATE_STACK_START_TIMEOUT=str(args.start_timeout),
    )
    reset_settings()
    settings = get_settings()
    stack = Stack(settings, Ports.choose(settings, args.port_base or free_port_base()), DEFAULT_FILE)
    began, info = time.monotonic(), None
    print(
        f"starting the stack on ports {stack.ports.prefect}-{stack.ports.emulator}, home {home}…", flush=True
    )
    try:
        info = stack.start(detached=args.keep)
        ready = time.monotonic() - began
        print(f"stack ready in {ready:.1f} s: Prefect UI {info.prefect_ui_url}", flush=True)
        result = _drive(items, info, settings, args)
        _report(result, direct, len(items), info.prefect_api_url, ready)
        return not result.missing
    finally:
        if args.keep and info is not None:
            print(f"the stack keeps running; stop it with: SLATE_HOME={home} uv run slate down")
        else:
            print("stopping the stack…", flush=True)
            stack.stop()


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _drive(items: list[Any], info: Any, settings: Any, args: argparse.Namespace) -> StackRun:
    """Create the assignments, start a lifecycle run per request Slate knows, wait for DELIVERED."""
    import httpx
    from _pipeline_work import material_statuses, tree_cpu

    from slate.store import open_database

    database = open_database(settings.effective_database_url)  # migrated now, not by the first run
    admin = httpx.Client(base_url=f"{info.emulator_url}/admin", timeout=60)
    try:
        idle_before = sum(tree_cpu(info.pids.values()).values())
        time.sleep(args.idle_seconds)
        idle = (sum(tree_cpu(info.pids.values()).values()) - idle_before) / args.idle_seconds
        before, driver_before = tree_cpu(info.pids.values()), _own_cpu()
        marks: dict[str, dict[str, float]] = {}
        by_request: dict[str, Any] = {}
        print(f"the studio creates {len(items)} assignments; their webhooks start intake…", flush=True)
        for item in items:
            response = admin.post("/assignments", json=item.spec())
            response.raise_for_status()
            request_id = response.json()["requestId"]
            marks[request_id] = {"assigned": time.time()}
            by_request[request_id] = item
        missing, runs = _follow(
            by_request, marks, database, material_statuses, info.prefect_api_url, args.timeout
        )
        after = tree_cpu(info.pids.values())
        driver = _own_cpu() - driver_before
        _let_runs_end(info.prefect_api_url, list(runs.values()))
    finally:
        admin.close()
        database.dispose()
    ends = [m["delivered"] for m in marks.values() if "delivered" in m] or [time.time()]
    seconds = max(ends) - min(m["assigned"] for m in marks.values())
    cpu = {name: after[pid] - before[pid] for name, pid in info.pids.items()}
    return StackRun(seconds, cpu, driver, idle, marks, missing)


def _follow(
    by_request: dict[str, Any],
    marks: dict[str, dict[str, float]],
    database: Any,
    statuses_of: Any,
    api_url: str,
    timeout: float,
) -> tuple[dict[str, str], dict[str, str]]:
    """Poll Slate's database and the lifecycle runs until every request is DELIVERED or stuck."""
    import httpx
    from _pipeline_runs import paused_requests, read_flow_runs
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    runs: dict[str, str] = {}  # request → lifecycle run id
    stuck: dict[str, str] = {}
    states: dict[str, str] = {}
    checked = 0.0
    deadline = time.monotonic() + timeout
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        while True:
            paused: set[str] = set()
            if runs and time.monotonic() - checked >= _CHECK_SECONDS:
                checked = time.monotonic()
                try:  # run states before Slate's: a run seen Completed has committed its DELIVERED
                    states, paused = read_flow_runs(api_url, list(runs.values())), paused_requests(api_url)
                except (httpx.HTTPError, ValueError) as exc:  # a busy server: look again next time
                    print(f"(run states not read this time: {exc!r})", file=sys.stderr)
            statuses = statuses_of(database, by_request)
            for request_id, (material, _portal) in statuses.items():
                if request_id not in runs:
                    marks[request_id]["known"] = time.time()
                    item = by_request[request_id]
                    parameters = {
                        "request_id": request_id,
                        "source": str(item.source),
                        "service_type": item.service,
                    }
                    run = run_deployment("lifecycle/lifecycle", parameters=parameters, timeout=0)
                    runs[request_id] = str(run.id)  # type: ignore[union-attr]
                if material == "DELIVERED":
                    marks[request_id].setdefault("delivered", time.time())
            for request_id, run_id in runs.items():
                state = states.get(run_id, "")
                if "delivered" in marks[request_id] or request_id in stuck:
                    continue
                if request_id in paused or state in _OVER:
                    reason = "a validation paused (material not clean?)" if request_id in paused else ""
                    stuck[request_id] = (
                        f"lifecycle run {state or 'Paused'} {reason}; Slate: {statuses[request_id]}"
                    )
            if all("delivered" in m or r in stuck for r, m in marks.items()):
                return stuck, runs
            if time.monotonic() > deadline:
                return _timed_out(marks, runs, states, statuses, stuck, timeout), runs
            time.sleep(_POLL_SECONDS)


def _let_runs_end(api_url: str, run_ids: list[str], timeout: float = 120) -> None:
    """Outside the measured window: wait for the lifecycle runs to end, so their durations are whole.

    A request is DELIVERED inside the deliver task; its runs end a moment later.
    """
    import httpx
    from _pipeline_runs import read_flow_runs

    deadline = time.monotonic() + timeout
    while run_ids and time.monotonic() < deadline:
        try:
            if all(state in _OVER for state in read_flow_runs(api_url, run_ids).values()):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1)


def _timed_out(
    marks: dict[str, dict[str, float]],
    runs: dict[str, str],
    states: dict[str, str],
    statuses: dict[str, tuple[str, str]],
    stuck: dict[str, str],
    timeout: float,
) -> dict[str, str]:
    missing = dict(stuck)
    for request_id, mark in marks.items():
        if "delivered" in mark or request_id in missing:
            continue
        if request_id not in statuses:
            missing[request_id] = "not in Slate: its intake has not finished (or its webhook not sent)"
        else:
            material, portal = statuses[request_id]
            run_state = states.get(runs.get(request_id, ""), "not started")
            missing[request_id] = f"material {material}, portal {portal}, lifecycle run {run_state}"
    print(
        f"TIMEOUT after {timeout:.0f} s: {len(missing)} of {len(marks)} requests not DELIVERED:",
        file=sys.stderr,
    )
    for request_id, why in sorted(missing.items()):
        print(f"  {request_id}: {why}", file=sys.stderr)
    return missing


# --- report ---


def _report(stack: StackRun, direct: Any, n: int, api_url: str, ready: float) -> None:
    from _pipeline_runs import fetch_runs, leg_table, run_table, runs_of, state_counts, task_table

    delivered = sum("delivered" in m for m in stack.marks.values())
    stack_cpu = sum(stack.cpu.values())
    print(f"\nPipeline: {n} assignments, webhook → DELIVERED ({load_average()})")
    header = (
        f"{'':<34} {'wall s':>8} {'per min':>8} {'CPU s':>8} {'CPU s/assignment':>17} {'emulator CPU':>13}"
    )
    print(header + "\n" + "-" * len(header))
    print(
        f"{f'embedded stack ({delivered} delivered)':<34} {stack.seconds:8.1f} "
        f"{60 * delivered / stack.seconds:8.1f} {stack_cpu:8.1f} {stack_cpu / n:17.2f} "
        f"{stack.cpu.get('emulator', 0.0):13.1f}"
    )
    if direct is not None:
        print(
            f"{'direct calls, one process':<34} {direct.seconds:8.1f} {60 * n / direct.seconds:8.1f} "
            f"{direct.cpu:8.1f} {direct.cpu / n:17.2f} {direct.emulator_cpu:13.1f}"
        )
        wall, cpu = stack.seconds / direct.seconds, stack_cpu / direct.cpu
        print(f"{'ratio stack / direct':<34} {wall:8.1f} {'':>8} {cpu:8.1f}")
    parts = ", ".join(f"{name} {cpu:.1f}" for name, cpu in stack.cpu.items())
    print(f"stack CPU s by part (process trees): {parts}; the stack was ready {ready:.0f} s after its start")
    print(f"stack idle CPU before the run: {stack.idle_cpu_per_s:.2f} CPU s per s; ", end="")
    print(f"this driver (assignments, run_deployment, polls): {stack.driver_cpu:.1f} CPU s, not counted")
    if direct is not None:
        steps = ", ".join(f"{k} {statistics.median(v) * 1000:.0f}" for k, v in direct.steps.items())
        print(f"direct, median ms per assignment: {steps}")
    try:
        runs = fetch_runs(api_url)
    except Exception as exc:  # the figures above stand without the breakdown
        print(f"(could not read the runs back from Prefect: {exc})")
        return
    print("\nFlow runs on the stack's Prefect server (seconds; pickup = start − expected start):")
    print("\n".join(run_table(runs)))
    print("\nEach request's way (seconds; moments from the bench's clock and the runs' timestamps):")
    print("\n".join(leg_table(runs, stack.marks)))
    print("\nTask runs:")
    print("\n".join(task_table(runs)))
    if stack.missing:
        print("\nRuns by flow and state:\n" + "\n".join(state_counts(runs)))
        print("Runs of each request not DELIVERED:\n" + "\n".join(runs_of(runs, sorted(stack.missing))))


if __name__ == "__main__":
    sys.exit(main())
