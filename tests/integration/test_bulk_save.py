"""Large saves through the concurrent recorder's COPY path (``eventstore.recorders.postgres``)
and the application's bulk encoding (``eventstore.encoding.FastJSONTranscoder``,
``eventstore.bulk.StreamingEventStore``).

One save of 200,000 events in bounded memory with contiguous ids; a version conflict or a
sequence that would break contiguity stores nothing; the application stores, through the
bulk path, the very bytes the library's transcoder writes, and ``agent-records verify``
passes over them. Each test makes its own schema.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    ProgrammingError,
    StoredEvent,
    TranscodingNotRegisteredError,
)
from eventsourcing.postgres import PostgresDatastore

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.demo import load_demo
from agent_records.domain.agent import Agent
from agent_records.eventstore.recorders.postgres import ConcurrentApplicationRecorder
from agent_records.eventstore.transcoding import register_transcodings
from bench.variants import NotifyingApplicationRecorder
from tests import backends
from tests.careers import on
from tests.integration.test_recorder import advisory_locks, ids, make, new_datastore

ROOT = Path(__file__).resolve().parents[2]
STATE = b'{"effective_date":{"_type_":"date_iso","_data_":"1950-01-01"},' + b"x" * 380 + b"}"


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def schema(request: pytest.FixtureRequest) -> Iterator[str]:
    name = backends.create_schema()
    try:
        yield name
    finally:
        backends.drop_schema(name)


@pytest.fixture
def datastore(schema: str) -> Iterator[PostgresDatastore]:
    with new_datastore(schema, size=4) as store:
        yield store


def stored(count: int, version: int = 1) -> list[StoredEvent]:
    return [StoredEvent(uuid.uuid4(), version, "agent_records.domain.events:Promoted", STATE)
            for _ in range(count)]


def rows(datastore: PostgresDatastore) -> int:
    with psycopg.connect(backends.PG_DSN) as conn:
        return conn.execute(f'SELECT count(*) FROM "{datastore.schema}".stored_events'
                            ).fetchone()[0]  # type: ignore[index]


def test_one_save_of_two_hundred_thousand_events_in_bounded_memory(
        datastore: PostgresDatastore) -> None:
    """COPY streams the rows: the save allocates its ids, not a second copy of its ~84 MB
    of state (the unnest statement held every state twice, as arrays and as text)."""
    recorder = make(datastore)
    [first] = recorder.insert_events(stored(1))
    events = stored(200_000)
    tracemalloc.start()
    try:
        new = recorder.insert_events(events)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert new == list(range(first + 1, first + 200_001))
    assert peak < 20e6, f"{peak / 1e6:.1f} MB allocated during the save"
    assert ids(recorder, first + 199_990) == list(range(first + 199_990, first + 200_001))
    assert rows(datastore) == 200_001


def test_a_version_conflict_in_a_bulk_save_stores_nothing(datastore: PostgresDatastore) -> None:
    recorder = make(datastore)
    existing = stored(1)
    [n] = recorder.insert_events(existing)
    stale = StoredEvent(existing[0].originator_id, 1, "topic", b"again")
    for batch in ([*stored(150), stale, *stored(150)], [*stored(200), stale]):
        with pytest.raises(IntegrityError):
            recorder.insert_events(batch)
        assert advisory_locks(datastore, recorder.lock_key) == 0
        assert rows(datastore) == 1
    duplicate = stored(120)
    with pytest.raises(IntegrityError):  # twice the same version within the save
        recorder.insert_events([*duplicate, duplicate[7]])
    assert rows(datastore) == 1
    new = recorder.insert_events(stored(150))
    assert new == list(range(new[0], new[0] + 150)) and new[0] > n
    assert ids(recorder) == [n, *new]


def test_a_sequence_with_a_cache_is_refused_rather_than_misnumbered(
        datastore: PostgresDatastore) -> None:
    """With CACHE 10, a session keeps unused numbers and hands them out at its next save,
    below ids another session has taken since: the ids of that save are not contiguous.
    The check under the lock refuses the save and nothing is written."""
    recorder = make(datastore)
    with psycopg.connect(backends.PG_DSN, autocommit=True) as conn:
        conn.execute(f'ALTER SEQUENCE "{datastore.schema}".stored_events_notification_id_seq '
                     "CACHE 10")
    with one_session(datastore.schema) as other_store:  # the table exists: no create_table
        other = ConcurrentApplicationRecorder(other_store, events_table_name="stored_events")
        mine = ConcurrentApplicationRecorder(one_session(datastore.schema),
                                             events_table_name="stored_events")
        try:
            first = mine.insert_events(stored(105))  # takes 1..110, keeps 106..110
            second = other.insert_events(stored(105))  # 111..215
            assert first == list(range(1, 106)) and second == list(range(111, 216))
            with pytest.raises(ProgrammingError, match="CACHE 1"):
                mine.insert_events(stored(105))  # would take 106..110 then 221..
            assert advisory_locks(datastore, recorder.lock_key) == 0
            assert rows(datastore) == 210
        finally:
            mine.datastore.close()


def test_the_notifying_recorder_notifies_a_bulk_save(datastore: PostgresDatastore) -> None:
    recorder = make(datastore, NotifyingApplicationRecorder)
    with psycopg.connect(backends.PG_DSN, autocommit=True) as listener:
        listener.execute(psycopg.sql.SQL("LISTEN {}").format(
            psycopg.sql.Identifier(recorder.channel_name)))
        new = recorder.insert_events(stored(150))
        got = [n.channel for n in listener.notifies(timeout=10, stop_after=1)]
    assert got == [recorder.channel_name]
    assert ids(recorder) == new


def test_an_event_that_cannot_be_encoded_midway_stores_nothing(schema: str) -> None:
    """The save is encoded while it is copied: an event refused by the transcoder after
    rows were sent aborts the COPY; the library's error, no row, no lock left."""
    app = open_records(backends.store_url(schema))
    try:
        recorder = app.recorder
        assert isinstance(recorder, ConcurrentApplicationRecorder)
        events = [Agent.register(on("1950-01-01"), full_name=f"Agent {i}",
                                 birth_date=date(1920, 1, 1), nationality="LU",
                                 category="diplomatic", civil_political_rights=True,
                                 state_official=True, prior_public_service_days=0,
                                 domicile_country="LU", administrative_grade=None,
                                 ).collect_events()[0] for i in range(400)]
        object.__setattr__(events[300], "reason", object())  # no transcoding for object
        with pytest.raises(TranscodingNotRegisteredError):
            app.save(*events)
        assert gc.isenabled(), "the cycle collector paused during the save is back"
        assert recorder.max_notification_id() is None
        assert advisory_locks(recorder.datastore, recorder.lock_key) == 0
        new = [r.notification.id for r in app.save(*events[:300])]  # ids were burnt
        assert new == list(range(new[0], new[0] + 300))
        assert [n.id for n in recorder.select_notifications(1, 1000)] == new
    finally:
        app.close()


def one_session(schema: str) -> PostgresDatastore:
    """A datastore whose every call runs on the same connection (one server session)."""
    return PostgresDatastore(backends.PG_DATABASE, backends.PG_HOST, backends.PG_PORT,
                             backends.PG_USER, "", schema=schema, pool_size=1, max_overflow=0)


class LibraryEncoding:
    """The library's own mapper and JSON transcoder, with our transcodings."""

    def __init__(self, app: AgentRecords) -> None:
        transcoder = JSONTranscoder()
        AgentRecords.register_transcodings(app, transcoder)  # the library's
        register_transcodings(transcoder)
        self.mapper: Mapper[Any] = Mapper(transcoder)


def test_a_bulk_save_stores_the_library_bytes_and_verifies(
        schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's careers (dates, times, enums, value objects, a class_version 2 event) are
    recorded command by command; all their events are then saved again into a second store
    in one ``app.save`` (COPY, encoded while copied). Both stores hold the bytes the
    library's transcoder gives, the events decode identically, the chains have the same
    head, and ``agent-records verify`` passes on the bulk store. Personal fields are
    stored in clear here (``RECORDS_SEALING=off``: sealing draws a random nonce for each
    value); a third store saves the same events sealed, through the same COPY path, and
    reads them back alike."""
    second, third = backends.create_schema(), backends.create_schema()
    monkeypatch.setenv("RECORDS_SEALING", "off")
    source = open_records(backends.store_url(schema))
    target = open_records(backends.store_url(second))
    monkeypatch.delenv("RECORDS_SEALING")
    sealed = open_records(backends.store_url(third))
    try:
        load_demo(source, count=12)
        notes = source.recorder.select_notifications(1, 100_000)
        events = [source.mapper.to_domain_event(n) for n in notes]
        assert len(events) > ConcurrentApplicationRecorder.COPY_ROWS
        assert any(getattr(type(e), "class_version", 1) > 1 for e in events)
        library = LibraryEncoding(source).mapper
        recordings = target.save(*events)
        assert [r.notification.id for r in recordings] == [n.id for n in notes]
        copied = target.recorder.select_notifications(1, 100_000)
        for note, again, event in zip(notes, copied, events, strict=True):
            expected = library.to_stored_event(event)
            assert note.state == again.state == expected.state
            assert (again.originator_id, again.originator_version, again.topic) == (
                expected.originator_id, expected.originator_version, expected.topic)
            assert vars(target.mapper.to_domain_event(again)) == vars(event)
        fresh = {n.originator_id: uuid.uuid4() for n in notes}
        new = [target.mapper.to_domain_event(StoredEvent(
            fresh[n.originator_id], n.originator_version, n.topic, n.state)) for n in notes]
        with pytest.raises(IntegrityError):  # new events and a stale one: nothing stored
            target.save(*new[:-1], events[-1], new[-1])
        assert target.recorder.max_notification_id() == notes[-1].id
        assert len(target.recorder.select_notifications(1, 100_000)) == len(notes)
        env = {**os.environ, "AGENT_RECORDS_DATA": str(tmp_path / "data"),
               "AGENT_RECORDS_SIGNING_KEY": str(tmp_path / "key.pem")}
        heads = []
        for name in (schema, second):
            done = subprocess.run([sys.executable, "-m", "agent_records.cli", "--store",
                                   backends.store_url(name), "verify"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0 and done.stdout.startswith(
                f"OK: {len(notes)} events"), done.stdout + done.stderr
            heads.append(done.stdout.split("head hash ")[1].split(";")[0])
        assert heads[0] == heads[1]
        sealed.save(*events)
        stored = sealed.recorder.select_notifications(1, 100_000)
        assert all(b"Dr " not in s.state for s in stored) and \
            any(b'"_sealed"' in s.state for s in stored)
        for again, event in zip(stored, events, strict=True):
            assert vars(sealed.mapper.to_domain_event(again)) == vars(event)
    finally:
        source.close()
        target.close()
        sealed.close()
        backends.drop_schema(second)
        backends.drop_schema(third)
