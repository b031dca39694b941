"""Rebuilds views from zero in one pass over the log, beside the live tables, then swaps.

H, the head when the rebuild starts, is the highest position a follower can read (with
the concurrent PostgreSQL recorder every event up to it is committed). The events up to
H are read once, grouped by aggregate (``projections.engine.streams``); each view's rows are
computed by the same pure functions as the incremental path (``View.stream_rows``) and
bulk-loaded into tables named with ``REBUILD_SUFFIX`` (COPY on PostgreSQL, large
``executemany`` on SQLite), without keys or indexes, which are built once loaded. Then
one transaction drops the live tables, renames the rebuilt ones and sets every rebuilt
view's position to H: the incremental worker goes on from there. Readers see the live
tables until that commit; a failure (a poison event, a lost connection) drops the
rebuilt tables and leaves the live ones and their positions as they were. A poison event
is reported with its position; of several, the lowest among those met first in each
process's order (by aggregate), not necessarily the lowest in the log.

On PostgreSQL the aggregates are split by id range between processes (one per core by
default), each with its own connections: decoding and projecting are CPU-bound Python.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from agent_records.config import settings
from agent_records.eventstore.recorders.sql import events_table
from projections.engine.base import DAY_TRACKING, AgentStateView, Table, View
from projections.engine.loading import copy_types, load, postgres_sink, sqlite_sink
from projections.engine.partitions import Partitions
from projections.engine.store import Sql, ViewStore
from projections.engine.streams import id_ranges, postgres_notes, sqlite_notes

REBUILD_SUFFIX = "__rebuild"
MAINTENANCE_MEMORY = "256MB"
"""Per index build: the largest (3 million leave years) then sort in memory."""
APPLICATION_NAME = "agent-records rebuild"
"""How the rebuild's sessions show in ``pg_stat_activity`` (operators, the benchmark)."""
Progress = Callable[[int, int], None]


class OnePass:
    """Rebuilds ``live`` views (rebuildable ones) from zero in one pass, then swaps."""

    def __init__(self, store: ViewStore, live: Sequence[View], pg_args: dict[str, Any],
                 processes: int | None = None, chunk: int = 20_000) -> None:
        self.store = store
        self.live = list(live)
        self.fresh = [type(v)(store, suffix=REBUILD_SUFFIX) for v in live]
        self.pg_args = {**pg_args, "application_name": APPLICATION_NAME}
        cores = settings().rebuild_processes or os.cpu_count() or 1
        self.processes = processes or (cores if store.postgres else 1)
        self.chunk = chunk
        self.phases: dict[str, float] = {}

    def run(self, progress: Progress | None = None) -> int:
        """Builds, indexes and swaps in; returns how many events were read."""
        head = self.store.head()
        self.prepare()
        try:
            with self.timed("read and load"):
                count = self.load(head, progress or (lambda done, total: None))
            with self.timed("keys and indexes"):
                self.complete()
            with self.timed("swap"):
                self.swap(head)
        except BaseException:
            self.drop()
            raise
        if progress:
            progress(head, head)
        return count

    @contextlib.contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Records the seconds a phase took in ``phases`` (the CLI prints them)."""
        started = time.perf_counter()
        yield
        self.phases[phase] = time.perf_counter() - started

    def prepare(self) -> None:
        """Empty tables beside the live ones (leftovers of a failed rebuild dropped)."""
        self.drop()
        with self.store.transaction() as sql:
            for view in self.fresh:
                view.create(sql, keyed=not self.store.postgres, indexed=False)

    def complete(self) -> None:
        """Keys and indexes of the loaded tables: on PostgreSQL a table per connection,
        ``processes`` at once, the largest first; on SQLite in one transaction."""
        tables = [(view, t) for view in self.fresh for t in view.tables]
        if not self.store.postgres:
            with self.store.transaction() as sql:
                for view, t in tables:
                    view.complete(sql, t, keyed=True)
            return
        work = {physical: self.size(physical) * (1 + len(t.indexes))
                for view, t in tables for physical in [view.names[t.name]]}
        tables.sort(key=lambda vt: -work[vt[0].names[vt[1].name]])
        with ThreadPoolExecutor(self.processes) as pool:
            for done in [pool.submit(self.complete_table, view, t) for view, t in tables]:
                done.result()

    def size(self, physical: str) -> int:
        """A loaded table's size in bytes (PostgreSQL)."""
        with self.store.reading() as sql:
            size: int = sql.execute("SELECT pg_total_relation_size(?::regclass) AS n",
                                    (physical,)).fetchone()["n"]
            return size

    def complete_table(self, view: View, t: Table) -> None:
        """One table's key, indexes and statistics (readers' queries are planned well from
        the swap on, not from autovacuum's first visit), on a connection of its own."""
        with psycopg.connect(**self.pg_args, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(f"SET maintenance_work_mem = '{MAINTENANCE_MEMORY}'")
            view.complete(Sql(cur, True), t, keyed=False)
            cur.execute(f"ANALYZE {view.names[t.name]}")

    def drop(self) -> None:
        """Drops the rebuilt tables and their positions (if any: earlier rebuilds)."""
        with self.store.transaction() as sql:
            for view in self.fresh:
                for physical in view.names.values():
                    sql.execute(f"DROP TABLE IF EXISTS {physical}")
            sql.execute(f"DELETE FROM {self.store.tracking_table} WHERE application_name IN "
                        f"({', '.join('?' * len(self.fresh))})",
                        [v.tracking_name for v in self.fresh])

    def swap(self, head: int) -> None:
        """Replaces the live tables by the rebuilt ones and sets positions to ``head``,
        in one transaction."""
        with self.store.transaction() as sql:  # positions first: see Worker.step
            sql.execute(f"DELETE FROM {self.store.tracking_table} WHERE application_name IN "
                        f"({', '.join('?' * len(self.live))})", [v.name for v in self.live])
            for fresh in self.fresh:
                for t in fresh.tables:
                    sql.execute(f"DROP TABLE IF EXISTS {self.store.table(t.name)}")
                    sql.execute(f'ALTER TABLE {fresh.names[t.name]} RENAME TO "{t.name}"')
            if head:
                for view in self.live:
                    self.store.track(sql, view.name, head)
            self.track_days(sql)

    def track_days(self, sql: Sql) -> None:
        """The rebuilt views of agents' states are as of the day they were computed."""
        daily = [v for v in self.fresh if isinstance(v, AgentStateView)]
        if not daily:
            return
        names = [v.name + DAY_TRACKING for v in daily]
        sql.execute(f"DELETE FROM {self.store.tracking_table} WHERE application_name IN "
                    f"({', '.join('?' * len(names))})", names)
        for view, name in zip(daily, names, strict=True):
            self.store.track(sql, name, view.day.toordinal())

    def load(self, head: int, progress: Progress) -> int:
        """Reads the log up to ``head`` once and loads every rebuilt view's rows."""
        mapper = self.store.app.mapper
        if not self.store.postgres:
            notes = sqlite_notes(self.store, head)
            return load(notes, mapper, self.fresh, sqlite_sink(self.store), self.chunk,
                        lambda done: progress(done, head))
        ranges = id_ranges(self.processes)
        if len(ranges) == 1:
            return self.partition(head, ranges[0], lambda done: progress(done, head))
        return Partitions(lambda ids, report: self.partition(head, ids, report), ranges
                          ).run(lambda done: progress(done, head))

    def partition(self, head: int, ids: tuple[Any, Any], report: Callable[[int], None]) -> int:
        """The aggregates with ids in ``ids``: read through one connection, written through
        another (each chunk committed: the tables are nobody's until the swap)."""
        table = self.store.table(events_table(self.store.app.recorder))
        with psycopg.connect(**self.pg_args) as reading, \
                psycopg.connect(**self.pg_args, autocommit=True) as writing:
            notes: Iterable[Notification] = postgres_notes(reading, table, head, ids)
            sink = postgres_sink(writing, copy_types(self.fresh))
            return load(notes, self.store.app.mapper, self.fresh, sink, self.chunk, report)
