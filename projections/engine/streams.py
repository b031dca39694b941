"""The log read once, grouped by aggregate, for the one-pass rebuild.

Every view of an agent depends only on the agent's record as of its last event up to the
rebuild's head, and the audit rows are keyed by position: so instead of replaying an
agent once per batch that touches it, the rebuild reads the events up to the head in
order of (aggregate, version), decodes each event once and projects each aggregate once,
as the library's repository does, without reading it again.

PostgreSQL streams the rows through a server-side cursor (optionally one range of
aggregate ids, so that several processes share the log) in binary: the events' states
travel as stored instead of as hex text (less CPU on both sides); SQLite reads pages by
key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification
from psycopg.rows import tuple_row

from agent_records.eventstore.recorders.sql import sqlite_recorder
from projections.engine.base import ProjectionStopped, Stream, decoded, fault, unreadable
from projections.engine.store import ViewStore

FETCH = 5_000
"""Rows per round trip."""
WINDOW = 1_000
"""Events decoded before their keys are read at once (``decoded_notes``)."""
COLUMNS = "notification_id, originator_id, originator_version, topic, state"
PLAN = ("enable_seqscan = off", "enable_sort = off", "jit = off",
        "max_parallel_workers_per_gather = 0")
"""Read in the primary key's order: the planner otherwise sorts the whole table (on
disk, for each process) before the first row; the key order streams at once."""


def id_ranges(parts: int) -> list[tuple[UUID | None, UUID | None]]:
    """``parts`` ranges of aggregate ids covering them all (ids are uniform: uuid4/uuid5)."""
    bounds = [UUID(int=(i * 2**128) // parts) for i in range(1, parts)]
    return list(zip([None, *bounds], [*bounds, None], strict=True))


def postgres_notes(conn: psycopg.Connection[Any], table: str, head: int,
                   ids: tuple[UUID | None, UUID | None] = (None, None)) -> Iterator[Notification]:
    """Events up to ``head`` with ids in ``ids`` (from, before), by aggregate and version,
    through a server-side cursor in the connection's open transaction."""
    where = ["notification_id <= %s"]
    params: list[int | UUID] = [head]
    if ids[0] is not None:
        where.append("originator_id >= %s")
        params.append(ids[0])
    if ids[1] is not None:
        where.append("originator_id < %s")
        params.append(ids[1])
    for setting in PLAN:
        conn.execute(f"SET LOCAL {setting}")
    # binary: the server sends the state as it is stored, not hex text to decode
    with conn.cursor(name="rebuild_streams", row_factory=tuple_row, binary=True) as cur:
        cur.itersize = FETCH
        cur.execute(f"SELECT {COLUMNS} FROM {table} WHERE {' AND '.join(where)} "
                    "ORDER BY originator_id, originator_version", params)
        for nid, oid, version, topic, state in cur:
            yield Notification(id=nid, originator_id=oid, originator_version=version,
                               topic=topic, state=bytes(state))


def sqlite_notes(store: ViewStore, head: int) -> Iterator[Notification]:
    """Events up to ``head`` by aggregate and version, a page per short read (the SQLite
    writer of the rebuild commits between pages)."""
    recorder = sqlite_recorder(store.app.recorder)
    statement = (f"SELECT rowid, originator_id, originator_version, topic, state FROM "
                 f"{recorder.events_table_name} WHERE rowid <= ? AND (originator_id, "
                 "originator_version) > (?, ?) ORDER BY originator_id, originator_version "
                 "LIMIT ?")
    after: tuple[str, int] = ("", 0)
    while True:
        with store.reading() as sql:
            page = sql.execute(statement, (head, *after, FETCH)).fetchall()
        if not page:
            return
        for nid, oid, version, topic, state in page:
            yield Notification(id=nid, originator_id=recorder.convert_originator_id(oid),
                               originator_version=version, topic=topic, state=state)
        after = (page[-1][1], page[-1][2])


def streams(notes: Iterable[Notification], mapper: Any, name: str) -> Iterator[Stream]:
    """Each aggregate's events (decoded once) and the aggregate they project to; a poison
    event stops the rebuild ``name`` at its position."""
    events: list[tuple[int, Any]] = []
    for position, event in decoded_notes(notes, mapper, name):
        if events and event.originator_id != events[-1][1].originator_id:
            yield stream(events, name)
            events = []
        events.append((position, event))
    if events:
        yield stream(events, name)


def decoded_notes(notes: Iterable[Notification], mapper: Any, name: str
                  ) -> Iterator[tuple[int, Any]]:
    """Each note's position and domain event, in order; with sealing, ``WINDOW`` notes
    at a time: decoded with their sealed values as stored, the keys they need read in
    one statement (``Sealer.prefetch``; one per key was most of a sealed store's
    rebuild), then opened. Only the notes whose state names an envelope
    (``maybe_sealed``: a search of bytes) are looked into. A poison event stops at its
    position as one by one would: the events before it are given first."""
    sealer = getattr(mapper, "sealer", None)
    if sealer is None or not hasattr(mapper, "maybe_sealed"):
        for note in notes:
            yield note.id, decoded(mapper, note, name)
        return
    it = iter(notes)
    while window := list(islice(it, WINDOW)):
        done: list[tuple[Notification, Any]] = []
        poison: ProjectionStopped | None = None
        for note in window:
            try:
                done.append((note, decoded(mapper, note, name, mapper.to_sealed_event)))
            except ProjectionStopped as stop:
                poison = stop
                break
        sealed = {id(event) for event in sealer.prefetch(mapper.maybe_sealed(done))}
        for note, event in done:
            if id(event) in sealed:  # the others hold no envelope: nothing to open
                try:
                    sealer.open_event(event)
                except Exception as exc:
                    raise unreadable(name, note, exc) from exc
            yield note.id, event
        if poison is not None:
            raise poison


def stream(events: list[tuple[int, Any]], name: str = "rebuild") -> Stream:
    """The aggregate of ``events`` (one aggregate's, from version 1, in order), folded
    with each event's ``mutate`` as the library's ``project_aggregate`` does, less its
    per-event ``isinstance`` check against a runtime protocol (as costly as decoding).
    An event the fold fails on stops the rebuild ``name`` there."""
    aggregate = None
    for position, event in events:
        try:
            aggregate = event.mutate(aggregate)
        except Exception as exc:
            raise fault(name, position, event, exc) from exc
    return Stream(events, aggregate)
