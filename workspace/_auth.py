"""Log-in and log-out: an HttpOnly, SameSite=Lax session cookie; the log-in form has its own CSRF token."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from slate.errors import AccessDenied, TooManyAttempts
from slate.logging import get_logger
from slate.people import SignedIn, log_in, revoke_session
from workspace._web import COOKIE, LOGIN_COOKIE, check_csrf, parts, render, signed_in

router = APIRouter()
log = get_logger("slate.workspace.auth")


def _safe_next(target: str) -> str:
    """Only a path on this site (never ``//host`` or a URL): no open redirect after log-in."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", login_csrf=token, next=_safe_next(next), error="")
    response.set_cookie(
        LOGIN_COOKIE, token, httponly=True, samesite="lax", secure=parts(request).settings.secure_cookies
    )
    return response


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    p = parts(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf, expected):
        return render(
            request, "login.html", 403, login_csrf=expected, next="/", error="The form expired; try again."
        )
    client = request.client.host if request.client else "?"
    refused: AccessDenied | None = None
    with p.database.session() as session:  # a refusal is committed too: it counts toward the limit
        try:
            signed = log_in(session, name, password, client=client, policy=p.policy)
        except AccessDenied as exc:
            refused = exc
    if isinstance(refused, TooManyAttempts):
        log.warning("login refused: too many attempts", user=name, client=client)
        return render(
            request,
            "login.html",
            429,
            login_csrf=expected,
            next=_safe_next(next),
            error="Too many failed attempts; wait a few minutes.",
        )
    if refused is not None:
        log.info("login refused", user=name, client=client)
        return render(
            request,
            "login.html",
            401,
            login_csrf=expected,
            next=_safe_next(next),
            error="Wrong name or password.",
        )
    log.info("logged in", user=signed.user.name)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        signed.token,
        httponly=True,
        samesite="lax",
        secure=p.settings.secure_cookies,
        max_age=int(p.settings.session_hours * 3600),
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, who: Annotated[SignedIn, Depends(signed_in)]) -> Response:
    await check_csrf(request, who)
    with parts(request).database.session() as session:
        revoke_session(session, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
