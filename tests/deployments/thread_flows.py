"""Small flows for the thread runner's tests: they leave a trace in a file, or wait to be cancelled."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from prefect import flow, pause_flow_run


@flow(name="thread-trace")
def trace(path: str, pause: float = 0.0) -> str:
    """Append ``start end thread`` to ``path`` (one line per execution) after ``pause`` seconds."""
    start = time.monotonic()
    time.sleep(pause)
    line = f"{start} {time.monotonic()} {threading.current_thread().name}\n"
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(line)
    return threading.current_thread().name


@flow(name="thread-wait")
def wait_forever(path: str) -> None:
    """Say it started (a file), then wait in small steps until it is stopped from outside."""
    Path(path).write_text("started", encoding="utf-8")
    while True:
        time.sleep(0.05)


@flow(name="thread-pause")
def pause_then_trace(path: str) -> None:
    """Pause for an operator (up to a minute), then leave a trace."""
    pause_flow_run(timeout=60)
    Path(path).write_text("resumed", encoding="utf-8")


@flow(name="thread-nested")
def nested(path: str, pause: float = 0.0) -> str:
    """Run :func:`trace` as a subflow (a lifecycle's steps are subflows of its run)."""
    return trace(path, pause)
