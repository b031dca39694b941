"""The FastAPI application: ``/graphql`` (GraphiQL on GET), ``/healthz``, ``/readyz``,
``/export.jsonl`` (the archives' streamed export, ``api.exports``).

Read models are kept up to date in one of two ways (``AGENT_RECORDS_PROJECTIONS``):
``inline`` (default, used by ``make run``): after each mutation the service applies the
new events before answering, so queries reflect a mutation at once, and a background
thread picks up events written by other processes every second; ``external``: a
separate ``agent-records projections run`` worker does it (docker-compose), and queries
lag by what ``projectionStatus`` shows.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from agent_records.api.access import Unauthenticated, context_getter, unauthenticated
from agent_records.api.auth import TokenStore, tokens_path
from agent_records.api.context import Services
from agent_records.api.documents import load_documents, trusted_documents
from agent_records.api.exports import export_router
from agent_records.api.limits import BodyLimit, query_time_budget
from agent_records.api.schema import build_schema
from agent_records.api.transport import RecordsRouter
from agent_records.bootstrap import open_records
from agent_records.config import settings
from agent_records.errors import InfrastructureError
from agent_records.readside import named
from projections.engine.runner import Worker


@dataclass(frozen=True)
class ServiceSettings:
    """How the service runs, from the environment."""

    store: str | None = None
    production: bool = False
    inline_projections: bool = True

    @classmethod
    def from_env(cls, store: str | None = None) -> ServiceSettings:
        current = settings()
        return cls(store=store, production=current.production,
                   inline_projections=current.inline_projections)


def open_services(settings: ServiceSettings) -> Services:
    records = open_records(settings.store)
    worker = Worker(records, named())
    return Services(records, worker, settings.inline_projections)


BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
"""Seconds the projection thread waits after a failed pass, doubling up to the maximum."""
log = logging.getLogger("agent_records.projections")


def follow_in_background(services: Services, stop: threading.Event,
                         interval: float = 1.0) -> threading.Thread:
    """Inline mode: also apply events written by other processes (CLI, other replicas).

    Nothing ends the thread but ``stop``: a stopped view is held by the worker (retried
    with its own backoff, reported by ``/readyz``), and any other failure (an outage, a
    bug) is logged once and the pass is tried again after a growing pause.
    """
    def loop() -> None:
        delay, failing = interval, ""
        while not stop.wait(delay):
            try:
                services.project()
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}"
                if message != failing:
                    log.error("projection pass failed, retrying with backoff: %s", message,
                              exc_info=not isinstance(exc, InfrastructureError))
                failing = message
                delay = min(max(delay * 2, BACKOFF_FIRST), BACKOFF_MAX)
                continue
            if failing:
                log.warning("projection pass succeeds again")
            delay, failing = interval, ""

    thread = threading.Thread(target=loop, name="projections", daemon=True)
    thread.start()
    return thread


def readiness(services: Services | None) -> JSONResponse:
    """``/readyz``: 200 when the store answers and no view is stopped; 503 naming the
    reason otherwise (the store's error, or each stopped view with its event)."""
    if services is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        statuses = services.worker.status()
    except InfrastructureError as exc:  # the store (or a setting) fails: not ready
        return JSONResponse({"status": "unavailable", "reason": exc.message},
                            status_code=503)
    views = {s.name: {"position": s.position, "head": s.head, "lag": s.lag, "state": s.state}
             for s in statuses}
    stops = {s.name: s.stop for s in statuses if s.stop}
    for name, stop in stops.items():
        views[name] |= {"stoppedAt": stop.position, "eventType": stop.event_type,
                        "error": stop.error, "since": stop.since}
    if stops:
        reason = "; ".join(f"projection {name} stopped at position {stop.position} on "
                           f"{stop.event_type}" for name, stop in stops.items())
        return JSONResponse({"status": "stopped", "reason": reason, "projections": views},
                            status_code=503)
    return JSONResponse({"status": "ready", "projections": views})


def graphql_endpoint(app: FastAPI, settings: ServiceSettings, tokens: TokenStore,
                     services: Callable[[], Services]) -> None:
    """``/graphql`` behind the request limits: every operation needs a token
    (``api.access``), HTTP semantics and limits in ``api.transport`` and ``api.limits``."""
    documents = load_documents()
    schema = build_schema(introspection=not settings.production,
                          extra=[trusted_documents(documents, settings.production)])
    router = RecordsRouter(schema, documents=documents, time_budget=query_time_budget(),
                           graphql_ide=None if settings.production else "graphiql",
                           context_getter=context_getter(tokens, services,
                                                         lambda c: router.renders_page(c)))
    app.include_router(router, prefix="/graphql")
    app.add_exception_handler(Unauthenticated, unauthenticated)
    app.add_middleware(BodyLimit)


def create_app(settings: ServiceSettings | None = None, tokens: TokenStore | None = None
               ) -> FastAPI:
    """The service; opens the store when it starts and closes it when it stops."""
    settings = settings or ServiceSettings.from_env()
    state: dict[str, Services] = {}
    token_store = tokens or TokenStore.load(tokens_path())

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        services = open_services(settings)
        state["services"] = services
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
            services.records.close()

    app = FastAPI(title="agent-records", lifespan=lifespan)
    graphql_endpoint(app, settings, token_store, lambda: state["services"])
    app.include_router(export_router(token_store, lambda: state["services"]))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """The store and the read models answer; 503 with the reason otherwise."""
        return readiness(state.get("services"))

    return app


