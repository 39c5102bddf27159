"""The workspace's asset table at scale: 10,000 requests (4 asset categories each episode) on SQLite.

One run, from an empty ``SLATE_HOME``: the store is filled with 2,500 episodes × 4 requests
(video, audio, timed text, docs) with versions in every colour, one operator is added, and
``slate workspace`` is started as people start it (its own process, uvicorn on loopback). Then:

1. the first table page, a filtered page (Timed Text = Rejected) and a search, each 50 times in a
   row, timed server-side (the app's ``Server-Timing`` header) and by the client: median and p95;
2. 50 concurrent clients on loopback for 30 s cycling through those three pages: requests per
   second, p50/p99 latency, errors.

Goals: p95 ≤ 150 ms per page on SQLite; zero errors under the concurrent load.

    uv run python bench/workspace.py               # 10,000 requests, 50 clients for 30 s
    uv run python bench/workspace.py --quick       # 1,000 requests, 10 clients for 5 s
    uv run python bench/workspace.py --workers 2   # two workspace processes behind the one port
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from _common import load_average
from sqlalchemy import insert

from slate.models import PortalStatus
from slate.people import Role, add_user
from slate.store import AssetRow, AssetVersionRow, SourceRequestRow, open_database

PASSWORD = "bench workspace password"
KINDS = [
    ("AV_MUXED", "VIDEO", "en"),
    ("AUDIO_PRINTMASTER", "AUDIO", "en"),
    ("SUBTITLE", "TIMED_TEXT", "es"),
    ("DIALOG_LIST", "DOCS", "en"),
]
#: (material status, colour of the newest version or None, versions) by request number modulo 8.
STATES: list[tuple[str, str | None, int]] = [
    ("NOT_RECEIVED", None, 0),
    ("RECEIVED", "GRAY", 1),
    ("ACCEPTED", "LIGHT_BLUE", 1),
    ("DELIVERED", "LIGHT_BLUE", 1),
    ("REDELIVERY_REQUESTED", "RED", 1),
    ("RECEIVED", "GRAY", 2),
    ("ACCEPTED", "LIGHT_BLUE", 2),
    ("NOT_RECEIVED", None, 0),
]
PAGES = {
    "first page": "/",
    "filtered (timed text rejected)": "/?timed_text=rejected",
    "search (title words)": "/?q=show+3",
}


def _request(n: int, today: date) -> dict[str, object]:
    episode, kind = divmod(n, 4)
    source_type, _category, language = KINDS[kind]
    show, rest = divmod(episode, 50)
    season, ep = divmod(rest, 10)
    status = STATES[(n + n // 4) % 8][0]
    portal = {"DELIVERED": PortalStatus.ACCEPTED, "REDELIVERY_REQUESTED": PortalStatus.REDELIVERY_REQUESTED}
    return {
        "request_id": f"SR-{n:06d}",
        "movie_id": f"8{episode:07d}",
        "title": f"Show {show}",
        "show_name": f"Show {show}",
        "season": season + 1,
        "episode_number": ep + 1,
        "episode_title": f"Episode {ep + 1}",
        "package_id": f"PKG-{show}-{season + 1}",
        "source_type": source_type,
        "language": language,
        "due_date": today + timedelta(days=(n % 40) - 10),
        "portal_status": portal.get(status, PortalStatus.OPEN).value,
        "material_status": status,
        "notes": "",
        "row_version": 1,
    }


def _version(
    version_id: int, asset_id: int, rid: str, number: int, color: str, now: datetime
) -> dict[str, object]:
    return {
        "version_id": version_id,
        "asset_id": asset_id,
        "request_id": rid,
        "number": number,
        "file_name": f"{rid}.bin",
        "blob_key": f"{rid}/{number}",
        "size": 1000,
        "md5": "0" * 32,
        "sha256": "0" * 64,
        "probe": {},
        "color": color,
        "frozen": False,
        "created_by": "bench",
        "created_at": now,
        "row_version": 1,
    }


def seed(url: str, requests: int) -> None:
    """Fill the store in bulk (a fixture, not the lifecycle: 10,000 transitions would take minutes)."""
    database = open_database(url)
    now = datetime.now(UTC)
    rows, assets, versions = [], [], []
    for n in range(requests):
        row = _request(n, date.today())
        rows.append(row)
        _status, color, count = STATES[(n + n // 4) % 8]
        if color is None:
            continue
        asset = {"asset_id": len(assets) + 1, "request_id": row["request_id"], "category": KINDS[n % 4][1]}
        assets.append({**asset, "name": "main", "role": "deliverable", "row_version": 1})
        for number in range(1, count + 1):
            shown = color if number == count else "DARK_BLUE"
            versions.append(
                _version(len(versions) + 1, len(assets), str(row["request_id"]), number, shown, now)
            )
    with database.session() as session:
        session.execute(insert(SourceRequestRow), rows)
        session.execute(insert(AssetRow), assets)
        session.execute(insert(AssetVersionRow), versions)
        add_user(session, "bench", Role.OPERATOR, PASSWORD)
    database.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_workspace(home: Path, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SLATE_HOME": str(home), "SLATE_LOG_LEVEL": "WARNING"}
    env.pop("SLATE_DATABASE_URL", None)
    command = [sys.executable, "-m", "cli", "workspace", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the workspace did not start")


def log_in(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        done = client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf": token.group(1)})
        assert done.status_code == 303, done.text
        return {"slate_session": client.cookies["slate_session"]}


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sequential(base: str, cookies: dict[str, str], repeats: int) -> None:
    with httpx.Client(base_url=base, cookies=cookies, timeout=60) as client:
        for name, path in PAGES.items():
            client.get(path)  # warm
            server, wall = [], []
            for _ in range(repeats):
                started = time.perf_counter()
                answer = client.get(path)
                wall.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.status_code
                server.append(float(answer.headers["server-timing"].split("dur=")[1]))
            rows = re.search(r"(\d+) rows", answer.text)
            print(
                f"{name:32s} server median {statistics.median(server):6.1f} ms  p95 {p(server, 0.95):6.1f} ms"
                f"   client median {statistics.median(wall):6.1f} ms  p95 {p(wall, 0.95):6.1f} ms"
                f"   ({rows.group(1) if rows else '?'} rows)"
            )


def concurrent(base: str, cookies: dict[str, str], clients: int, seconds: float) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    paths = list(PAGES.values())

    def work(index: int) -> None:
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as client:
            n = index
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    answer = client.get(paths[n % len(paths)])
                    ok = answer.status_code == 200
                except httpx.HTTPError as exc:
                    ok, answer = False, exc
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    (latencies.append(elapsed) if ok else errors.append(str(answer)))
                n += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    print(
        f"{clients} clients × {seconds:.0f} s: {len(latencies) / wall:.1f} requests/s, "
        f"p50 {p(latencies, 0.5):.0f} ms, p99 {p(latencies, 0.99):.0f} ms, errors {len(errors)}"
        + (f" (first: {errors[0]})" if errors else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="workspace processes behind the one port")
    parser.add_argument("--quick", action="store_true", help="1,000 requests, 10 clients for 5 s")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.clients, args.seconds, args.repeats = 1000, 10, 5, 20
    with tempfile.TemporaryDirectory(prefix="slate-bench-workspace-") as scratch:
        home = Path(scratch)
        started = time.perf_counter()
        seed(f"sqlite:///{home / 'slate.db'}", args.requests)
        print(f"seeded {args.requests} requests in {time.perf_counter() - started:.1f} s; {load_average()}")
        port = free_port()
        process = start_workspace(home, port, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            cookies = log_in(base)
            sequential(base, cookies, args.repeats)
            concurrent(base, cookies, args.clients, args.seconds)
            print(load_average())
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
