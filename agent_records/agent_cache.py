"""Agents' records kept evaluated in memory, per process, and brought up to date from the
store: what saves a command on a long career from reading and folding it again.

A command on an agent read every event of the record, decoded each and folded them all
(2.5 ms at 50 events, nearly all of a ``grant_leave``: BENCHMARKS.md, issue 15). The
cache keeps each recently used agent as last read or saved, with its fold (``fold``).

Never stale when it matters: events are never changed once stored, so a cached agent
is always the store's record as of its version. A read for the current record
(``get``) fast-forwards it by reading only the events after that version (the
library's ``AGGREGATE_CACHE_FASTFORWARD``, one short query); a read as of a version
takes the cached record's events up to it, or reads on to it. A command may decide on
the cached record without reading (``get(..., fresh=False)``): its event takes the next
version number, which the store refuses if another process wrote it first, and the
command then runs again on the fast-forwarded record (``application._change``). Every
agent handed out is a copy (``Agent.clone``: the events and folds are shared, never
changed), so a refused or failed command leaves nothing behind. Agents enter the cache
only as the store gives them: read from it; once a command's events are saved, the agent
the command left, which took its events as the store gives them back and folded them so
(``decided``; ``Agent.record``'s ``stored_form``): no decoding and no second fold of the
event; or else (a registration) the agent as cached before with the events decoded from
their stored form (``saved``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import EventStore

from agent_records.domain.agent import Agent
from agent_records.domain.events import PersonalDataErased


class AgentCache:
    """Up to ``size`` agents (the most recently used), each at the latest version seen."""

    def __init__(self, events: EventStore[UUID], size: int,
                 erased: Callable[[UUID, str], None] | None = None) -> None:
        """``erased(agent_id, data_class)`` is called when an erasure of the agent's
        personal data is seen (the process's keys of that class are to be forgotten)."""
        self.events = events
        self.size = size
        self.erased = erased
        self._agents: OrderedDict[UUID, Agent] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, agent_id: UUID, version: int | None = None, *,
            fresh: bool = True) -> Any:
        """A copy of the record, whole (brought up to date from the store unless not
        ``fresh``) or as of ``version``; None when the store has no such aggregate.
        Another aggregate than an agent (a post) is read and returned, never kept."""
        with self._lock:
            cached = self._agents.get(agent_id)
            if cached is not None:
                self._agents.move_to_end(agent_id)
        if cached is None:
            found = _project(None, self.events.get(agent_id, lte=version))
            if isinstance(found, Agent):
                self.keep(found)
                return found.clone()
            return found
        if version is not None and version <= cached.version:
            return cached.at_version(version) if version > 0 else None
        if version is None and not fresh:
            return cached.clone()
        newer = list(self.events.get(agent_id, gt=cached.version, lte=version))
        if not newer:
            return cached.clone()
        if self._erasing(agent_id, newer):
            return self.get(agent_id, version)
        agent = _project(cached.clone(), newer)
        self.keep(agent)
        return agent.clone()

    def keep(self, agent: Agent) -> None:
        """Keeps ``agent`` (as the store gives it) unless a later version is kept already;
        it must not be changed afterwards."""
        agent.evaluation  # noqa: B018  the fold, made once here rather than in each copy
        with self._lock:
            cached = self._agents.get(agent.id)
            if cached is None or cached.version < agent.version:
                self._agents[agent.id] = agent
                self._agents.move_to_end(agent.id)
            while len(self._agents) > self.size:
                self._agents.popitem(last=False)


    def saved(self, events: Sequence[Any]) -> None:
        """Brings kept agents on with events just saved, as the store gives them back
        (decoded from their stored form: a command's own event holds values as given,
        an enum where the store gives back its text, a tuple for a list): an agent the
        cache holds at the version before is kept at the new one, a new agent is kept."""
        streams: dict[UUID, list[Any]] = {}
        for event in events:
            streams.setdefault(event.originator_id, []).append(event)
        for agent_id, stream in streams.items():
            with self._lock:
                cached = self._agents.get(agent_id)
            if self._erasing(agent_id, stream):
                continue
            before = stream[0].originator_version - 1
            if (cached.version if cached is not None else 0) == before:
                self.keep(_project(cached.clone() if cached is not None else None, stream))


    def decided(self, agent: Agent, count: int) -> None:
        """Keeps ``agent`` as a command left it once its ``count`` new events are saved,
        when the cache holds it at the version before: a command decides on its events
        as the store gives them back (``Agent.record``'s ``stored_form``), so the agent
        it leaves, folded, is the one a reading of the record would give. Nothing else
        may hold or change ``agent`` afterwards."""
        if self._erasing(agent.id, agent.tail(count)):
            return
        with self._lock:
            cached = self._agents.get(agent.id)
        if (cached.version if cached is not None else 0) == agent.version - count:
            self.keep(agent)

    def _erasing(self, agent_id: UUID, events: Iterable[Any]) -> bool:
        """Whether ``events`` erase personal data of the agent; if so the agent is dropped
        (its kept events hold the values opened before the erasure: it is read again
        from the store, where they read as erased) and ``erased`` told of each class."""
        classes = [e.data_class for e in events if isinstance(e, PersonalDataErased)]
        if not classes:
            return False
        with self._lock:
            self._agents.pop(agent_id, None)
        for data_class in classes:
            if self.erased is not None:
                self.erased(agent_id, str(data_class))
        return True


def _project(agent: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event runtime ``Protocol``
    check (which cost more than applying the event)."""
    for event in events:
        agent = event.mutate(agent)
    return agent
