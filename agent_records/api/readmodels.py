"""Queries over the projections' tables (synchronous: callers run them in a thread).

Every SQL text uses ``?`` placeholders and whitelisted column names only: filters and
orderings come from GraphQL enums, never from free text.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from agent_records.persistence import guard
from projections.engine.store import Sql, ViewStore

ORDERABLE = {"FULL_NAME": "full_name", "GRADE": "grade", "STATUS": "status",
             "SIXTY_FIFTH_BIRTHDAY": "sixty_fifth_birthday",
             "NEXT_RENEWAL_DUE": "next_renewal_due"}


@dataclass(frozen=True)
class AgentQuery:
    """Filters of ``agents(filter:)``; None means no condition."""

    grade: str | None = None
    status: str | None = None
    post_code: str | None = None
    eligible_for_promotion: bool | None = None
    renewal_due_before: date | None = None
    reaching_65_before: date | None = None
    on_leave_on: date | None = None


@dataclass(frozen=True)
class AuditQuery:
    """Filters of ``auditTrail(filter:)``."""

    agent_id: str | None = None
    post_code: str | None = None
    actor_id: str | None = None
    legal_basis: str | None = None
    event_type: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    effective_from: date | None = None
    effective_to: date | None = None


def _utc(value: date | datetime) -> date | datetime:
    """Instants as stored (UTC, ISO text compares in time order); naive ones taken as UTC."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class ReadModels:
    """Reads the views of one store."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        self.t = store.table
        self._posts: dict[str, dict[str, Any]] = {}
        """Rows of the ``posts`` view by code (immutable once projected): ``posts``."""
        self._log_size: tuple[int, int] = (0, 0)
        self._counting = threading.Lock()
        """(highest position counted, rows of audit_log at or below it): ``log_size``."""

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of one statement.

        On PostgreSQL the statement runs alone on a pooled connection (autocommit: one
        statement is a transaction of its own) instead of between a BEGIN and a
        ROLLBACK: one round trip instead of three. Several statements that must agree
        use ``store.reading()``.
        """
        if not self.store.postgres:
            with self.store.reading() as sql:
                return [dict(r) for r in sql.execute(statement, params).fetchall()]
        datastore = self.store.tracking.datastore
        with guard(self.store.app.settings), datastore.get_connection() as conn:
            return [dict(r) for r in Sql(conn.cursor(), True).execute(statement, params
                                                                      ).fetchall()]

    def agents_by_id(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = self._rows(f"SELECT * FROM {self.t('agents')} WHERE agent_id IN ({marks})", ids)
        return {r["agent_id"]: r for r in rows}

    def _agent_where(self, q: AgentQuery) -> tuple[str, list[Any]]:
        conds, params = ["1 = 1"], []
        for column, value in (("grade", q.grade), ("status", q.status),
                              ("post_code", q.post_code)):
            if value is not None:
                conds.append(f"a.{column} = ?")
                params.append(value)
        if q.eligible_for_promotion is not None:
            conds.append("a.eligible_for_promotion = ?")
            params.append(int(q.eligible_for_promotion))
        if q.renewal_due_before:
            conds.append("a.next_renewal_due < ?")
            params.append(q.renewal_due_before.isoformat())
        if q.reaching_65_before:
            conds.append("a.sixty_fifth_birthday < ? AND a.status IN "
                         "('appointed', 'serving', 'suspended')")
            params.append(q.reaching_65_before.isoformat())
        if q.on_leave_on:
            conds.append(f"EXISTS (SELECT 1 FROM {self.t('leaves')} l WHERE l.agent_id = "
                         "a.agent_id AND l.start_date <= ? AND l.end_date >= ?)")
            params += [q.on_leave_on.isoformat()] * 2
        return " AND ".join(conds), params

    def agents(self, q: AgentQuery, order: str, descending: bool, offset: int,
               limit: int) -> tuple[list[dict[str, Any]], int]:
        where, params = self._agent_where(q)
        column = ORDERABLE[order]
        direction = "DESC" if descending else "ASC"
        base = f"FROM {self.t('agents')} a WHERE {where}"
        total = self._rows(f"SELECT count(*) AS n {base}", params)[0]["n"]
        rows = self._rows(f"SELECT a.* {base} ORDER BY a.{column} {direction}, a.agent_id "
                          "LIMIT ? OFFSET ?", [*params, limit, offset])
        return rows, total

    def posts(self, codes: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Every post, or the posts of ``codes`` that exist.

        A post's row never changes once projected (it comes from ``PostOpened`` alone;
        nothing edits a post), so rows found by code are kept for the process: a career
        query's post costs no database round trip. Codes not found are asked again.
        """
        if codes is None:
            return self._rows(f"SELECT * FROM {self.t('posts')} ORDER BY post_code")
        missing = [c for c in codes if c not in self._posts]
        if missing:
            marks = ", ".join("?" * len(missing))
            for row in self._rows(f"SELECT * FROM {self.t('posts')} WHERE post_code IN "
                                  f"({marks})", missing):
                self._posts[row["post_code"]] = row
        return [dict(self._posts[c]) for c in codes if c in self._posts]

    def has_posts(self, codes: Sequence[str]) -> bool:
        """Whether ``posts(codes)`` answers from memory, without the database."""
        return all(c in self._posts for c in codes)

    def _on(self, table: str, post: str, day: date) -> list[dict[str, Any]]:
        return self._rows(f"SELECT * FROM {self.t(table)} WHERE post_code = ? AND since <= ? "
                          "AND (until IS NULL OR until > ?) ORDER BY since, agent_id",
                          (post, day.isoformat(), day.isoformat()))

    def roster_on(self, post: str, day: date) -> list[dict[str, Any]]:
        return self._on("roster", post, day)

    def roster_page(self, post: str, day: date, offset: int, limit: int
                    ) -> tuple[list[dict[str, Any]], int]:
        """One page of ``roster_on`` (same order) and how many entries there are."""
        where = (f"FROM {self.t('roster')} WHERE post_code = ? AND since <= ? "
                 "AND (until IS NULL OR until > ?)")
        params = (post, day.isoformat(), day.isoformat())
        with self.store.reading() as sql:
            total = sql.execute(f"SELECT count(*) AS n {where}", params).fetchone()["n"]
            rows = sql.execute(f"SELECT * {where} ORDER BY since, agent_id LIMIT ? OFFSET ?",
                               (*params, limit, offset)).fetchall()
        return [dict(r) for r in rows], total

    def heads_on(self, post: str, day: date) -> list[dict[str, Any]]:
        return self._on("heads_of_post", post, day)

    def charges_on(self, post: str, day: date) -> list[dict[str, Any]]:
        return self._rows(f"SELECT * FROM {self.t('charges')} WHERE post_code = ? AND since <= ?"
                          " AND (until IS NULL OR until >= ?) ORDER BY since",
                          (post, day.isoformat(), day.isoformat()))

    def leave_years(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], dict]:
        out = {}
        for agent_id, year in keys:
            for r in self._rows(f"SELECT * FROM {self.t('leave_years')} WHERE agent_id = ? "
                                "AND year = ?", (agent_id, year)):
                out[(agent_id, year)] = r
        return out

    def seals(self, stream_id: str) -> dict[int, dict[str, Any]]:
        """The ledger rows of one stream, by version (empty before the first seal)."""
        rows = self._rows(f"SELECT position, version, hash, previous FROM {self.t('ledger')} "
                          "WHERE stream_id = ?", (stream_id,))
        return {r["version"]: r for r in rows}

    def breaches(self, agent_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {a: [] for a in agent_ids}
        if agent_ids:
            marks = ", ".join("?" * len(agent_ids))
            for r in self._rows(f"SELECT * FROM {self.t('breaches')} WHERE agent_id IN "
                                f"({marks}) ORDER BY on_date, version", agent_ids):
                out[r["agent_id"]].append(r)
        return out

    def audit(self, q: AuditQuery, after: int, limit: int
              ) -> tuple[list[dict[str, Any]], int, bool]:
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
        for column, op, value in (("recorded_at", ">=", q.recorded_from),
                                  ("recorded_at", "<=", q.recorded_to),
                                  ("effective_date", ">=", q.effective_from),
                                  ("effective_date", "<=", q.effective_to)):
            if value is not None:
                conds.append(f"{column} {op} ?")
                params.append(_utc(value).isoformat())
        where = " AND ".join(conds)
        total = self.log_size() if not params else self._rows(
            f"SELECT count(*) AS n FROM {self.t('audit_log')} WHERE {where}", params)[0]["n"]
        # each entry with its seal (hash, previous hash); not yet sealed: null
        rows = self._rows(f"SELECT a.*, l.hash, l.previous AS previous_hash FROM ("
                          f"{self._audit_page(where, q)}) a LEFT JOIN {self.t('ledger')} l "
                          "ON l.position = a.position ORDER BY a.position",
                          [*params, after, limit + 1])
        return rows[:limit], total, len(rows) > limit

    def _audit_page(self, where: str, q: AuditQuery) -> str:
        """The page's rows in log order (parameters: the filter's, after, limit).

        One agent's entries are few: PostgreSQL must find them by the agent's index and
        sort them. Left to itself (no statistics after a bulk rebuild) it walked the
        whole log in position order looking for them: 1 s per page at 1.5 M events.
        ``OFFSET 0`` plans the agent's rows on their own first, the cursor applied after
        (a ``position > ?`` inside made it combine the whole position index, 90 ms).
        """
        rows = f"SELECT * FROM {self.t('audit_log')} WHERE {where}"
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
                count += self._rows(f"SELECT count(*) AS n FROM {self.t('audit_log')} WHERE "
                                    "position > ? AND position <= ?", (covered, top))[0]["n"]
                self._log_size = (top, count)
            return count

    def _top(self) -> int:
        """The highest position in ``audit_log`` (0 when empty)."""
        return self._rows(f"SELECT max(position) AS top FROM {self.t('audit_log')}"
                          )[0]["top"] or 0
