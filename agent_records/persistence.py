"""Persistence: the library's own recorders, our transcodings, clear store errors.

The event store is the eventsourcing library's (SQLite file or PostgreSQL table
``agentrecords_events``), created on first use. This module adds what the library does
not know: how our dates and value objects are stored, and how to say in one sentence
that the store cannot be reached instead of showing a traceback.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    Transcoding,
)

from agent_records.config import StoreSettings
from agent_records.domain.errors import DomainError
from agent_records.domain.values import VALUE_TYPES


class StoreUnavailable(DomainError):
    """The event store cannot be reached or refused the operation; nothing was recorded."""

    code = "store_unavailable"


class DateAsISO(Transcoding):
    """Calendar dates (effective dates, birth dates) as ISO 8601 text."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ValueAsDict(Transcoding):
    """A frozen value object as a mapping of its fields, named by its class name."""

    def __init__(self, cls: type) -> None:
        self.type = cls
        self.name = cls.__name__
        self.fields = tuple(f.name for f in dataclasses.fields(cls))  # once, not per value

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Registers dates and the domain's value objects."""
    transcoder.register(DateAsISO())
    for cls in VALUE_TYPES:
        transcoder.register(ValueAsDict(cls))


def ensure_schema(settings: StoreSettings) -> None:
    """Creates the PostgreSQL schema named in the URL if missing (tables follow on use)."""
    schema = settings.env.get("POSTGRES_SCHEMA")
    if settings.backend != "postgres" or not schema:
        return
    env = settings.env
    with guard(settings), psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=5, autocommit=True,
    ) as conn:
        conn.execute(psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
            psycopg.sql.Identifier(schema)))


UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError,
               psycopg.InterfaceError, sqlite3.OperationalError, OSError)


@contextmanager
def guard(settings: StoreSettings | None = None) -> Iterator[None]:
    """Turns a failed connection or query into ``StoreUnavailable`` with the reason."""
    where = f" ({settings.display})" if settings else ""
    try:
        yield
    except IntegrityError:
        raise
    except UNAVAILABLE as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreUnavailable(f"the event store is unavailable{where}: {reason}") from exc
    except (DatabaseError, PersistenceError, psycopg.Error) as exc:
        raise StoreUnavailable(f"the event store refused the operation{where}: "
                               f"{type(exc).__name__}") from exc


class FailFast:
    """While the PostgreSQL server is down, store calls fail at once instead of stalling.

    The library waits up to ``POSTGRES_CONNECT_TIMEOUT`` for a pooled connection and runs
    each recorder call up to ten times: in an outage every call blocked about 52 seconds
    (holding a server thread) before failing. Here a pool that cannot give a connection
    while the server refuses a direct one raises ``StoreUnavailable``, which the library
    does not retry; while down, each call first probes the server with one connection,
    so an outage is answered in milliseconds and the recovery is seen at the next call.
    """

    def __init__(self, settings: StoreSettings, pool: psycopg_pool.ConnectionPool) -> None:
        self.settings = settings
        self.acquire = pool.getconn
        self.down = False
        pool.getconn = self.getconn  # type: ignore[method-assign]

    def probe(self) -> str | None:
        """Why the server refuses a direct connection, or None when it accepts one."""
        env = self.settings.env
        try:
            with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                                 port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                                 password=env["POSTGRES_PASSWORD"] or None, connect_timeout=2):
                return None
        except psycopg.Error as exc:
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    def unavailable(self, reason: str) -> StoreUnavailable:
        return StoreUnavailable(f"the event store is unavailable ({self.settings.display}): "
                                f"{reason}")

    def getconn(self, timeout: float | None = None) -> Any:
        if self.down and (reason := self.probe()):
            raise self.unavailable(reason)
        try:
            conn = self.acquire(timeout)
        except psycopg_pool.PoolTimeout:
            reason = self.probe()
            self.down = reason is not None
            if reason:
                raise self.unavailable(reason) from None
            raise  # a busy pool, not an outage: the library's own retries apply
        self.down = False
        return conn
