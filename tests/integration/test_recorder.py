"""The concurrent PostgreSQL recorder (``eventstore.recorders``): the library's own recorder
test cases, late commits never passed over, no advisory lock left behind, the application.

Every test runs on its own schema of the test database (``tests/backends.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import itertools
import random
import sys
import threading
import time
import types
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import TestCase

import psycopg
import pytest
from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from agent_records.eventstore.recorders.connection import WRITER, library_error
from agent_records.eventstore.recorders.postgres import ConcurrentApplicationRecorder
from agent_records.readside import VIEWS, named
from bench.variants import (
    ClusterHorizonApplicationRecorder,
    NotifyingApplicationRecorder,
    open_with,
)
from projections.engine.runner import Worker
from tests import backends
from tests.integration.career_script import record_career
from tests.projections.helpers import assert_audit_complete, assert_equals_rebuild, snapshot

pytestmark = pytest.mark.postgres


def library_cases() -> types.ModuleType:
    """The library's recorder test cases. Their module imports the AES cipher (pycryptodome,
    not installed here) that they never use: stand-ins are present during the import only."""
    if importlib.util.find_spec("Crypto") is not None:
        return importlib.import_module("eventsourcing.tests.persistence")
    names = ["Crypto", "Crypto.Cipher", "Crypto.Cipher.AES", "Crypto.Cipher._mode_gcm"]
    stubs = {name: types.ModuleType(name) for name in names}
    stubs["Crypto.Cipher"].AES = stubs["Crypto.Cipher.AES"]  # type: ignore[attr-defined]
    stubs["Crypto.Cipher.AES"].key_size = (16, 24, 32)  # type: ignore[attr-defined]
    stubs["Crypto.Cipher._mode_gcm"].GcmMode = object  # type: ignore[attr-defined]
    sys.modules.update(stubs)
    try:
        return importlib.import_module("eventsourcing.tests.persistence")
    finally:
        for name in [*names, "eventsourcing.cipher"]:
            sys.modules.pop(name, None)


library = library_cases()


def new_datastore(schema: str, size: int = 4) -> PostgresDatastore:
    return PostgresDatastore(backends.PG_DATABASE, backends.PG_HOST, backends.PG_PORT,
                             backends.PG_USER, "", schema=schema, pool_size=size, max_overflow=12)


class OnFreshSchema(TestCase):
    """The library's recorder test cases, on a fresh schema, against our recorder."""

    recorder_class: type[ConcurrentApplicationRecorder] = ConcurrentApplicationRecorder

    def setUp(self) -> None:
        super().setUp()
        self.schema = backends.create_schema()
        self.datastore = new_datastore(self.schema)

    def tearDown(self) -> None:
        self.datastore.close()
        backends.drop_schema(self.schema)
        super().tearDown()

    def create_recorder(self) -> ConcurrentApplicationRecorder:
        return make(self.datastore, self.recorder_class)


class TestApplicationRecorderCases(OnFreshSchema, library.ApplicationRecorderTestCase):
    """Every case passes as written: none relies on the table lock itself."""

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestNonInterleavingNotificationIDs(OnFreshSchema,
                                         library.NonInterleavingNotificationIDsBaseCase):
    pass


class TestNotifyingApplicationRecorderCases(TestApplicationRecorderCases):
    recorder_class = NotifyingApplicationRecorder


class CopyEverySave(ConcurrentApplicationRecorder):
    """Every save through the COPY path, so that the library's cases run against it."""

    COPY_ROWS = 1


class NeverCopies(ConcurrentApplicationRecorder):
    """Every save through one INSERT statement (VALUES or unnest)."""

    COPY_ROWS = sys.maxsize


class TestCopyApplicationRecorderCases(TestApplicationRecorderCases):
    recorder_class = CopyEverySave


class TestNonInterleavingWithoutCopy(TestNonInterleavingNotificationIDs):
    """The library's case saves 1,000 events twice at once: COPY by default, unnest here."""

    recorder_class = NeverCopies


@pytest.fixture
def datastore() -> Iterator[PostgresDatastore]:
    schema = backends.create_schema()
    try:
        with new_datastore(schema, size=10) as store:
            yield store
    finally:
        backends.drop_schema(schema)


def make(datastore: PostgresDatastore,
         cls: type[ConcurrentApplicationRecorder] = ConcurrentApplicationRecorder
         ) -> ConcurrentApplicationRecorder:
    recorder = cls(datastore, events_table_name="stored_events")
    recorder.create_table()
    return recorder


def event(version: int = 1, originator_id: uuid.UUID | None = None) -> StoredEvent:
    return StoredEvent(originator_id or uuid.uuid4(), version, "topic", b"state")


def ids(recorder: ConcurrentApplicationRecorder, start: int = 1) -> list[int]:
    return [n.id for n in recorder.select_notifications(start, 1000)]


def test_a_table_of_the_library_gains_the_column_and_keeps_its_events(
        datastore: PostgresDatastore) -> None:
    old = PostgresApplicationRecorder(datastore, events_table_name="stored_events")
    old.create_table()
    before = old.insert_events([event(), event()])
    recorder = make(datastore)
    after = recorder.insert_events([event()])
    assert ids(recorder) == [*before, *after] == [1, 2, 3]
    make(datastore)  # a second start finds the column and leaves the table alone


def test_one_save_of_fifty_thousand_events(datastore: PostgresDatastore) -> None:
    """No pipeline: the library's hangs in psycopg from about 40,000 events a save."""
    recorder = make(datastore)
    aggregate = uuid.uuid4()
    new = recorder.insert_events([event(v, aggregate) for v in range(1, 50_001)])
    assert new == list(range(1, 50_001))
    assert len(recorder.select_events(aggregate)) == 50_000


@pytest.mark.parametrize("cls", [ConcurrentApplicationRecorder, NotifyingApplicationRecorder])
def test_a_late_commit_is_never_passed_over(datastore: PostgresDatastore,
                                            cls: type[ConcurrentApplicationRecorder]) -> None:
    recorder = make(datastore, cls)
    [first] = recorder.insert_events([event()])
    with datastore.transaction(commit=True) as a:
        [n] = recorder._insert_stored_events(a, [event()])  # A: id n, still running
        [m] = recorder.insert_events([event()])  # B: id n + 1, committed
        assert (n, m) == (first + 1, first + 2)
        assert ids(recorder, first) == [first]  # B is held back while A runs
        assert recorder.max_notification_id() == first
        with datastore.get_connection() as conn:  # what an unfiltered reader would see
            assert [r["notification_id"] for r in conn.execute(
                f'SELECT notification_id FROM "{datastore.schema}".stored_events ORDER BY 1'
            )] == [first, m]
    assert ids(recorder, first) == [first, n, m]
    assert recorder.max_notification_id() == m


@pytest.mark.parametrize("size", [1, 150], ids=["single", "bulk"])
def test_a_save_after_a_late_commit_is_held_back(datastore: PostgresDatastore,
                                                 size: int) -> None:
    """A running transaction holds id n: a save committed after it (one event, or
    ``size`` through COPY) is not shown to followers until n commits."""
    recorder = make(datastore)
    assert (size >= recorder.COPY_ROWS) == (size > 1)
    [first] = recorder.insert_events([event()])
    with datastore.transaction(commit=True) as a:
        [n] = recorder._insert_stored_events(a, [event()])
        new = recorder.insert_events([event() for _ in range(size)])
        assert new == list(range(n + 1, n + 1 + size))
        assert ids(recorder, first) == [first]
        assert recorder.max_notification_id() == first
    assert ids(recorder, first) == [first, n, *new]


class HeldCopy(ConcurrentApplicationRecorder):
    """Holds its COPY transaction open after the copy and the unlock, before COMMIT."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.copied, self.go = threading.Event(), threading.Event()

    def _copy_stored_events(self, curs: Any, stored_events: Any) -> list[int]:
        new = super()._copy_stored_events(curs, stored_events)
        self.copied.set()
        assert self.go.wait(30)
        return new


def test_a_late_bulk_commit_is_never_passed_over(datastore: PostgresDatastore) -> None:
    """A COPY that has released the lock but not committed: a single save after it gets
    the next id and commits first; followers see neither until the COPY commits."""
    recorder, held = make(datastore), make(datastore, HeldCopy)
    [first] = recorder.insert_events([event()])
    done: list[Any] = []
    bulk = threading.Thread(target=lambda: done.append(held.insert_events(
        [event() for _ in range(300)])))
    bulk.start()
    try:
        assert held.copied.wait(30)
        [m] = recorder.insert_events([event()])  # not blocked: the lock was released
        assert m == first + 301
        assert ids(recorder, first) == [first]
        assert recorder.max_notification_id() == first
    finally:
        held.go.set()
        bulk.join(30)
    assert done == [list(range(first + 1, first + 301))]
    assert ids(recorder, first) == list(range(first, m + 1))


@pytest.mark.parametrize("cls", [ConcurrentApplicationRecorder,
                                 ClusterHorizonApplicationRecorder])
def test_an_unrelated_transaction_holds_back_only_the_cluster_horizon(
        datastore: PostgresDatastore, cls: type[ConcurrentApplicationRecorder]) -> None:
    """With the cluster horizon, any running transaction of the server holds followers back
    (the library's own cases fail with it whenever the server is busy elsewhere)."""
    recorder = make(datastore, cls)
    with psycopg.connect(backends.PG_DSN) as other:  # another schema's writer, say
        other.execute("SELECT pg_current_xact_id()")  # has an xid, never touches the table
        [n] = recorder.insert_events([event()])
        cluster = cls is ClusterHorizonApplicationRecorder
        assert ids(recorder) == ([] if cluster else [n])
        other.commit()
    deadline = time.monotonic() + 30  # other transactions of the server may still run
    while ids(recorder) != [n] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ids(recorder) == [n]


def test_a_transaction_that_wrote_first_keeps_the_lock_until_it_commits(
        datastore: PostgresDatastore) -> None:
    recorder = make(datastore)
    done: list[Any] = []
    with datastore.transaction(commit=True) as a:
        a.execute("SELECT pg_current_xact_id()")  # as if it had written elsewhere first
        [n] = recorder._insert_stored_events(a, [event()])
        writer = threading.Thread(target=lambda: done.append(recorder.insert_events([event()])))
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and not done, "the other writer waits for the commit"
    writer.join(10)
    assert done == [[n + 1]]
    assert ids(recorder) == [n, n + 1]


def advisory_locks(datastore: PostgresDatastore, key: int) -> int:
    """How many sessions hold or wait for the advisory lock ``key``."""
    with psycopg.connect(backends.PG_DSN) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 "
            "AND classid = %s::oid AND objid = %s::oid",
            ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF)).fetchone()[0]


class WritesFirst(ConcurrentApplicationRecorder):
    """Runs the library's pre-insert hook: takes an xid before inserting."""

    def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
        curs.execute("SELECT pg_current_xact_id()")


class ReadsFirst(ConcurrentApplicationRecorder):
    """Runs the hook without taking an xid: the session lock path inside a transaction."""

    def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
        curs.execute("SELECT 1")


@pytest.mark.parametrize("cls", [ConcurrentApplicationRecorder, WritesFirst, ReadsFirst])
def test_a_version_conflict_raises_integrity_error_and_releases_the_lock(
        datastore: PostgresDatastore, cls: type[ConcurrentApplicationRecorder]) -> None:
    recorder = make(datastore, cls)
    stale = event()
    [n] = recorder.insert_events([stale])
    for _ in range(3):  # the pool hands the same connections out again
        with pytest.raises(IntegrityError):
            recorder.insert_events([event(), stale])
        assert advisory_locks(datastore, recorder.lock_key) == 0
    with pytest.raises(IntegrityError), datastore.transaction(commit=True) as curs:
        recorder._insert_stored_events(curs, [stale])  # in a caller's transaction
    assert advisory_locks(datastore, recorder.lock_key) == 0
    with new_datastore(datastore.schema, size=1) as elsewhere:  # another session
        [m] = make(elsewhere).insert_events([event()])
    assert ids(recorder) == [n, m]


def test_a_save_raises_each_psycopg_error_as_the_library_does(
        datastore: PostgresDatastore) -> None:
    """A save of its own takes its connection from the pool directly, not through the
    library's ``get_connection``: each of psycopg's errors is raised as that raises it."""
    errors = [c for _, c in inspect.getmembers(psycopg.errors, inspect.isclass)
              if issubclass(c, psycopg.Error)]
    assert len(errors) > 200
    for error in errors:
        with pytest.raises(Exception) as raised, datastore.get_connection():
            raise error("message")
        mine = library_error(error("message"))
        assert (type(mine), str(mine)) == (raised.type, "message"), error


@pytest.fixture
def lone() -> Iterator[PostgresDatastore]:
    """A datastore whose pool has one connection, never more."""
    schema = backends.create_schema()
    try:
        with PostgresDatastore(backends.PG_DATABASE, backends.PG_HOST, backends.PG_PORT,
                               backends.PG_USER, "", schema=schema, pool_size=1,
                               connect_timeout=2) as store:
            yield store
    finally:
        backends.drop_schema(schema)


def test_failed_saves_give_their_connection_back_to_the_pool(lone: PostgresDatastore) -> None:
    """Conflicts and values the driver cannot send, on a pool of one connection: each
    failed save handed it back (else the next waits for the pool in vain), unlocked."""
    recorder = make(lone)
    stale = event()
    [n] = recorder.insert_events([stale])
    for _ in range(5):
        with pytest.raises(IntegrityError):
            recorder.insert_events([stale])
        with pytest.raises(ProgrammingError):  # psycopg cannot adapt the value
            recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "topic",
                                                object())])  # type: ignore[arg-type]
    assert advisory_locks(lone, recorder.lock_key) == 0
    new = recorder.insert_events([event(), event()])  # the conflicts took ids too
    assert new == [new[0], new[0] + 1] and new[0] > n


def test_a_save_on_a_lost_connection_is_retried_on_a_fresh_one(
        lone: PostgresDatastore) -> None:
    """The pooled connection that holds the save's cursor is ended by the server: the
    save fails on it, the pool drops it, the save is retried on a new connection."""
    recorder = make(lone)
    [n] = recorder.insert_events([event()])
    with lone.get_connection() as conn:
        used = WRITER in conn.__dict__
        pid = conn.info.backend_pid
    assert used, "the save ran through the connection's own cursor"
    with psycopg.connect(backends.PG_DSN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert recorder.insert_events([event()]) == [n + 1]
    with lone.get_connection() as conn:
        assert conn.info.backend_pid != pid
    assert advisory_locks(lone, recorder.lock_key) == 0


def test_a_save_waits_for_the_lock_no_longer_than_the_lock_timeout() -> None:
    """``POSTGRES_LOCK_TIMEOUT`` (the datastore's ``lock_timeout``, whole seconds) bounds a
    save's wait for the advisory lock, as it bounds the library's wait for its table lock."""
    schema = backends.create_schema()
    try:
        with PostgresDatastore(backends.PG_DATABASE, backends.PG_HOST, backends.PG_PORT,
                               backends.PG_USER, "", schema=schema, lock_timeout=1) as store, \
                psycopg.connect(backends.PG_DSN, autocommit=True) as other:
            recorder = make(store)
            other.execute("SELECT pg_advisory_lock(%s)", (recorder.lock_key,))
            once = ConcurrentApplicationRecorder.insert_events.__wrapped__  # no retries
            started = time.monotonic()
            with pytest.raises(OperationalError, match="lock timeout"):
                once(recorder, [event()])
            assert 0.9 < time.monotonic() - started < 5
            other.execute("SELECT pg_advisory_unlock_all()")
            assert recorder.insert_events([event()]) == [1]  # the first took no id
    finally:
        backends.drop_schema(schema)


@pytest.mark.parametrize("bulk", [False, True], ids=["single", "with-bulk"])
def test_concurrent_writers_and_a_follower_never_skip_or_repeat(
        datastore: PostgresDatastore, bulk: bool) -> None:
    """8 writers x 200 transactions, one in five held open a few ms after its insert (a
    late commit), the others single-event saves or (``with-bulk``) one in seven a save of
    100 to 400 events through COPY; a follower polls all along."""
    recorder = make(datastore)
    asked: list[int] = []
    committed: list[int] = []
    seen: list[int] = []  # by our follower
    unfiltered: list[int] = []  # by a follower reading without the horizon
    writing = threading.Event()
    writing.set()

    def write(seed: int) -> None:
        rng = random.Random(seed)
        for i in range(200):
            size = rng.randint(100, 400) if bulk and i % 7 == 1 and i % 5 else 1
            asked.append(size)
            if i % 5 == 0:
                with datastore.transaction(commit=True) as curs:
                    new = recorder._insert_stored_events(curs, [event()])
                    time.sleep(rng.uniform(0, 0.005))
            else:
                new = recorder.insert_events([event() for _ in range(size)])
            assert new == list(range(new[0], new[0] + size)), "contiguous, as many as saved"
            committed.extend(new)

    def follow() -> None:
        with psycopg.connect(backends.PG_DSN, autocommit=True) as conn:
            plain = f'SELECT notification_id FROM "{datastore.schema}".stored_events ' \
                    "WHERE notification_id > %s ORDER BY notification_id LIMIT 100"
            while True:
                last = writing.is_set()
                while batch := recorder.select_notifications(
                        seen[-1] if seen else 0, 100, inclusive_of_start=False):
                    seen.extend(n.id for n in batch)
                while rows := conn.execute(plain, (unfiltered[-1] if unfiltered else 0,)
                                           ).fetchall():
                    unfiltered.extend(r[0] for r in rows)
                if not last:
                    return
                time.sleep(0.001)

    writers = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    follower = threading.Thread(target=follow)
    for t in [follower, *writers]:
        t.start()
    for t in writers:
        t.join()
    writing.clear()
    follower.join(30)
    assert not follower.is_alive()
    expected = sum(asked)
    assert len(committed) == expected >= 1600 + (8 * 20 * 99 if bulk else 0)
    assert all(a < b for a, b in itertools.pairwise(seen)), "strictly increasing"
    assert seen == sorted(committed), "every committed event exactly once, none skipped"
    with psycopg.connect(backends.PG_DSN) as conn:  # each xid was assigned inside the lock
        xids = [r[0] for r in conn.execute(f'SELECT tx_id::text::numeric FROM '
                                           f'"{datastore.schema}".stored_events ORDER BY '
                                           'notification_id')]
    assert xids == sorted(xids), "transaction ids grow with notification ids"
    print(f"\nan unfiltered follower would have skipped {len(set(committed) - set(unfiltered))}"
          f" of {expected} events")


def test_the_application_records_a_career_and_builds_the_same_views(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECORDS_SEALING", "off")  # events copied to a store without the keys
    schemas = [backends.create_schema(), backends.create_schema()]
    apps = [open_with(backends.store_url(schemas[0]), "concurrent"),
            open_with(backends.store_url(schemas[1]), "library")]
    ours, theirs = apps
    try:
        assert type(ours.recorder) is ConcurrentApplicationRecorder
        assert type(theirs.recorder) is PostgresApplicationRecorder
        career = record_career(ours)
        notes = ours.recorder.select_notifications(1, 10_000)
        assert [n.id for n in notes] == list(range(1, len(career.steps) + 3))
        for n in notes:  # the same events, in the same order, through the library's recorder
            theirs.recorder.insert_events([StoredEvent(n.originator_id, n.originator_version,
                                                       n.topic, n.state)])
        workers = [Worker(app, named()) for app in apps]
        assert [w.run_once() for w in workers] == [len(notes) * len(VIEWS)] * 2
        views = [snapshot(w.store, list(VIEWS)) for w in workers]
        assert views[0] == views[1]
        assert len(views[0]["audit_log"]) == len(notes) and views[0]["agents"]
        assert ours.get_agent(career.agent_id).state == theirs.get_agent(career.agent_id).state
        assert_audit_complete(ours)
        assert_equals_rebuild(ours)
    finally:
        for app in apps:
            app.close()
        for schema in schemas:
            backends.drop_schema(schema)
