"""A PostgreSQL application recorder whose writers do not wait for each other's commits.

The library's recorder holds ``LOCK TABLE ... IN EXCLUSIVE MODE`` from each insert through
its commit (fsync included), so that a follower never passes over an id that commits late.

Writing. A save is one autocommit statement, one round trip like a raw INSERT: it takes a
session advisory lock keyed on the table, inserts its events (VALUES up to 16, ``unnest``
beyond), releases the lock, then commits: a save's ids are contiguous, its xid (assigned at
the insert, inside the lock; column ``tx_id xid8 DEFAULT pg_current_xact_id()``) grows with
its ids, and concurrent commits overlap. A save of ``COPY_ROWS`` events or more (no upper
limit: 200,000 in one save are tested) is one transaction of four statements instead: the
same lock (no xid yet: nothing was written), binary ``COPY`` streamed in 32 kB chunks (the
xid is assigned at its first row, inside the lock), ``currval`` of the sequence and the
unlock, then COMMIT, so the same invariants hold. The ids are ``last - n + 1 .. last``:
``nextval`` is called only by inserters holding the lock (or by writers that take ``LOCK
TABLE ... EXCLUSIVE`` first, the library's recorder and the import, which wait for the
COPY's ROW EXCLUSIVE lock to go at its commit), so nobody else advances the sequence
meanwhile; that is checked, not assumed, against the sequence's value read
under the lock before the COPY (a sequence with CACHE above 1, or a writer without the
lock, rolls the save back with ``ProgrammingError``). A transaction with an xid before its
insert (``_insert_stored_events`` after other writes, an ``_insert_events`` hook) takes
``pg_advisory_xact_lock`` to its commit instead (serialised, as the library). On any error:
rollback, ``pg_advisory_unlock_all()`` (session locks outlive a rollback), else close the
connection, before it returns to the pool. A version conflict raises the library's
``IntegrityError`` (from the COPY too: the whole save is rolled back). A save that carries
an idempotency key (``agent_records.idempotency``) is one transaction: the events as
above (the session lock, a savepoint), then the key's row in ``<app>_idempotency_keys``,
then COMMIT; a key stored first by a concurrent request rolls the events back with it.

Reading. ``select_notifications`` and ``max_notification_id`` (the head a follower can
reach) see only rows whose ``tx_id`` is below a horizon computed in the same statement: the
oldest running transaction that may hold ids in the table. A row with a lower id that
commits later has a lower xid and is still running: never a skip. The price is latency:
followers wait for the oldest running writer of the table as long as it runs (an import,
until it commits; ``idle_in_transaction_session_timeout``, 5 s in the library, bounds an
idle one). ``HORIZON = "cluster"`` uses ``pg_snapshot_xmin(pg_current_snapshot())``
(Emmett's rule): any transaction with an xid on the server, in any schema or database
(another ministry's import, a benchmark), then holds every follower back; on this shared
server it failed the library's own test cases. The default ``"table"`` reads ``pg_locks``
once per call and passes over a running transaction only if its backend holds no lock
above ACCESS SHARE on the table and it still runs after the locks were read: it ran
throughout, and had it inserted before the snapshot it would still hold its lock (locks
go after the transaction leaves the running set). One that ended during the read still
counts, so the read is repeated (up to ``READS`` times) while that is what held it back.

Notifications. NOTIFY takes a server-wide lock at commit, held through the flush, which
serialises notifying commits again. ``NOTIFY = False`` (default, measured with
``bench/recorder.py``) sends none; ``subscribe()`` polls every ``POLL_INTERVAL`` seconds
(on NOTIFY too when enabled: the end of what held the horizon back may send none), and
the projection worker polls every 0.5 s anyway.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    Notification,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresSubscription,
)
from eventsourcing.utils import retry
from psycopg import Connection, Cursor
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Identifier, Literal

from agent_records.idempotency import COLUMNS as KEY_COLUMNS
from agent_records.idempotency import KeyedResult, KeyTaken
from agent_records.idempotency import create_table as create_keys_table

VALUES_ROWS = 16
COLUMNS = ("originator_id", "originator_version", "topic", "state")
READS = 10
LOCKS = SQL("locks AS MATERIALIZED (SELECT locktype, database, relation, transactionid, pid, "
            "mode, granted FROM pg_locks)")


class ConcurrentApplicationRecorder(PostgresApplicationRecorder):
    """Inserts under a short advisory lock; reads below the oldest running writer."""

    NOTIFY = False
    HORIZON = "table"
    POLL_INTERVAL = 0.5
    COPY_ROWS = 100
    """Saves of this many events or more use binary COPY. ``bench/copy_threshold.py``: even
    at 50 events a save, 1.45 times the INSERT's events/s at 100 and 2.8 times from 1,000
    (psycopg dumps the unnest arrays as text, bytea escaped by regex), at 2 to 10 times
    less client CPU per event; below 50 the three more round trips cost more."""

    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema, name = datastore.schema, self.events_table_name
        self.table = table = SQL("{}.{}").format(Identifier(schema), Identifier(name))
        self.qualified = ".".join('"' + p.replace('"', '""') + '"' for p in (schema, name))
        digest = hashlib.blake2b(self.qualified.encode(), digest_size=8).digest()
        self.lock_key = int.from_bytes(digest, "big", signed=True)
        self.sql_create_statements[self.create_table_statement_index] = SQL(
            "CREATE TABLE IF NOT EXISTS {table} (originator_id {id_type} NOT NULL, "
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(), "
            "PRIMARY KEY (originator_id, originator_version)) WITH ("
            "autovacuum_enabled = true, autovacuum_vacuum_threshold = 100000000, "
            "autovacuum_vacuum_scale_factor = 0.5, autovacuum_analyze_threshold = 1000, "
            "autovacuum_analyze_scale_factor = 0.01)"
        ).format(table=table, id_type=Identifier(datastore.originator_id_type))
        # An existing table gains the column (rows get the migration's xid); checked
        # first, so that a start does not take ACCESS EXCLUSIVE.
        self.sql_create_statements.append(SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = "
            "{rel}::regclass AND attname = 'tx_id' AND NOT attisdropped) THEN "
            "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS tx_id xid8 NOT NULL "
            "DEFAULT pg_current_xact_id(); END IF; END $$"
        ).format(rel=Literal(self.qualified), table=table))
        # Idempotency keys (``agent_records.idempotency``), stored in a save's transaction.
        keys = name.removesuffix("_events") + "_idempotency_keys"
        self.keys_table = SQL("{}.{}").format(Identifier(schema), Identifier(keys))
        self.sql_create_statements.append(SQL(create_keys_table("{}")).format(self.keys_table))
        self.statements: dict[tuple[int, bool], bytes] = {}  # rendered once: composing
        self.selects: dict[tuple[bool, ...], Composable] = {}  # cost ~10% of a save
        self.rendered: dict[int, bytes] = {}
        self.sequence: str | None = None  # of notification_id, looked up on first COPY
        self.insert_key_statement: bytes | None = None
        self.max_notification_id_statement = self.below_horizon(SQL(
            "(SELECT max(notification_id) AS max FROM {table} WHERE tx_id < horizon.h)"
        ).format(table=table))

    def create_table(self) -> None:
        """Creates the types, the table and its migration under a session lock: processes
        starting together on a fresh schema (uvicorn workers, writers) otherwise fail on
        each other's catalogue rows (``tuple concurrently updated``, a duplicate type)."""
        pool = self.datastore.pool  # a connection of its own: a pool of one must stay free
        with psycopg.connect(pool.conninfo, **{**pool.kwargs, "autocommit": True}) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (self.lock_key ^ 1,))
            super().create_table()  # the lock ends with the session

    def horizon(self) -> Composable:
        """The xid below which every transaction that may hold ids here has ended."""
        if self.HORIZON == "cluster":
            return SQL("pg_snapshot_xmin(pg_current_snapshot())")
        return SQL(
            "(SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot())) "
            "FROM pg_snapshot_xip(pg_current_snapshot()) AS x WHERE CASE WHEN x::xid IN ("
            "SELECT t.transactionid FROM locks AS t WHERE t.locktype = 'transactionid' "
            "AND t.mode = 'ExclusiveLock' AND t.granted AND t.pid IS NOT NULL AND NOT EXISTS ("
            "SELECT FROM locks AS r WHERE r.locktype = 'relation' AND r.relation = {rel}::regclass "
            "AND r.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND r.mode <> 'AccessShareLock' AND r.pid = t.pid)) "
            "THEN pg_xact_status(x) <> 'in progress' ELSE true END)"
        ).format(rel=Literal(self.qualified))

    def statement(self, count: int, locked: bool, conn: Connection[Any]) -> bytes:
        """The INSERT of ``count`` events: alone (``locked`` False) or as one statement that
        takes the session lock, inserts, releases the lock (and NOTIFYs if enabled)."""
        key = (min(count, VALUES_ROWS + 1), locked)
        if key not in self.statements:
            id_type = Identifier(self.datastore.originator_id_type)
            if count <= VALUES_ROWS:  # planned faster than unnest (~0.1 ms a save)
                rows = SQL("(VALUES {}) AS e(originator_id, originator_version, topic, state)"
                           ).format(SQL(", ").join(SQL(
                               f"(%(i{k})s::{{t}}, %(v{k})s::bigint, %(p{k})s::text, "
                               f"%(s{k})s::bytea)").format(t=id_type) for k in range(count)))
            else:
                rows = SQL("unnest(%(i)s::{t}[], %(v)s::bigint[], %(p)s::text[], "
                           "%(s)s::bytea[]) AS e(originator_id, originator_version, topic, state)"
                           ).format(t=id_type)
            insert = SQL("INSERT INTO {} (originator_id, originator_version, topic, state) "
                         "SELECT e.* FROM {}{} RETURNING notification_id").format(
                self.table, SQL("locked, " if locked else ""), rows)
            if locked:
                notify = SQL(", pg_notify({}, '')").format(Literal(self.channel_name))
                insert = (SQL(
                    "WITH locked AS MATERIALIZED (SELECT pg_advisory_lock(%(key)s) FROM "
                    "(SELECT set_config('lock_timeout', %(timeout)s, true)) AS c), ins AS (")
                    + insert + SQL("), released AS MATERIALIZED (SELECT "
                                   "pg_advisory_unlock(%(key)s)")
                    + (notify if self.NOTIFY else SQL(""))
                    + SQL(" FROM (SELECT count(*) FROM ins) AS n) "
                          "SELECT notification_id FROM ins, released ORDER BY notification_id"))
            self.statements[key] = insert.as_bytes(conn)
        return self.statements[key]

    def params(self, stored_events: Sequence[StoredEvent]) -> dict[str, Any]:
        params: dict[str, Any] = {"key": self.lock_key,
                                  "timeout": f"{self.datastore.lock_timeout}s"}
        if len(stored_events) > VALUES_ROWS:
            params.update(i=[e.originator_id for e in stored_events],
                          v=[e.originator_version for e in stored_events],
                          p=[e.topic for e in stored_events], s=[e.state for e in stored_events])
            return params
        for k, e in enumerate(stored_events):
            params.update({f"i{k}": e.originator_id, f"v{k}": e.originator_version,
                           f"p{k}": e.topic, f"s{k}": e.state})
        return params

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        hooked = type(self)._insert_events is not PostgresApplicationRecorder._insert_events
        keyed: KeyedResult | None = kwargs.get("idempotency")
        with self.datastore.get_connection() as conn:
            try:
                if not hooked and len(stored_events) >= self.COPY_ROWS:
                    return self.copy_events(conn, stored_events, keyed)
                if not hooked and keyed is None:  # one statement, one round trip
                    with conn.cursor() as curs:
                        curs.execute(self.statement(len(stored_events), True, conn),
                                     self.params(stored_events), prepare=True)
                        return [row["notification_id"] for row in curs.fetchall()]
                with conn.transaction(), conn.cursor() as curs:
                    self._insert_events(curs, stored_events, **kwargs)
                    ids = self._insert_stored_events(curs, stored_events)
                    if keyed is not None:  # after the events: their insert stays unserialised
                        self.insert_key(curs, keyed)
                    return ids
            except BaseException:
                release(conn)
                raise

    def copy_events(self, conn: Connection[Any], stored_events: Sequence[StoredEvent],
                    keyed: KeyedResult | None = None) -> list[int]:
        """A large save: one transaction that commits once the events are copied."""
        with conn.transaction(), conn.cursor() as curs:
            ids = self._copy_stored_events(curs, stored_events)
            if keyed is not None:
                self.insert_key(curs, keyed)
            return ids

    def insert_key(self, curs: Cursor[DictRow], keyed: KeyedResult) -> None:
        """Stores the save's idempotency key in its transaction; ``KeyTaken`` (the caller
        rolls back) when a concurrent request stored it first (the insert waits for that
        transaction to end: a rolled-back one leaves the key free)."""
        if self.insert_key_statement is None:
            self.insert_key_statement = SQL(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING RETURNING 1 AS ok"
            ).format(self.keys_table, SQL(", ").join(map(Identifier, KEY_COLUMNS)),
                     SQL(", ").join(SQL("%s") for _ in KEY_COLUMNS)).as_bytes(curs.connection)
        if curs.execute(self.insert_key_statement, keyed.row(), prepare=True).fetchone() is None:
            raise KeyTaken(keyed.request.key)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def find_key(self, actor_id: str, key: str) -> KeyedResult | None:
        """The stored key of ``actor_id``, or None."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            row = curs.execute(SQL("SELECT {} FROM {} WHERE actor_id = %s AND key = %s").format(
                SQL(", ").join(map(Identifier, KEY_COLUMNS)), self.keys_table),
                (actor_id, key)).fetchone()
        return KeyedResult.of_row([row[c] for c in KEY_COLUMNS]) if row else None

    def _copy_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent]
                            ) -> list[int]:
        """Session lock (no xid yet), binary COPY (the xid is assigned at its first row,
        inside the lock), the ids from the sequence, unlock; the caller commits. The
        sequence is read before and after: ids that are not exactly the next ``n`` (a
        sequence cache above 1, an inserter without the lock) raise, and the caller rolls
        the save back rather than return wrong ids."""
        curs.execute("SELECT set_config('lock_timeout', %s, true), pg_advisory_lock(%s)",
                     (f"{self.datastore.lock_timeout}s", self.lock_key), prepare=True)
        sequence = self.sequence or self.find_sequence(curs)
        before = curs.execute(SQL("SELECT last_value, is_called FROM {}").format(
            SQL(sequence))).fetchone()
        assert before is not None
        copy_rows(curs, self.table, COLUMNS,
                  (self.datastore.originator_id_type, "int8", "text", "bytea"),
                  ((e.originator_id, e.originator_version, e.topic, e.state)
                   for e in stored_events))
        notify = SQL(", pg_notify({}, '')").format(Literal(self.channel_name))
        row = curs.execute(SQL("SELECT currval(%s::regclass) AS last, pg_advisory_unlock(%s){}"
                               ).format(notify if self.NOTIFY else SQL("")),
                           (sequence, self.lock_key)).fetchone()
        assert row is not None
        count, last = len(stored_events), row["last"]
        first = before["last_value"] + int(before["is_called"])
        if last - first + 1 != count:
            raise ProgrammingError(
                f"{self.qualified}: COPY of {count} events took ids {first}..{last}: the "
                "sequence of notification_id must have CACHE 1 and every inserter must take "
                "the recorder's advisory lock; nothing was written")
        return list(range(first, last + 1))

    def find_sequence(self, curs: Cursor[DictRow]) -> str:
        """The qualified, quoted name of the table's notification_id sequence."""
        row = curs.execute("SELECT pg_get_serial_sequence(%s, 'notification_id') AS seq",
                           (self.qualified,)).fetchone()
        assert row is not None and row["seq"], f"{self.qualified}: no notification_id sequence"
        self.sequence = row["seq"]
        return row["seq"]

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                              **_: Any) -> list[int]:
        """Inserts inside the caller's transaction, which commits (or rolls back)."""
        params = self.params(stored_events)
        fresh = curs.execute("SELECT set_config('lock_timeout', %s, true), "
                             "pg_current_xact_id_if_assigned() IS NULL AS fresh",
                             (params["timeout"],)).fetchone()["fresh"]  # type: ignore[index]
        insert = self.statement(len(stored_events), False, curs.connection)
        if fresh:  # a savepoint, so that the lock is released even when the insert fails
            curs.execute("SELECT pg_advisory_lock(%s)", (self.lock_key,), prepare=True)
            try:
                with curs.connection.transaction():
                    ids = [r["notification_id"] for r in curs.execute(insert, params).fetchall()]
            finally:
                curs.execute("SELECT pg_advisory_unlock(%s)", (self.lock_key,), prepare=True)
        else:
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,), prepare=True)
            ids = [r["notification_id"] for r in curs.execute(insert, params).fetchall()]
        if self.NOTIFY:
            self._notify_channel(curs)
        return ids

    def below_horizon(self, query: Composable) -> Composable:
        """``query`` (reading ``horizon.h``) and whether a transaction that held the horizon
        back has ended since the snapshot: then reading again may see further."""
        return SQL(
            "WITH {locks}, horizon AS MATERIALIZED (SELECT {horizon} AS h) "
            "SELECT (h < pg_snapshot_xmax(pg_current_snapshot()) "
            "AND pg_xact_status(h) <> 'in progress') AS stale, e.* "
            "FROM horizon LEFT JOIN LATERAL {query} AS e ON true"
        ).format(locks=LOCKS, horizon=self.horizon(), query=query)

    def read(self, statement: Composable, params: Sequence[Any]) -> list[DictRow]:
        """Rows below the horizon; read again (up to ``READS`` times) while a transaction
        that held the horizon back ended during the read: one that is not writing here,
        or a writer committing, would otherwise delay a read that follows a commit."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            query = self.rendered.get(id(statement)) or self.rendered.setdefault(
                id(statement), statement.as_bytes(conn))
            for _ in range(READS):
                rows = curs.execute(query, params, prepare=True).fetchall()
                if not rows[0]["stale"]:
                    break
            return rows

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def max_notification_id(self) -> int | None:
        return self.read(self.max_notification_id_statement, ())[0]["max"]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *,
                             inclusive_of_start: bool = True) -> Sequence[Notification]:
        """The library's method, below the horizon (see the module's docstring)."""
        params = [p for p in (start, stop, list(topics) if topics else None) if p is not None]
        key = (start is not None, inclusive_of_start, stop is not None, bool(topics))
        if key not in self.selects:
            where = [SQL("tx_id < horizon.h")]
            if start is not None:
                where.append(SQL("notification_id >= %s" if inclusive_of_start
                                 else "notification_id > %s"))
            if stop is not None:
                where.append(SQL("notification_id <= %s"))
            if topics:
                where.append(SQL("topic = ANY(%s)"))
            self.selects[key] = self.below_horizon(SQL(
                "(SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {table} WHERE {where} ORDER BY notification_id LIMIT %s)"
            ).format(table=self.table, where=SQL(" AND ").join(where)))
        rows = self.read(self.selects[key], [*params, limit])
        return [Notification(id=row["notification_id"], originator_id=row["originator_id"],
                             originator_version=row["originator_version"], topic=row["topic"],
                             state=bytes(row["state"]))
                for row in rows if row["notification_id"] is not None]

    def subscribe(self, gt: int | None = None,
                  topics: Sequence[str] = ()) -> PollingSubscription:
        return PollingSubscription(recorder=self, gt=gt, topics=topics)


class NotifyingApplicationRecorder(ConcurrentApplicationRecorder):
    """The same, with the library's NOTIFY on every insert (for comparison)."""

    NOTIFY = True


class ClusterHorizonApplicationRecorder(ConcurrentApplicationRecorder):
    """The same, reading below the oldest transaction of the whole server (Emmett's rule)."""

    HORIZON = "cluster"


def copy_rows(curs: Cursor[Any], table: Composable, columns: Sequence[str],
              types: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Streams ``rows`` into ``table`` with binary COPY: psycopg sends every 32 kB as it
    fills, so memory does not grow with the number of rows (the bulk save, the import)."""
    statement = SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        table, SQL(", ").join(map(Identifier, columns)))
    with curs.copy(statement) as copy:
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)


def release(conn: Connection[Any]) -> None:
    """Rolls back and drops every session advisory lock before the connection is pooled
    again; closes it (the server then ends the session and its locks) when that fails."""
    try:
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.rollback()
        conn.execute("SELECT pg_advisory_unlock_all()")
    except Exception:
        with contextlib.suppress(Exception):
            conn.close()


class PollingSubscription(PostgresSubscription):
    """The library's subscription, also woken every ``POLL_INTERVAL`` seconds."""

    def _listen(self) -> None:
        recorder = self._recorder
        interval = getattr(recorder, "POLL_INTERVAL", 0.5)
        try:
            if not getattr(recorder, "NOTIFY", True):
                while not self._has_been_stopped:
                    for _ in range(max(1, round(interval / 0.1))):
                        if not self._has_been_stopped:
                            time.sleep(0.1)
                    self._has_been_notified.set()
                return
            with recorder.datastore.get_connection() as conn:
                conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
                while not self._has_been_stopped and not self._thread_error:
                    for _ in conn.notifies(timeout=interval, stop_after=1):
                        pass
                    self._has_been_notified.set()
        except BaseException as e:
            if self._thread_error is None:
                self._thread_error = e
            self.stop()
