"""Signing in and out of the pages, and the session every other page needs.

``SessionDep`` is the signed-in session or, failing that, a redirect to the sign-in
form (``SignInRequired``, with where to come back to, and whether a session had just
expired). ``checked_form`` reads a posted form and refuses it (403) unless it carries
the session's CSRF token.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from agent_records.api.auth import TokenStore
from agent_records.api.dependencies import ServicesDep
from agent_records.web.forms import NotAForm, read_form
from agent_records.web.languages import CHOSEN_FOR, LANGUAGES, Text
from agent_records.web.languages import COOKIE as LANGUAGE_COOKIE
from agent_records.web.render import page, refusal
from agent_records.web.sessions import (
    COOKIE,
    PATH,
    SIGN_IN_COOKIE,
    Session,
    Sessions,
    csrf_matches,
)

HOME = f"{PATH}/agents"
router = APIRouter(prefix=PATH)


class SignInRequired(Exception):
    """No live session: back to the sign-in form, then to ``next``."""

    def __init__(self, next: str, expired: bool) -> None:
        super().__init__(next)
        self.next, self.expired = next, expired


class FormRefused(Exception):
    """A posted form refused before anything is done: status and reason."""

    def __init__(self, status: int, message: Text | str) -> None:
        super().__init__(message if isinstance(message, str) else message.message)
        self.status, self.message = status, message


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.web_sessions
    return sessions


async def find_session(request: Request, services: ServicesDep) -> Session | None:
    """The live session of the request's cookie (read from the store in a thread)."""
    session_id = request.cookies.get(COOKIE, "")
    if not session_id:
        return None
    return await run_in_threadpool(sessions_of(request).get, services.views, session_id)


async def get_session(request: Request, services: ServicesDep
                      ) -> AsyncIterator[Session]:
    """The live session of the request's cookie, or ``SignInRequired``; once the page is
    made (before it is sent: the next page may come at once), its consistency token is
    stored if a read or a write changed it (with a standby only)."""
    session = await find_session(request, services)
    if session is None:
        raise SignInRequired(request.url.path, expired=bool(request.cookies.get(COOKIE)))
    seen = session.consistency
    try:
        yield session
    finally:
        if session.consistency is not None and session.consistency != seen:
            await run_in_threadpool(sessions_of(request).keep, services.views,
                                    request.cookies[COOKIE], session.consistency)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def checked_form(request: Request, expected: str) -> dict[str, str]:
    """The posted form, if its ``csrf`` field is ``expected``; ``FormRefused`` otherwise."""
    try:
        form = await read_form(request)
    except NotAForm as exc:
        raise FormRefused(415, Text("send the form as %(form)s (Content-Type: %(sent)s)",
                                    {"form": exc.args[0], "sent": exc.args[1]})) from None
    if not csrf_matches(expected, form.get("csrf")):
        raise FormRefused(403, Text("the form's CSRF token is missing or wrong: reload the "
                                    "page and send the form again"))
    return form


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a page of ours, never another site."""
    if target and target.startswith(PATH + "/") and "\\" not in target:
        return target
    return HOME


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int
            ) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PATH, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")


async def sign_in_required(request: Request, error: Exception) -> Response:
    """The exception handler of ``SignInRequired``: 303 to the sign-in form."""
    assert isinstance(error, SignInRequired)
    query = f"?next={quote(error.next)}" + ("&expired=1" if error.expired else "")
    response = RedirectResponse(f"{PATH}/sign-in{query}", 303)
    if error.expired:
        response.delete_cookie(COOKIE, path=PATH)
    return response


async def form_refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, FormRefused)
    return refusal(request, None, error.status, "Form refused", error.message)


@router.get("/sign-in")
async def sign_in_form(request: Request, next: str | None = None, expired: bool = False,
                       signed_out: bool = False) -> Response:
    """The sign-in form, with a fresh CSRF token (field and cookie)."""
    csrf = secrets.token_urlsafe(32)
    notice = Text("Your session has expired: sign in again.") if expired else \
        Text("You are signed out.") if signed_out else None
    response = page(request, "sign_in.html", None, csrf=csrf, next=safe_next(next),
                    notice=notice)
    _cookie(request, response, SIGN_IN_COOKIE, csrf, 3600)
    return response


@router.post("/sign-in")
async def sign_in(request: Request, services: ServicesDep) -> Response:
    """Exchanges a valid bearer token for a session; 401 and the form again otherwise."""
    form = await checked_form(request, request.cookies.get(SIGN_IN_COOKIE, ""))
    tokens: TokenStore = request.app.state.tokens
    principal = tokens.authenticate(form.get("token", "").strip())
    if principal is None:
        return page(request, "sign_in.html", None, 401, csrf=form["csrf"],
                    next=safe_next(form.get("next")), error=Text("This token is not valid."))
    session_id, _ = await run_in_threadpool(sessions_of(request).open, services.views,
                                            principal)
    response = RedirectResponse(safe_next(form.get("next")), 303)
    _cookie(request, response, COOKIE, session_id, int(sessions_of(request).lifetime))
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: SessionDep, services: ServicesDep
                   ) -> Response:
    """Deletes the session's row and clears its cookie."""
    await checked_form(request, session.csrf)
    await run_in_threadpool(sessions_of(request).close, services.views,
                            request.cookies.get(COOKIE, ""))
    response = RedirectResponse(f"{PATH}/sign-in?signed_out=1", 303)
    response.delete_cookie(COOKIE, path=PATH)
    return response


@router.post("/language")
async def switch_language(request: Request, services: ServicesDep) -> Response:
    """The language switch: remembers the chosen language in a cookie and goes back to the
    page. Its form carries the session's CSRF token, or the sign-in form's before."""
    session = await find_session(request, services)
    expected = session.csrf if session else request.cookies.get(SIGN_IN_COOKIE, "")
    form = await checked_form(request, expected)
    language = form.get("language", "")
    if language not in LANGUAGES:
        raise FormRefused(400, Text("the pages are in %(languages)s, not %(language)r",
                                    {"languages": ", ".join(LANGUAGES),
                                     "language": language[:20]}))
    response = RedirectResponse(safe_next(form.get("next")), 303)
    _cookie(request, response, LANGUAGE_COOKIE, language, CHOSEN_FOR)
    return response
