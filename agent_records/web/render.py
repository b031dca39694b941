"""Rendering a page: the Jinja2 templates (autoescaped) in the request's language, the
headers every page carries, and the page a refusal shows.

The templates' labels go through gettext (``_()``, ``{% trans %}``): the environment's
gettext functions translate into the language of the page being rendered, which
``page`` sets in a context variable for the rendering (synchronous, in the request's
own task), so two requests in two languages never see each other's, and a macro
imported from another template translates as well as the page. Dates and instants are
written the language's way by the ``day`` and ``instant`` filters (the ISO value stays in
a ``<time datetime>``).
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import Response

from agent_records.web import labels, languages
from agent_records.web.languages import COOKIE, Text
from agent_records.web.sessions import Session

HERE = Path(__file__).parent
STATIC = HERE / "static"
rendering: ContextVar[str] = ContextVar("rendering", default="en")
"""The language of the page being rendered."""


def _gettext(message: str) -> str:
    return languages.translations(rendering.get()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return languages.translations(rendering.get()).ngettext(singular, plural, n)


# The filters that depend on the language take the template's context (unused): jinja2
# would otherwise compute a filtered literal once, at compile time, in one language.


@pass_context
def _words(_: Context, value: str | None) -> str:
    return _gettext(labels.words(value))


@pass_context
def _day(_: Context, value: str | None) -> str:
    return languages.day(value, rendering.get())


@pass_context
def _instant(_: Context, value: str | None) -> str:
    return languages.instant(value, rendering.get())


@pass_context
def _translated(_: Context, value: Text | str | None) -> str:
    """A ``Text`` translated with its values; a plain string (an API error's own words)
    translated if the catalogue has it, else as it is (never formatted)."""
    if isinstance(value, Text):
        return _gettext(value.message) % value.values
    return _gettext(value or "")


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.add_extension("jinja2.ext.i18n")
# newstyle gettext (``_("%(n)s found", n=3)``, values escaped), in the page's language
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    _gettext, _ngettext, newstyle=True)
templates.env.filters.update(grade=labels.grade, status=_words, words=_words, day=_day,
                             instant=_instant, tr=_translated)
templates.env.globals["printed_at"] = lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M")

HEADERS = {
    # no script on the pages; forms post only here; never framed (clickjacking)
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # pages hold personal data: never kept by a shared cache or the browser's history cache
    "Cache-Control": "no-store",
    # the page's language depends on the switch's cookie and Accept-Language
    "Vary": "Cookie, Accept-Language",
}


def language_of(request: Request) -> str:
    """The request's language: the switch's cookie, Accept-Language, the default."""
    default: str = getattr(request.app.state, "web_language", "fr")
    return languages.choose(request.cookies.get(COOKIE), request.headers.get(
        "accept-language"), default)


def page(request: Request, template: str, session: Session | None, status: int = 200,
         **context: Any) -> Response:
    """``template`` rendered for ``session`` (None: signed out) in the request's language,
    with the page headers. ``here`` (the switch's way back) is this page's address."""
    language = language_of(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    token = rendering.set(language)
    try:  # rendered here, synchronously (Starlette renders in the response's __init__)
        response = templates.TemplateResponse(
            request, template, {"session": session, "lang": language, "here": here,
                                "languages": languages.LANGUAGES, **context},
            status_code=status)
    finally:
        rendering.reset(token)
    response.headers.update(HEADERS)
    return response


def refusal(request: Request, session: Session | None, status: int, title: str,
            message: Text | str) -> Response:
    """A page that says what was refused and why (never a stack trace): ``title`` is
    translated (``make messages`` extracts a literal one), ``message`` too when it is a
    ``Text``; an API error's message is shown in its own words."""
    return page(request, "refused.html", session, status, title=title, message=message)
