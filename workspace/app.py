"""The workspace application: FastAPI with server-rendered pages, htmx served from the project.

Errors of the domain become pages: an unknown (or unseen) id is 404, a refused action 403, a
rule broken by the input or the state 409/400 with the rule's own words. Every response carries
headers that keep the pages out of frames and scripts to this origin.
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from slate.errors import (
    AccessDenied,
    ConflictError,
    FrozenRecord,
    InvalidInput,
    NotFound,
    SlateError,
    TransitionError,
)
from slate.logging import get_logger
from slate.objects import BlobStore
from slate.store import Database
from workspace import _actions, _auth, _pages, _reports
from workspace._runs import RunStarter, prefect_starter
from workspace._settings import WorkspaceSettings
from workspace._web import LoginRequired, Parts, render

__all__ = ["app_from_environment", "create_app"]

log = get_logger("slate.workspace")

_STATUS: list[tuple[type[SlateError], int]] = [
    (NotFound, 404),
    (AccessDenied, 403),
    (ConflictError, 409),
    (TransitionError, 409),
    (FrozenRecord, 409),
    (InvalidInput, 400),
]

_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def create_app(
    database: Database,
    blobs: BlobStore,
    settings: WorkspaceSettings | None = None,
    starter: RunStarter = prefect_starter,
) -> FastAPI:
    """The workspace on these parts (the database and blob store the flows use)."""
    app = FastAPI(title="Slate workspace", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.parts = Parts(database, blobs, settings or WorkspaceSettings(), starter)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for router in (_auth.router, _pages.router, _actions.router, _reports.router):
        app.include_router(router)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response: Response = await call_next(request)
        # the time spent in the app, for benchmarks and browsers' developer tools
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        for key, value in _HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return Response("sign in first", status_code=401)

    @app.exception_handler(SlateError)
    async def _domain(request: Request, exc: SlateError) -> Response:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
        if status == 500:
            log.error("workspace action failed", error=str(exc), path=request.url.path)
        message = "Not found." if status == 404 else str(exc)
        return render(request, "error.html", status, message=message, status=status)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def app_from_environment() -> FastAPI:
    """The workspace on the database and blob store the environment names (``SLATE_*``).

    What each of ``slate workspace --workers N``'s processes builds for itself: nothing is shared
    between them but the database and the blob store, as between processes on separate machines.
    """
    from slate.objects import open_blob_store
    from slate.store import open_database

    return create_app(open_database(), open_blob_store(), WorkspaceSettings())
