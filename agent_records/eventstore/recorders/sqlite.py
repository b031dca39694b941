"""The library's SQLite recorder, storing a save's idempotency key in its transaction.

The key must be stored with the events or not at all (``eventstore.idempotency``); the
library's SQLite recorder runs a save in one transaction and calls ``_insert_events``
inside it, the one place where a row of ours can join that transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from agent_records.eventstore.idempotency import COLUMNS, KeyedResult, KeyTaken, create_table


class KeyedSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, storing a save's idempotency key in its transaction."""

    KEYS_TABLE = "idempotency_keys"

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
                 ) -> None:
        super().__init__(datastore, events_table_name)
        self.insert_key = (f"INSERT OR IGNORE INTO {self.KEYS_TABLE} ({', '.join(COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(COLUMNS))})")
        self.select_key = (f"SELECT {', '.join(COLUMNS)} FROM {self.KEYS_TABLE} "
                           "WHERE actor_id = ? AND key = ?")

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), create_table(self.KEYS_TABLE)]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        """The library's private hook, called inside the save's transaction: the events,
        then the key; a key stored first by a concurrent request rolls both back."""
        ids = super()._insert_events(c, stored_events, **kwargs)
        also = kwargs.get("in_transaction")
        if also is not None:  # statements of the command's own (an erasure's key)
            also(c)
        keyed: KeyedResult | None = kwargs.get("idempotency")
        if keyed is not None:
            c.execute(self.insert_key, keyed.row())
            c.execute("SELECT changes()")
            if c.fetchone()[0] == 0:
                raise KeyTaken(keyed.request.key)  # rolls the transaction back
        return ids

    def find_key(self, actor_id: str, key: str) -> KeyedResult | None:
        """The stored key of ``actor_id``, or None."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_key, (actor_id, key))
            row = c.fetchone()
        return KeyedResult.of_row(tuple(row)) if row else None
