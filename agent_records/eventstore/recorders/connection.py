"""What the recorder and the import do on a raw PostgreSQL connection: copy rows in bulk,
and hand a connection back to the pool clean."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import Connection, Cursor
from psycopg.pq import TransactionStatus
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
