"""The FastAPI application: ``/graphql`` (GraphiQL on GET), ``/healthz``, ``/readyz``,
``/export.jsonl``, assembled here from their modules.

The lifespan opens the services (``api.services``) and keeps them on ``app.state``,
with the token store; routes and GraphQL's context getter take them as dependencies
(``api.dependencies``). The routes are in ``api.routes``; ``/graphql`` is strawberry's
router with our HTTP semantics and limits (``api.transport``, ``api.limits``), its
schema assembled from the features in ``api.schema``, its context in ``api.access``.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import AsyncIterator

from fastapi import FastAPI

from agent_records import config
from agent_records.api.access import Unauthenticated, graphql_context, unauthenticated
from agent_records.api.auth import TokenStore, tokens_path
from agent_records.api.documents import load_documents, trusted_documents
from agent_records.api.limits import BodyLimit, query_time_budget
from agent_records.api.routes import export, health
from agent_records.api.schema import build_schema
from agent_records.api.services import ServiceSettings, follow_in_background, open_services
from agent_records.api.transport import QuickPlans, RecordsRouter


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Opens the store and the read views (``app.state.services``), follows the log in
    inline mode, and closes the store when the service stops."""
    settings: ServiceSettings = app.state.settings
    services = app.state.services = open_services(settings)
    # What start-up made (modules, the schema) is never scanned again by the cyclic
    # collector, whose full passes were the career query's tail: p99 at 100 k agents,
    # 8 clients, 2 workers, 77-88 ms -> 38-41 ms (BENCHMARKS.md).
    gc.freeze()
    stop = threading.Event()
    thread = follow_in_background(services, stop) if settings.inline_projections else None
    if settings.inline_projections:
        with contextlib.suppress(Exception):  # the thread retries and logs it
            services.project()
    try:
        yield
    finally:
        stop.set()
        if thread:
            thread.join(timeout=5)
        services.close()


def graphql_router(settings: ServiceSettings) -> RecordsRouter:
    """``/graphql``: every operation needs a token (``api.access``); the trusted
    documents, introspection and GraphiQL as the mode allows."""
    documents = load_documents()
    schema = build_schema(introspection=not settings.production,
                          extra=[trusted_documents(documents, settings.production)])
    return RecordsRouter(schema, documents=documents, time_budget=query_time_budget(),
                         answer_cache=config.settings().answer_cache,
                         planned=config.settings().field_execution == "planned",
                         graphql_ide=None if settings.production else "graphiql",
                         context_getter=graphql_context)


def create_app(settings: ServiceSettings | None = None, tokens: TokenStore | None = None
               ) -> FastAPI:
    """The service; opens the store when it starts and closes it when it stops."""
    app = FastAPI(title="agent-records", lifespan=lifespan)
    app.state.settings = settings = settings or ServiceSettings.from_env()
    app.state.tokens = tokens or TokenStore.load(tokens_path())
    graphql = graphql_router(settings)
    app.include_router(graphql, prefix="/graphql")
    app.include_router(export.router)
    app.include_router(health.router)
    app.add_exception_handler(Unauthenticated, unauthenticated)
    app.add_middleware(QuickPlans, router=graphql)  # inside BodyLimit: bodies are limited
    app.add_middleware(BodyLimit)
    return app
