"""The sealer: the single writer of the ledger (the hash chain), following the log in commit
order as a view of the projection engine does.

Each stored event gets a row (position, stream, version, hash, previous hash) written in
the same transaction as the sealer's tracking position, so every event is sealed exactly
once and in the order of the global log. The ledger seals stored bytes, whatever their
type: an event no view can read is sealed all the same. On PostgreSQL, triggers refuse
UPDATE, DELETE and TRUNCATE on the event table and on the ledger.
"""

from __future__ import annotations

from agent_records.eventstore.recorders.sql import events_table
from agent_records.integrity.chain import GENESIS, event_hash, from_notification
from projections.engine.base import AgentLoader, Batch, Column, Table, View
from projections.engine.store import Sql

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION {schema}.agent_records_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the record is append-only: % refused on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql
"""

LEDGER = Table(
    "ledger",
    (Column("position", "BIGINT NOT NULL"), Column("stream_id", "TEXT NOT NULL"),
     Column("version", "INTEGER NOT NULL"), Column("hash", "TEXT NOT NULL"),
     Column("previous", "TEXT NOT NULL")),
    "position",
    ("stream_id, version",),
)
"""One row per sealed event; the chain links each ``hash`` to the ``previous`` one."""


class Sealer(View):
    """Seals every stored event into the chain (the view ``ledger``)."""

    name = "ledger"
    raw = True
    rebuildable = False
    tables = (LEDGER,)

    def create(self, sql: Sql, *, keyed: bool = True, indexed: bool = True) -> None:
        super().create(sql, keyed=keyed, indexed=indexed)
        if self.store.postgres:
            self.guard(sql)

    def guard(self, sql: Sql) -> None:
        """PostgreSQL: refuse UPDATE, DELETE and TRUNCATE on the events and the ledger.

        Done under a transaction advisory lock and only when a trigger is missing or
        disabled: concurrent ``CREATE OR REPLACE FUNCTION`` fails ("tuple concurrently
        updated") and ``DROP TRIGGER`` locks the event table against every writer.
        """
        schema = f'"{self.store.schema}"'
        events = self.store.table(events_table(self.store.app.recorder))
        tables = (events, self.names["ledger"])
        names = [t.split(".")[-1].strip('"') for t in tables]
        triggers = [f"{n}_{kind}" for n in names for kind in ("append_only", "no_truncate")]
        sql.execute("SELECT pg_advisory_xact_lock(hashtext(?))",
                    (f"{self.store.schema}:ledger-guard",))
        enabled = sql.execute(
            "SELECT count(*) AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = ? "
            "AND t.tgname = ANY(?) AND t.tgenabled <> 'D'",
            (self.store.schema, triggers)).fetchone()["n"]
        if enabled == len(triggers):
            return
        sql.execute(APPEND_ONLY.format(schema=schema))
        for table, name in zip(tables, names, strict=True):
            sql.execute(f'DROP TRIGGER IF EXISTS "{name}_append_only" ON {table}')
            sql.execute(f'CREATE TRIGGER "{name}_append_only" BEFORE UPDATE OR DELETE ON {table} '
                        f"FOR EACH ROW EXECUTE FUNCTION {schema}.agent_records_append_only()")
            sql.execute(f'DROP TRIGGER IF EXISTS "{name}_no_truncate" ON {table}')
            sql.execute(f'CREATE TRIGGER "{name}_no_truncate" BEFORE TRUNCATE ON {table} '
                        f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.agent_records_append_only()")

    def head(self, sql: Sql) -> str:
        row = sql.execute(self.q("SELECT hash FROM {ledger} ORDER BY position DESC LIMIT 1")
                          ).fetchone()
        return row["hash"] if row else GENESIS

    def process(self, sql: Sql, batch: Batch, load: AgentLoader) -> None:
        previous = self.head(sql)
        rows = []
        for _, note in batch:
            fact = from_notification(note)
            digest = event_hash(fact, previous)
            rows.append((fact.position, fact.stream_id, fact.version, digest, previous))  # LEDGER
            previous = digest
        if rows:  # one call for the batch: a round trip per event was half the sealing time
            sql.executemany(self.q("INSERT INTO {ledger} VALUES (?, ?, ?, ?, ?)"), rows)
