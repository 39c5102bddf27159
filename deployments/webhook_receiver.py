"""The portal's webhooks in: verify, store, acknowledge; flow runs are started afterwards.

``POST /webhooks`` takes one signed event (:mod:`slate.backlot.webhooks` is the contract):

* a missing or wrong signature, or a timestamp outside the tolerance window (a replay) → 401;
* a body that is not a valid event (not JSON, no id, type or time; an id disagreeing with the id
  header; a request id that is not an id) → 422 naming the field;
* an event that can never become a flow run (a NUL character anywhere → 422; run parameters over
  Prefect's limit → 413), with the reason (:func:`tasks.dispatch.routes.unrunnable`): stored,
  it would only fail later, or on PostgreSQL take its neighbours down with it;
* a valid event is written to the outbox (``webhook_events``) and only then acknowledged,
  ``202`` for a new event and ``200`` for a redelivery of a stored one (which starts nothing).
  Fields we do not know are kept in the stored body; an event of a type we do not know is
  stored as ``ignored`` and answered ``202`` (``"status": "ignored"``), so what the portal adds
  later is kept, never refused;
* if the outbox cannot be written the answer is 503, so the portal sends it again later.

Nothing touches Prefect on the request path: the :class:`~tasks.dispatch.dispatcher.Dispatcher`
running beside the app (woken after each new event) starts the flow runs. Refusals store nothing.
Logs carry the event id and the portal request id; the secret and signatures are never logged.

``slate webhook-receiver`` (``uvicorn --factory deployments.webhook_receiver:create_app``) serves
it with the settings of the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from deployments.outbox_writer import OutboxWriter
from slate.backlot.webhooks import HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, WebhookEvent, verify
from slate.logging import bound, get_logger
from slate.settings import Settings, get_settings
from slate.store import Database, open_database
from tasks.dispatch.dispatcher import DispatchConfig, Dispatcher
from tasks.dispatch.routes import unrunnable

__all__ = ["create_app", "server_config"]

log = get_logger("slate.webhooks.receiver")


def _problem(status: int, detail: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail})


def _parse(body: bytes, header_id: str | None) -> WebhookEvent | JSONResponse:
    """The event in ``body``, or the 422 answer saying where it is malformed."""
    try:
        event = WebhookEvent.model_validate_json(body)
    except ValidationError as exc:
        errors = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        return _problem(422, errors)
    if header_id is not None and header_id != event.id:
        return _problem(422, [{"loc": ["header", HEADER_ID], "msg": "does not match the body's id"}])
    if (refusal := unrunnable(event)) is not None:
        return _problem(refusal.status, refusal.reason)
    return event


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed ``limit`` bytes.

    A declared Content-Length over the limit is refused before reading anything; a chunked body
    (no Content-Length) is counted as it arrives, so neither way can make us buffer more than
    ``limit`` bytes.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _routes(app: FastAPI, settings: Settings, database: Database, dispatcher: Dispatcher | None) -> None:
    secret = settings.webhook_secret.get_secret_value()
    outbox = OutboxWriter(database)

    @app.post("/webhooks", status_code=202)
    async def receive(request: Request) -> JSONResponse:
        """Verify, store, acknowledge one portal webhook."""
        body = await _read_body(request, settings.webhook_max_body_bytes)
        if body is None:
            return _problem(413, f"body larger than {settings.webhook_max_body_bytes} bytes")
        reason = verify(
            secret,
            request.headers.get(HEADER_TIMESTAMP),
            request.headers.get(HEADER_SIGNATURE),
            body,
            tolerance=settings.webhook_tolerance_seconds,
        )
        header_id = request.headers.get(HEADER_ID)
        if reason is not None:
            log.warning("webhook refused", reason=reason, event_id=header_id)
            return _problem(401, reason)
        parsed = _parse(body, header_id)
        if isinstance(parsed, JSONResponse):
            log.warning("webhook malformed", event_id=header_id)
            return parsed
        return await _store(parsed, outbox, dispatcher)

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        """Liveness for load balancers and tests."""
        return {"status": "ok"}


async def _store(event: WebhookEvent, outbox: OutboxWriter, dispatcher: Dispatcher | None) -> JSONResponse:
    with bound(event_id=event.id, request_id=event.request_id):
        try:
            created = await outbox.store(event)
        except Exception as exc:
            log.error("webhook not stored; asking the portal to retry", error=f"{type(exc).__name__}: {exc}")
            return _problem(503, "the event could not be stored; send it again later")
        if not created:
            log.info("webhook duplicate acknowledged", event_type=str(event.type))
            return JSONResponse(status_code=200, content={"event_id": event.id, "status": "duplicate"})
        if not event.known_type:
            log.warning("webhook of an unknown type stored and ignored", event_type=str(event.type))
            return JSONResponse(status_code=202, content={"event_id": event.id, "status": "ignored"})
        log.info("webhook stored", event_type=str(event.type))
        if dispatcher is not None:
            dispatcher.wake()
        return JSONResponse(status_code=202, content={"event_id": event.id, "status": "accepted"})


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    dispatch: bool = True,
    dispatch_config: DispatchConfig | None = None,
) -> FastAPI:
    """The receiver app. Without ``database`` it opens (and migrates) the configured one.

    ``dispatch=False`` leaves starting runs to someone else (a test calling
    :func:`~tasks.dispatch.dispatcher.dispatch_pending`, or a separate dispatcher process).
    """
    settings = settings or get_settings()
    owned = database is None
    db = database or open_database(settings.effective_database_url)
    config = dispatch_config or DispatchConfig.from_settings(settings)
    dispatcher = Dispatcher(db, config) if dispatch else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if dispatcher is not None:
            dispatcher.start()
        try:
            yield
        finally:
            if dispatcher is not None:
                await dispatcher.stop()
            if owned:
                db.dispose()

    app = FastAPI(title="Slate webhook receiver", lifespan=lifespan)
    _routes(app, settings, db, dispatcher)
    return app


def server_config(app: Any, host: str, port: int) -> uvicorn.Config:
    """How the receiver runs under uvicorn (the options ``slate webhook-receiver`` uses too)."""
    return uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning", lifespan="on")
