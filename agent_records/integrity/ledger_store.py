"""Reading the store and the ledger side by side, and keeping the signed checkpoints."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Notification

from agent_records.integrity.sealer import LEDGER
from projections.engine.store import ViewStore

BATCH = 2000
CHECKPOINTS = ("checkpoints", "size BIGINT NOT NULL PRIMARY KEY, position BIGINT NOT NULL, "
               "root TEXT NOT NULL, chain_head TEXT NOT NULL, note TEXT NOT NULL, "
               "created_at TEXT NOT NULL")

LedgerRow = dict[str, Any]
"""A row of the ledger by column: position, stream_id, version, hash, previous."""
CheckpointRow = dict[str, Any]
"""A stored checkpoint by column: size, position, root (hex), chain_head, note, created_at."""


def store_events(store: ViewStore, after: int = 0) -> Iterator[Notification]:
    """Every stored event after position ``after``, in log order, in batches."""
    while True:
        notes = store.app.recorder.select_notifications(after + 1, BATCH)
        yield from notes
        if len(notes) < BATCH:
            return
        after = notes[-1].id


def ledger_rows(store: ViewStore, after: int = 0) -> Iterator[LedgerRow]:
    """Every ledger row after position ``after``, in order, in batches."""
    table = store.table(LEDGER.name)
    while True:
        with store.reading() as sql:
            rows = [dict(r) for r in sql.execute(
                f"SELECT * FROM {table} WHERE position > ? ORDER BY position LIMIT ?",
                (after, BATCH)).fetchall()]
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1]["position"]


@dataclass(frozen=True, slots=True)
class Seal:
    """An event's seal: its position in the log, its hash and the one before it."""

    position: int
    version: int
    hash: str
    previous: str


def seals_of(store: ViewStore, stream_id: str) -> dict[int, Seal]:
    """The seals of one stream's events, by version (empty before the first seal)."""
    rows = store.rows(f"SELECT position, version, hash, previous FROM "
                      f"{store.table(LEDGER.name)} WHERE stream_id = ?", (stream_id,))
    return {r["version"]: Seal(**r) for r in rows}


def hash_before(store: ViewStore, position: int) -> tuple[str | None, int]:
    """The sealed hash just before ``position`` and how many events precede it."""
    table = store.table(LEDGER.name)
    with store.reading() as sql:
        row = sql.execute(f"SELECT hash FROM {table} WHERE position < ? ORDER BY position DESC "
                          "LIMIT 1", (position,)).fetchone()
        count = sql.execute(f"SELECT count(*) AS n FROM {table} WHERE position < ?",
                            (position,)).fetchone()["n"]
    return (row["hash"] if row else None), count


def ensure_checkpoints(store: ViewStore) -> None:
    name, columns = CHECKPOINTS
    with store.transaction() as sql:
        sql.execute(f"CREATE TABLE IF NOT EXISTS {store.table(name)} ({columns})")


def save_checkpoint(store: ViewStore, size: int, position: int, root: bytes, head: str,
                    note: str) -> None:
    ensure_checkpoints(store)
    with store.transaction() as sql:
        sql.execute(f"INSERT INTO {store.table('checkpoints')} VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (size) DO NOTHING",
                    (size, position, root.hex(), head, note, datetime.now(UTC).isoformat()))


def checkpoints(store: ViewStore) -> list[CheckpointRow]:
    ensure_checkpoints(store)
    with store.reading() as sql:
        return [dict(r) for r in sql.execute(
            f"SELECT * FROM {store.table('checkpoints')} ORDER BY size").fetchall()]
