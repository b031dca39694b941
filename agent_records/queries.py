"""Reads of the record itself (the event store and its ledger), for the entry points.

The read views (``projections.views``) answer what the record says now; what only the
record knows (a whole agent folded from its events, the events as stored, their seals)
is read here, beside the application, so that no entry point reaches into the event
store. Each read takes a batch of ids as clients send them (strings) and gives one
answer per id, in order: ``NotFound`` where there is none (a GraphQL DataLoader turns it
into that field's error). They block on the database: callers in an event loop run them
in a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast
from uuid import UUID

from agent_records.application import AgentRecords
from agent_records.domain.agent import Agent
from agent_records.domain.errors import NotFound
from agent_records.domain.events import AgentRegistered, CareerEvent
from agent_records.eventstore.errors import guard
from agent_records.integrity.ledger_store import Seal, seals_of
from projections.engine.store import ViewStore


def agent_uuid(agent_id: str) -> UUID | NotFound:
    """The UUID of an agent id as a client sends it, or why it cannot be one."""
    try:
        return UUID(agent_id)
    except ValueError:
        return NotFound(f"no agent {agent_id!r}: not an agent id", field="agent_id")


class RecordReads:
    """The record's reads, on the application (``records``) and the ledger's tables."""

    def __init__(self, records: AgentRecords, views: ViewStore) -> None:
        self.records = records
        self.views = views

    def agents(self, agent_ids: Sequence[str]) -> list[Agent | NotFound]:
        """Each agent's record, folded from its events (its state on any date, its past
        as known at an instant, its personal data)."""
        out: list[Agent | NotFound] = []
        for agent_id in agent_ids:
            found = agent_uuid(agent_id)
            if isinstance(found, UUID):
                try:
                    out.append(self.records.get_agent(found))
                except NotFound as exc:
                    out.append(exc)
            else:
                out.append(found)
        return out

    def histories(self, agent_ids: Sequence[str]) -> list[list[CareerEvent] | NotFound]:
        """Each agent's stored events, decoded but not folded into a record.

        A history lists events; the state they fold into (``agents``) is not needed for
        that, and the aggregate's replay costs a protocol check per event.
        """
        out: list[list[CareerEvent] | NotFound] = []
        for agent_id in agent_ids:
            found = agent_uuid(agent_id)
            if not isinstance(found, UUID):
                out.append(found)
                continue
            with guard(self.records.settings):
                events = list(self.records.events.get(found))
            if not events:
                out.append(NotFound(f"no agent {agent_id}", field="agent_id"))
            elif not isinstance(events[0], AgentRegistered):
                out.append(NotFound(f"{agent_id} is not an agent", field="agent_id"))
            else:  # an agent's stream holds career events only
                out.append(cast(list[CareerEvent], events))
        return out

    def seals(self, agent_ids: Sequence[str]) -> list[dict[int, Seal]]:
        """Each agent's seals in the ledger (position, hash, previous hash), by version;
        empty before the sealer reaches its events."""
        return [seals_of(self.views, agent_id) for agent_id in agent_ids]
