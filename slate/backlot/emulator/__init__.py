"""The portal emulator: the whole portal contract over HTTP, for development, the demo and tests.

``create_app(config)`` builds a FastAPI app with its own SQLite database and file store under
``config.data_dir`` (never Slate's database). OpenAPI docs are at ``/docs``, the schema at
``/openapi.json``. A background worker sends the outbox's signed webhooks; a small pool inspects
deliveries and encodes proxies. Run it with ``slate backlot-emulator --port N``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from slate.backlot.emulator import (
    _api_admin,
    _api_deliveries,
    _api_downloads,
    _api_imf,
    _api_requests,
    _auth,
)
from slate.backlot.emulator._config import Account, EmulatorConfig, Role
from slate.backlot.emulator._faults import FaultMiddleware, FaultPlan
from slate.backlot.emulator._state import ApiError, Emulator
from slate.backlot.emulator._webhooks import WebhookWorker

__all__ = [
    "Account",
    "Emulator",
    "EmulatorConfig",
    "FaultPlan",
    "Role",
    "create_app",
    "openapi_document",
    "openapi_json",
]

DESCRIPTION = """\
An emulator of the studio's partner portal (Backlot-like), speaking the contract Slate's portal
client uses. Authenticate with `POST /as/token.oauth2` (client credentials), then call `/v1/...`
with `Authorization: Bearer <token>`. Errors are JSON `{"message": ..., "reasonCode": ...}`.
Webhooks are signed as described in `slate.backlot.webhooks` (`X-Slate-Webhook-Id`,
`X-Slate-Webhook-Timestamp`, `X-Slate-Webhook-Signature: v1=<hex>`). `/admin/...` endpoints belong
to the emulator only (test and demo controls).
"""


def create_app(config: EmulatorConfig) -> FastAPI:
    """A new emulator app; its state lives under ``config.data_dir``."""
    emulator = Emulator(config)
    worker = WebhookWorker(emulator)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker.start()
        try:
            yield
        finally:
            worker.stop()
            emulator.close()

    app = FastAPI(title="Slate portal emulator", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.emulator = emulator
    app.state.webhook_worker = worker
    for module in (_auth, _api_requests, _api_deliveries, _api_imf, _api_downloads, _api_admin):
        app.include_router(module.router)
    app.add_middleware(FaultMiddleware, faults=emulator.faults, stats=emulator.stats)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(
            {"message": exc.message, "reasonCode": exc.reason_code}, status_code=exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request"
        return JSONResponse({"message": message, "reasonCode": "INVALID_REQUEST"}, status_code=422)

    return app


def openapi_document() -> dict[str, Any]:
    """The emulator's OpenAPI schema, built on a throwaway data folder."""
    with tempfile.TemporaryDirectory() as tmp:
        config = EmulatorConfig(data_dir=Path(tmp), accounts=[], webhook_secret=SecretStr("unused"))
        app = create_app(config)
        try:
            return app.openapi()
        finally:
            app.state.emulator.close()


def openapi_json() -> str:
    """The schema as the text kept in ``docs/openapi.json`` (stable, so a test can compare it)."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
