"""Rendering a page: the Jinja2 templates (autoescaped) in the request's language, the
headers every page carries, and the page a refusal shows.

The templates' labels go through gettext (``_()``, ``{% trans %}``): the translation
functions are given to each rendering in its context, for the request's language
(``web.languages``), instead of being installed in the shared environment, so two
requests in two languages never see each other's. Dates and instants are written the
language's way by the ``day`` and ``instant`` filters (the ISO value stays in a
``<time datetime>``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from agent_records.web import labels, languages
from agent_records.web.languages import COOKIE, Text
from agent_records.web.sessions import Session

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.add_extension("jinja2.ext.i18n")
# newstyle gettext (``_("%(n)s found", n=3)``); the callables of each request replace these
templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]

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


def _language(context: Context) -> str:
    language: str = context.get("lang", "en")
    return language


def _catalogue(context: Context) -> Callable[[str], str]:
    return languages.translations(_language(context)).gettext


@pass_context
def _words(context: Context, value: str | None) -> str:
    return _catalogue(context)(labels.words(value))


@pass_context
def _day(context: Context, value: str | None) -> str:
    return languages.day(value, _language(context))


@pass_context
def _instant(context: Context, value: str | None) -> str:
    return languages.instant(value, _language(context))


@pass_context
def _translated(context: Context, value: Text | str | None) -> str:
    """A ``Text`` translated with its values; a plain string (an API error's own words)
    translated if the catalogue has it, else as it is."""
    if isinstance(value, Text):
        return _catalogue(context)(value.message) % value.values
    return _catalogue(context)(value or "")


templates.env.filters.update(grade=labels.grade, status=_words, words=_words, day=_day,
                             instant=_instant, tr=_translated)


def gettext_functions(language: str) -> dict[str, Any]:
    """The newstyle ``gettext``, ``ngettext`` and ``_`` of ``language`` for a template's
    context (as jinja2's i18n extension makes them: translated, marked safe when the
    template autoescapes, then formatted with the call's values, which are escaped)."""
    catalogue = languages.translations(language)

    @pass_context
    def gettext(context: Context, message: str, **values: Any) -> str:
        text = catalogue.gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % values

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int, **values: Any
                 ) -> str:
        values.setdefault("num", n)
        text = catalogue.ngettext(singular, plural, n)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % values

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


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
    response = templates.TemplateResponse(
        request, template, {"session": session, "lang": language, "here": here,
                            "languages": languages.LANGUAGES,
                            **gettext_functions(language), **context},
        status_code=status)
    response.headers.update(HEADERS)
    return response


def refusal(request: Request, session: Session | None, status: int, title: str,
            message: Text | str) -> Response:
    """A page that says what was refused and why (never a stack trace): ``title`` is
    translated (``make messages`` extracts a literal one), ``message`` too when it is a
    ``Text``; an API error's message is shown in its own words."""
    return page(request, "refused.html", session, status, title=title, message=message)
