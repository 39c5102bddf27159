"""Where the stack's time went, read back from its Prefect server's flow-run and task-run API.

Per run type (intake, lifecycle and its subflows ingest, validate, deliver): how long a run
waited to be picked up (start − expected start) and how long it ran. Per request: the median
and worst of each leg from the studio's webhook to DELIVERED, so process start, polling and the
work itself can be told apart. Per task name: count and median duration.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

_PAGE = 200


@dataclass
class Runs:
    """Every flow run and task run of the stack's server, with their flows' names."""

    flows: dict[str, str]
    flow_runs: list[dict[str, Any]]
    task_runs: list[dict[str, Any]] = field(default_factory=list)

    def named(self, flow: str) -> list[dict[str, Any]]:
        return [r for r in self.flow_runs if self.flows.get(r["flow_id"]) == flow]


def _all(client: httpx.Client, path: str, body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = client.post(path, json={**(body or {}), "limit": _PAGE, "offset": len(found)})
        page.raise_for_status()
        rows = page.json()
        found += rows
        if len(rows) < _PAGE:
            return found


def fetch_runs(api_url: str, *, tasks: bool = True) -> Runs:
    """Read every flow (and task) run of the server at ``api_url``."""
    with httpx.Client(base_url=api_url, timeout=60) as client:
        flows = {f["id"]: f["name"] for f in _all(client, "/flows/filter")}
        flow_runs = _all(client, "/flow_runs/filter")
        task_runs = _all(client, "/task_runs/filter") if tasks else []
    return Runs(flows, flow_runs, task_runs)


def read_flow_runs(api_url: str, ids: list[str]) -> dict[str, str]:
    """Run id → state name (``Running``, ``Paused``, ``Failed``…) of the runs ``ids``."""
    body = {"flow_runs": {"id": {"any_": ids}}, "limit": _PAGE}
    found: dict[str, str] = {}
    with httpx.Client(base_url=api_url, timeout=60) as client:
        for chunk in range(0, len(ids), _PAGE):
            body["flow_runs"] = {"id": {"any_": ids[chunk : chunk + _PAGE]}}
            response = client.post("/flow_runs/filter", json=body)
            response.raise_for_status()
            found.update({r["id"]: r["state_name"] or r["state_type"] for r in response.json()})
    return found


def paused_requests(api_url: str) -> set[str]:
    """Requests (by their runs' tags) with a run paused for an operator's decision."""
    body = {"flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}, "limit": _PAGE}
    with httpx.Client(base_url=api_url, timeout=60) as client:
        response = client.post("/flow_runs/filter", json=body)
        response.raise_for_status()
        return {r for r in map(_request_of, response.json()) if r is not None}


def epoch(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def _request_of(run: dict[str, Any]) -> str | None:
    """The request a run works on: its tag (set once it runs), else its parameters (a webhook's event)."""
    tagged = next((t.split(":", 1)[1] for t in run.get("tags", []) if t.startswith("request:")), None)
    parameters = run.get("parameters") or {}
    event = parameters.get("event") if isinstance(parameters.get("event"), dict) else {}
    return tagged or parameters.get("request_id") or event.get("request_id") or event.get("requestId")


def runs_of(runs: Runs, request_ids: list[str]) -> list[str]:
    """For each request: its runs' flows and states (what a request that did not get through was at)."""
    found: dict[str, list[str]] = defaultdict(list)
    for run in runs.flow_runs:
        request_id = _request_of(run)
        if request_id in request_ids:
            found[request_id].append(f"{runs.flows.get(run['flow_id'], '?')} {run.get('state_name')}")
    return [f"  {r}: {', '.join(sorted(found[r])) or 'no run'}" for r in sorted(request_ids)]


def _median_max(values: list[float]) -> str:
    if not values:
        return f"{'-':>8} {'-':>8}"
    return f"{statistics.median(values):8.2f} {max(values):8.2f}"


def run_table(runs: Runs) -> list[str]:
    """Per flow: runs, states, median/max pickup latency and duration, total run seconds."""
    lines = [
        f"{'flow':<12} {'runs':>5} {'pickup med':>10} {'max':>8} {'duration med':>12} {'max':>8} "
        f"{'sum s':>8}  states",
    ]
    by_flow: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in runs.flow_runs:
        by_flow[runs.flows.get(run["flow_id"], "?")].append(run)
    order = ["intake", "lifecycle", "ingest", "validate", "deliver"]
    for flow in sorted(by_flow, key=lambda f: (order.index(f) if f in order else 99, f)):
        group = by_flow[flow]
        pickups, durations = [], []
        for run in group:
            start, expected, end = (
                epoch(run.get(k)) for k in ("start_time", "expected_start_time", "end_time")
            )
            if start is not None and expected is not None:
                pickups.append(start - expected)
            if start is not None and end is not None:
                durations.append(end - start)
        states: dict[str, int] = defaultdict(int)
        for run in group:
            states[run.get("state_name") or "?"] += 1
        pick, took = _median_max(pickups).split(), _median_max(durations).split()
        lines.append(
            f"{flow:<12} {len(group):>5} {pick[0]:>10} {pick[1]:>8} {took[0]:>12} {took[1]:>8} "
            f"{sum(durations):8.1f}  {', '.join(f'{k} {v}' for k, v in sorted(states.items()))}"
        )
    return lines


def task_table(runs: Runs) -> list[str]:
    """Per task name: count, median and total duration (the work inside the runs)."""
    by_name: dict[str, list[float]] = defaultdict(list)
    flow_names = set(runs.flows.values())
    for task in runs.task_runs:
        start, end = epoch(task.get("start_time")), epoch(task.get("end_time"))
        if start is not None and end is not None:
            name = str(task["name"]).rsplit("-", 1)[0]  # "load request-3"
            if name in flow_names:
                name += " (subflow call)"  # the task run Prefect makes for a subflow: the subflow's time
            by_name[name].append(end - start)
    lines = [f"{'task':<28} {'runs':>5} {'median s':>9} {'max s':>8} {'sum s':>8}"]
    for name, values in sorted(by_name.items(), key=lambda kv: -sum(kv[1])):
        lines.append(
            f"{name[:28]:<28} {len(values):>5} {statistics.median(values):9.3f} {max(values):8.3f} "
            f"{sum(values):8.2f}"
        )
    return lines


#: The legs of one request's way, each from one moment to the next (see :func:`moments`).
LEGS = [
    ("webhook → intake run created", "assigned", "intake.created"),
    ("intake pickup (expected → start)", "intake.expected", "intake.start"),
    ("intake run", "intake.start", "intake.end"),
    ("intake end → lifecycle created", "intake.end", "lifecycle.created"),
    ("lifecycle pickup", "lifecycle.expected", "lifecycle.start"),
    ("lifecycle start → ingest start", "lifecycle.start", "ingest.start"),
    ("ingest subflow", "ingest.start", "ingest.end"),
    ("ingest end → validate start", "ingest.end", "validate.start"),
    ("validate subflow", "validate.start", "validate.end"),
    ("validate end → deliver start", "validate.end", "deliver.start"),
    ("deliver subflow", "deliver.start", "deliver.end"),
    ("deliver start → seen DELIVERED", "deliver.start", "delivered"),
    ("deliver end → lifecycle end (after)", "deliver.end", "lifecycle.end"),
    ("total: webhook → seen DELIVERED", "assigned", "delivered"),
]


_MOMENTS = [
    ("created", "created"),
    ("expected", "expected_start_time"),
    ("start", "start_time"),
    ("end", "end_time"),
]


def moments(runs: Runs, bench: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """request id → named moments (epoch seconds): the bench's own, then each run's created/start/end."""
    found = {request_id: dict(marks) for request_id, marks in bench.items()}
    for run in runs.flow_runs:
        request_id = _request_of(run)
        flow = runs.flows.get(run["flow_id"])
        if request_id not in found or flow is None:
            continue
        for key, field_name in _MOMENTS:
            value = epoch(run.get(field_name))
            if value is not None:
                found[request_id].setdefault(f"{flow}.{key}", value)
    return found


def leg_table(runs: Runs, bench: dict[str, dict[str, float]]) -> list[str]:
    """Median, worst and summed seconds of each leg over the requests."""
    marks = moments(runs, bench)
    lines = [f"{'leg':<36} {'requests':>8} {'median s':>9} {'max s':>8} {'sum s':>8}"]
    for label, begin, end in LEGS:
        values = [m[end] - m[begin] for m in marks.values() if begin in m and end in m]
        if values:
            lines.append(
                f"{label:<36} {len(values):>8} {statistics.median(values):9.2f} {max(values):8.2f} "
                f"{sum(values):8.1f}"
            )
    return lines


def state_counts(runs: Runs) -> list[str]:
    """Runs per flow and state: what a stuck run was doing."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for run in runs.flow_runs:
        counts[(runs.flows.get(run["flow_id"], "?"), run.get("state_name") or "?")] += 1
    return [f"  {flow:<12} {state:<12} {count}" for (flow, state), count in sorted(counts.items())]
