"""Blob store put throughput against the hashing limits of the same file, measured in one run.

Creates a test file (2 GiB by default), then times on it:

* ``md5sum FILE`` and ``sha256sum FILE``: how fast one core merely hashes it;
* ``LocalStore.put_path``: read once, MD5 + SHA-256 side by side, written and fsynced;
* ``S3Store.put_path`` to an S3 API server (moto) on loopback, running in its own process;
* ``aws s3 cp`` to the same server, when the ``aws`` command works.

Goals: LocalStore at >= 80 % of the slower hash command; S3Store at least as fast as aws.
Each line also gives the CPU seconds spent (for S3: client and server together), which stay
comparable when other work on a shared machine stretches the wall clock.

    uv run python bench/blob_put.py                      # 2 GiB
    uv run python bench/blob_put.py --size-mib 256 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from _common import Run, command, load_average, make_test_file, measure, s3_server_process
from pydantic import SecretStr

from slate.logging import configure_logging
from slate.objects import LocalStore, S3Store
from slate.objects._pipeline import pump
from slate.settings import Settings

BUCKET = "slate-bench"


def main() -> None:
    args = _arguments()
    configure_logging("WARNING")  # keep per-object log lines out of the figures
    work = Path(tempfile.mkdtemp(prefix="slate-bench-", dir=args.dir))
    try:
        source = make_test_file(work, args.size_mib)
        print(f"file: {source} ({args.size_mib} MiB); {load_average()}")
        best = _measure_all(source, work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"done; {load_average()}\n")
    _report(best, args.size_mib * 2**20)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048, help="test file size in MiB (default 2048)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where files go")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every measurement; best kept")
    parser.add_argument("--part-mib", type=int, default=0, help="S3 part size in MiB (default: settings)")
    parser.add_argument("--concurrency", type=int, default=0, help="S3 parts in parallel (default: settings)")
    return parser.parse_args()


def _measure_all(source: Path, work: Path, args: argparse.Namespace) -> dict[str, Run]:
    """Every contender once per round, interleaved so that a busy spell hits them alike."""
    size = source.stat().st_size
    runs: dict[str, list[Run]] = {}
    local = LocalStore(work / "store")
    with s3_server_process() as (endpoint, server_pid):
        store = S3Store.from_settings(_s3_settings(endpoint, work, args))
        store.client.create_bucket(Bucket=BUCKET)
        print(f"S3Store: {store.multipart_chunksize // 2**20} MiB parts, {store.max_concurrency} in parallel")
        aws = _aws_command(endpoint)
        contenders: dict[str, tuple[Callable[[], object], Callable[[], object], tuple[int, ...]]] = {
            "md5sum FILE": (command(["md5sum", str(source)]), nothing, ()),
            "sha256sum FILE": (command(["sha256sum", str(source)]), nothing, ()),
            "one pass MD5+SHA-256, no write": (lambda: _hash_only(source), nothing, ()),
            "LocalStore.put_path": (
                lambda: local.put_path("bench/file", source),
                lambda: local.delete("bench/file"),
                (),
            ),
            "S3Store.put_path": (
                lambda: store.put_path("bench/file", source),
                lambda: store.delete("bench/file"),  # the server keeps objects in memory
                (server_pid,),
            ),
        }
        if aws:
            contenders["aws s3 cp"] = (lambda: _aws_put(aws, source), lambda: _aws_rm(aws), (server_pid,))
        for round_number in range(max(args.repeat, 1)):
            order = list(contenders.items())
            if round_number % 2:  # every other round runs in reverse, so no one always goes first
                order.reverse()
            for label, (action, cleanup, servers) in order:
                run = measure(action, servers)
                cleanup()
                runs.setdefault(label, []).append(run)
                _show(label, size, run)
    return {label: min(found, key=lambda r: r.seconds) for label, found in runs.items()}


def nothing() -> None:
    """The clean-up of a measurement that leaves nothing behind."""


def _hash_only(source: Path) -> None:
    with open(source, "rb", buffering=0) as stream:
        pump(stream)


def _s3_settings(endpoint: str, work: Path, args: argparse.Namespace) -> Settings:
    settings = Settings(
        home=work / "home",
        blob_backend="s3",
        s3_bucket=BUCKET,
        s3_endpoint_url=endpoint,
        s3_access_key_id=SecretStr("bench"),
        s3_secret_access_key=SecretStr("bench"),
    )
    overrides: dict[str, int] = {}
    if args.part_mib:
        part = args.part_mib * 2**20
        overrides |= {"s3_multipart_chunksize": part, "s3_multipart_threshold": part}
    if args.concurrency:
        overrides["s3_max_concurrency"] = args.concurrency
    return settings.model_copy(update=overrides)


def _aws_command(endpoint: str) -> tuple[list[str], dict[str, str]] | None:
    """The ``aws s3`` command line and environment for the server, or ``None`` if it does not work."""
    aws = shutil.which("aws")
    if aws is None:
        print("aws s3 cp: the aws command is not installed; not measured")
        return None
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    base = [aws, "--endpoint-url", endpoint, "s3"]
    try:
        command([*base, "ls", f"s3://{BUCKET}"], env)()
    except Exception as exc:
        print(f"aws s3 cp: the aws command does not work here ({exc}); not measured")
        return None
    return base, env


def _aws_put(aws: tuple[list[str], dict[str, str]], source: Path) -> None:
    base, env = aws
    command([*base, "cp", "--only-show-errors", str(source), f"s3://{BUCKET}/bench/aws-copy"], env)()


def _aws_rm(aws: tuple[list[str], dict[str, str]]) -> None:
    base, env = aws
    command([*base, "rm", "--only-show-errors", f"s3://{BUCKET}/bench/aws-copy"], env)()


def _show(label: str, size: int, run: Run) -> None:
    rate = run.mb_per_s(size)
    server = f" ({run.server_cpu:.2f} in the server)" if run.server_cpu else ""
    print(f"  {label:32s} {run.seconds:7.2f} s {rate:8.1f} MB/s  {run.cpu:6.2f} CPU s{server}", flush=True)


def _report(best: dict[str, Run], size: int) -> None:
    """The best run of each, and the two ratios the issue sets goals for."""
    print("best of each:")
    for label, run in best.items():
        _show(label, size, run)
    hashers = [best["md5sum FILE"], best["sha256sum FILE"]]
    slower = min(hashers, key=lambda r: r.mb_per_s(size))
    slower_name = "md5sum" if slower is hashers[0] else "sha256sum"
    ratio = best["LocalStore.put_path"].mb_per_s(size) / slower.mb_per_s(size)
    print(f"\nLocalStore / {slower_name} (the slower hash command): {ratio:.2f}  (goal >= 0.80)")
    if "aws s3 cp" in best:
        s3, aws = best["S3Store.put_path"], best["aws s3 cp"]
        print(f"S3Store / aws s3 cp: {s3.mb_per_s(size) / aws.mb_per_s(size):.2f}  (goal >= 1.00)")
        print(f"CPU seconds, S3Store / aws s3 cp (client + server): {s3.cpu / aws.cpu:.2f}")
    else:
        print("S3Store / aws s3 cp: not measured (no working aws command)")


if __name__ == "__main__":
    main()
