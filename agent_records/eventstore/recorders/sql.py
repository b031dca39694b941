"""The application's recorder as the SQL recorder it is.

The library types an application's recorder as its abstract ``ApplicationRecorder``. The
read side, the sealer and the import also use what its SQL recorders add: the events
table, the datastore, PostgreSQL's notification channel. These functions narrow the
recorder to that type once, saying clearly when the store is not the one expected (the
library's in-memory recorder, which no setting of ours chooses, has no table at all).
"""

from __future__ import annotations

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from agent_records.eventstore.recorders.postgres import ConcurrentApplicationRecorder
from agent_records.eventstore.recorders.sqlite import KeyedSQLiteRecorder

SQLRecorder = SQLiteApplicationRecorder | PostgresApplicationRecorder
"""Every recorder the settings choose (ours and the benchmarks' derive from these)."""
KeyedRecorder = KeyedSQLiteRecorder | ConcurrentApplicationRecorder
"""Our recorders, which also keep the idempotency keys (``find_key``)."""


def sql_recorder(recorder: ApplicationRecorder) -> SQLRecorder:
    """``recorder``, which keeps the events in an SQL table."""
    if isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder):
        return recorder
    raise TypeError(f"an SQL event store is needed, not {type(recorder).__name__}")


def sqlite_recorder(recorder: ApplicationRecorder) -> SQLiteApplicationRecorder:
    """``recorder``, which keeps the events in SQLite."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return recorder
    raise TypeError(f"an SQLite event store is needed, not {type(recorder).__name__}")


def postgres_recorder(recorder: ApplicationRecorder) -> PostgresApplicationRecorder:
    """``recorder``, which keeps the events in PostgreSQL."""
    if isinstance(recorder, PostgresApplicationRecorder):
        return recorder
    raise TypeError(f"a PostgreSQL event store is needed, not {type(recorder).__name__}")


def events_table(recorder: ApplicationRecorder) -> str:
    """The events table's own name, without the schema PostgreSQL's recorder puts before
    it (callers qualify it themselves)."""
    return sql_recorder(recorder).events_table_name.split(".")[-1]


def keyed_recorder(recorder: ApplicationRecorder) -> KeyedRecorder:
    """``recorder``, one of ours, which finds a command's idempotency key."""
    if isinstance(recorder, KeyedSQLiteRecorder | ConcurrentApplicationRecorder):
        return recorder
    raise TypeError(f"a recorder keeping idempotency keys is needed, not "
                    f"{type(recorder).__name__}")
