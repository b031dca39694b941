"""The store's identity: an id created once and kept in the store itself.

Published checkpoints are filed under this id, not under the store's URL: the same store
opened under another URL (an SQLite file copied or moved, a PostgreSQL URL written
``localhost`` instead of ``127.0.0.1``) still finds them, and a rewrite is still caught.
The id lives in a one-row table beside the ledger (the SQLite file, the PostgreSQL
schema), written once; on PostgreSQL a trigger refuses to change or delete it. A store
created before the table existed gets its id on first use.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from projections.engine.store import Sql, ViewStore

TABLE = "store_identity"
COLUMNS = ("singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1), "
           "id TEXT NOT NULL, created_at TEXT NOT NULL")
FIXED = """
CREATE OR REPLACE FUNCTION {schema}.agent_records_identity_fixed() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the store identity is written once: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql
"""


def store_id(store: ViewStore) -> str:
    """The store's id, created (once, whoever races) when the store has none yet."""
    found = _read(store)
    if found:
        return found
    with store.ddl_lock(), store.transaction() as sql:
        if not store.has_table(sql, TABLE):
            sql.execute(f"CREATE TABLE {store.table(TABLE)} ({COLUMNS})")
            if store.postgres:
                _guard(store, sql)
        sql.execute(f"INSERT INTO {store.table(TABLE)} VALUES (1, ?, ?) "
                    "ON CONFLICT (singleton) DO NOTHING",
                    (str(uuid.uuid4()), datetime.now(UTC).isoformat()))
    found = _read(store)
    if not found:  # pragma: no cover - the insert above commits or raises
        raise RuntimeError("the store identity could not be written")
    return found


def _read(store: ViewStore) -> str | None:
    with store.reading() as sql:
        if not store.has_table(sql, TABLE):
            return None
        row = sql.execute(f"SELECT id FROM {store.table(TABLE)}").fetchone()
    return row["id"] if row else None


def _guard(store: ViewStore, sql: Sql) -> None:
    """PostgreSQL: UPDATE, DELETE and TRUNCATE of the identity are refused (a superuser
    can still disable the trigger; the published checkpoints are the real safeguard)."""
    schema = f'"{store.schema}"'
    table = store.table(TABLE)
    sql.execute(FIXED.format(schema=schema))
    sql.execute(f"CREATE TRIGGER store_identity_fixed BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {schema}.agent_records_identity_fixed()")
    sql.execute(f"CREATE TRIGGER store_identity_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.agent_records_identity_fixed()")
