"""Load benchmark of the webhook receiver, backed by a real Prefect server.

    uv run python bench/webhook_load.py [--events 2000] [--concurrency 50]

Starts a Prefect server (``prefect_test_harness``: uvicorn subprocess, SQLite) with stand-in
deployments for every route, then two HTTP servers as subprocesses with the same uvicorn setup
(``deployments.webhook_receiver.server_config``): the receiver (SQLite outbox under a temporary
SLATE_HOME, background dispatcher on) and a bare app answering 200 to the same POST. Each gets the
same number of signed webhooks over real HTTP/1.1 at the same concurrency (keep-alive connections
from a small asyncio client, so that the load generator is not what is measured), bare app first.

Prints requests/s, p50/p99 acknowledgement latency and each server's CPU per request, the ratio of
the receiver's rate to the bare app's, events stored, runs started (found on the Prefect server by
the request each run was given: every event names its own), lost and duplicated events, and how
long after the load ended the last run was created.

Goals: >= 200 webhooks/s, p99 < 250 ms, zero lost, zero duplicated, every run within 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-webhook-secret"
GOALS = {"rate": 200.0, "p99_ms": 250.0, "runs_within_s": 60.0}


# --- the two servers (run as subprocesses of this script) ------------------------------------


def _bare_app() -> FastAPI:
    """The baseline: same framework and server, answers 200 after reading the body."""
    app = FastAPI()

    @app.post("/webhooks")
    async def bare(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"status": "ok"})

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _serve(kind: str, port: int) -> None:
    from deployments.webhook_receiver import create_app, server_config

    app = create_app() if kind == "receiver" else _bare_app()
    uvicorn.Server(server_config(app, "127.0.0.1", port)).run()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(kind: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--port", str(port)], env=env, stdout=out, stderr=out
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"{kind} did not start; see {log}")


# --- load ----------------------------------------------------------------------------------


def _events(n: int) -> list[Any]:
    """``n`` routed events, each naming a request of its own (runs are matched to events by it)."""
    from slate.backlot.webhooks import EventType, WebhookEvent

    batch = uuid.uuid4().hex[:8]
    routed = [EventType.ASSIGNMENT_CREATED, EventType.REDELIVERY_REQUESTED, EventType.PROXY_AVAILABLE]
    return [
        WebhookEvent(
            id=f"bench-{uuid.uuid4().hex}",
            type=routed[i % len(routed)],
            occurred_at=datetime.now(UTC),
            request_id=f"SR-{batch}-{i:05d}",
            data={"n": i, "title": "Bench Show", "episode": i % 10},
        )
        for i in range(n)
    ]


def _requests(port: int, events: list[Any]) -> list[bytes]:
    """Each event as a complete signed HTTP/1.1 request, built before the clock starts."""
    from slate.backlot.webhooks import signature_headers

    built = []
    for event in events:
        body = event.model_dump_json().encode()
        headers = {"Host": f"127.0.0.1:{port}", "Content-Length": str(len(body))}
        headers.update(signature_headers(SECRET, event.id, body))
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        built.append(f"POST /webhooks HTTP/1.1\r\n{head}\r\n".encode() + body)
    return built


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool]:
    """One request on a keep-alive connection; the status and whether the server keeps it open."""
    writer.write(request)
    await writer.drain()
    status = int((await reader.readuntil(b"\r\n")).split()[1])
    length, keep = 0, True
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"connection" and value.strip().lower() == b"close":
            keep = False
    await reader.readexactly(length)
    return status, keep


async def _load(url: str, events: list[Any], concurrency: int) -> dict[str, Any]:
    """Send every event once over ``concurrency`` keep-alive connections; latency per request.

    A minimal HTTP/1.1 client on asyncio streams: httpx spent about 4 ms of CPU per request here,
    three times what the receiver spends, so on this 2-core machine it would measure itself. A
    request whose connection breaks is sent again on a new one, as the portal would (counted).
    """
    port = int(url.rsplit(":", 1)[1])
    queue = list(reversed(_requests(port, events)))
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    resent = [0]

    async def worker() -> None:
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while queue:
            request = queue.pop()
            started = time.perf_counter()
            for attempt in range(3):
                try:
                    if connection is None:
                        connection = await asyncio.open_connection("127.0.0.1", port)
                    status, keep = await _exchange(*connection, request)
                    break
                except (OSError, asyncio.IncompleteReadError):
                    connection = None
                    resent[0] += 1
                    if attempt == 2:
                        raise
            latencies.append(time.perf_counter() - started)
            codes[status] += 1
            if not keep and connection is not None:
                connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": len(events) / elapsed,
        "elapsed": elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "codes": dict(codes),
        "resent": resent[0],
        "ended": time.monotonic(),
    }


# --- checking the outcome ------------------------------------------------------------------


# Stand-ins for the routed flows (only their runs' creation matters here). They become flows only
# in _stand_ins(), so that the server subprocesses, which run this file too, never import
# `prefect.flow` (it installs Prefect's console handler on the root logger, which a real receiver
# does not have).
def intake(event: dict[str, Any]) -> None:
    """Stand-in for ``intake/intake``."""


def redelivery(event: dict[str, Any]) -> None:
    """Stand-in for ``redelivery/redelivery``."""


def proxy_sync(request_ids: list[str] | None = None) -> None:
    """Stand-in for ``proxy-sync/proxy-sync``."""


def _stand_ins() -> None:
    from prefect import flow

    from tasks.dispatch.routes import ROUTES

    stand_ins = {
        "intake/intake": intake,
        "redelivery/redelivery": redelivery,
        "proxy-sync/proxy-sync": proxy_sync,
    }
    assert set(stand_ins) == set(ROUTES.values()), "the routes table changed; update the stand-ins"
    for name, fn in stand_ins.items():
        flow_name, deployment_name = name.split("/")
        flow(name=flow_name)(fn).to_deployment(name=deployment_name).apply()


def _outbox_counts(database: Any) -> dict[str, int]:
    from slate.store.webhook_events import count_by_state

    with database.session() as session:
        return {state.value: n for state, n in count_by_state(session).items()}


def _runs_per_event(events: list[Any]) -> Counter[str]:
    """Flow runs on the server per event, matched by what each run was given (not by its
    idempotency key, which Prefect keeps unique by itself and so could never show a duplicate).

    Every event names its own request, and every run's parameters name the request: the event
    (``event.request_id``) or the request list of proxy sync (``request_ids``).
    """
    from prefect.client.orchestration import get_client

    event_of = {e.request_id: e.id for e in events}
    found: Counter[str] = Counter()
    with get_client(sync_client=True) as client:
        offset = 0
        while runs := client.read_flow_runs(limit=200, offset=offset):
            offset += len(runs)
            for run in runs:
                given = run.parameters
                request = (given.get("event") or {}).get("request_id") or (
                    given.get("request_ids") or [None]
                )[0]
                if request in event_of:
                    found[event_of[request]] += 1
    return found


def _wait_dispatched(database: Any, total: int, ended: float, limit: float) -> float | None:
    """Seconds after ``ended`` when no event was pending any more (None if not within ``limit``)."""
    while time.monotonic() - ended < limit:
        counts = _outbox_counts(database)
        if counts["pending"] == 0 and sum(counts.values()) >= total:
            return time.monotonic() - ended
        time.sleep(0.25)
    return None


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(url: str, pid: int, events: list[Any], concurrency: int) -> dict[str, Any]:
    """The load, plus the server's own CPU per request (meaningful even on a busy machine)."""
    before, client_before = _cpu_seconds(pid), time.process_time()
    result = asyncio.run(_load(url, events, concurrency))
    result["cpu_ms"] = (_cpu_seconds(pid) - before) * 1000 / len(events)
    result["client_cpu_ms"] = (time.process_time() - client_before) * 1000 / len(events)
    return result


def _line(label: str, result: dict[str, Any]) -> None:
    print(
        f"{label:<13}: {result['rate']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms"
        f"  p99 {result['p99_ms']:6.1f} ms  server CPU {result['cpu_ms']:.2f} ms/request"
        f" (load generator {result['client_cpu_ms']:.2f})  answers {result['codes']}"
        f"  resent {result['resent']}",
        flush=True,
    )


def _verdict(recv: dict[str, Any], event_ids: list[str], runs: Counter[str], settle: float | None) -> bool:
    lost = sum(1 for e in event_ids if runs[e] == 0)
    duplicated = sum(c - 1 for c in runs.values() if c > 1)
    print(f"runs started : {len(event_ids) - lost} of {len(event_ids)}; lost {lost}, duplicated {duplicated}")
    print("last run     : " + (f"created {settle:.1f} s after the load ended" if settle else "NOT in time"))
    ok = (
        recv["rate"] >= GOALS["rate"]
        and recv["p99_ms"] < GOALS["p99_ms"]
        and lost == 0
        and duplicated == 0
        and settle is not None
        and settle <= GOALS["runs_within_s"]
    )
    verdict = "MET" if ok else "MISSED"
    print(f"goals (>= 200/s, p99 < 250 ms, 0 lost, 0 duplicated, runs within 60 s): {verdict}")
    return ok


def _run(args: argparse.Namespace, home: Path, api_url: str) -> bool:
    """Both servers, both loads, then wait for the runs and check them."""
    from slate.store import open_database

    env = {
        **os.environ,
        "SLATE_HOME": str(home),
        "SLATE_WEBHOOK_SECRET": SECRET,
        "SLATE_WEBHOOK_PREFECT_API_URL": api_url,
        "SLATE_LOG_FORMAT": "json",
    }
    database = open_database(f"sqlite:///{home / 'slate.db'}")
    bare_proc, bare_url = _start_server("bare", env, home / "bare.log")
    recv_proc, recv_url = _start_server("receiver", env, home / "receiver.log")
    print(
        f"{args.events} signed webhooks at {args.concurrency} concurrent connections, after"
        f" {args.warmup} unmeasured warm-up webhooks per server; logs in {home}"
    )
    try:
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
        asyncio.run(_load(bare_url, _events(args.warmup), args.concurrency))
        bare = _measure(bare_url, bare_proc.pid, _events(args.events), args.concurrency)
        _line("bare 200", bare)
        warmup = _events(args.warmup)
        asyncio.run(_load(recv_url, warmup, args.concurrency))
        events = _events(args.events)
        recv = _measure(recv_url, recv_proc.pid, events, args.concurrency)
        _line("receiver", recv)
        print(f"ratio        : {recv['rate'] / bare['rate']:.2f} of the bare server's requests/s")
        if bare["cpu_ms"] and recv["cpu_ms"]:
            print(f"CPU ratio    : {recv['cpu_ms'] / bare['cpu_ms']:.2f}x the bare server's CPU per request")
        total = args.warmup + args.events
        settle = _wait_dispatched(database, total, recv["ended"], limit=180)
        stored = _outbox_counts(database)
        print(f"events stored: {sum(stored.values())} of {total} (warm-up included) {stored}")
        event_ids = [e.id for e in warmup + events]
        return _verdict(recv, event_ids, _runs_per_event(warmup + events), settle)
    finally:
        for proc in (bare_proc, recv_proc):
            proc.terminate()
            proc.wait(timeout=30)
        database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured webhooks sent first")
    parser.add_argument(
        "--prefect-db",
        default="",
        help="PostgreSQL URL (postgresql+asyncpg://…/db) for the Prefect server, as at scale; default SQLite",
    )
    parser.add_argument("--serve", choices=["receiver", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.port)
        return 0
    # A plain `kill` unwinds the servers and the Prefect harness instead of orphaning them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    home = Path(tempfile.mkdtemp(prefix="slate-bench-"))
    quiet = {PREFECT_SERVER_ANALYTICS_ENABLED: False, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if args.prefect_db:
        print(f"Prefect server on PostgreSQL: {args.prefect_db.split('@')[-1]}")
        with (
            _prefect_server_on(args.prefect_db, home) as api_url,
            temporary_settings(updates={**quiet, PREFECT_API_URL: api_url}),
        ):
            _stand_ins()
            ok = _run(args, home, api_url)
        return 0 if ok else 1
    with temporary_settings(updates=quiet), prefect_test_harness(server_startup_timeout=120):
        _stand_ins()
        ok = _run(args, home, str(PREFECT_API_URL.value()))
    return 0 if ok else 1


@contextmanager
def _prefect_server_on(database_url: str, home: Path) -> Iterator[str]:
    """``prefect server start`` on ``database_url`` (PostgreSQL), as the scale-out path runs it."""
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_DATABASE_CONNECTION_URL": database_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    log = (home / "prefect-server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not start; see {home / 'prefect-server.log'}")
            time.sleep(0.5)
        yield api_url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        log.close()


if __name__ == "__main__":
    raise SystemExit(main())
