"""Bulk download throughput against the portal emulator, beside curl in the same run.

    uv run python bench/bulk_download.py                       # 50 files of 50-200 MB
    uv run python bench/bulk_download.py --files 8 --min-mb 20 --max-mb 40   # a quick run

The emulator runs in its own process (uvicorn on loopback) serving generated files (a random
block repeated, a distinct head per file, so making 6 GB is cheap). Printed: aggregate throughput
of ``slate.downloads`` at concurrency 1, 4 and 8 beside ``curl`` fetching the same files one
after another (one curl process, one connection); the achieved rate with ``--rate-mbps``; then the
same with the emulator capping each connection (a long-distance link), on ``--capped-files`` of
the smallest files. Goals: concurrency 1 within 10% of curl; capped, concurrency 4 >= 3.5x
concurrency 1; the rate limit within 5%. Our downloads hash and fsync every file; curl does
neither, so its time includes an fsync of its files to compare the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from pydantic import SecretStr

from slate.backlot import AssetState, HttpPortalClient, RetryPolicy
from slate.downloads import PlannedFile, Selection, download_files, select_materials

MB = 1_000_000
CLIENT_ID, SECRET = "bench-fp", "bench-fp-secret"
MOVIE = "81999001"

_SERVER = """
import sys, json
from pathlib import Path
import uvicorn
from pydantic import SecretStr
from slate.backlot import DownloadAssetType
from slate.backlot.emulator import EmulatorConfig, create_app
from slate.backlot.emulator._config import default_accounts
from slate.backlot.emulator._processing import add_asset

data_dir, files, port = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
config = EmulatorConfig(
    data_dir=data_dir, accounts=default_accounts(sys.argv[4], SecretStr(sys.argv[5])),
    webhook_secret=SecretStr("bench"), token_ttl=7199,
)
app = create_app(config)
for path in files:
    add_asset(app.state.emulator, movie_id=sys.argv[6], kind=DownloadAssetType.SHOW_GUIDE, path=Path(path))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
"""


def make_files(folder: Path, count: int, min_mb: int, max_mb: int) -> list[Path]:
    """``count`` files of ``min_mb``..``max_mb`` MB, evenly spread, with distinct contents."""
    rng = random.Random(7)
    block = rng.randbytes(4 * 1024 * 1024)
    sizes = [min_mb * MB + (max_mb - min_mb) * MB * i // max(count - 1, 1) for i in range(count)]
    rng.shuffle(sizes)
    paths = []
    for index, size in enumerate(sizes):
        path = folder / f"bench_{index:03d}.bin"
        with path.open("wb") as fh:
            fh.write(f"file {index}\n".encode())
            left = size - fh.tell()
            while left > 0:
                left -= fh.write(block[: min(left, len(block))])
        paths.append(path)
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator(work: Path, files: list[Path]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    argv = [sys.executable, "-c", _SERVER, str(work / "emulator"), json.dumps([str(p) for p in files])]
    argv += [str(port), CLIENT_ID, SECRET, MOVIE]
    server = subprocess.Popen(argv)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # the emulator hashes every file before it serves
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the emulator did not start")
        try:
            httpx.get(f"{base}/openapi.json", timeout=1).raise_for_status()
            return server, base
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit("the emulator did not answer")


def admin(base: str, method: str, path: str, body: object) -> None:
    httpx.request(method, f"{base}/admin{path}", json=body, timeout=60).raise_for_status()


def clean(dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def curl_all(client: HttpPortalClient, base: str, files: list[PlannedFile], dest: Path) -> None:
    """One curl process fetching the files one after another, then an fsync of each."""
    dest.mkdir(parents=True, exist_ok=True)
    argv = ["curl", "-sS", "--fail", "-H", f"Authorization: Bearer {client.credentials.token()}"]
    for index, item in enumerate(files):
        argv += [
            "-o",
            str(dest / f"{index}.bin"),
            f"{base}/v1/downloads/assets/{item.asset.asset_id}/content",
        ]
    subprocess.run(argv, check=True)
    for path in dest.iterdir():
        with path.open("rb") as fh:
            os.fsync(fh.fileno())


def ours(
    client: HttpPortalClient, files: list[PlannedFile], dest: Path, n: int, rate: int | None = None
) -> None:
    report = download_files(client, files, dest, concurrency=n, rate_mbps=rate)
    if report.failures:
        raise SystemExit(f"downloads failed: {[r.error for r in report.failures]}")


def series(
    label: str, client: HttpPortalClient, base: str, files: list[PlannedFile], dest: Path
) -> dict[str, float]:
    """curl, then concurrency 1, 4, 8: MB/s of each, printed as they come."""
    total = sum(f.asset.size for f in files)
    print(f"\n{label}: {len(files)} files, {total / MB:,.0f} MB")
    results: dict[str, float] = {}
    runs: list[tuple[str, Callable[[], object]]] = [
        ("curl (sequential)", lambda: curl_all(client, base, files, dest))
    ]
    runs += [(f"slate concurrency {n}", lambda n=n: ours(client, files, dest, n)) for n in (1, 4, 8)]  # type: ignore[misc]
    for name, action in runs:
        clean(dest)
        seconds = timed(action)
        results[name] = total / MB / seconds
        ratio = results[name] / results["curl (sequential)"]
        print(f"  {name:<22} {seconds:7.2f} s  {results[name]:8.1f} MB/s  {ratio:5.2f}x curl")
    clean(dest)
    return results


def rate_run(
    client: HttpPortalClient, files: list[PlannedFile], dest: Path, rate: int, seconds: float
) -> float:
    """The achieved Mb/s of a paced download (4 connections) over about ``seconds``."""
    wanted, chosen = rate * MB / 8 * seconds, []
    for item in sorted(files, key=lambda f: f.asset.size):
        chosen.append(item)
        if sum(f.asset.size for f in chosen) >= wanted:
            break
    total = sum(f.asset.size for f in chosen)
    clean(dest)
    took = timed(lambda: ours(client, chosen, dest, 4, rate))
    clean(dest)
    achieved = total * 8 / MB / took
    summary = f"{len(chosen)} files, {total / MB:,.0f} MB in {took:.2f} s"
    print(f"  rate limit {rate} Mb/s: {summary} -> {achieved:.1f} Mb/s")
    return achieved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--min-mb", type=int, default=50)
    parser.add_argument("--max-mb", type=int, default=200)
    parser.add_argument("--rate-mbps", type=int, default=100)
    parser.add_argument("--rate-seconds", type=float, default=12.0)
    parser.add_argument("--capped-files", type=int, default=8)
    parser.add_argument("--cap-mbps", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="slate-bench-dl-", dir=args.workdir))
    (work / "source").mkdir()
    server = None
    try:
        began = time.perf_counter()
        paths = make_files(work / "source", args.files, args.min_mb, args.max_mb)
        print(f"made {len(paths)} files in {time.perf_counter() - began:.1f} s; starting the emulator")
        server, base = start_emulator(work, paths)
        admin(base, "POST", "/assignments", {"movieId": MOVIE, "title": "Bench", "sourceType": "SUBTITLE"})
        client = HttpPortalClient(
            base,
            token_url=f"{base}/as/token.oauth2",
            client_id=CLIENT_ID,
            client_secret=SecretStr(SECRET),
            policy=RetryPolicy(max_attempts=3, backoff_base=0.2),
            timeout=httpx.Timeout(60.0, connect=5.0),
        )
        with client:
            # One kind of material per title stays Active; the emulator marks the older ones Upgraded.
            every = [AssetState.ACTIVE, AssetState.UPGRADED]
            files = select_materials(client, Selection(title="Bench", states=every))
            dest = work / "dest"
            print(f"cores: {os.cpu_count()} (shared with other work; load average {os.getloadavg()[0]:.1f})")
            free = series("uncapped", client, base, files, dest)
            achieved = rate_run(client, files, dest, args.rate_mbps, args.rate_seconds)
            admin(base, "PUT", "/faults", {"downloadBytesPerSecond": args.cap_mbps * MB // 8})
            smallest = sorted(files, key=lambda f: f.asset.size)[: args.capped_files]
            capped = series(f"each connection capped at {args.cap_mbps} Mb/s", client, base, smallest, dest)
            admin(base, "DELETE", "/faults", None)
        c1_vs_curl = free["slate concurrency 1"] / free["curl (sequential)"]
        c4_vs_c1 = capped["slate concurrency 4"] / capped["slate concurrency 1"]
        off = achieved / args.rate_mbps - 1
        print("\ngoals")
        verdict = {True: "ok", False: "MISSED"}
        print(f"  concurrency 1 vs curl: {c1_vs_curl:.2f}x  (goal >= 0.90)  {verdict[c1_vs_curl >= 0.9]}")
        print(f"  capped, c4 vs c1:      {c4_vs_c1:.2f}x  (goal >= 3.50)  {verdict[c4_vs_c1 >= 3.5]}")
        print(f"  rate limit error:      {off:+.1%}  (goal within 5%)  {verdict[abs(off) <= 0.05]}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
