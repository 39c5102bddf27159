"""Shared helpers for the benchmarks: timing with CPU accounting, test files, a loopback S3 server.

The machine running a benchmark may be shared, so besides wall-clock time each measurement
records the CPU seconds it used (this process, its children, and any server process named),
which stays comparable when other work slows the wall clock.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Run:
    """One measurement: wall-clock seconds and CPU seconds of every process involved."""

    seconds: float
    cpu: float
    #: The part of ``cpu`` spent by the server processes.
    server_cpu: float = 0.0

    def mb_per_s(self, size: int) -> float:
        return size / 1e6 / self.seconds


def measure(action: Callable[[], object], servers: Sequence[int] = ()) -> Run:
    """Run ``action`` once; count CPU of this process, its children and the ``servers`` pids."""
    own_before, server_before = _own_cpu(), sum(_process_cpu(pid) for pid in servers)
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    own = _own_cpu() - own_before
    server = sum(_process_cpu(pid) for pid in servers) - server_before
    return Run(seconds, own + server, server)


def command(argv: list[str], env: dict[str, str] | None = None) -> Callable[[], object]:
    """An action running a command to completion (raises if it fails)."""
    return lambda: subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)


def make_test_file(directory: Path, size_mib: int) -> Path:
    """A file of ``size_mib`` MiB: one 64 MiB random block repeated (cheap, and incompressible)."""
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
def s3_server_process() -> Iterator[tuple[str, int]]:
    """An S3 API server (moto) on loopback in its own process; yields (endpoint URL, pid)."""
    with subprocess.Popen(
        [sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as server:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            yield f"http://127.0.0.1:{port}", server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of another process (Linux ``/proc``; 0 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
