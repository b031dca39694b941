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

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

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
