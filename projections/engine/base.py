"""What every read model is: tables, and how a batch of events changes them.

Most views are derived from an agent's whole state: for each agent touched by a batch,
the view loads the agent as of its last event in the batch and replaces that agent's
rows. Corrections are thereby applied everywhere (the state already has them), and a
view rebuilt from zero ends in the same rows as one built event by event.

Each view computes its rows with pure functions of an agent (``rows``) or of an
aggregate's events (``stream_rows``): the incremental path writes them batch by batch,
the one-pass rebuild (``projections.engine.rebuild``) for every aggregate at once, so that the
two cannot drift apart.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import cached_property
from typing import Any, ClassVar, NamedTuple
from uuid import UUID

from agent_records.domain import timeline
from agent_records.domain.agent import Agent
from agent_records.domain.carried import carried
from agent_records.domain.events import CareerEvent
from agent_records.domain.post import PostMemberJoined, PostOpened
from agent_records.domain.state import CareerState
from projections.engine.store import Sql, ViewStore

Batch = Sequence[tuple[int, Any]]
"""Events in global order, each with its position in the log."""
AgentLoader = Callable[[UUID, int], Agent]
"""Loads an agent's record as of a version."""
TableRows = dict[str, list[tuple[Any, ...]]]
"""Rows by (logical) table name."""
POST_EVENTS = (PostOpened, PostMemberJoined)


@dataclass(frozen=True)
class Stream:
    """One aggregate's events (up to the rebuild's head) in version order, with their
    positions, and the aggregate they project to (an ``Agent`` or a ``Post``)."""

    events: list[tuple[int, CareerEvent]]
    aggregate: Any

    @property
    def id(self) -> UUID:
        """The aggregate's id."""
        return self.events[0][1].originator_id

    @cached_property
    def key(self) -> str:
        """The aggregate's id as the views store it (``str``), made once for every view
        and every event of the stream."""
        return str(self.id)


class ProjectionStopped(Exception):
    """A projection cannot go past an event: it stops there rather than skip it.

    It names the view, the event's position and type, and the reason, in one line: what
    an operator needs to find the event (``agent-records show``) and the failing code.
    """

    def __init__(self, name: str, position: int, reason: str, event_type: str = "") -> None:
        on = f" on {event_type}" if event_type else ""
        super().__init__(f"projection {name} stopped at position {position}{on}: {reason}")
        self.name = name
        self.position = position
        self.reason = reason
        self.event_type = event_type

    def renamed(self, name: str) -> ProjectionStopped:
        """The same stop reported under the view ``name`` (a rebuild names its views)."""
        return ProjectionStopped(name, self.position, self.reason, self.event_type)


def event_type(item: Any) -> str:
    """The type name of a decoded event, or of a stored one (its topic's class name)."""
    topic = getattr(item, "topic", None)
    if isinstance(topic, str) and not isinstance(item, CareerEvent):
        return topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1]
    return type(item).__name__


def fault(name: str, position: int, item: Any, exc: BaseException) -> ProjectionStopped:
    """A view's failure on one event as a stop at that event (the error in one line)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    reason = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return ProjectionStopped(name, position, reason, event_type(item))


class Column(NamedTuple):
    """A column of a view's table: its name and its SQL type (with its constraints)."""

    name: str
    sql: str


@dataclass(frozen=True)
class Table:
    """A table of a view: its columns in order (rows are written as tuples in that
    order), its primary key and its indexes."""

    name: str
    columns: tuple[Column, ...]
    key: str
    indexes: tuple[str, ...] = ()

    @property
    def ddl(self) -> str:
        """The column definitions of ``CREATE TABLE``."""
        return ", ".join(f"{c.name} {c.sql}" for c in self.columns)

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)


def decoded(mapper: Any, note: Any, name: str, read: Callable[[Any], Any] | None = None
            ) -> Any:
    """The domain event of a stored one (``read``: how, the mapper's ``to_domain_event``
    unless given); a poison event (unreadable, or not one of the record's events) stops
    the projection ``name`` at its position: never skipped."""
    try:
        event = (read or mapper.to_domain_event)(note)
    except Exception as exc:
        raise unreadable(name, note, exc) from exc
    if not isinstance(event, CareerEvent):
        raise ProjectionStopped(name, note.id, f"unknown event type {type(event).__qualname__}",
                                type(event).__name__)
    return event


def unreadable(name: str, note: Any, exc: BaseException) -> ProjectionStopped:
    """The stop at a stored event that cannot be read (decoded or opened)."""
    return ProjectionStopped(name, note.id, f"cannot read event {note.topic}: {exc}",
                             event_type(note))


class View(ABC):
    """A read model: its tables, its tracking name, and how it applies a batch."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]

    def __init__(self, store: ViewStore, suffix: str = "") -> None:
        self.store = store
        self.suffix = suffix
        self.names = {t.name: store.table(t.name + suffix) for t in self.tables}
        self.day = store.today()
        """The day the view's rows are as of (the worker moves it on each day)."""

    @property
    def tracking_name(self) -> str:
        """The name of this view's position in the tracking table."""
        return self.name + self.suffix

    def q(self, statement: str) -> str:
        """``statement`` with ``{table}`` replaced by the physical table names."""
        return statement.format(**self.names)

    def create(self, sql: Sql, *, keyed: bool = True, indexed: bool = True) -> None:
        """Creates missing tables with their indexes (index names are unique per build).

        A bulk load creates them without the primary key (PostgreSQL) and the indexes,
        and adds them with ``complete`` once loaded: building an index once is faster
        than updating it row by row.
        """
        token = secrets.token_hex(3)
        for t in self.tables:
            if self.store.has_table(sql, t.name + self.suffix):
                continue  # its indexes exist: a new token would add a second set
            key = f", PRIMARY KEY ({t.key})" if keyed else ""
            sql.execute(f"CREATE TABLE IF NOT EXISTS {self.names[t.name]} ({t.ddl}{key})")
            if indexed:
                self.index(sql, t, token)

    def index(self, sql: Sql, t: Table, token: str) -> None:
        """Creates the indexes of table ``t``, named with ``token``."""
        for i, cols in enumerate(t.indexes):
            index = f"{t.name}{self.suffix}_{i}_{token}"
            sql.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON {self.names[t.name]} ({cols})')

    def complete(self, sql: Sql, t: Table, *, keyed: bool) -> None:
        """Adds to table ``t`` what ``create(keyed=keyed, indexed=False)`` left out, after
        a bulk load (tables one by one: their indexes can be built in parallel)."""
        if not keyed:
            sql.execute(f"ALTER TABLE {self.names[t.name]} ADD PRIMARY KEY ({t.key})")
        self.index(sql, t, secrets.token_hex(3))

    def check_known(self, batch: Batch) -> None:
        """Stops at the first event that is not one of the record's events."""
        for position, event in batch:
            if not isinstance(event, CareerEvent):
                raise ProjectionStopped(self.name, position,
                                        f"unknown event type {type(event).__qualname__}",
                                        type(event).__name__)

    def stream_rows(self, stream: Stream) -> TableRows:
        """The rows an aggregate's events give, for the one-pass rebuild; a view that is
        never rebuilt (the ledger) has none."""
        raise NotImplementedError(f"{self.name} is not rebuilt")

    def needs(self, batch: Batch) -> dict[UUID, int]:
        """Agents (and versions) to load before the write transaction opens: reading the
        store inside it would wait on the SQLite writer it holds."""
        return {}

    @abstractmethod
    def process(self, sql: Sql, batch: Batch, load: AgentLoader) -> None:
        """Applies a batch of events to the tables, in the caller's transaction."""


DAY_TRACKING = "@day"
"""Suffix of the tracking name under which a view's day is kept (its ordinal)."""


def due_table(view: str) -> Table:
    """Each agent's next date on which dates alone change its state (``timeline``), and
    the version the view last saw: what the daily step re-evaluates."""
    return Table(f"{view}_due", (Column("agent_id", "TEXT NOT NULL"),
                                 Column("version", "INTEGER NOT NULL"),
                                 Column("next_date", "TEXT NOT NULL")),
                 "agent_id", ("next_date",))


class AgentStateView(View):
    """A view whose rows for an agent are a function of the agent's state on the view's
    ``day``: every fact, and what dates alone bring up to that day. Each view keeps
    each agent's next such date (``{name}_due``) so that the daily step re-evaluates
    only the agents whose date has come."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__ and "tables" in cls.__dict__:
            cls.tables = (*cls.tables, due_table(cls.name))

    def __init__(self, store: ViewStore, suffix: str = "") -> None:
        super().__init__(store, suffix)
        self._carried: tuple[CareerState, date, CareerState] | None = None

    @property
    def due(self) -> str:
        """The logical name of the view's table of next dates."""
        return f"{self.name}_due"

    def state(self, agent: Agent) -> CareerState:
        """The agent's state on the view's day."""
        return self.carried(agent, self.day)

    def carried(self, agent: Agent, day: date) -> CareerState:
        """``agent.current(day)`` from the record's one evaluation (``Agent.state``,
        cached by the agent), carried on to ``day`` (``carried``): the views need two
        days (theirs and, for the deadlines, the end of time), and folding the record
        once per day was most of a rebuild's time. Kept for the agent's last state
        until the next: ``rows`` and ``all_rows`` both ask."""
        evaluated = agent.state
        last = self._carried
        if last is None or last[0] is not evaluated or last[1] != day:
            last = self._carried = (evaluated, day, carried(evaluated, day))
        return last[2]

    def all_rows(self, agent_id: str, agent: Agent) -> TableRows:
        """The view's rows and the agent's next date (none when nothing is due)."""
        rows = self.rows(agent_id, agent)
        upcoming = timeline.next_date(self.state(agent))
        rows[self.due] = [(agent_id, agent.version, upcoming.isoformat())] if upcoming else []
        return rows

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

    def refresh(self, sql: Sql, agent_id: str, agent: Agent) -> None:
        """Replaces the agent's rows from its state."""
        for table, rows in self.all_rows(agent_id, agent).items():
            self.replace_rows(sql, table, agent_id, rows)

    def stream_rows(self, stream: Stream) -> TableRows:
        """An agent's rows from its state as of the stream's last event; none for a post."""
        if isinstance(stream.aggregate, Agent):
            return self.all_rows(stream.key, stream.aggregate)
        return {}

    def replace_rows(self, sql: Sql, table: str, agent_id: str,
                     rows: Sequence[Sequence[Any]]) -> None:
        """Deletes the agent's rows of ``table`` and inserts ``rows``."""
        sql.execute(self.q(f"DELETE FROM {{{table}}} WHERE agent_id = ?"), (agent_id,))
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            sql.executemany(self.q(f"INSERT INTO {{{table}}} VALUES ({marks})"), rows)

    @abstractmethod
    def rows(self, agent_id: str, agent: Agent) -> TableRows:
        """The agent's rows of every table of the view (each table named, even empty)."""


def selected(row: type[Any], alias: str = "") -> str:
    """The select list of a row dataclass: its fields, in order (``alias.`` before each).

    Queries name their columns instead of ``SELECT *``: a row type whose field has no
    column fails at its first query, not with a missing key in the API.
    """
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + f.name for f in fields(row))


def iso(value: Any) -> str | None:
    """A date as ISO text (how every view stores dates: they sort chronologically)."""
    return value.isoformat() if value is not None else None
