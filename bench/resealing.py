"""Copied careers sealed again: each copy's personal values under its own stream and keys.

``bench/tenmillion.py`` multiplies generated careers by copying their events in SQL under
fresh agent ids. A sealed value cannot be copied so: its associated data names its stream
and version, and the copy's agent must have keys of its own (erasing one copy must not
erase another). ``Resealer`` opens the sealed events of the careers once, with the
store's keys, and for each copy gives their states sealed again by the application's
own write path: ``FastMapper.to_stored_event`` (``Sealer.seal``, the transcoder), under
the copy's stream id, with keys made for the copy's agent by ``KeyTable.live_key`` and
stored by ``KeyTable.store_pending``, as a save stores the keys it made. Nothing of the
encryption is written here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from agent_records.domain.erased import Erased
from agent_records.eventstore.sealing import MARK

BATCH = 2_000
"""Events sealed again per batch: their keys stay well within the key table's cache."""


def copy_id(original: UUID, copy: int) -> UUID:
    """The id of copy ``copy`` of ``original``: PostgreSQL's ``md5(id || '/' || copy)::uuid``
    (``copy_careers``)."""
    return UUID(hashlib.md5(f"{original}/{copy}".encode()).hexdigest())


class Resealer:
    """The sealed events of ``rows`` (stored events of the careers to copy), opened once."""

    def __init__(self, app: AgentRecords, rows: list[tuple[UUID, int, str, bytes]]) -> None:
        mapper: Any = app.mapper
        if mapper.sealer is None:
            raise ValueError("the store does not seal: nothing to seal again")
        self.mapper, self.keys = mapper, mapper.sealer.keys
        self.events = [mapper.to_sealed_event(StoredEvent(oid, version, topic, state))
                       for oid, version, topic, state in rows if MARK in state]
        for start in range(0, len(self.events), BATCH):  # keys read as a rebuild reads them
            for event in mapper.sealer.prefetch(self.events[start:start + BATCH]):
                mapper.sealer.open_event(event)
        for event in self.events:
            if any(isinstance(v, Erased) for v in vars(event).values()):
                raise ValueError(f"an erased value in {event.originator_id}: not copied")

    def states(self, copy: int, cursor: Any) -> Iterator[tuple[UUID, int, bytes]]:
        """Each sealed event's (original id, version, state of copy ``copy``); the copy's
        keys are stored through ``cursor`` (in the transaction of the copy's events)."""
        for start in range(0, len(self.events), BATCH):
            batch = [self.copied(e, copy) for e in self.events[start:start + BATCH]]
            for agent, key_class in self.mapper.sealer.pairs(batch):
                self.keys.live_key(agent, key_class, new_agent=True)  # a new agent's keys
            stored = [self.mapper.to_stored_event(e) for e in batch]
            self.keys.store_pending(cursor, self.keys.take_pending())
            for original, s in zip(self.events[start:start + BATCH], stored, strict=True):
                yield original.originator_id, s.originator_version, s.state

    @staticmethod
    def copied(event: Any, copy: int) -> Any:
        """``event`` (opened) as the same fact of the copy's agent."""
        new = object.__new__(type(event))
        object.__setattr__(new, "__dict__", {**vars(event), "originator_id": copy_id(
            event.originator_id, copy)})
        return new
