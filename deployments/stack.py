"""The embedded stack on one machine: Prefect server, served deployments, receiver, emulator, workspace.

``slate up`` starts five child processes, each in its own process group (so a stop reaches the
flow-run subprocesses the serving process starts, and so a Ctrl-C in the terminal reaches only
the supervisor, which then stops the parts in order):

* ``prefect server start`` on SQLite (or ``SLATE_STACK_PREFECT_DATABASE_URL``, e.g. PostgreSQL), with
  ``PREFECT_HOME`` under Slate's home and analytics off;
* ``python -m deployments.serve``, serving every deployment of ``prefect.yaml`` (polling every
  ``stack_poll_seconds``);
* the webhook receiver, starting flow runs on that server;
* the portal emulator, sending its webhooks to that receiver;
* the workspace (``slate workspace``), starting runs on that server and linking to its UI.

Ready means: the server answers ``/api/health``, the receiver ``/healthz``, the emulator ``/docs``,
and every deployment of ``prefect.yaml`` has been polled by the serving process since the start.
Only then is ``stack.json`` written under Slate's home (URLs, ports, pids), which is how
``make demo``, the CLI and tests find the stack. Stopping sends SIGTERM to each group (the serving
process first, the server last), SIGKILL to any group still alive after ``stack_stop_timeout``,
and removes ``stack.json``. Each part's output goes to ``<home>/stack/<part>.log``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import BaseModel

from deployments._processes import die_with_parent, group_alive, pid_alive, port_free, stop_group
from deployments.serve import DEFAULT_FILE, load_project
from deployments.zombies import ensure_zombie_automation
from slate.errors import ConfigurationError
from slate.logging import get_logger
from slate.settings import Settings, get_settings

__all__ = ["Ports", "Stack", "StackInfo", "read_stack", "running_stack", "stack_file", "stop_detached"]

log = get_logger("slate.deployments.stack")

_SLATE_CLI = "import sys; from cli import main; sys.argv[0] = 'slate'; main()"


class Ports(BaseModel):
    """The three TCP ports of the stack (all on 127.0.0.1)."""

    prefect: int
    receiver: int
    emulator: int
    #: The workspace (N+3); its own setting ``SLATE_WORKSPACE_PORT`` otherwise.
    workspace: int = 8783

    @classmethod
    def choose(cls, settings: Settings, port_base: int | None = None) -> Ports:
        """``port_base`` N gives N, N+1, N+2; without it each part keeps its own setting."""
        if port_base is not None:
            return cls(
                prefect=port_base, receiver=port_base + 1, emulator=port_base + 2, workspace=port_base + 3
            )
        emulator = httpx.URL(settings.portal_base_url).port or 8765
        return cls(
            prefect=settings.stack_prefect_port,
            receiver=settings.webhook_receiver_port,
            emulator=emulator,
            workspace=int(os.environ.get("SLATE_WORKSPACE_PORT", "8783")),
        )

    def all_free(self) -> bool:
        """Whether every port of the stack is free on 127.0.0.1 now."""
        return all(port_free(port) for port in self.model_dump().values())

    @classmethod
    def first_free(cls, start: int = 4300, stop: int = 9000, step: int = 10) -> Ports:
        """The first base N from ``start`` whose ports N to N+3 are all free."""
        for base in range(start, stop, step):
            ports = cls(prefect=base, receiver=base + 1, emulator=base + 2, workspace=base + 3)
            if ports.all_free():
                return ports
        raise ConfigurationError(
            f"no free ports between {start} and {stop} for the stack; free some or pass --port-base",
            rule="free port",
        )


class StackInfo(BaseModel):
    """What ``stack.json`` holds: where each part listens and how to stop it."""

    home: str
    prefect_ui_url: str
    prefect_api_url: str
    receiver_url: str
    webhook_url: str
    emulator_url: str
    workspace_url: str = ""
    ports: Ports
    deployments: list[str]
    #: Part name → pid of the part, which leads its own process group.
    pids: dict[str, int]
    #: The ``slate up`` process watching the parts, or None when it detached.
    supervisor_pid: int | None
    logs: str
    started_at: datetime


def stack_file(settings: Settings) -> Path:
    """Where the running stack describes itself."""
    return settings.home / "stack.json"


def read_stack(settings: Settings | None = None) -> StackInfo | None:
    """The running stack's description, or None when no stack has written one."""
    path = stack_file(settings or get_settings())
    if not path.exists():
        return None
    return StackInfo.model_validate_json(path.read_text(encoding="utf-8"))


def running_stack(settings: Settings | None = None) -> StackInfo | None:
    """The stack of this home if every part of it is alive; a file left by a dead stack is removed.

    A stack with only some parts alive also gives None: starting another then fails with a clear
    "run `slate down` first", which stops the survivors.
    """
    settings = settings or get_settings()
    info = read_stack(settings)
    if info is None:
        return None
    alive = [group_alive(pid) for pid in info.pids.values()]
    if all(alive):
        return info
    if not any(alive):
        stack_file(settings).unlink(missing_ok=True)
    return None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class _Part:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready: Callable[[], bool]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


class Stack:
    """The five parts, started and stopped together."""

    def __init__(self, settings: Settings, ports: Ports, project_file: Path = DEFAULT_FILE) -> None:
        self.settings = settings
        self.ports = ports
        self.project_file = project_file.resolve()
        self.home = settings.home.resolve()
        self.log_dir = self.home / "stack"
        self.names = [d.name for d in load_project(self.project_file).deployments]
        self.api_url = f"http://127.0.0.1:{ports.prefect}/api"
        self.receiver_url = f"http://127.0.0.1:{ports.receiver}"
        self.emulator_url = f"http://127.0.0.1:{ports.emulator}"
        self.workspace_url = f"http://127.0.0.1:{ports.workspace}"
        self._started_at = datetime.now(UTC)
        self.parts = self._parts()

    def _env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PREFECT_API_URL", None)
        env.update(
            SLATE_HOME=str(self.home),
            SLATE_PORTAL_BASE_URL=self.emulator_url,
            PREFECT_HOME=str(self.home / "prefect"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def _parts(self) -> list[_Part]:
        py, p = sys.executable, self.ports
        timeout = str(self.settings.stack_start_timeout)
        sqlite = f"sqlite+aiosqlite:///{self.home / 'prefect' / 'prefect.db'}"
        db = self.settings.stack_prefect_database_url.get_secret_value() or sqlite
        server = _Part(
            "prefect-server",
            [py, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(p.prefect)],
            self._env(PREFECT_SERVER_DATABASE_CONNECTION_URL=db, PREFECT_UI_API_URL=self.api_url),
            lambda: _answers(f"{self.api_url}/health"),
        )
        emulator = _Part(
            "emulator",
            [
                py,
                "-c",
                _SLATE_CLI,
                "backlot-emulator",
                "--port",
                str(p.emulator),
                "--webhook-url",
                f"{self.receiver_url}/webhooks",
            ],
            self._env(),
            lambda: _answers(f"{self.emulator_url}/docs"),
        )
        receiver = _Part(
            "webhook-receiver",
            [py, "-c", _SLATE_CLI, "webhook-receiver", "--host", "127.0.0.1", "--port", str(p.receiver)],
            self._env(PREFECT_API_URL=self.api_url),
            lambda: _answers(f"{self.receiver_url}/healthz"),
        )
        serve = _Part(
            "serve",
            [py, "-m", "deployments.serve", "--file", str(self.project_file), "--wait-for-api", timeout],
            self._env(PREFECT_API_URL=self.api_url),
            self._all_served,
        )
        workspace = _Part(
            "workspace",
            [py, "-c", _SLATE_CLI, "workspace", "--host", "127.0.0.1", "--port", str(p.workspace)],
            self._env(
                PREFECT_API_URL=self.api_url, SLATE_WORKSPACE_PREFECT_UI_URL=f"http://127.0.0.1:{p.prefect}"
            ),
            lambda: _answers(f"{self.workspace_url}/healthz"),
        )
        return [server, emulator, receiver, serve, workspace]

    def _all_served(self) -> bool:
        """Every deployment of the file exists and was polled by the serving process since the start."""
        body = {"deployments": {"name": {"any_": self.names}}, "limit": 200}
        try:
            found = httpx.post(f"{self.api_url}/deployments/filter", json=body, timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return False
        polled = {
            d["name"]
            for d in found
            if d.get("last_polled") and datetime.fromisoformat(d["last_polled"]) >= self._started_at
        }
        return polled >= set(self.names)

    # --- starting ---

    def check_free(self) -> None:
        """Refuse to start over a running stack or on a port someone else holds."""
        running = read_stack(self.settings)
        if running is not None and any(group_alive(pid) for pid in running.pids.values()):
            raise ConfigurationError(
                f"a stack is already running from {stack_file(self.settings)}; run `slate down` first",
                path=str(stack_file(self.settings)),
                rule="one stack per home",
            )
        for part, port in self.ports.model_dump().items():
            if not port_free(port):
                raise ConfigurationError(
                    f"port {port} ({part}) is already in use on 127.0.0.1; choose others with --port-base",
                    port=port,
                    rule="free port",
                )

    def _spawn(self, part: _Part, *, detached: bool) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{part.name}.log").open("ab") as out:
            part.process = subprocess.Popen(
                part.argv,
                env=part.env,
                cwd=self.project_file.parent,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Supervised parts get SIGTERM if the supervisor dies without stopping them.
                preexec_fn=None if detached else die_with_parent,  # noqa: PLW1509 (no threads yet)
            )
        log.info("part started", part=part.name, pid=part.process.pid)

    def _wait_ready(self, parts: list[_Part], stop: threading.Event) -> None:
        deadline = time.monotonic() + self.settings.stack_start_timeout
        waiting = list(parts)
        while waiting:
            for part in list(waiting):
                self._check_alive(part)
                if part.ready():
                    waiting.remove(part)
                    took = round((datetime.now(UTC) - self._started_at).total_seconds(), 1)
                    log.info("part ready", part=part.name, seconds=took)
            if stop.is_set():
                raise KeyboardInterrupt
            if waiting and time.monotonic() > deadline:
                names = ", ".join(p.name for p in waiting)
                raise ConfigurationError(
                    f"{names} not ready after {self.settings.stack_start_timeout:.0f}s; see {self.log_dir}",
                    rule="start timeout",
                )
            if waiting:
                time.sleep(0.25)

    def _check_alive(self, part: _Part) -> None:
        assert part.process is not None
        code = part.process.poll()
        if code is not None:
            raise ConfigurationError(
                f"{part.name} exited with code {code}; see {self.log_dir / (part.name + '.log')}\n"
                + self._tail(part),
                part=part.name,
                rule="part exited",
            )

    def _tail(self, part: _Part, lines: int = 15) -> str:
        try:
            text = (self.log_dir / f"{part.name}.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self, *, detached: bool, stop: threading.Event | None = None) -> StackInfo:
        """Start every part, wait until all are ready, write ``stack.json``; on failure stop them."""
        stop = stop or threading.Event()
        self.check_free()
        self._started_at = datetime.now(UTC)
        try:
            # The serving process loads the flows while the server starts, then waits for its API.
            for part in self.parts:
                self._spawn(part, detached=detached)
            self._wait_ready(self.parts, stop)
            # A run whose serving process is killed is marked Crashed, not left Running.
            ensure_zombie_automation(self.api_url, self.settings.stack_heartbeat_seconds)
        except BaseException:
            self.stop()
            raise
        info = self.info(supervisor_pid=None if detached else os.getpid())
        _write_atomic(stack_file(self.settings), info.model_dump_json(indent=2))
        return info

    def info(self, supervisor_pid: int | None) -> StackInfo:
        """The description written to ``stack.json``."""
        return StackInfo(
            home=str(self.home),
            prefect_ui_url=f"http://127.0.0.1:{self.ports.prefect}",
            prefect_api_url=self.api_url,
            receiver_url=self.receiver_url,
            webhook_url=f"{self.receiver_url}/webhooks",
            emulator_url=self.emulator_url,
            workspace_url=self.workspace_url,
            ports=self.ports,
            deployments=self.names,
            pids={p.name: p.process.pid for p in self.parts if p.process is not None},
            supervisor_pid=supervisor_pid,
            logs=str(self.log_dir),
            started_at=self._started_at,
        )

    # --- running and stopping ---

    def watch(self, stop: threading.Event) -> _Part | None:
        """Block until ``stop`` is set (None) or a part exits on its own (that part)."""
        while not stop.wait(0.5):
            for part in self.parts:
                if part.process is not None and part.process.poll() is not None:
                    return part
        return None

    def stop(self) -> None:
        """Stop every started part, the workspace and the serving process first and the server last."""
        for part in reversed(self.parts):
            if part.process is None:
                continue
            began = time.monotonic()
            stop_group(part.process.pid, self.settings.stack_stop_timeout, reap=part.process.poll)
            part.process.wait()
            took = round(time.monotonic() - began, 1)
            log.info("part stopped", part=part.name, code=part.process.returncode, seconds=took)
        mine = {p.name: p.process.pid for p in self.parts if p.process is not None}
        written = read_stack(self.settings)
        if written is not None and written.pids == mine:
            stack_file(self.settings).unlink(missing_ok=True)


def stop_detached(settings: Settings) -> StackInfo | None:
    """``slate down``: stop the stack this home's ``stack.json`` describes; None if there is none.

    A supervised stack is asked to stop through its supervisor (which stops the parts in order);
    a detached one is stopped here, group by group, in the same order.
    """
    info = read_stack(settings)
    if info is None:
        return None
    timeout = settings.stack_stop_timeout
    if info.supervisor_pid is not None and pid_alive(info.supervisor_pid):
        os.kill(info.supervisor_pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout * len(info.pids) + 5
        while pid_alive(info.supervisor_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    for name in ("workspace", "serve", "webhook-receiver", "emulator", "prefect-server"):
        pid = info.pids.get(name)
        if pid is not None:
            stop_group(pid, timeout)
    stack_file(settings).unlink(missing_ok=True)
    return info
