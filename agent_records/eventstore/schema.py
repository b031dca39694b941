"""Store set-up: the PostgreSQL schema named in the store URL, and direct connections.

The library creates its tables on first use, but only in a schema that exists; the store
URL may name a fresh one (``?schema=``), which is created here first. Tables follow when
the recorders start (``recorders.postgres`` creates its own under a lock).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from agent_records.config import TARGET_SESSION_ATTRS, StoreSettings
from agent_records.eventstore.errors import guard


def connection_args(settings: StoreSettings, timeout: int = 5) -> dict[str, Any]:
    """``psycopg.connect``'s arguments for the PostgreSQL server of ``settings``: every
    connection of its own (outside the pools) is made with them, so that a URL of several
    hosts finds the same server (``target_session_attrs``) as the pools do."""
    env = settings.env
    args: dict[str, Any] = {
        "dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"],
        "port": env["POSTGRES_PORT"], "user": env["POSTGRES_USER"],
        "password": env["POSTGRES_PASSWORD"] or None, "connect_timeout": timeout}
    if TARGET_SESSION_ATTRS in env:
        args["target_session_attrs"] = env[TARGET_SESSION_ATTRS]
    return args


def connect(settings: StoreSettings, timeout: int, **kwargs: Any) -> psycopg.Connection[Any]:
    """A connection of its own to the PostgreSQL server of ``settings``, outside any pool
    (to create the schema; to tell an outage from a busy pool)."""
    return psycopg.connect(**connection_args(settings, timeout), **kwargs)


def ensure_schema(settings: StoreSettings) -> None:
    """Creates the PostgreSQL schema named in the URL if missing (tables follow on use)."""
    schema = settings.env.get("POSTGRES_SCHEMA")
    if settings.backend != "postgres" or not schema:
        return
    with guard(settings), connect(settings, 5, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
