"""Helpers of the integrity tests: careers to record, and direct SQL on the store's tables.

``Intruder`` writes the tables the way someone with database access would, bypassing the
application: on PostgreSQL it first disables the append-only triggers as the superuser.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg

from agent_records.application import AgentRecords
from agent_records.domain.commands import RegisterAgent
from agent_records.integrity.service import seal
from agent_records.integrity.verify import Verification, verify
from agent_records.readside import named
from projections.engine.runner import Worker
from projections.engine.store import Sql
from tests import backends
from tests.careers import on, open_legation, serving_attache

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("Ëmil Schëtter", "Françoise Müller", "Jürgen Weiß")
"""Luxembourgish, French and German names: their bytes must hash the same everywhere."""


def record_careers(app: AgentRecords, names: tuple[str, ...] = NAMES) -> list[UUID]:
    """A legation, a serving attaché and one registered person per name."""
    open_legation(app)
    agents = [serving_attache(app)]
    for name in names:
        agents.append(app.handle(RegisterAgent(on("1950-01-02"), full_name=name,
                                               birth_date=date(1925, 5, 5),
                                               nationality="LU")).aggregate_id)
    return agents


def more_events(app: AgentRecords, count: int = 3) -> None:
    """``count`` more registrations (one event each)."""
    for i in range(count):
        app.handle(RegisterAgent(on("1951-03-04"), full_name=f"Agent {i}", nationality="LU",
                                 birth_date=date(1926, 1, 1 + i)))


def cli(store: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``agent-records --store STORE ARGS`` in a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "agent_records.cli", "--store", store, *args],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


def check(app: AgentRecords, verifier: str | None = None, from_position: int = 0
          ) -> Verification:
    """``verify`` as the CLI runs it with ``--no-seal``."""
    return verify(Worker(app, named(["ledger"])).store, verifier, from_position)


def positions(app: AgentRecords) -> list[int]:
    """The positions of the stored events, in order."""
    return [n.id for n in app.recorder.select_notifications(1, 10_000)]


class Intruder:
    """Direct SQL on one store's events, ledger and tracking tables."""

    def __init__(self, app: AgentRecords) -> None:
        self.app = app
        self.store = Worker(app, named(["ledger"])).store
        self.postgres = self.store.postgres
        self.events = self.store.table(app.recorder.events_table_name.split(".")[-1])
        self.ledger = self.store.table("ledger")
        self.id = "notification_id" if self.postgres else "rowid"

    @contextmanager
    def sql(self, unguarded: bool = True) -> Iterator[Sql]:
        """One committed transaction; ``unguarded`` disables the triggers (PostgreSQL)."""
        if not self.postgres:
            conn = sqlite3.connect(self.app.settings.env["SQLITE_DBNAME"])
            try:
                with conn:
                    yield Sql(conn.cursor(), False)
            finally:
                conn.close()
            return
        with psycopg.connect(backends.PG_DSN) as conn, conn.cursor() as cursor:
            tables = (self.events, self.ledger) if unguarded else ()
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            yield Sql(cursor, True)
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")

    def row(self, position: int) -> tuple[Any, ...]:
        """(stream, version, topic, state) of the event at ``position``."""
        with self.sql(unguarded=False) as sql:
            return tuple(sql.execute(
                f"SELECT originator_id, originator_version, topic, state FROM {self.events} "
                f"WHERE {self.id} = ?", (position,)).fetchone())

    def set_state(self, position: int, state: bytes) -> None:
        with self.sql() as sql:
            sql.execute(f"UPDATE {self.events} SET state = ? WHERE {self.id} = ?",
                        (state, position))

    def alter(self, position: int) -> None:
        """Changes one field of the event's stored content (still valid JSON)."""
        content = json.loads(bytes(self.row(position)[3]))
        content["reason"] = f"{content.get('reason', '')} (quietly amended)"
        self.set_state(position, json.dumps(content).encode())

    def delete(self, position: int) -> None:
        with self.sql() as sql:
            sql.execute(f"DELETE FROM {self.events} WHERE {self.id} = ?", (position,))

    def swap(self, first: int, second: int) -> None:
        """Exchanges the stream, version, topic and state of two rows (a reordering)."""
        a, b = self.row(first), self.row(second)
        update = (f"UPDATE {self.events} SET originator_id = ?, originator_version = ?, "
                  f"topic = ?, state = ? WHERE {self.id} = ?")
        with self.sql() as sql:
            sql.execute(update, (a[0], -1, a[2], a[3], first))  # free the (stream, version) key
            sql.execute(update, (*a, second))
            sql.execute(update, (*b, first))

    def reseal_from_scratch(self) -> int:
        """Drops the ledger and the sealer's position, then seals again: a consistent chain."""
        with self.sql() as sql:
            sql.execute(f"DELETE FROM {self.ledger}")
            sql.execute(f"DELETE FROM {self.store.tracking_table} WHERE application_name = ?",
                        ("ledger",))
        return seal(self.app)

    def launder(self, position: int) -> None:
        """The attack of issue 10: changes the event at ``position``, deletes the ledger
        from there and sets the sealer back before it, deletes the checkpoint rows. The
        next seal rebuilds a chain that is consistent, over the changed history."""
        self.alter(position)
        before = max([p for p in positions(self.app) if p < position], default=0)
        with self.sql() as sql:
            sql.execute(f"DELETE FROM {self.ledger} WHERE position >= ?", (position,))
            sql.execute(f"UPDATE {self.store.tracking_table} SET notification_id = ? "
                        "WHERE application_name = ?", (before, "ledger"))
            sql.execute(f"DELETE FROM {self.store.table('checkpoints')}")

    def change_identity(self) -> None:
        """Gives the store another id (on PostgreSQL with the trigger disabled)."""
        table = self.store.table("store_identity")
        with self.sql() as sql:
            if self.postgres:
                sql.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            sql.execute(f"UPDATE {table} SET id = ?", (str(uuid4()),))
            if self.postgres:
                sql.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")

    def truncate_tail(self, count: int) -> None:
        """Deletes the last ``count`` events and their seals (the sealer's position stays)."""
        last = positions(self.app)[-count:]
        with self.sql() as sql:
            for position in last:
                sql.execute(f"DELETE FROM {self.events} WHERE {self.id} = ?", (position,))
                sql.execute(f"DELETE FROM {self.ledger} WHERE position = ?", (position,))

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        """A statement with the triggers left in place."""
        with self.sql(unguarded=False) as sql:
            sql.execute(statement, params)
