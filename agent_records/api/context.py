"""Per-request context: who calls, the services, and DataLoaders (one set per request)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from agent_records.api.auth import Permission, Principal
from agent_records.api.errors import PublicError, forbidden
from agent_records.application import AgentRecords
from agent_records.domain.agent import Agent
from agent_records.domain.errors import NotFound
from agent_records.domain.events import AgentRegistered, CareerEvent
from agent_records.eventstore.errors import StoreUnavailable, guard
from agent_records.integrity.ledger_store import seals_of
from agent_records.integrity.sealer import LEDGER
from projections.engine.base import ProjectionStopped
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from projections.views.agents import AgentRow, agents_by_id
from projections.views.audit_log import AuditTrail
from projections.views.breaches import breaches_of
from projections.views.posts import PostDirectory, PostRow

T = TypeVar("T")


@dataclass
class Services:
    """What the whole process shares: the application, the projector and the read views
    it writes (``views``), with what is kept of them for the process (``posts``,
    ``audit``)."""

    records: AgentRecords
    worker: Worker
    inline_projections: bool
    project_lock: threading.Lock = field(default_factory=threading.Lock)
    posts: PostDirectory = field(init=False)
    audit: AuditTrail = field(init=False)

    def __post_init__(self) -> None:
        self.posts = PostDirectory(self.views)
        self.audit = AuditTrail(self.views, seals=LEDGER.name)

    @property
    def views(self) -> ViewStore:
        """The read views' tables."""
        return self.worker.store

    def project(self) -> list[str]:
        """Brings the read models up to the head (inline mode, after each command); returns
        a warning per stopped view instead of failing: what was stored is stored, and
        an error here would invite the caller to record it twice."""
        if not self.inline_projections:
            return []
        with self.project_lock:
            with contextlib.suppress(ProjectionStopped):
                self.worker.run_once()
            return self.worker.warnings()


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """Runs database work in a thread: it must not block the event loop."""
    try:
        return await asyncio.to_thread(fn, *args)
    except StoreUnavailable as exc:
        raise PublicError("STORE_UNAVAILABLE", exc.message) from exc


class Context(BaseContext):
    """The context strawberry hands to every resolver."""

    def __init__(self, services: Services, principal: Principal, request_id: str) -> None:
        super().__init__()
        self.services = services
        self.principal = principal
        self.request_id = request_id
        views = services.views
        self.agents = DataLoader(self._agents)
        self.posts = DataLoader(self._posts)
        self.records = DataLoader(self._records)
        self.streams = DataLoader(self._streams)
        self.seals = DataLoader(lambda ids: blocking(lambda: [seals_of(views, i) for i in ids]))
        self.breaches = DataLoader(lambda ids: blocking(
            lambda: [breaches_of(views, ids)[i] for i in ids]))

    async def _agents(self, ids: list[str]) -> list[AgentRow | None]:
        rows = await blocking(agents_by_id, self.services.views, ids)
        return [rows.get(i) for i in ids]

    async def _posts(self, codes: list[str]) -> list[PostRow | None]:
        posts = self.services.posts
        # posts already read are kept for the process: then no thread and no database
        found = posts.by_code(codes) if posts.known(codes) else \
            await blocking(posts.by_code, codes)
        rows = {r.post_code: r for r in found}
        return [rows.get(c) for c in codes]

    async def _records(self, ids: list[str]) -> list[Agent | NotFound]:
        def load() -> list[Agent | NotFound]:
            out: list[Agent | NotFound] = []
            for i in ids:
                try:
                    out.append(self.services.records.get_agent(UUID(i)))
                except NotFound as exc:
                    out.append(exc)
                except ValueError:
                    out.append(NotFound(f"no agent {i!r}: not an agent id", field="agent_id"))
            return out
        return await blocking(load)

    async def _streams(self, ids: list[str]) -> list[list[CareerEvent] | NotFound]:
        """The stored events of each agent, decoded but not folded into a record.

        The history lists events; the state they fold into (``records``) is not needed
        for that, and the aggregate's replay costs a protocol check per event.
        """
        def load() -> list[list[CareerEvent] | NotFound]:
            out: list[list[CareerEvent] | NotFound] = []
            for i in ids:
                try:
                    stream_id = UUID(i)
                except ValueError:
                    out.append(NotFound(f"no agent {i!r}: not an agent id", field="agent_id"))
                    continue
                with guard(self.services.records.settings):
                    events = list(self.services.records.events.get(stream_id))
                if not events:
                    out.append(NotFound(f"no agent {i}", field="agent_id"))
                elif not isinstance(events[0], AgentRegistered):
                    out.append(NotFound(f"{i} is not an agent", field="agent_id"))
                else:
                    out.append(events)
            return out
        return await blocking(load)

    def require(self, permission: Permission, what: str) -> None:
        """Raises FORBIDDEN unless the caller's role grants ``permission``."""
        if not self.principal.may(permission):
            raise forbidden(what)


def ctx(info: Info) -> Context:
    """The typed context of a resolver."""
    return info.context
