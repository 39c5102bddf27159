"""Process groups and ports: what starting and stopping the stack's parts rests on (Linux, POSIX).

Each part of the stack leads its own process group, so one signal to the group reaches whatever
the part started (the serving process's flow runs, a server's workers). A group counts as alive
while any member is not a zombie: a zombie has exited and only waits for its parent to reap it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from slate.logging import get_logger

__all__ = ["die_with_parent", "group_alive", "pid_alive", "port_free", "stop_group"]

log = get_logger("slate.deployments.stack")


def group_alive(pgid: int) -> bool:
    """Whether any live process (zombies aside: they are only waiting to be reaped) is in group ``pgid``."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def stop_group(pgid: int, timeout: float, reap: Callable[[], object] | None = None) -> None:
    """SIGTERM the group, wait for every member to go, SIGKILL whatever is left after ``timeout``."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reap is not None:
            reap()
        if not group_alive(pgid):
            return
        time.sleep(0.1)
    log.warning("part did not stop in time; killing it", pgid=pgid)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while group_alive(pgid):
        if reap is not None:
            reap()
        time.sleep(0.05)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the servers themselves do: a port left in TIME_WAIT by a previous stack is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child before exec: ask Linux for SIGTERM when the parent dies (even by SIGKILL).

    ``slate up`` in the foreground stops its parts itself; this covers the one case it cannot, its
    own abrupt death, so no part outlives it. Elsewhere than Linux it does nothing.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
