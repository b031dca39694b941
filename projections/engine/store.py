"""Where read models live: SQL tables beside the event store, with the library's tracking.

The tables sit in the store's own database (the SQLite file, or the PostgreSQL schema)
and each projection's position is a row of the eventsourcing library's tracking table.
A projection writes its rows and its position through one cursor, in one transaction:
the library's single-row tracking refuses a position that is not ahead of the stored
one, so an event is applied exactly once even when two workers race.
"""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.rows import dict_row

from agent_records.application import AgentRecords
from agent_records.domain.bounds import utc_today
from agent_records.eventstore.errors import guard
from agent_records.eventstore.schema import connect


class SQLiteViews(SQLiteTrackingRecorder):
    """The library's SQLite tracking recorder, letting views track inside their transaction."""

    def track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)


class PostgresViews(PostgresTrackingRecorder):
    """The library's PostgreSQL tracking recorder, likewise."""

    def track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)


def named_rows(cursor: Any) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """psycopg's ``dict_row`` with the column names interned: read functions make their
    rows with ``Row(**mapping)``, and Python matches keyword names that are not the
    parameters' own (interned) strings one comparison at a time, about 20 per field of
    an ``AgentRow``: 16 % of the instructions of a whole roster's answer (callgrind,
    BENCHMARKS.md). The same mapping, keys equal; only their identity changes."""
    columns = cursor.description
    if columns is None:  # no rows to make: psycopg's own answer
        made: Callable[[Sequence[Any]], dict[str, Any]] = dict_row(cursor)
        return made
    names = [sys.intern(column.name) for column in columns]

    def named(values: Sequence[Any]) -> dict[str, Any]:
        return dict(zip(names, values, strict=True))

    return named


class Sql:
    """A cursor that speaks one SQL text on both backends (``?`` placeholders)."""

    def __init__(self, cursor: Any, postgres: bool) -> None:
        self.cursor = cursor
        self.postgres = postgres
        if postgres and cursor.row_factory is dict_row:  # the same rows, names interned
            cursor.row_factory = named_rows

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Sql:
        if self.postgres:
            statement = statement.replace("?", "%s")
        if params:
            self.cursor.execute(statement, tuple(params))
        else:
            self.cursor.execute(statement)
        return self

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """All rows in one call (psycopg sends them in one pipeline)."""
        if self.postgres:
            statement = statement.replace("?", "%s")
        self.cursor.executemany(statement, [tuple(r) for r in rows])

    def fetchall(self) -> list[Any]:
        return list(self.cursor.fetchall())

    def fetchone(self) -> Any:
        return self.cursor.fetchone()


STOPS_TABLE = "projection_stops"
"""Where a stopped view's stop is kept, so that every process sees it (the service's
``/readyz`` and ``projectionStatus`` when an external worker projects)."""


@dataclass(frozen=True)
class Stop:
    """A view stopped at an event it cannot project: the event, the error, since when."""

    name: str
    position: int
    event_type: str
    error: str
    since: str


class ViewStore:
    """The read-model tables of one store and the positions of their projections."""

    def __init__(self, app: AgentRecords, today: Callable[[], date] | None = None) -> None:
        self.app = app
        self.today = today or utc_today
        """The UTC day (a test passes its own clock): what the read views are as of."""
        self.postgres = app.settings.backend == "postgres"
        cls = PostgresViews if self.postgres else SQLiteViews
        with self.ddl_lock(), guard(app.settings):
            tracking = app.factory.tracking_recorder(cls)
        # The factory returns an instance of the class it is given; the library annotates
        # it as the factory's own class parameter (TrackingRecorder) instead.
        self.tracking: SQLiteViews | PostgresViews = tracking  # type: ignore[assignment]
        self.schema = (self.tracking.datastore.schema
                       if isinstance(self.tracking, PostgresViews) else None)

    @contextmanager
    def ddl_lock(self) -> Iterator[None]:
        """Serialises creating tables between workers that start at once.

        PostgreSQL's ``CREATE TABLE IF NOT EXISTS`` fails (duplicate ``pg_type`` key) when
        another transaction creates the same table concurrently; on SQLite the library's
        tracking table setup fails likewise (its ``__migration__`` row is inserted twice).
        """
        if not self.postgres:
            path = Path(self.app.settings.env["SQLITE_DBNAME"] + ".ddl.lock")
            with path.open("w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                yield  # released when the file is closed
            return
        env = self.app.settings.env
        key = f"{env.get('POSTGRES_SCHEMA') or 'public'}:projections-ddl"
        with guard(self.app.settings), connect(self.app.settings, 5, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
            yield  # released when the connection closes

    def table(self, name: str) -> str:
        """A table's name as SQL, qualified by the schema on PostgreSQL."""
        return f'"{self.schema}"."{name}"' if self.schema else f'"{name}"'

    @property
    def tracking_table(self) -> str:
        """The library's tracking table (name differs between backends)."""
        if isinstance(self.tracking, PostgresViews):
            return self.table(self.tracking.tracking_table_name)
        return '"tracking"'

    @contextmanager
    def transaction(self) -> Iterator[Sql]:
        """One transaction, committed when the block ends without error.

        On SQLite it takes the write lock first (a write that matches no row): a deferred
        transaction that reads before it writes fails at once with "database is locked"
        when another connection commits in between, without waiting for the lock.
        """
        with guard(self.app.settings), self.tracking.datastore.transaction(
                commit=True) as cursor:
            sql = Sql(cursor, self.postgres)
            if not self.postgres:
                sql.execute(f"UPDATE {self.tracking_table} SET notification_id = "
                            "notification_id WHERE 0")
            yield sql

    @contextmanager
    def reading(self) -> Iterator[Sql]:
        """A read-only transaction."""
        with guard(self.app.settings), self.tracking.datastore.transaction(
                commit=False) as cursor:
            yield Sql(cursor, self.postgres)

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one read-only statement (mappings by column name).

        On PostgreSQL the statement runs alone on a pooled connection (autocommit: one
        statement is a transaction of its own) instead of between a BEGIN and a
        ROLLBACK: one round trip instead of three. Several statements that must agree
        use ``reading()``.
        """
        if not isinstance(self.tracking, PostgresViews):
            with self.reading() as sql:
                return sql.execute(statement, params).fetchall()
        with guard(self.app.settings), \
                self.tracking.datastore.get_connection() as conn:
            return Sql(conn.cursor(), True).execute(statement, params).fetchall()

    def track(self, sql: Sql, name: str, position: int) -> None:
        """Records ``position`` for projection ``name`` in the open transaction."""
        self.tracking.track(sql.cursor, Tracking(name, position))

    def locked_position(self, sql: Sql, name: str) -> int:
        """Projection ``name``'s position in the open transaction, its row locked until
        the end of it (on SQLite the transaction holds the write lock already): a swap
        that replaces the position waits for this transaction, or this one sees it."""
        lock = " FOR UPDATE" if self.postgres else ""
        row = sql.execute(f"SELECT notification_id FROM {self.tracking_table} "
                          f"WHERE application_name = ?{lock}", (name,)).fetchone()
        return row["notification_id"] if row else 0

    def position(self, name: str) -> int:
        """The last position projection ``name`` has applied (0 when none)."""
        with guard(self.app.settings):
            return self.tracking.max_tracking_id(name) or 0

    def head(self) -> int:
        """The position of the last event in the store (0 when empty)."""
        with guard(self.app.settings):
            return self.app.recorder.max_notification_id() or 0

    def exists(self, table: str) -> bool:
        """Whether ``table`` exists (built at least once)."""
        with self.reading() as sql:
            return self.has_table(sql, table)

    def has_table(self, sql: Sql, table: str) -> bool:
        """Whether ``table`` exists, as the open transaction ``sql`` sees it."""
        if self.postgres:
            row = sql.execute("SELECT count(*) AS n FROM information_schema.tables "
                              "WHERE table_schema = ? AND table_name = ?",
                              (self.schema, table)).fetchone()
        else:
            row = sql.execute("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' "
                              "AND name = ?", (table,)).fetchone()
        return bool(row["n"])

    def create_stops(self, sql: Sql) -> None:
        """The table of stopped views (one row per stopped view)."""
        sql.execute(f"CREATE TABLE IF NOT EXISTS {self.table(STOPS_TABLE)} (name TEXT NOT NULL "
                    "PRIMARY KEY, position BIGINT NOT NULL, event_type TEXT NOT NULL, "
                    "error TEXT NOT NULL, since TEXT NOT NULL)")

    def record_stop(self, name: str, position: int, event_type: str, error: str) -> None:
        """Keeps (or replaces) the stop of view ``name``."""
        since = datetime.now(UTC).isoformat(timespec="seconds")
        with self.transaction() as sql:
            sql.execute(f"DELETE FROM {self.table(STOPS_TABLE)} WHERE name = ?", (name,))
            sql.execute(f"INSERT INTO {self.table(STOPS_TABLE)} VALUES (?, ?, ?, ?, ?)",
                        (name, position, event_type, error, since))

    def clear_stop(self, name: str) -> None:
        """Forgets the stop of view ``name`` (it went past the event)."""
        with self.transaction() as sql:
            sql.execute(f"DELETE FROM {self.table(STOPS_TABLE)} WHERE name = ?", (name,))

    def stops(self) -> dict[str, Stop]:
        """The recorded stops by view name (a stop is current while the view's position
        is before it: the reader compares)."""
        with self.reading() as sql:
            found = sql.execute(f"SELECT name, position, event_type, error, since FROM "
                                f"{self.table(STOPS_TABLE)}").fetchall()
        return {r["name"]: Stop(r["name"], r["position"], r["event_type"], r["error"],
                                r["since"]) for r in found}
