"""What every route shares: the app's parts, who is signed in, CSRF, access to a request, errors.

Nothing is kept in the process between requests: the session, the CSRF token and the rate limit
live in the database, so any number of workspace processes can serve one address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from slate.errors import AccessDenied, NotFound
from slate.models import MaterialStatus
from slate.objects import BlobStore
from slate.people import Action, Grant, LoginPolicy, SignedIn, decide, grant_for, resolve_session
from slate.store import Database, SourceRequestRow
from workspace._runs import RunStarter
from workspace._settings import WorkspaceSettings

__all__ = ["COOKIE", "Parts", "RequestAccess", "access", "check_csrf", "parts", "render", "signed_in"]

COOKIE = "slate_session"
LOGIN_COOKIE = "slate_login_csrf"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


@dataclass(frozen=True)
class Parts:
    """The real parts a workspace process talks to."""

    database: Database
    blobs: BlobStore
    settings: WorkspaceSettings
    starter: RunStarter

    @property
    def policy(self) -> LoginPolicy:
        s = self.settings
        return LoginPolicy(
            max_failures_per_name=s.login_max_failures,
            window=timedelta(minutes=s.login_window_minutes),
            session_lifetime=timedelta(hours=s.session_hours),
        )


class LoginRequired(Exception):
    """No live session: pages send the browser to the log-in form."""


def parts(request: Request) -> Parts:
    found: Parts = request.app.state.parts
    return found


def signed_in(request: Request) -> SignedIn:
    """The live session of this browser, or :class:`LoginRequired` (a revoked or disabled one too)."""
    token = request.cookies.get(COOKIE, "")
    with parts(request).database.session() as session:
        found = resolve_session(session, token)
    if found is None:
        raise LoginRequired
    return found


async def check_csrf(request: Request, who: SignedIn) -> None:
    """Refuse a form whose ``csrf`` field is not this session's token."""
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, who.csrf_token):
        raise AccessDenied("the form's security token is missing or stale; reload the page and try again")


@dataclass(frozen=True)
class RequestAccess:
    """A request as one person may see it: its state and what their shares allow."""

    request_id: str
    state: MaterialStatus
    grant: Grant
    who: SignedIn

    def may(self, action: Action) -> bool:
        return decide(self.who.user, action, self.state, self.grant)

    def version_visible(self, version_id: int) -> bool:
        return self.grant.version_ids is None or version_id in self.grant.version_ids


def access(p: Parts, who: SignedIn, request_id: str) -> RequestAccess:
    """The request if ``who`` may see it; otherwise :class:`NotFound`, exactly as if it did not exist."""
    with p.database.session() as session:
        state = session.scalar(
            SourceRequestRow.__table__.select()
            .with_only_columns(SourceRequestRow.material_status)
            .where(SourceRequestRow.request_id == request_id)
        )
        grant = grant_for(session, who.user, request_id) if who.user.external else Grant()
    if state is None:
        raise NotFound(f"no request {request_id!r}")
    found = RequestAccess(request_id, MaterialStatus(state), grant, who)
    if not found.may(Action.VIEW):
        raise NotFound(f"no request {request_id!r}")
    return found


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page from ``templates/`` with the signed-in person and the settings at hand."""
    context.setdefault("who", None)
    context["settings"] = parts(request).settings
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
