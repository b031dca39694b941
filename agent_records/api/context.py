"""Per-request context: who calls, the services, and DataLoaders (one set per request).

Each feature batches its own reads (``agents.loaders``, ``posts.loaders``,
``integrity.loaders``); the context gives every request fresh loaders, so that what one
request loaded is never shown to another.
"""

from __future__ import annotations

from functools import partial

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from agent_records.api.agents import loaders as agents
from agent_records.api.auth import Permission, Principal
from agent_records.api.errors import forbidden
from agent_records.api.integrity import loaders as integrity
from agent_records.api.posts import loaders as posts
from agent_records.api.services import Services
from agent_records.domain.agent import Agent
from agent_records.domain.events import CareerEvent
from agent_records.integrity.ledger_store import Seal
from projections.views.agents import AgentRow
from projections.views.breaches import BreachRow
from projections.views.posts import PostRow


class Context(BaseContext):
    """The context strawberry hands to every resolver."""

    def __init__(self, services: Services, principal: Principal, request_id: str) -> None:
        super().__init__()
        self.principal = principal
        self.request_id = request_id
        self.use(services)

    def use(self, services: Services) -> None:
        """Reads from ``services`` (the primary's, or a standby's for a query:
        ``api.transport``), with fresh DataLoaders on them."""
        self.services = services
        self.agents: DataLoader[str, AgentRow | None] = DataLoader(
            partial(agents.rows, services))
        self.records: DataLoader[str, Agent] = DataLoader(partial(agents.records, services))
        self.streams: DataLoader[str, list[CareerEvent]] = DataLoader(
            partial(agents.streams, services))
        self.breaches: DataLoader[str, list[BreachRow]] = DataLoader(
            partial(agents.breaches, services))
        self.posts: DataLoader[str, PostRow | None] = DataLoader(partial(posts.rows, services))
        self.seals: DataLoader[str, dict[int, Seal]] = DataLoader(
            partial(integrity.seals, services))

    def require(self, permission: Permission, what: str) -> None:
        """Raises FORBIDDEN unless the caller's role grants ``permission``."""
        if not self.principal.may(permission):
            raise forbidden(what)


def ctx(info: Info) -> Context:
    """The typed context of a resolver."""
    context: Context = info.context
    return context

