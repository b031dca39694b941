"""The agents' batched reads, one batch per request and kind (``api.context``): their
rows in the ``agents`` view, their records and stored events (through the application's
``RecordReads``), their breaches. Each runs in a thread."""

from __future__ import annotations

from agent_records.api.services import Services
from agent_records.api.threads import blocking
from agent_records.domain.agent import Agent
from agent_records.domain.errors import NotFound
from agent_records.domain.events import CareerEvent
from projections.views.agents import AgentRow, agents_by_id
from projections.views.breaches import BreachRow, breaches_of


async def rows(services: Services, ids: list[str]) -> list[AgentRow | None]:
    """The agents' rows in the ``agents`` view (None: no such agent)."""
    found = await blocking(agents_by_id, services.views, ids)
    return [found.get(i) for i in ids]


async def records(services: Services, ids: list[str]) -> list[Agent | NotFound]:
    """The agents' records, folded from their events."""
    return await blocking(services.reads.agents, ids)


async def streams(services: Services, ids: list[str]) -> list[list[CareerEvent] | NotFound]:
    """The agents' stored events, not folded (``history``)."""
    return await blocking(services.reads.histories, ids)


async def breaches(services: Services, ids: list[str]) -> list[list[BreachRow]]:
    """The agents' breaches (``breaches`` view), each agent's by date."""
    found = await blocking(breaches_of, services.views, ids)
    return [found[i] for i in ids]
