"""Persistence: the library's own recorders, our transcodings, clear store errors.

The event store is the eventsourcing library's (SQLite file or PostgreSQL table
``agentrecords_events``), created on first use. This module adds what the library does
not know: how our dates and value objects are stored, and how to say in one sentence
that the store cannot be reached instead of showing a traceback.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    DatabaseError,
    DatetimeAsISO,
    EventStore,
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    Notification,
    OperationalError,
    PersistenceError,
    Recording,
    StoredEvent,
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


class FastJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, byte for byte, without its cost per event.

    The stored bytes are hashed into the integrity chain, so they must not change: this
    uses the very C encoder the library's ``json.JSONEncoder`` uses, with the same
    separators, ``ensure_ascii=False`` and the same ``default`` (our transcodings). Only
    the wrapping goes: ``JSONEncoder.encode`` builds a new C encoder and a dict of
    markers for every event, a third of the time a bulk save spent encoding. Built once,
    without the circular-reference markers (an event is a tree; a cycle would end in
    ``RecursionError`` instead of ``ValueError``). ``tests/integration/test_bulk_save.py``
    checks the bytes against the library's transcoder.
    """

    def __init__(self) -> None:
        self.wrappers: dict[type, Callable[[Any], dict[str, Any]]] = {}
        super().__init__()
        self.iterencode = c_make_encoder(None, self._encode_obj, encode_basestring, None,
                                         ":", ",", False, False, True) if c_make_encoder \
            else None

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        name, encode = transcoding.name, transcoding.encode
        if type(transcoding) in (DateAsISO, DatetimeAsISO):
            encode = transcoding.type.isoformat  # what their ``encode`` calls, one call less
        self.wrappers[transcoding.type] = lambda obj: {"_type_": name, "_data_": encode(obj)}

    def encode(self, obj: Any) -> bytes:
        if self.iterencode is None:  # a Python without the C accelerator
            return super().encode(obj)
        return "".join(self.iterencode(obj, 0)).encode("utf8")

    def _encode_obj(self, o: Any) -> dict[str, Any]:
        """The library's ``{"_type_": name, "_data_": ...}``, from one lookup and call."""
        wrap = self.wrappers.get(type(o))
        return wrap(o) if wrap else super()._encode_obj(o)


class Transcoded(Sequence[StoredEvent]):
    """Domain events as stored events, each encoded when first reached, then kept.

    Handed to a recorder that streams a large save with COPY, the encoding of the next
    events overlaps the server inserting those already sent, instead of all of it
    preceding the first row (``bench/bulk.py``). Kept, so that a retried insert does not
    encode twice, and the recordings reuse them.
    """

    def __init__(self, events: Sequence[Any], encode: Callable[[Any], StoredEvent]) -> None:
        self.events, self.encode = events, encode
        self.done: list[StoredEvent] = []

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]  # negative indexes, IndexError
        if index >= len(self.done):
            self.done.extend(map(self.encode, self.events[len(self.done):index + 1]))
        return self.done[index]

    def __iter__(self) -> Iterator[StoredEvent]:
        yield from self.done[:]
        for event in self.events[len(self.done):]:
            self.done.append(self.encode(event))
            yield self.done[-1]


class StreamingEventStore(EventStore[Any]):
    """The library's event store; a save large enough for the recorder's COPY path
    (``COPY_ROWS`` of ``agent_records.recorder``) is encoded while it is copied."""

    def put(self, domain_events: Sequence[DomainEventProtocol[Any]], **kwargs: Any
            ) -> list[Recording[Any]]:
        if len(domain_events) < getattr(self.recorder, "COPY_ROWS", float("inf")):
            return super().put(domain_events, **kwargs)
        stored = Transcoded(domain_events, self.mapper.to_stored_event)
        ids = self.recorder.insert_events(stored, **kwargs)
        assert ids is not None and len(ids) == len(stored)
        return [Recording(d, Notification(originator_id=s.originator_id,
                                          originator_version=s.originator_version,
                                          topic=s.topic, state=s.state, id=n))
                for d, s, n in zip(domain_events, stored, ids, strict=True)]


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
