"""What the recorder and the import do on a raw PostgreSQL connection: copy rows in bulk,
save through the connection's own cursor, raise psycopg's errors as the library does, and
hand a connection back to the pool clean."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)
from psycopg import Connection, Cursor
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow, tuple_row
from psycopg.sql import SQL, Composable, Identifier

COLUMNS = ("originator_id", "originator_version", "topic", "state")
"""The event table's columns a writer fills (the id and the xid have defaults)."""


def copy_rows(curs: Cursor[Any], table: Composable, columns: Sequence[str],
              types: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Streams ``rows`` into ``table`` with binary COPY: psycopg sends every 32 kB as it
    fills, so memory does not grow with the number of rows (the bulk save, the import)."""
    statement = SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        table, SQL(", ").join(map(Identifier, columns)))
    with curs.copy(statement) as copy:
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)


def release(conn: Connection[Any]) -> None:
    """Rolls back and drops every session advisory lock before the connection is pooled
    again; closes it (the server then ends the session and its locks) when that fails."""
    try:
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.rollback()
        conn.execute("SELECT pg_advisory_unlock_all()")
    except Exception:
        with contextlib.suppress(Exception):
            conn.close()


WRITER = "agent_records_writer"
"""The attribute of a pooled connection that holds its ``writer`` cursor."""


def writer(conn: Connection[Any]) -> Cursor[TupleRow]:
    """The connection's cursor for one-statement saves (rows as tuples), made at its first
    save and kept with it: a cursor made, run and closed per save cost about 50,000
    instructions, half as much as running the statement. Used by one thread at a time,
    as its connection; each ``execute`` starts it afresh; it goes with the connection (the
    two refer to each other: the cycle collector frees them once the pool, having closed
    the connection, drops it)."""
    cursor: Cursor[TupleRow] | None = conn.__dict__.get(WRITER)
    if cursor is None:
        cursor = conn.__dict__[WRITER] = conn.cursor(row_factory=tuple_row)
    return cursor


LIBRARY_ERRORS: tuple[tuple[type[psycopg.Error], type[PersistenceError]], ...] = (
    (psycopg.InterfaceError, InterfaceError), (psycopg.OperationalError, OperationalError),
    (psycopg.DataError, DataError), (psycopg.IntegrityError, IntegrityError),
    (psycopg.InternalError, InternalError), (psycopg.ProgrammingError, ProgrammingError),
    (psycopg.NotSupportedError, NotSupportedError), (psycopg.DatabaseError, DatabaseError),
    (psycopg.Error, PersistenceError))
"""psycopg's errors and the library's, in the order of the library's ``get_connection``
(``PostgresDatastore``), which a save that takes its connection from the pool directly
(``ConcurrentApplicationRecorder.insert_alone``) does not pass through."""


def library_error(exc: psycopg.Error) -> PersistenceError:
    """The library's error for ``exc``, as its ``get_connection`` raises it: a version
    conflict is its ``IntegrityError``, a lost connection its ``OperationalError`` (which
    the recorder retries)."""
    ours = next(theirs for psycopg_error, theirs in LIBRARY_ERRORS
                if isinstance(exc, psycopg_error))
    return ours(str(exc))
