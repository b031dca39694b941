"""Loading rebuilt rows in bulk: buffers per table, COPY on PostgreSQL, SQLite in chunks.

The one-pass rebuild computes rows for every aggregate with the views' own pure
functions and writes them ``chunk`` events at a time: one ``COPY`` per table on
PostgreSQL (an order of magnitude faster than INSERTs), one ``executemany`` per table in
one transaction on SQLite. Progress is reported after each chunk is written.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from projections.engine.base import ProjectionStopped, Stream, View, fault
from projections.engine.store import ViewStore
from projections.engine.streams import stream, streams

Rows = list[tuple[Any, ...]]
Sink = Callable[[dict[str, Rows]], None]
"""Writes rows by physical table name."""
NAME = "rebuild"
"""The name a poison event is reported under: every rebuilt view stops there."""


def load(notes: Iterable[Notification], mapper: Any, views: Sequence[View], sink: Sink,
         chunk: int, report: Callable[[int], None]) -> int:
    """Every view's rows of every aggregate in ``notes``; returns how many events."""
    buffers: dict[str, Rows] = {p: [] for v in views for p in v.names.values()}
    count = written = 0
    with collecting_less():
        for one in streams(notes, mapper, NAME):
            for view in views:
                for table, rows in rows_of(view, one).items():
                    buffers[view.names[table]].extend(rows)
            count += len(one.events)
            if count - written >= chunk:
                flush(sink, buffers)
                written = count
                report(count)
        flush(sink, buffers)
    report(count)
    return count


GC_ALLOCATIONS = 50_000
"""Allocations between two young collections while loading (Python's default: 700)."""


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """Fewer garbage collections while loading, as they were before after it.

    A rebuild makes and drops millions of small objects (decoded events, states, rows),
    few in cycles; with Python's thresholds the collector ran a thousand times per
    100,000 events and walked every object the process had (the application, its
    modules) at each full collection: a fifth of the load's CPU (measured with
    ``gc.callbacks``). The objects made before the load are frozen (never walked: they
    outlive it), and the young generation is collected every ``GC_ALLOCATIONS``
    allocations: cycles are still collected, in far fewer passes."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_ALLOCATIONS, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def rows_of(view: View, one: Stream) -> dict[str, Rows]:
    """``view``'s rows of an aggregate; if the view fails on it, a stop at the first event
    of the aggregate whose prefix it fails on (as the incremental path would stop)."""
    try:
        return view.stream_rows(one)
    except ProjectionStopped:
        raise
    except Exception as exc:
        for k in range(1, len(one.events) + 1):
            position, event = one.events[k - 1]
            try:
                view.stream_rows(stream(one.events[:k]))
            except Exception as at:
                raise fault(view.name, position, event, at) from at
        position, event = one.events[-1]
        raise fault(view.name, position, event, exc) from exc


def flush(sink: Sink, buffers: dict[str, Rows]) -> None:
    """Writes and empties the buffers."""
    sink({table: rows for table, rows in buffers.items() if rows})
    for rows in buffers.values():
        rows.clear()


BINARY_TYPES = {"TEXT": "text", "INTEGER": "int4", "BIGINT": "int8"}
"""The PostgreSQL type a column's SQL type (its first word) is sent as in a binary COPY."""


def copy_types(views: Sequence[View]) -> dict[str, list[str]]:
    """Each physical table's column types for a binary COPY (``BINARY_TYPES``)."""
    return {v.names[t.name]: [BINARY_TYPES[c.sql.split()[0]] for c in t.columns]
            for v in views for t in v.tables}


def postgres_sink(conn: psycopg.Connection[Any], types: dict[str, list[str]]) -> Sink:
    """COPY into each table, one transaction per chunk, in binary with each column's type
    (``copy_types``): the values travel as the server stores them, with neither side
    formatting or parsing text (half the client's CPU of COPY). A value not of its
    column's type fails the COPY (a number for a text, which the text format would have
    taken); a bool, an int to Python, would be stored as 0 or 1 (no view writes one)."""
    def write(tables: dict[str, Rows]) -> None:
        with conn.transaction(), conn.cursor() as cur:
            for table, rows in tables.items():
                with cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(types[table])
                    for row in rows:
                        copy.write_row(row)
    return write


def sqlite_sink(store: ViewStore) -> Sink:
    """``executemany`` per table, one transaction per chunk."""
    def write(tables: dict[str, Rows]) -> None:
        with store.transaction() as sql:
            for table, rows in tables.items():
                marks = ", ".join("?" * len(rows[0]))
                sql.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    return write
