"""What every read model is: tables, and how a batch of events changes them.

Most views are derived from an agent's whole state: for each agent touched by a batch,
the view loads the agent as of its last event in the batch and replaces that agent's
rows. Corrections are thereby applied everywhere (the state already has them), and a
view rebuilt from zero ends in the same rows as one built event by event.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

from agent_records.domain.agent import Agent
from agent_records.domain.events import CareerEvent
from agent_records.domain.post import PostMemberJoined, PostOpened
from projections.store import Sql, ViewStore

Batch = Sequence[tuple[int, Any]]
"""Events in global order, each with its position in the log."""
AgentLoader = Callable[[UUID, int], Agent]
"""Loads an agent's record as of a version."""
POST_EVENTS = (PostOpened, PostMemberJoined)


class ProjectionStopped(Exception):
    """A projection cannot go past an event: it stops there rather than skip it."""

    def __init__(self, name: str, position: int, reason: str) -> None:
        super().__init__(f"projection {name} stopped at position {position}: {reason}")
        self.name = name
        self.position = position
        self.reason = reason


@dataclass(frozen=True)
class Table:
    """A table of a view: its columns (with the primary key) and its indexes."""

    name: str
    columns: str
    key: str
    indexes: tuple[str, ...] = ()


class View(ABC):
    """A read model: its tables, its tracking name, and how it applies a batch."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]

    def __init__(self, store: ViewStore, suffix: str = "") -> None:
        self.store = store
        self.suffix = suffix
        self.names = {t.name: store.table(t.name + suffix) for t in self.tables}

    @property
    def tracking_name(self) -> str:
        """The name of this view's position in the tracking table."""
        return self.name + self.suffix

    def q(self, statement: str) -> str:
        """``statement`` with ``{table}`` replaced by the physical table names."""
        return statement.format(**self.names)

    def create(self, sql: Sql) -> None:
        """Creates missing tables with their indexes (index names are unique per build)."""
        token = secrets.token_hex(3)
        for t in self.tables:
            if self.store.has_table(sql, t.name + self.suffix):
                continue  # its indexes exist: a new token would add a second set
            physical = self.names[t.name]
            sql.execute(f"CREATE TABLE IF NOT EXISTS {physical} ({t.columns}, "
                        f"PRIMARY KEY ({t.key}))")
            for i, cols in enumerate(t.indexes):
                index = f"{t.name}{self.suffix}_{i}_{token}"
                sql.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON {physical} ({cols})')

    def check_known(self, batch: Batch) -> None:
        """Stops at the first event that is not one of the record's events."""
        for position, event in batch:
            if not isinstance(event, CareerEvent):
                raise ProjectionStopped(self.name, position,
                                        f"unknown event type {type(event).__qualname__}")

    def needs(self, batch: Batch) -> dict[UUID, int]:
        """Agents (and versions) to load before the write transaction opens: reading the
        store inside it would wait on the SQLite writer it holds."""
        return {}

    @abstractmethod
    def process(self, sql: Sql, batch: Batch, load: AgentLoader) -> None:
        """Applies a batch of events to the tables, in the caller's transaction."""


class AgentStateView(View):
    """A view whose rows for an agent are a function of the agent's state."""

    def needs(self, batch: Batch) -> dict[UUID, int]:
        """The agents a batch touches, each with its last version in the batch."""
        latest: dict[UUID, int] = {}
        for _, event in batch:
            if isinstance(event, CareerEvent) and not isinstance(event, POST_EVENTS):
                latest[event.originator_id] = event.originator_version
        return latest

    def process(self, sql: Sql, batch: Batch, load: AgentLoader) -> None:
        self.check_known(batch)
        for agent_id, version in self.needs(batch).items():
            self.refresh(sql, str(agent_id), load(agent_id, version))

    def replace_rows(self, sql: Sql, table: str, agent_id: str,
                     rows: Sequence[Sequence[Any]]) -> None:
        """Deletes the agent's rows of ``table`` and inserts ``rows``."""
        sql.execute(self.q(f"DELETE FROM {{{table}}} WHERE agent_id = ?"), (agent_id,))
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            sql.executemany(self.q(f"INSERT INTO {{{table}}} VALUES ({marks})"), rows)

    @abstractmethod
    def refresh(self, sql: Sql, agent_id: str, agent: Agent) -> None:
        """Replaces the agent's rows from its state."""


def iso(value: Any) -> str | None:
    """A date as ISO text (how every view stores dates: they sort chronologically)."""
    return value.isoformat() if value is not None else None
