"""Rendering a page: the Jinja2 templates (autoescaped), the headers every page carries,
and the page a refusal shows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from agent_records.web import labels
from agent_records.web.sessions import Session

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.add_extension("jinja2.ext.i18n")
# Labels are marked for translation (`{% trans %}`, `_()`); until catalogues are loaded
# they read as written (English).
templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
templates.env.filters.update(grade=labels.grade, status=labels.status, words=labels.words)
templates.env.globals["printed_at"] = lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M")

HEADERS = {
    # no script on the pages; forms post only here; never framed (clickjacking)
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # pages hold personal data: never kept by a shared cache or the browser's history cache
    "Cache-Control": "no-store",
}


def page(request: Request, template: str, session: Session | None, status: int = 200,
         **context: Any) -> Response:
    """``template`` rendered for ``session`` (None: signed out), with the page headers."""
    response = templates.TemplateResponse(request, template, {"session": session, **context},
                                          status_code=status)
    response.headers.update(HEADERS)
    return response


def refusal(request: Request, session: Session | None, status: int, title: str,
            message: str) -> Response:
    """A page that says what was refused and why (never a stack trace)."""
    return page(request, "refused.html", session, status, title=title, message=message)
