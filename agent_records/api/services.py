"""What the running service shares between requests: the application, the projection
worker and the read views it writes, opened once by the app's lifespan (``api.app``) and
kept on ``app.state``, where the dependencies of ``api.dependencies`` find them.

Read models are kept up to date in one of two ways (``AGENT_RECORDS_PROJECTIONS``):
``inline`` (default, used by ``make run``): after each mutation the service applies the
new events before answering, so queries reflect a mutation at once, and a background
thread (``follow_in_background``) picks up events written by other processes every
second; ``external``: a separate ``agent-records projections run`` worker does it
(docker-compose), and queries lag by what ``projectionStatus`` shows.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.config import parse_store, settings
from agent_records.errors import InfrastructureError
from agent_records.integrity.sealer import LEDGER
from agent_records.queries import RecordReads
from agent_records.readside import named
from agent_records.replica.router import ReadRouter
from agent_records.replica.standby import open_standby
from projections.engine.base import ProjectionStopped
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from projections.views.audit_log import AuditTrail
from projections.views.posts import PostDirectory


@dataclass(frozen=True)
class ServiceSettings:
    """How the service runs, from the environment."""

    store: str | None = None
    production: bool = False
    inline_projections: bool = True
    today: Callable[[], date] | None = None
    """The clock of the read views (the UTC day when None; tests pass their own)."""
    read_store: str = ""
    """A hot standby's URL: the reads go there (``agent_records.replica``)."""
    read_wait: float = 2.0
    read_max_lag: float = 30.0

    @classmethod
    def from_env(cls, store: str | None = None) -> ServiceSettings:
        current = settings()
        return cls(store=store, production=current.production,
                   inline_projections=current.inline_projections, today=current.clock(),
                   read_store=current.read_store, read_wait=current.read_wait,
                   read_max_lag=current.read_max_lag)


@dataclass
class Services:
    """What the whole process shares: the application, the projector and the read views
    it writes (``views``), with what is kept of them for the process (``posts``,
    ``audit``), and the reads of the record itself the API makes (``reads``)."""

    records: AgentRecords
    worker: Worker
    inline_projections: bool
    project_lock: threading.Lock = field(default_factory=threading.Lock)
    replica: ReadRouter[Services] | None = None
    """Where reads go when a standby is configured (None: every read here); the same
    router on the primary's services and the standby's."""
    posts: PostDirectory = field(init=False)
    audit: AuditTrail = field(init=False)
    reads: RecordReads = field(init=False)

    def __post_init__(self) -> None:
        self.posts = PostDirectory(self.views)
        self.audit = AuditTrail(self.views, seals=LEDGER.name)
        self.reads = RecordReads(self.records, self.views)

    @property
    def views(self) -> ViewStore:
        """The read views' tables."""
        return self.worker.store

    def project(self) -> list[str]:
        """Brings the read models up to the head (inline mode, after each command); returns
        a warning per stopped view instead of failing: what was stored is stored, and
        an error here would invite the caller to record it twice. In external mode the
        worker is another process: the stops it recorded in the store are reported."""
        if not self.inline_projections:
            return self.worker.recorded_warnings()
        with self.project_lock:
            with contextlib.suppress(ProjectionStopped):
                self.worker.run_once()
            return self.worker.warnings()


    def close(self) -> None:
        """Closes the store, and the standby's when one was opened."""
        if self.replica is not None and self.replica.standby is not None:
            self.replica.standby.records.close()
        self.records.close()


def open_services(settings: ServiceSettings) -> Services:
    records = open_records(settings.store)
    worker = Worker(records, named(), today=settings.today)
    services = Services(records, worker, settings.inline_projections)
    if settings.read_store:
        services.replica = read_router(services, settings)
    return services


def read_router(primary: Services, settings: ServiceSettings) -> ReadRouter[Services]:
    """Reads to the standby of ``settings.read_store`` (opened on first use, so that a
    service starts while its standby is down), the primary's ``primary`` otherwise."""
    def standby() -> Services:
        records, worker = open_standby(settings.read_store, settings.today)
        return Services(records, worker, inline_projections=False, replica=router)

    names = [view.tracking_name for view in primary.worker.views]
    router = ReadRouter(primary, standby, lambda side: side.views, names,
                        url=parse_store(settings.read_store).display, wait=settings.read_wait,
                        max_lag=settings.read_max_lag)
    return router


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
