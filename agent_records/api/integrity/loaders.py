"""The seals of agents' events in the ledger (``Event.position``, ``hash``,
``previousHash``), read through the application's ``RecordReads``."""

from __future__ import annotations

from agent_records.api.services import Services
from agent_records.api.threads import blocking
from agent_records.integrity.ledger_store import Seal


async def seals(services: Services, ids: list[str]) -> list[dict[int, Seal]]:
    """Each agent's seals by version (empty before the sealer reaches them)."""
    return await blocking(services.reads.seals, ids)
