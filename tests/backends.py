"""PostgreSQL test schemas, shared by the test suite and the benchmarks.

Every PostgreSQL test gets a fresh schema in the ``test`` database, so tests never see
each other's events and can run in any order; dropping the schema cleans up everything.
"""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
PG_DATABASE = "test"
PG_DSN = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not reachable; the suite needs it (``.ci/run`` starts it)."""


def _connect() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise PostgresUnavailable(
            f"PostgreSQL is required at {PG_HOST}:{PG_PORT} (database {PG_DATABASE!r}, "
            f"user {PG_USER!r}, trust auth); start it, e.g. with `.ci/run`. Cause: {exc}"
        ) from exc


def store_url(schema: str) -> str:
    """The store URL (as ``AGENT_RECORDS_STORE`` takes it) for a schema of the test database."""
    return f"{PG_DSN}?schema={schema}"


def create_schema() -> str:
    """Create a fresh, uniquely named schema and return its name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with _connect() as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    return name


def drop_schema(name: str) -> None:
    """Drop a schema made by :func:`create_schema`, with everything in it."""
    with _connect() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def schema_exists(name: str) -> bool:
    """Whether the schema is listed in ``information_schema.schemata``."""
    with _connect() as conn:
        row = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (name,)
        ).fetchone()
    return row is not None
