"""Blob store put throughput against the hashing limits of the same file, measured in one run.

Creates a test file (2 GiB by default), then times on it:

* ``md5sum FILE`` and ``sha256sum FILE``: how fast one core can merely hash it;
* ``LocalStore.put_path``: read once, MD5 + SHA-256 side by side, written and fsynced;
* ``S3Store.put_path`` to an S3 API server (moto) on loopback, in its own process;
* ``aws s3 cp`` to the same server, when the ``aws`` command works.

Goals: LocalStore at >= 80 % of the slower hash command; S3Store at least as fast as aws.

    uv run python bench/blob_put.py               # 2 GiB
    uv run python bench/blob_put.py --size-mib 256 --dir /var/tmp
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import make_test_file, mb_per_s, run_command, s3_server_process, timed
from pydantic import SecretStr

from slate.logging import configure_logging
from slate.objects import LocalStore, S3Store
from slate.objects._pipeline import pump
from slate.settings import Settings

BUCKET = "slate-bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048, help="test file size in MiB (default 2048)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where to put files")
    args = parser.parse_args()
    configure_logging("WARNING")  # keep per-object log lines out of the figures

    work = Path(tempfile.mkdtemp(prefix="slate-bench-", dir=args.dir))
    try:
        source = make_test_file(work, args.size_mib)
        size = source.stat().st_size
        print(f"file: {source} ({size / 2**20:.0f} MiB)")
        figures = measure(source, size, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(figures)


def measure(source: Path, size: int, work: Path) -> dict[str, float | None]:
    figures: dict[str, float | None] = {}
    figures["md5sum"] = _show("md5sum FILE", size, run_command(["md5sum", str(source)]))
    figures["sha256sum"] = _show("sha256sum FILE", size, run_command(["sha256sum", str(source)]))
    figures["one_pass"] = _show("one pass, MD5 + SHA-256 (no write)", size, timed(lambda: _hash_only(source)))

    local = LocalStore(work / "store")
    figures["local"] = _show("LocalStore.put_path", size, timed(lambda: local.put_path("bench/file", source)))
    local.delete("bench/file")

    with s3_server_process() as endpoint:
        store = S3Store.from_settings(_s3_settings(endpoint, work))
        store.client.create_bucket(Bucket=BUCKET)
        seconds = timed(lambda: store.put_path("bench/file", source))
        figures["s3"] = _show("S3Store.put_path (moto, loopback)", size, seconds)
        store.delete("bench/file")
        figures["aws"] = _aws_copy(endpoint, source, size)
    return figures


def _hash_only(source: Path) -> None:
    with open(source, "rb", buffering=0) as stream:
        pump(stream)


def _s3_settings(endpoint: str, work: Path) -> Settings:
    return Settings(
        home=work / "home",
        blob_backend="s3",
        s3_bucket=BUCKET,
        s3_endpoint_url=endpoint,
        s3_access_key_id=SecretStr("bench"),
        s3_secret_access_key=SecretStr("bench"),
    )


def _aws_copy(endpoint: str, source: Path, size: int) -> float | None:
    """Time ``aws s3 cp`` to the same server, or ``None`` when the command is missing or broken."""
    aws = shutil.which("aws")
    if aws is None:
        print("aws s3 cp: the aws command is not installed; skipped")
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
    target = f"s3://{BUCKET}/bench/aws-copy"
    try:
        seconds = run_command([*base, "cp", "--only-show-errors", str(source), target], env=env)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"aws s3 cp: the aws command failed ({exc}); skipped")
        return None
    run_command([*base, "rm", "--only-show-errors", target], env=env)
    return _show("aws s3 cp (same server)", size, seconds)


def _show(label: str, size: int, seconds: float) -> float:
    rate = mb_per_s(size, seconds)
    print(f"{label:40s} {seconds:7.2f} s  {rate:8.1f} MB/s")
    return rate


def report(figures: dict[str, float | None]) -> None:
    md5sum, sha256sum = figures["md5sum"] or 0.0, figures["sha256sum"] or 0.0
    slower = min(md5sum, sha256sum)
    slower_name = "md5sum" if md5sum <= sha256sum else "sha256sum"
    local = figures["local"] or 0.0
    print()
    ratio = local / slower
    verdict = "meets" if ratio >= 0.8 else "misses"
    print(f"LocalStore / {slower_name} (slower hash command): {ratio:.2f}  ({verdict} the 0.80 goal)")
    s3, aws = figures["s3"] or 0.0, figures["aws"]
    if aws:
        ratio = s3 / aws
        print(f"S3Store / aws s3 cp: {ratio:.2f}  ({'meets' if ratio >= 1.0 else 'misses'} the 1.00 goal)")
    else:
        print("S3Store / aws s3 cp: not measured (no working aws command)")


if __name__ == "__main__":
    main()
