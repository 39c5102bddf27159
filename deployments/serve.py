"""Serve every deployment listed in ``prefect.yaml`` from one process (the one-machine stack).

``prefect.yaml`` is the one list of deployments. ``prefect deploy --all`` reads it for work pools
and workers; this module reads the same file and hands each entry to Prefect's ``serve``, so the
embedded stack (``slate up``) runs exactly what a multi-machine install would, without a pool or a
worker: same entrypoints, names, parameters, schedules, tags and concurrency limits. An entry
using a key this module does not understand is refused rather than silently served differently.

Run it from the project folder (``slate up`` does)::

    python -m deployments.serve [--file prefect.yaml] [--limit 8] [--poll-seconds 2] [--no-schedules]
                                [--run-in threads|processes] [--wait-for-api SECONDS]

The runner looks for runs every ``--poll-seconds`` (Prefect's default of 10 s would add up to 10 s
to every webhook-started run); shutting down leaves schedules active (``pause_on_shutdown=False``)
so the next start picks up where this one stopped.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from slate.errors import ConfigurationError, InvalidInput
from slate.logging import configure_logging, get_logger
from slate.settings import get_settings, reset_settings

if TYPE_CHECKING:
    from uuid import UUID

    from prefect.deployments.runner import RunnerDeployment
    from prefect.flows import Flow
    from prefect.schedules import Schedule

__all__ = [
    "DeploymentSpec",
    "Project",
    "ScheduleSpec",
    "load_project",
    "main",
    "runner_deployments",
]

log = get_logger("slate.deployments.serve")

#: The deployments file next to the code (the repository root).
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "prefect.yaml"

#: Slate's stdlib logger, attached to each run's Prefect log handler.
EXTRA_LOGGERS = "slate"


class ScheduleSpec(BaseModel):
    """One schedule of a deployment: exactly one of ``cron``, ``interval`` (seconds), ``rrule``."""

    model_config = ConfigDict(extra="forbid")

    cron: str | None = None
    interval: float | None = Field(default=None, gt=0)
    rrule: str | None = None
    timezone: str | None = None
    active: bool = True
    parameters: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> ScheduleSpec:
        kinds = [k for k in ("cron", "interval", "rrule") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a schedule needs exactly one of cron, interval, rrule (got {kinds or 'none'})")
        return self

    def to_schedule(self, *, active: bool = True) -> Schedule:
        """The Prefect schedule; ``active=False`` registers it switched off."""
        from prefect.schedules import Cron, Interval, RRule

        on = self.active and active
        params = self.parameters or None
        if self.cron is not None:
            return Cron(self.cron, timezone=self.timezone, active=on, parameters=params)
        if self.interval is not None:
            every = timedelta(seconds=self.interval)
            return Interval(every, timezone=self.timezone, active=on, parameters=params)
        assert self.rrule is not None
        return RRule(self.rrule, timezone=self.timezone, active=on, parameters=params)


class WorkPoolSpec(BaseModel):
    """Where workers pick the deployment up (ignored when served: serve needs no pool)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    work_queue_name: str | None = None
    job_variables: dict[str, Any] = Field(default_factory=dict)


class DeploymentSpec(BaseModel):
    """One entry of ``deployments:``; only the keys both ``serve`` and ``prefect deploy`` honour."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    entrypoint: str = Field(pattern=r"^[\w./-]+\.py:\w+$")
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    schedules: list[ScheduleSpec] = Field(default_factory=list)
    concurrency_limit: int | None = Field(default=None, ge=1)
    work_pool: WorkPoolSpec | None = None

    @property
    def module_path(self) -> str:
        """The flow's file, relative to the project folder (``flows/intake.py``)."""
        return self.entrypoint.split(":", 1)[0]


class Project(BaseModel):
    """The parts of ``prefect.yaml`` that describe deployments."""

    model_config = ConfigDict(extra="allow")

    name: str
    deployments: list[DeploymentSpec] = Field(min_length=1)

    @field_validator("deployments")
    @classmethod
    def _unique_names(cls, deployments: list[DeploymentSpec]) -> list[DeploymentSpec]:
        seen: set[str] = set()
        for spec in deployments:
            if spec.name in seen:
                raise ValueError(f"deployment name {spec.name!r} is listed twice")
            seen.add(spec.name)
        return deployments


def _where(loc: tuple[int | str, ...]) -> str:
    """``('deployments', 3, 'entrypoint')`` → ``deployments[3].entrypoint``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_project(path: Path = DEFAULT_FILE) -> Project:
    """Read and check a deployments file; a broken one raises :class:`InvalidInput` naming the place."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(
            f"{path}: cannot read the deployments file: {exc}", path=str(path), rule="readable"
        ) from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: not valid YAML: {exc}", path=str(path), rule="yaml") from exc
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: expected a mapping at the top level", path=str(path), rule="mapping")
    try:
        return Project.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = _where(tuple(first["loc"]))
        raise InvalidInput(
            f"{path}: {where}: {first['msg']} ({exc.error_count()} problem(s))",
            path=str(path),
            place=where,
            rule=first["type"],
        ) from exc


def runner_deployments(
    project: Project, root: Path, *, schedules_active: bool = True
) -> list[RunnerDeployment]:
    """Load each entry's flow from ``root`` and describe it as a served deployment.

    Importing a flow module that fails raises (no placeholder flows): a stack that serves a
    stand-in silently is worse than one that does not start.
    """
    return [deployment for deployment, _ in served_flows(project, root, schedules_active=schedules_active)]


def served_flows(
    project: Project, root: Path, *, schedules_active: bool = True
) -> list[tuple[RunnerDeployment, Flow[..., Any]]]:
    """Each entry's served deployment with the flow object it runs (see :func:`run_served`)."""
    from prefect.flows import load_flow_from_entrypoint

    built: list[tuple[RunnerDeployment, Flow[..., Any]]] = []
    for spec in project.deployments:
        flow: Flow[..., Any] = load_flow_from_entrypoint(
            str(root / spec.entrypoint), use_placeholder_flow=False
        )
        deployment = cast(
            "RunnerDeployment",
            flow.to_deployment(
                name=spec.name,
                description=spec.description,
                tags=spec.tags,
                parameters=spec.parameters,
                schedules=[s.to_schedule(active=schedules_active) for s in spec.schedules],
                concurrency_limit=spec.concurrency_limit,
            ),
        )
        built.append((deployment, flow))
    return built


def run_served(served: list[tuple[RunnerDeployment, Flow[..., Any]]], limit: int, run_in: str) -> None:
    """Serve the deployments until SIGINT/SIGTERM, each run on a thread or in a process of its own.

    ``threads`` (the default, see :mod:`deployments.threads`) runs each flow run with Prefect's
    engine on a thread of this process, the flows imported once. ``processes`` is Prefect's
    runner with each deployment's flow registered, as ``Runner.add_flow`` does, so a run starts
    from the flow it already holds in a spawned process instead of a ``python -m prefect.engine``
    that copies the project "from storage" and imports every module again. (A fork server
    preloaded with Prefect and the flows was tried and dropped: forked runs' API calls hung for
    good, as forking a process holding Prefect's event-loop state can.)
    """
    if run_in == "threads":
        _serve_on_threads(served, limit)
        return
    import asyncio

    from prefect.runner import Runner

    runner = Runner(pause_on_shutdown=False, limit=limit)
    for deployment, flow in served:
        deployment_id = cast("UUID", runner.add_deployment(deployment))
        runner._deployment_registry.register_flow(deployment_id, flow)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        log.info("serving stopped")


def _serve_on_threads(served: list[tuple[RunnerDeployment, Flow[..., Any]]], limit: int) -> None:
    """Register the deployments, then run their runs on threads until SIGINT/SIGTERM."""
    import signal

    from prefect.settings import PREFECT_RUNNER_POLL_FREQUENCY

    from deployments.threads import ThreadRunner
    from tasks.common import WAITING_TAG

    flows = {cast("UUID", deployment.apply()): flow for deployment, flow in served}
    runner = ThreadRunner(
        flows=flows,
        limit=limit,
        poll_seconds=float(PREFECT_RUNNER_POLL_FREQUENCY.value()),
        heartbeats=get_settings().stack_heartbeats,
        beat_seconds=get_settings().stack_heartbeat_seconds,
        max_waiting=get_settings().stack_waiting_limit,
        waiting_tag=WAITING_TAG,
        sole_server=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    log.info("serving deployments on threads", count=len(flows), limit=limit)
    try:
        runner.serve()
    except KeyboardInterrupt:
        runner.stop()
    log.info("serving stopped")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m deployments.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="the deployments file")
    parser.add_argument("--limit", type=int, default=settings.stack_run_limit, help="runs at once")
    parser.add_argument(
        "--poll-seconds", type=int, default=settings.stack_poll_seconds, help="seconds between polls"
    )
    parser.add_argument(
        "--run-in",
        choices=["threads", "processes"],
        default=settings.stack_run_in,
        help="run each flow run on a thread of this process or in a spawned process",
    )
    parser.add_argument(
        "--no-schedules",
        dest="schedules",
        action="store_false",
        default=settings.stack_schedules_active,
        help="register schedules switched off",
    )
    parser.add_argument(
        "--wait-for-api",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to this long for the Prefect API after loading the flows (a server starting beside us)",
    )
    return parser.parse_args(argv)


def wait_for_api(seconds: float) -> None:
    """Block until the configured Prefect API answers its health check, or fail after ``seconds``.

    Loading the flows (imports) takes seconds; ``slate up`` starts this process together with the
    server so both happen at once, and only registering the deployments needs the API.
    """
    import httpx
    from prefect.settings import PREFECT_API_URL

    url = f"{str(PREFECT_API_URL.value() or '').rstrip('/')}/health"
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise ConfigurationError(
                f"the Prefect API at {url} did not answer within {seconds:.0f}s", url=url
            )
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> None:
    """Serve every deployment of the file until SIGINT/SIGTERM."""
    _run_environment()
    args = _arguments(argv)
    path: Path = args.file.resolve()
    project = load_project(path)
    os.chdir(path.parent)
    log.info("serving deployments", count=len(project.deployments), file=str(path), limit=args.limit)

    from prefect.settings import PREFECT_RUNNER_POLL_FREQUENCY, temporary_settings

    served = served_flows(project, path.parent, schedules_active=args.schedules)
    if args.wait_for_api > 0:
        wait_for_api(args.wait_for_api)
    with temporary_settings(updates={PREFECT_RUNNER_POLL_FREQUENCY: args.poll_seconds}):
        run_served(served, args.limit, args.run_in)


def _run_environment() -> None:
    """What runs need from the environment, set before Prefect is imported (it reads it once).

    Slate's stdlib logger gets Prefect's API handler, so its lines appear in each run's logs in
    the UI (lines outside any run stay local, silently), and they are sentences, as people read
    them there; Prefect's console handler prints them here too, so Slate's own is dropped. A busy
    Prefect server on SQLite answers 503 for a while under a burst, so runs retry longer
    (Prefect's default of 5 retries failed demo runs on a loaded two-core machine); and a request
    that waits on the server's database lock is given up after 20 s and sent again, instead of
    Prefect's 60 s (``bench/pipeline.py`` saw single steps stall for exactly 60 s under a burst).
    Spawned run processes inherit the same environment, heartbeat period included.
    """
    os.environ["PREFECT_LOGGING_EXTRA_LOGGERS"] = EXTRA_LOGGERS
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault("SLATE_LOG_FORMAT", "text")
    os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "10")
    os.environ.setdefault("PREFECT_API_REQUEST_TIMEOUT", "20")
    # Runs in spawned processes (or with per-flow heartbeats on) beat at the stack's period, the
    # one the zombie automation was made for.
    os.environ.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(get_settings().stack_heartbeat_seconds))
    import prefect.main  # noqa: F401 - sets up Prefect's logging, which Slate's is configured against

    reset_settings()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


if __name__ == "__main__":
    main()
