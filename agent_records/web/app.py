"""The service as it is served: the API (``api.app``) and the web pages together.

The assembly is here rather than in ``api.app`` because the pages import the API (its
schema, context and tokens) and the layout forbids a package importing one that imports
it back (``tests/test_layout.py``). ``agent-records serve`` runs this app; the API alone
(``api.app.create_app``) still serves everything but the pages.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from agent_records.api import app as api
from agent_records.api.auth import TokenStore
from agent_records.api.services import ServiceSettings
from agent_records.config import settings as current_settings
from agent_records.web import access, archives, council, pages, posts, records
from agent_records.web.operations import Operations
from agent_records.web.render import STATIC
from agent_records.web.sessions import PATH, Sessions


def create_app(settings: ServiceSettings | None = None, tokens: TokenStore | None = None
               ) -> FastAPI:
    """The API with the pages under ``/web`` and their static files (GraphiQL's too)."""
    app = api.create_app(settings, tokens)
    app.state.web_sessions = Sessions()
    app.state.web_language = current_settings().web_language
    app.state.web_operations = Operations()
    app.include_router(access.router)
    app.include_router(pages.router)
    app.include_router(council.router)
    app.include_router(archives.router)
    app.include_router(records.router)
    app.include_router(posts.router)
    app.mount(f"{PATH}/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(access.SignInRequired, access.sign_in_required)
    app.add_exception_handler(access.FormRefused, access.form_refused)
    return app
