"""Store set-up: the PostgreSQL schema named in the store URL, and direct connections.

The library creates its tables on first use, but only in a schema that exists; the store
URL may name a fresh one (``?schema=``), which is created here first. Tables follow when
the recorders start (``recorders.postgres`` creates its own under a lock).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from agent_records.config import StoreSettings
from agent_records.eventstore.errors import guard


def connect(settings: StoreSettings, timeout: int, **kwargs: Any) -> psycopg.Connection[Any]:
    """A connection of its own to the PostgreSQL server of ``settings``, outside any pool
    (to create the schema; to tell an outage from a busy pool)."""
    env = settings.env
    return psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                           port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                           password=env["POSTGRES_PASSWORD"] or None, connect_timeout=timeout,
                           **kwargs)


def ensure_schema(settings: StoreSettings) -> None:
    """Creates the PostgreSQL schema named in the URL if missing (tables follow on use)."""
    schema = settings.env.get("POSTGRES_SCHEMA")
    if settings.backend != "postgres" or not schema:
        return
    with guard(settings), connect(settings, 5, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
