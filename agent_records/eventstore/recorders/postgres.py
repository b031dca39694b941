"""A PostgreSQL application recorder whose writers do not wait for each other's commits.

The library's recorder holds ``LOCK TABLE ... IN EXCLUSIVE MODE`` from each insert through
its commit (fsync included), so that a follower never passes over an id that commits late.

Writing. A save is one autocommit statement, one round trip like a raw INSERT (on a pooled
connection through its own cursor, ``insert_alone``): it takes a session advisory lock
keyed on the table, inserts its events (VALUES up to 16, ``unnest`` beyond), releases the
lock, then commits: a save's ids are contiguous, its xid (assigned at
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
an idempotency key (``eventstore.idempotency``) is one transaction: the events as
above (the session lock, a savepoint), then the key's row in ``<app>_idempotency_keys``,
then COMMIT; a key stored first by a concurrent request rolls the events back with it.

Reading (``recorders.reading``) sees only rows below the oldest running writer, so a
follower never passes over an id that commits late.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, cast

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Connection, Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Identifier, Literal

from agent_records.eventstore.idempotency import COLUMNS as KEY_COLUMNS
from agent_records.eventstore.idempotency import KeyedResult, KeyTaken
from agent_records.eventstore.idempotency import create_table as create_keys_table
from agent_records.eventstore.recorders.connection import (
    COLUMNS,
    copy_rows,
    library_error,
    release,
    writer,
)
from agent_records.eventstore.recorders.reading import BelowHorizonRecorder

VALUES_ROWS = 16


class ConcurrentApplicationRecorder(BelowHorizonRecorder):
    """Inserts under a short advisory lock; reads below the oldest running writer."""

    COPY_ROWS = 100
    """Saves of this many events or more use binary COPY. ``bench/copy_threshold.py``: even
    at 50 events a save, 1.45 times the INSERT's events/s at 100 and 2.8 times from 1,000
    (psycopg dumps the unnest arrays as text, bytea escaped by regex), at 2 to 10 times
    less client CPU per event; below 50 the three more round trips cost more."""

    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema, name, table = datastore.schema, self.events_table_name, self.table
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
        # Idempotency keys (``eventstore.idempotency``), stored in a save's transaction.
        keys = name.removesuffix("_events") + "_idempotency_keys"
        self.keys_table = SQL("{}.{}").format(Identifier(schema), Identifier(keys))
        self.sql_create_statements.append(SQL(create_keys_table("{}")).format(self.keys_table))
        self.statements: dict[tuple[int, bool], bytes] = {}  # rendered once, as the reads
        self.sequence: str | None = None  # of notification_id, looked up on first COPY
        self.insert_key_statement: bytes | None = None
        self.timeout = f"{datastore.lock_timeout}s"
        """The lock timeout of a save, as the library's (``SET LOCAL lock_timeout``)."""

    def create_table(self) -> None:
        """Creates the types, the table and its migration under a session lock: processes
        starting together on a fresh schema (uvicorn workers, writers) otherwise fail on
        each other's catalogue rows (``tuple concurrently updated``, a duplicate type)."""
        pool = self.datastore.pool  # a connection of its own: a pool of one must stay free
        conninfo, kwargs = cast(str, pool.conninfo), cast(dict[str, Any], pool.kwargs or {})
        with psycopg.connect(conninfo, **{**kwargs, "autocommit": True}) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (self.lock_key ^ 1,))
            super().create_table()  # the lock ends with the session

    def notice(self) -> Composable:
        """What a save sends followers beside its rows: nothing (they poll; NOTIFY would
        serialise commits, ``recorders.reading``). A seam for ``bench/variants.py``, which
        sends the library's NOTIFY to measure its cost."""
        return SQL("")

    def statement(self, count: int, locked: bool, conn: Connection[Any]) -> bytes:
        """The INSERT of ``count`` events: alone (``locked`` False) or as one statement that
        takes the session lock, inserts, releases the lock (and sends the ``notice``). Its
        parameters are positional (``params``); the lock's key and timeout are literals:
        psycopg dumps and reorders named parameters on every save."""
        key = (min(count, VALUES_ROWS + 1), locked)
        if key not in self.statements:
            id_type = Identifier(self.datastore.originator_id_type)
            if count <= VALUES_ROWS:  # planned faster than unnest (~0.1 ms a save)
                rows = SQL("(VALUES {}) AS e(originator_id, originator_version, topic, state)"
                           ).format(SQL(", ").join(SQL(
                               "(%s::{t}, %s::bigint, %s::text, %s::bytea)").format(t=id_type)
                               for _ in range(count)))
            else:
                rows = SQL("unnest(%s::{t}[], %s::bigint[], %s::text[], %s::bytea[]) "
                           "AS e(originator_id, originator_version, topic, state)"
                           ).format(t=id_type)
            insert = SQL("INSERT INTO {} (originator_id, originator_version, topic, state) "
                         "SELECT e.* FROM {}{} RETURNING notification_id").format(
                self.table, SQL("locked, " if locked else ""), rows)
            if locked:
                lock = Literal(self.lock_key)
                insert = (SQL(
                    "WITH locked AS MATERIALIZED (SELECT pg_advisory_lock({key}) FROM "
                    "(SELECT set_config('lock_timeout', {timeout}, true)) AS c), ins AS ("
                ).format(key=lock, timeout=Literal(self.timeout)) + insert + SQL(
                    "), released AS MATERIALIZED (SELECT pg_advisory_unlock({})").format(lock)
                    + self.notice()
                    + SQL(" FROM (SELECT count(*) FROM ins) AS n) "
                          "SELECT notification_id FROM ins, released ORDER BY notification_id"))
            self.statements[key] = insert.as_bytes(conn)
        return self.statements[key]

    @staticmethod
    def params(stored_events: Sequence[StoredEvent]) -> list[Any]:
        """The parameters of ``statement``: each event's four columns in turn, or (beyond
        ``VALUES_ROWS``) four arrays."""
        if len(stored_events) > VALUES_ROWS:
            return [[e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                    [e.topic for e in stored_events], [e.state for e in stored_events]]
        return [value for e in stored_events
                for value in (e.originator_id, e.originator_version, e.topic, e.state)]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        """The library's entry point for a save, replaced whole: its body takes ``LOCK
        TABLE`` for the save's transaction. A subclass that overrides the library's private
        ``_insert_events`` hook (``hooked``) gets it called inside a transaction, as the
        library does, at the price of one round trip more per save."""
        if not stored_events:
            return None
        hooked = type(self)._insert_events is not PostgresApplicationRecorder._insert_events
        keyed: KeyedResult | None = kwargs.get("idempotency")
        also = kwargs.get("in_transaction")
        if not hooked and keyed is None and also is None and len(stored_events) < self.COPY_ROWS:
            return self.insert_alone(stored_events)
        with self.datastore.get_connection() as conn:
            try:
                if not hooked and also is None and len(stored_events) >= self.COPY_ROWS:
                    return self.copy_events(conn, stored_events, keyed)
                with conn.transaction(), conn.cursor() as curs:
                    self._insert_events(curs, stored_events, **kwargs)
                    ids = self._insert_stored_events(curs, stored_events)
                    if keyed is not None:  # after the events: their insert stays unserialised
                        self.insert_key(curs, keyed)
                    if also is not None:  # statements of the command's own (an erasure's)
                        also(curs)
                    return ids
            except BaseException:
                release(conn)
                raise

    def insert_alone(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        """A save of its own: one autocommit statement, one round trip (the module's
        docstring), on a connection taken from the pool and given back directly, through
        the connection's own cursor (``writer``). The library's ``get_connection`` and a
        cursor made and closed per save cost as many instructions as psycopg's execution
        of the statement (``bench/callgrind_command.py insert``); its errors are raised
        as it raises them (``library_error``), after ``release``."""
        datastore = self.datastore
        pool = datastore.pool
        try:
            pool.open(datastore.pool_open_timeout is not None,
                      datastore.pool_open_timeout or 30.0)
            conn = pool.getconn()
        except psycopg.Error as exc:
            raise library_error(exc) from exc
        try:
            cursor = writer(conn)
            cursor.execute(self.statement(len(stored_events), True, conn),
                           self.params(stored_events), prepare=True)
            return [row[0] for row in cursor.fetchall()]
        except BaseException as exc:
            release(conn)
            if isinstance(exc, psycopg.Error):
                raise library_error(exc) from exc
            raise
        finally:
            pool.putconn(conn)

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
        the save back rather than return wrong ids. Ours, not the library's: named after
        its ``_insert_stored_events``, the step it replaces for a large save."""
        curs.execute("SELECT set_config('lock_timeout', %s, true), pg_advisory_lock(%s)",
                     (self.timeout, self.lock_key), prepare=True)
        sequence = self.sequence or self.find_sequence(curs)
        before = curs.execute(SQL("SELECT last_value, is_called FROM {}").format(
            SQL(sequence))).fetchone()
        assert before is not None
        copy_rows(curs, self.table, COLUMNS,
                  (self.datastore.originator_id_type, "int8", "text", "bytea"),
                  ((e.originator_id, e.originator_version, e.topic, e.state)
                   for e in stored_events))
        row = curs.execute(SQL("SELECT currval(%s::regclass) AS last, pg_advisory_unlock(%s){}"
                               ).format(self.notice()),
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
        self.sequence = sequence = str(row["seq"])
        return sequence

    def _insert_stored_events(  # type: ignore[override]  # the library's returns None
            self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> list[int]:
        """Inserts inside the caller's transaction, which commits (or rolls back).

        Overrides the library's private step (its own takes ``LOCK TABLE``) so that the
        transaction path of ``insert_events`` here, and any library code calling the step,
        takes the advisory lock that the COPY and the reads rely on."""
        # A SELECT without FROM returns exactly one row: psycopg types `fetchone` as
        # optional for every query.
        fresh = curs.execute("SELECT set_config('lock_timeout', %s, true), "
                             "pg_current_xact_id_if_assigned() IS NULL AS fresh",
                             (self.timeout,)).fetchone()["fresh"]  # type: ignore[index]
        insert = self.statement(len(stored_events), False, curs.connection)
        params = self.params(stored_events)
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
        return ids
