"""Shared helpers for the benchmarks: timing, test files, and an S3 API server in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

MiB = 1024 * 1024
_BLOCK = 64 * MiB

_SERVER = """
import time
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
while True:
    time.sleep(3600)
"""


def timed(action: Callable[[], object]) -> float:
    """Wall-clock seconds ``action`` took."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def mb_per_s(size: int, seconds: float) -> float:
    return size / 1e6 / seconds


def make_test_file(directory: Path, size_mib: int) -> Path:
    """A file of ``size_mib`` MiB: one 64 MiB random block repeated (cheap, and no codec shortcut)."""
    path = directory / f"slate-bench-{size_mib}MiB.bin"
    block = os.urandom(min(_BLOCK, size_mib * MiB))
    remaining = size_mib * MiB
    with open(path, "wb") as handle:
        while remaining:
            piece = block[: min(len(block), remaining)]
            handle.write(piece)
            remaining -= len(piece)
    return path


@contextmanager
def s3_server_process() -> Iterator[str]:
    """An S3 API server (moto) on loopback in its own process, so it does not share our GIL."""
    with subprocess.Popen(
        [sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as server:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=30)


def run_command(command: list[str], env: dict[str, str] | None = None) -> float:
    """Seconds a command took; raises if it fails."""
    return timed(lambda: subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL))
