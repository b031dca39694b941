"""Reading the PostgreSQL event table below a horizon, so that a follower never skips.

Writers of the concurrent recorder (``recorders.postgres``) commit in any order, so a row
with a lower id may become visible after a higher one. ``select_notifications`` and
``max_notification_id`` (the head a follower can reach) therefore see only rows whose
``tx_id`` is below a horizon computed in the same statement: the oldest running
transaction that may hold ids in the table. A row with a lower id that commits later has
a lower xid and is still running: never a skip. The price is latency: followers wait for
the oldest running writer of the table as long as it runs (an import, until it commits;
``idle_in_transaction_session_timeout``, 5 s in the library, bounds an idle one).

The horizon reads ``pg_locks`` once per call and passes over a running transaction only
if its backend holds no lock above ACCESS SHARE on the table and it still runs after the
locks were read: it ran throughout, and had it inserted before the snapshot it would still
hold its lock (locks go after the transaction leaves the running set). One that ended
during the read still counts, so the read is repeated (up to ``READS`` times) while that
is what held it back. (Emmett's rule, the oldest transaction of the whole server, holds
every follower back behind any other schema's or database's work: ``bench/variants.py``
keeps it for comparison; on this shared server it failed the library's own test cases.)

Notifications. NOTIFY takes a server-wide lock at commit, held through the flush, which
serialises notifying commits again: the recorder sends none, and ``subscribe()`` polls
every ``POLL_INTERVAL`` seconds (measured with ``bench/recorder.py``; the projection
worker polls every 0.5 s anyway).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, cast

from eventsourcing.persistence import InterfaceError, Notification, OperationalError
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresSubscription,
)
from eventsourcing.utils import retry
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

READS = 10
LOCKS = SQL("locks AS MATERIALIZED (SELECT locktype, database, relation, transactionid, pid, "
            "mode, granted FROM pg_locks)")


class BelowHorizonRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, reading only below the oldest running writer."""

    POLL_INTERVAL = 0.5

    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema, name = datastore.schema, self.events_table_name
        self.table = SQL("{}.{}").format(Identifier(schema), Identifier(name))
        self.qualified = ".".join('"' + p.replace('"', '""') + '"' for p in (schema, name))
        self.selects: dict[tuple[bool, ...], Composable] = {}  # rendered once: composing
        self.rendered: dict[int, bytes] = {}  # costs ~10% of a save
        self.max_notification_id_statement = self.below_horizon(SQL(
            "(SELECT max(notification_id) AS max FROM {table} WHERE tx_id < horizon.h)"
        ).format(table=self.table))

    def horizon(self) -> Composable:
        """The xid below which every transaction that may hold ids here has ended."""
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

    def below_horizon(self, query: Composable) -> Composed:
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
        return cast(int | None, self.read(self.max_notification_id_statement, ())[0]["max"])

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
                  topics: Sequence[str] = ()) -> PostgresSubscription:
        return PollingSubscription(recorder=self, gt=gt, topics=topics)


class PollingSubscription(PostgresSubscription):
    """The library's subscription, woken every ``POLL_INTERVAL`` seconds, not by NOTIFY.

    Overrides the library's private ``_listen`` (its thread's body, which would LISTEN
    for notifications this recorder does not send), keeping its contract: set
    ``_has_been_notified`` to pull, end when ``_has_been_stopped``, hand a failure to
    ``_thread_error`` and stop."""

    def _listen(self) -> None:
        interval = getattr(self._recorder, "POLL_INTERVAL", 0.5)
        try:
            while not self._has_been_stopped:
                for _ in range(max(1, round(interval / 0.1))):
                    if not self._has_been_stopped:
                        time.sleep(0.1)
                self._has_been_notified.set()
        except BaseException as e:
            if self._thread_error is None:
                self._thread_error = e
            self.stop()
