"""The ``audit_log`` view: one row per event, for the disciplinary council.

Filters by agent (stream), post, actor, article, event type, and both time axes
(effective date, recorded-at) are indexed. A correction fills ``corrected_by`` on the
row of the event it corrects; both rows stay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from agent_records.domain.events import CareerEvent, EventCorrected
from agent_records.domain.post import PostMemberJoined, PostOpened
from projections.engine.base import (
    POST_EVENTS,
    AgentLoader,
    Batch,
    Column,
    Stream,
    Table,
    TableRows,
    View,
    iso,
)
from projections.engine.store import Sql, ViewStore

AUDIT_LOG = Table(
    "audit_log",
    (Column("position", "BIGINT NOT NULL"), Column("stream_id", "TEXT NOT NULL"),
     Column("stream_kind", "TEXT"), Column("version", "INTEGER NOT NULL"),
     Column("event_type", "TEXT"), Column("effective_date", "TEXT"),
     Column("recorded_at", "TEXT"), Column("actor_id", "TEXT"), Column("actor_role", "TEXT"),
     Column("legal_basis", "TEXT"), Column("decision_reference", "TEXT"),
     Column("reason", "TEXT"), Column("correlation_id", "TEXT"), Column("post_code", "TEXT"),
     Column("corrects_version", "INTEGER"), Column("corrected_by", "INTEGER")),
    "position",
    ("stream_id, version", "actor_id", "legal_basis", "event_type", "effective_date",
     "recorded_at", "post_code"),
)

COLUMNS = ", ".join(f"a.{name}" for name in AUDIT_LOG.names)
"""The audit row's columns in an entry's select list (then its seal's)."""


class AuditLogView(View):
    """Every event with its audit metadata, in the order of the global log."""

    name = "audit_log"
    tables = (AUDIT_LOG,)

    @staticmethod
    def post_of(event: CareerEvent, earlier: Callable[[int], str | None]) -> str | None:
        """The post an event names, or (``earlier``: the post of a version of the same
        stream) the post of the event a correction corrects."""
        if isinstance(event, PostOpened):
            return event.code
        if isinstance(event, EventCorrected):
            if "post_code" in event.changes:
                code: str | None = event.changes["post_code"]
                return code
            return earlier(event.corrected_version)
        return getattr(event, "post_code", None)

    @staticmethod
    def row(position: int, e: Any, post_code: str | None,
            corrected_by: int | None = None, stream_id: str | None = None) -> tuple[Any, ...]:
        """The audit row of an event (``corrected_by``: the last correction of it), in the
        order of ``AUDIT_LOG.columns``; ``stream_id`` is ``str(e.originator_id)`` when the
        caller has it already (a rebuild: once per stream, not per event)."""
        cls = type(e)
        kind = "post" if cls is PostOpened or cls is PostMemberJoined \
            or isinstance(e, POST_EVENTS) else "agent"
        corrects = e.corrected_version if isinstance(e, EventCorrected) else None
        return (position, str(e.originator_id) if stream_id is None else stream_id, kind,
                e.originator_version, cls.__name__, iso(e.effective_date),
                e.timestamp.isoformat(), e.actor_id, e.actor_role, e.legal_basis,
                e.decision_reference, e.reason, e.correlation_id, post_code, corrects,
                corrected_by)

    def stream_rows(self, stream: Stream) -> TableRows:
        """Every event's row; corrections known from the stream itself."""
        posts: dict[int, str | None] = {}
        corrected_by: dict[int, int] = {}
        for _, e in stream.events:
            posts[e.originator_version] = self.post_of(e, posts.get)
            if isinstance(e, EventCorrected):
                corrected_by[e.corrected_version] = e.originator_version  # the last wins
        stream_id = stream.key
        return {"audit_log": [
            self.row(position, e, posts[e.originator_version],
                     corrected_by.get(e.originator_version), stream_id)
            for position, e in stream.events]}

    def process(self, sql: Sql, batch: Batch, load: AgentLoader) -> None:
        self.check_known(batch)
        marks = ", ".join("?" * len(AUDIT_LOG.columns))
        insert = self.q(f"INSERT INTO {{audit_log}} VALUES ({marks})")
        for position, event in batch:
            stream = str(event.originator_id)

            def earlier(version: int, stream: str = stream) -> str | None:
                row = sql.execute(self.q("SELECT post_code FROM {audit_log} WHERE "
                                         "stream_id = ? AND version = ?"),
                                  (stream, version)).fetchone()
                return row["post_code"] if row else None

            sql.execute(insert, self.row(position, event, self.post_of(event, earlier)))
            if isinstance(event, EventCorrected):
                sql.execute(self.q("UPDATE {audit_log} SET corrected_by = ? WHERE stream_id = ? "
                                   "AND version = ?"),
                            (event.originator_version, stream, event.corrected_version))


@dataclass(frozen=True)
class AuditQuery:
    """Filters of ``auditTrail(filter:)``; None means no condition."""

    agent_id: str | None = None
    post_code: str | None = None
    actor_id: str | None = None
    legal_basis: str | None = None
    event_type: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    effective_from: date | None = None
    effective_to: date | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An audit row as the API reads it, with its seal (None until sealed)."""

    position: int
    stream_id: str
    stream_kind: str
    version: int
    event_type: str
    effective_date: str
    recorded_at: str
    actor_id: str
    actor_role: str
    legal_basis: str
    decision_reference: str | None
    reason: str
    correlation_id: str
    post_code: str | None
    corrects_version: int | None
    corrected_by: int | None
    hash: str | None
    previous_hash: str | None


@dataclass(frozen=True)
class AuditPage:
    """Entries after a position, how many match in all, and whether more follow."""

    entries: list[AuditRow]
    total: int
    more: bool


def _utc(value: date | datetime) -> date | datetime:
    """Instants as stored (UTC, ISO text compares in time order); naive ones taken as UTC."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class AuditTrail:
    """Reads the ``audit_log`` view of one store, each entry joined with its seal.

    ``seals`` names the table of seals (``position, hash, previous``): the ledger, which
    the integrity package writes and this one does not know. The number of rows is kept
    for the process (``log_size``).
    """

    def __init__(self, store: ViewStore, seals: str) -> None:
        self.store = store
        self.seals = seals
        self._log_size: tuple[int, int] = (0, 0)
        """(highest position counted, rows of audit_log at or below it): ``log_size``."""
        self._counting = threading.Lock()

    def page(self, q: AuditQuery, after: int, limit: int) -> AuditPage:
        """Entries after position ``after``, how many match in all, whether more follow.

        One row beyond the page tells whether another page follows. Without a filter the
        count comes from ``log_size`` (no scan of the whole log). The count and the page
        are separate statements, as before, not one transaction: under heavy load a
        transaction left idle between them outlived the server's idle-in-transaction
        timeout.
        """
        conds, params = ["1 = 1"], []
        for column, value in (("stream_id", q.agent_id), ("post_code", q.post_code),
                              ("actor_id", q.actor_id), ("legal_basis", q.legal_basis),
                              ("event_type", q.event_type)):
            if value is not None:
                conds.append(f"{column} = ?")
                params.append(value)
        for column, op, bound in (("recorded_at", ">=", q.recorded_from),
                                  ("recorded_at", "<=", q.recorded_to),
                                  ("effective_date", ">=", q.effective_from),
                                  ("effective_date", "<=", q.effective_to)):
            if bound is not None:
                conds.append(f"{column} {op} ?")
                params.append(_utc(bound).isoformat())
        where = " AND ".join(conds)
        table = self.store.table(AUDIT_LOG.name)
        total = self.log_size() if not params else self.store.rows(
            f"SELECT count(*) AS n FROM {table} WHERE {where}", params)[0]["n"]
        # each entry with its seal (hash, previous hash); not yet sealed: null
        rows = self.store.rows(
            f"SELECT {COLUMNS}, l.hash, l.previous AS previous_hash FROM ("
            f"{self._page(where, q)}) a LEFT JOIN {self.store.table(self.seals)} l "
            "ON l.position = a.position ORDER BY a.position", [*params, after, limit + 1])
        return AuditPage([AuditRow(**r) for r in rows[:limit]], total, len(rows) > limit)

    def _page(self, where: str, q: AuditQuery) -> str:
        """The page's rows in log order (parameters: the filter's, after, limit).

        One agent's entries are few: PostgreSQL must find them by the agent's index and
        sort them. Left to itself (no statistics after a bulk rebuild) it walked the
        whole log in position order looking for them: 1 s per page at 1.5 M events.
        ``OFFSET 0`` plans the agent's rows on their own first, the cursor applied after
        (a ``position > ?`` inside made it combine the whole position index, 90 ms).
        """
        rows = f"SELECT * FROM {self.store.table(AUDIT_LOG.name)} WHERE {where}"
        if q.agent_id is not None and self.store.postgres:
            return f"SELECT * FROM ({rows} OFFSET 0) s WHERE position > ? ORDER BY position LIMIT ?"
        return f"{rows} AND position > ? ORDER BY position LIMIT ?"

    def log_size(self) -> int:
        """The number of rows of ``audit_log``, exact, without counting them all each time.

        The view only appends rows, in the order of their positions, each batch with its
        tracking position in one transaction (a rebuild swaps in the same rows): once a
        position is seen, every row at or below it is there for good. So the count is
        kept with the highest position it covers; a call reads the highest position now
        (one index entry) and counts only the rows between the two (an index range; both
        bounds given, or PostgreSQL without statistics scans the whole table). One
        thread counts at a time (the first count reads the whole log: eight at once
        starved the server), and reads the highest position again once it holds the
        lock, so a highest position lower than the one counted means the log shrank (a
        store rebuilt under the service): it is counted anew.
        """
        covered, count = self._log_size
        if self._top() == covered:
            return count
        with self._counting:
            covered, count = self._log_size
            top = self._top()
            if top < covered:
                covered, count = 0, 0
            if top != covered:
                count += self.store.rows(
                    f"SELECT count(*) AS n FROM {self.store.table(AUDIT_LOG.name)} WHERE "
                    "position > ? AND position <= ?", (covered, top))[0]["n"]
                self._log_size = (top, count)
            return count

    def _top(self) -> int:
        """The highest position in ``audit_log`` (0 when empty)."""
        return self.store.rows(f"SELECT max(position) AS top FROM "
                               f"{self.store.table(AUDIT_LOG.name)}")[0]["top"] or 0
