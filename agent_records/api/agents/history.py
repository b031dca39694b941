"""An agent's history: its events, oldest first, each with its audit metadata, its seal
in the ledger when asked for, and its payload behind the roles that read every class it
holds (``domain.classification``, at any depth: value objects, a correction's changes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from agent_records.api.context import ctx
from agent_records.api.errors import PublicError
from agent_records.api.types import PageInfo, cursor, decode_cursor, described
from agent_records.domain.classification import for_role, hidden
from agent_records.domain.erased import Erased
from agent_records.domain.events import CareerEvent, EventCorrected
from agent_records.integrity.ledger_store import Seal

EventClass = type[CareerEvent]
"""An event's class (inside ``Event``, whose field ``type`` hides the builtin)."""


@strawberry.type
class Event:
    """One event of a record with its full audit metadata."""

    version: int
    type: str
    effective_date: date
    recorded_at: datetime
    actor_id: str
    actor_role: str
    legal_basis: str
    decision_reference: str | None
    reason: str
    correlation_id: str
    corrects: int | None
    corrected_by: list[int]
    position: int | None = strawberry.field(
        description="Position in the global log, once sealed.")
    hash: str | None = strawberry.field(
        description="Its hash in the chain (null until the sealer reaches it).")
    previous_hash: str | None = strawberry.field(
        description="The previous event's hash in the global chain.")
    raw: strawberry.Private[dict[str, Any]]
    event_class: strawberry.Private[EventClass]
    corrected_class: strawberry.Private[EventClass | None] = None
    """For a correction, the type of the event it corrects: its changes have that
    event's classes."""

    @described("The event's own fields; personal ones need the role.")
    def payload(self, info: Info) -> JSON | None:
        """Null (FORBIDDEN) when one of its values, at any depth, is of a class the role
        may not read; the error names each such value and its class."""
        role = ctx(info).principal.role
        withheld = hidden(self.event_class, self.raw, for_role(role), self.corrected_class)
        if withheld:
            raise PublicError("FORBIDDEN", "your role may not read these fields of the "
                              f"payload: {', '.join(map(str, withheld))}")
        return JSON(_jsonable(self.raw))

    @staticmethod
    def of(e: CareerEvent, corrected_by: list[int], seal: Seal | None,
           corrected_class: EventClass | None = None) -> Event:
        """The event with its seal (None when not sealed or not asked for)."""
        return Event(version=e.originator_version, type=type(e).__name__,
                     effective_date=e.effective_date, recorded_at=e.timestamp,
                     actor_id=e.actor_id, actor_role=e.actor_role, legal_basis=e.legal_basis,
                     decision_reference=e.decision_reference, reason=e.reason,
                     correlation_id=e.correlation_id,
                     corrects=e.corrected_version if isinstance(e, EventCorrected) else None,
                     corrected_by=corrected_by, position=seal.position if seal else None,
                     hash=seal.hash if seal else None,
                     previous_hash=seal.previous if seal else None,
                     raw=e.payload(), event_class=type(e), corrected_class=corrected_class)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Erased):
        return value.json()
    if isinstance(value, date | datetime | UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def _corrected(e: CareerEvent, types: dict[int, type]) -> type | None:
    return types.get(e.corrected_version) if isinstance(e, EventCorrected) else None


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo
    total_count: int



SEAL_FIELDS = frozenset({"position", "hash", "previousHash"})
"""The fields of ``Event`` that need the ledger's rows of the stream."""


def history(events: list[CareerEvent], first: int, after: str | None,
            seals: dict[int, Seal]) -> EventConnection:
    """Keyset pagination on the record's versions (events oldest first, as stored)."""
    start = decode_cursor("v", after)
    fixes: dict[int, list[int]] = {}
    types = {e.originator_version: type(e) for e in events}
    for e in events:
        if isinstance(e, EventCorrected):
            fixes.setdefault(e.corrected_version, []).append(e.originator_version)
    chosen = [e for e in events if e.originator_version > start][:first]
    edges = [EventEdge(cursor=cursor("v", e.originator_version),
                       node=Event.of(e, fixes.get(e.originator_version, []),
                                     seals.get(e.originator_version), _corrected(e, types)))
             for e in chosen]
    more = bool(chosen) and chosen[-1].originator_version < events[-1].originator_version
    return EventConnection(edges=edges, total_count=len(events),
                           page_info=PageInfo(has_next_page=more,
                                              end_cursor=edges[-1].cursor if edges else None))

