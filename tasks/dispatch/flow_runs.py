"""Creating the flow runs of stored events on the Prefect API, many per request.

This is ``run_deployment(name, parameters=…, timeout=0, idempotency_key=<event id>)`` for a whole
batch at once: the same server-side creation (deployment defaults merged, ``Scheduled`` now, and
an idempotency key, so asking twice for one event returns the run that already exists), but
through the server's bulk endpoint ``POST /deployments/{id}/create_flow_run/bulk`` (up to 100 runs
per request, one transaction) and with the deployment looked up once per pass instead of once per
run. Measured on this project's 2-core machine with a SQLite Prefect server under load, one run per
request managed about 10 runs/s whatever the concurrency; bulk requests managed 25 to 70 runs/s.

A bulk request can fail item by item (SQLite's "database is locked" when the server's own services
write at the same moment); such items are reported ``transient`` and simply asked for again. A
bulk request that fails as a whole is asked for again run by run, so one bad run (which on
PostgreSQL aborts its whole batch) fails alone. A server without the bulk endpoint (404/405) gets
one request per run instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal
from uuid import UUID

import httpx
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings
from pydantic import BaseModel, ConfigDict

from slate.errors import ConfigurationError

__all__ = ["BULK_LIMIT", "RunCreator", "RunRequest", "RunResult", "classify", "prefect_client"]

#: The server refuses bulk requests of more runs than this.
BULK_LIMIT = 100
#: Bulk item errors that asking again cannot fix.
_PERMANENT_ITEM_ERRORS = ("Parameter validation", "Invalid schema", "Parameter schema", "Cannot create")

#: ``(idempotency key, parameters)`` of one run to create.
RunRequest = tuple[str, dict[str, Any]]
Kind = Literal["created", "unreachable", "transient", "permanent", "skipped"]


class RunResult(BaseModel):
    """What happened to one requested run.

    ``skipped`` means not attempted: an earlier request found the API unreachable.
    """

    model_config = ConfigDict(frozen=True)

    kind: Kind
    flow_run_id: str | None = None
    error: str | None = None


def classify(exc: Exception) -> RunResult:
    """Sort an error from the Prefect client (messages never include request headers)."""
    if isinstance(exc, httpx.HTTPStatusError):
        code = exc.response.status_code
        kind: Kind = "transient" if code >= 500 or code in (408, 429) else "permanent"
        return RunResult(kind=kind, error=f"Prefect API answered {code}: {exc.response.text[:300]}")
    if isinstance(exc, ObjectNotFound):
        return RunResult(kind="permanent", error=f"deployment not found: {exc}")
    if isinstance(exc, httpx.TransportError | OSError | TimeoutError):
        return RunResult(kind="unreachable", error=f"Prefect API unreachable: {type(exc).__name__}: {exc}")
    return RunResult(kind="permanent", error=f"{type(exc).__name__}: {exc}")


@asynccontextmanager
async def prefect_client(api_url: str) -> AsyncIterator[PrefectClient]:
    """A client for ``api_url`` (empty: the configured API), keeping Prefect's other settings.

    With no API configured at all, Prefect would start a throwaway in-process server and the
    runs would vanish with it; that is refused instead.
    """
    if not api_url and not PREFECT_API_URL.value():
        raise ConfigurationError(
            "no Prefect API to start webhook runs on: set SLATE_WEBHOOK_PREFECT_API_URL or PREFECT_API_URL",
            setting="webhook_prefect_api_url",
        )
    if api_url:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            client = get_client()
    else:
        client = get_client()
    async with client:
        yield client


def _item_result(item: dict[str, Any]) -> RunResult:
    if item.get("status") == "CREATED" and item.get("flow_run_id"):
        return RunResult(kind="created", flow_run_id=str(item["flow_run_id"]))
    error = str(item.get("error") or "bulk creation failed without a reason")
    kind: Kind = "permanent" if error.startswith(_PERMANENT_ITEM_ERRORS) else "transient"
    return RunResult(kind=kind, error=f"Prefect refused the run: {error[:300]}")


class RunCreator:
    """One dispatcher pass's access to Prefect: deployment ids cached, runs created in bulk."""

    def __init__(self, client: PrefectClient, *, bulk: bool = True) -> None:
        self.client = client
        self._ids: dict[str, UUID] = {}
        self._bulk = bulk

    async def create(
        self, deployment: str, requests: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[RunResult]:
        """One run of ``deployment`` per ``(idempotency key, parameters)``; results in the same order."""
        try:
            if deployment not in self._ids:
                self._ids[deployment] = (await self.client.read_deployment_by_name(deployment)).id
        except Exception as exc:
            return [classify(exc)] * len(requests)
        results: list[RunResult] = []
        for start in range(0, len(requests), BULK_LIMIT):
            chunk = requests[start : start + BULK_LIMIT]
            if results and results[-1].kind == "unreachable":
                results.extend([RunResult(kind="skipped")] * len(chunk))
            else:
                results.extend(await self._create_chunk(self._ids[deployment], chunk))
        return results

    async def _create_chunk(self, deployment_id: UUID, chunk: Sequence[RunRequest]) -> list[RunResult]:
        results = await self._create_bulk(deployment_id, chunk) if self._bulk else None
        if results is None:
            return await self._create_each(deployment_id, chunk)
        if len(chunk) > 1 and all(r.kind in ("transient", "permanent") for r in results):
            return await self._isolate(deployment_id, chunk)
        return results

    async def _create_bulk(self, deployment_id: UUID, chunk: Sequence[RunRequest]) -> list[RunResult] | None:
        """One bulk request for ``chunk``; None when the server has no bulk endpoint."""
        body = [{"parameters": parameters, "idempotency_key": key} for key, parameters in chunk]
        try:
            response = await self.client.request(
                "POST",
                "/deployments/{id}/create_flow_run/bulk",  # type: ignore[arg-type]  # not in the client's route list
                path_params={"id": deployment_id},
                json=body,
            )
            items = response.json()["results"]
            if len(items) == len(chunk):
                return [_item_result(item) for item in items]
            return [RunResult(kind="transient", error="bulk answer did not match the request")] * len(chunk)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code not in (404, 405):
                return [classify(exc)] * len(chunk)
            self._bulk = False  # an older server: one request per run from now on
            return None
        except Exception as exc:
            return [classify(exc)] * len(chunk)

    async def _create_each(self, deployment_id: UUID, chunk: Sequence[RunRequest]) -> list[RunResult]:
        """One request per run; once the API is unreachable the rest are skipped."""
        results: list[RunResult] = []
        for key, parameters in chunk:
            if results and results[-1].kind in ("unreachable", "skipped"):
                results.append(RunResult(kind="skipped"))
            else:
                results.append(await self._create_one(deployment_id, key, parameters))
        return results

    async def _isolate(self, deployment_id: UUID, chunk: Sequence[RunRequest]) -> list[RunResult]:
        """A whole batch failed: ask for each run alone, so one bad item cannot hold up the others.

        On PostgreSQL one run the server cannot store aborts the whole bulk transaction, and a
        body over the size limit is refused whole (422). Alone, the good ones are created; an item
        that still fails while others were created is at fault itself, so its failure counts as an
        attempt (``permanent``) even if the server called it a 5xx: it is failed after
        ``max_attempts`` instead of staying pending for ever.
        """
        # Each refusal alone is an attempt the dispatcher retries with its own backoff; Prefect's
        # client retrying a 5xx five more times with its own backoff (about a minute per bad
        # item) only held the good events behind it.
        with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}):
            results = await self._create_each(deployment_id, chunk)
        if not any(r.kind == "created" for r in results):
            return results
        return [
            RunResult(kind="permanent", error=f"{r.error} (refused alone; its batch-mates were created)")
            if r.kind == "transient"
            else r
            for r in results
        ]

    async def _create_one(self, deployment_id: UUID, key: str, parameters: dict[str, Any]) -> RunResult:
        try:
            run = await self.client.create_flow_run_from_deployment(
                deployment_id, parameters=parameters, idempotency_key=key
            )
        except Exception as exc:
            return classify(exc)
        return RunResult(kind="created", flow_run_id=str(run.id))
