"""Direct writes to a read-model table, behind the service's back (fault injection only)."""

from __future__ import annotations

import contextlib
import sqlite3
from urllib.parse import parse_qs, urlsplit

import psycopg
from psycopg import sql

from tests import backends


def set_agent_status(store: str, agent_id: str, status: str) -> None:
    """Overwrites the ``agents`` view's status of one agent (SQLite file or PG schema)."""
    if store.startswith("sqlite:///"):
        path = store[len("sqlite:///"):]
        with contextlib.closing(sqlite3.connect(path, timeout=10)) as db, db:
            db.execute('UPDATE "agents" SET status = ? WHERE agent_id = ?', (status, agent_id))
        return
    schema = parse_qs(urlsplit(store).query)["schema"][0]
    with psycopg.connect(backends.PG_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("UPDATE {}.agents SET status = %s WHERE agent_id = %s").format(
            sql.Identifier(schema)), (status, agent_id))
