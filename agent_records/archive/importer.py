"""``agent-records import``: loads a complete export into an empty store, chain checked.

Positions are preserved. The chain hashes each event's position (``integrity.chain``),
so an event given a new position would get a new hash and the imported log would not
be the exported one. The library's recorders always let the database number the
events (SQLite rowid, PostgreSQL bigserial), so the import writes the library's own
event table directly, with the exported positions (PostgreSQL: one binary ``COPY``
streamed as the lines are checked, as the recorder's bulk save), then moves the sequence
past the last one (SQLite's next rowid is the largest plus one by itself). Gaps in the
exported positions (an id burnt by a refused write on PostgreSQL) are kept as they are.

Nothing is written unless the whole file holds: every line is checked while it is
read (hash recomputed, link to the line before, readable members equal to the stored
content, and for a bag the manifest digest and the signed checkpoint's Merkle root),
all inside one transaction that is rolled back at the first problem, which is named
by its line number. Lines are hashed with the standalone verifier's RFC 8785 form (the
same bytes as ``rfc8785``, tested, several times faster); afterwards the sealer rebuilds
the ledger with ``integrity.chain`` itself, and its head must be the exported head.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from agent_records.application import AgentRecords, key_table
from agent_records.archive.formats import COLUMNS
from agent_records.archive.keyfile import read_keys
from agent_records.archive.verify_export import READABLE, describe, event_hash, plain, shows
from agent_records.eventstore.errors import guard
from agent_records.eventstore.recorders.connection import COLUMNS as EVENT_COLUMNS
from agent_records.eventstore.recorders.connection import copy_rows
from agent_records.eventstore.recorders.sql import events_table, postgres_recorder, sql_recorder
from agent_records.integrity.chain import GENESIS, StoredFact
from agent_records.integrity.checkpoint import Checkpoint, verify_note
from agent_records.integrity.service import seal
from agent_records.integrity.verify import Roots
from projections.engine.store import ViewStore

Progress = Callable[[int, int], None]
BATCH = 1000


class ImportRefused(ValueError):
    """The export cannot be imported; nothing was written."""


@dataclass(frozen=True)
class Source:
    """What to import: the JSON Lines file and, for a bag, what vouches for it."""

    jsonl: Path
    bag: Path | None = None

    @classmethod
    def at(cls, path: Path) -> Source:
        if path.is_dir():
            if not (path / "data" / "events.jsonl").is_file():
                raise ImportRefused(f"{path}: not an agent-records bag (no data/events.jsonl)")
            return cls(path / "data" / "events.jsonl", path)
        if not path.is_file():
            raise ImportRefused(f"{path}: no such file or bag")
        return cls(path)

    def bag_info(self) -> dict[str, str]:
        info: dict[str, str] = {}
        if self.bag and (self.bag / "bag-info.txt").is_file():
            for text in (self.bag / "bag-info.txt").read_text(encoding="utf-8").splitlines():
                label, _, value = text.partition(":")
                info[label.strip()] = value.strip()
        return info

    def manifest_digest(self) -> str | None:
        """The SHA-256 the bag's manifest gives for events.jsonl."""
        manifest = self.bag / "manifest-sha256.txt" if self.bag else None
        if not manifest or not manifest.is_file():
            return None
        for text in manifest.read_text(encoding="utf-8").splitlines():
            digest, _, name = text.strip().partition(" ")
            if name.strip() == "data/events.jsonl":
                return digest.lower()
        return None


@dataclass
class ImportSummary:
    count: int
    first_position: int
    last_position: int
    head_hash: str
    seconds: float
    checkpoint: str | None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


class ChainReader:
    """Reads the export line by line and refuses it at the first line that does not hold."""

    def __init__(self, source: Source, sealed_readable: bool = False) -> None:
        self.source, self.sealed_readable = source, sealed_readable
        """Whether the export's data keys came with it (sealed values can be opened)."""
        self.digest = hashlib.sha256()
        self.previous, self.position, self.count = GENESIS, 0, 0
        self.first_position = 0
        self.checkpoint: Checkpoint | None = None
        self.roots = Roots(set())
        if source.bag and (source.bag / "data" / "checkpoint.txt").is_file():
            self._load_checkpoint(source.bag / "data")

    def _load_checkpoint(self, data: Path) -> None:
        try:
            key = (data / "verifier.key").read_text(encoding="utf-8").strip()
            self.checkpoint = verify_note((data / "checkpoint.txt").read_text(encoding="utf-8"),
                                          key)
        except (OSError, ValueError) as exc:
            raise ImportRefused(f"data/checkpoint.txt: {exc}") from None
        self.roots = Roots({self.checkpoint.size})

    def facts(self) -> Iterator[StoredFact]:
        with self.source.jsonl.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                self.digest.update(raw)
                yield self.check(number, raw)

    def check(self, number: int, raw: bytes) -> StoredFact:
        """The stored event of one line, after every check of it."""
        try:
            line = json.loads(raw.decode("utf-8"))
            where = f"line {number} (position {line.get('position')})"
        except (ValueError, AttributeError):
            raise ImportRefused(f"line {number}: not a JSON object") from None
        missing = [k for k in COLUMNS if k not in line]
        if missing:
            raise ImportRefused(f"{where}: missing member {missing[0]}")
        stored = line["stored"]
        if stored is None or (not self.sealed_readable and b'"_sealed"' in raw):
            raise ImportRefused(f"{where}: personal data were withheld from this export (or "
                                "its data keys are missing); only a complete export "
                                "(--include-personal-data) can be imported")
        if not isinstance(line["position"], int) or line["position"] <= self.position:
            raise ImportRefused(f"{where}: positions must increase (lines reordered?)")
        if line["previous_hash"] != self.previous:
            first = " (the export must start at the first event)" if number == 1 else ""
            raise ImportRefused(f"{where}: does not link to the line before: a line was "
                                f"removed, added or reordered{first}")
        try:
            stream = str(UUID(line["stream_id"]))
            state = json.dumps(stored["state"], ensure_ascii=False, separators=(",", ":"))
            fact = StoredFact(line["position"], stream, line["version"], stored["topic"],
                              state.encode("utf-8"))
            digest = event_hash(fact.position, stream, fact.version, fact.topic,
                                stored["state"], self.previous)
        except (ValueError, TypeError, KeyError) as exc:
            raise ImportRefused(f"{where}: malformed ({exc})") from None
        if digest != line["hash"]:
            raise ImportRefused(f"{where}: the content does not match its hash (altered)")
        shown = describe(fact.position, stream, fact.version, fact.topic,
                         plain(stored["state"]))
        for name in READABLE:
            if not shows(line[name], shown[name], name):
                raise ImportRefused(f"{where}: {name} differs from the stored event")
        self.previous, self.position = digest, fact.position
        self.first_position = self.first_position or fact.position
        self.count += 1
        self.roots.add(bytes.fromhex(digest))
        return fact

    def finish(self) -> None:
        """The checks over the whole file: manifest digest and signed Merkle root."""
        if self.count == 0:
            raise ImportRefused(f"{self.source.jsonl}: the export holds no events")
        expected = self.source.manifest_digest()
        if expected and expected != self.digest.hexdigest():
            raise ImportRefused("data/events.jsonl does not match the bag's "
                                "manifest-sha256.txt (altered after export)")
        if self.checkpoint:
            size = self.checkpoint.size
            if self.roots.found.get(size) != self.checkpoint.root:
                raise ImportRefused(f"data/checkpoint.txt: the Merkle root of the first {size} "
                                    "events differs from the signed root")


class Writer:
    """Inserts stored events with their positions into the library's event table."""

    def __init__(self, app: AgentRecords, cursor: Any) -> None:
        self.app, self.cursor = app, cursor
        self.postgres = app.settings.backend == "postgres"
        name = events_table(app.recorder)
        if self.postgres:
            self.table = f'"{postgres_recorder(app.recorder).datastore.schema}"."{name}"'
        else:
            self.table = f'"{name}"'
            self.insert = (f"INSERT INTO {self.table} (originator_id, originator_version, "
                           "topic, state, rowid) VALUES (?, ?, ?, ?, ?)")

    def lock_empty(self) -> None:
        """Refuses a store that holds events (PostgreSQL: locked against writers first)."""
        if self.postgres:
            self.cursor.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")
        self.cursor.execute(f"SELECT count(*) AS n FROM {self.table}")
        row = self.cursor.fetchone()
        if (row["n"] if isinstance(row, dict) else row[0]) != 0:
            raise ImportRefused(f"the store {self.app.settings.display} already holds events: "
                                "import only into an empty store")

    def write(self, facts: Iterable[StoredFact]) -> None:
        """Inserts ``facts`` as they come: PostgreSQL streams them with binary COPY (one
        statement, 32 kB at a time), SQLite inserts ``BATCH`` rows per ``executemany``."""
        if self.postgres:
            types = (postgres_recorder(self.app.recorder).datastore.originator_id_type, "int8",
                     "text", "bytea", "int8")
            copy_rows(self.cursor, SQL(self.table), (*EVENT_COLUMNS, "notification_id"), types,
                      ((UUID(f.stream_id), f.version, f.topic, f.state, f.position)
                       for f in facts))
            return
        batch: list[tuple[Any, ...]] = []
        for f in facts:
            batch.append((UUID(f.stream_id).hex, f.version, f.topic, f.state, f.position))
            if len(batch) >= BATCH:
                self.cursor.executemany(self.insert, batch)
                batch.clear()
        if batch:
            self.cursor.executemany(self.insert, batch)

    def finish(self, last_position: int) -> None:
        """PostgreSQL: the next event gets a position after the imported ones."""
        if self.postgres:
            self.cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), "
                                "%s)", (self.table, last_position))
            self.cursor.execute(f'NOTIFY "{postgres_recorder(self.app.recorder).channel_name}"')


def import_export(app: AgentRecords, path: Path, progress: Progress | None = None
                  ) -> ImportSummary:
    """Imports the export at ``path`` (JSONL file or bag) into the empty store of ``app``."""
    source = Source.at(path)
    selection = source.bag_info().get("Agent-Records-Selection", "whole log")
    if selection != "whole log":
        raise ImportRefused(f"{path}: a selection ({selection}) cannot be imported: only an "
                            "export of the whole log")
    total = _count_lines(source.jsonl)
    keys = read_keys(source.jsonl)
    reader = ChainReader(source, sealed_readable=keys is not None)
    started = time.monotonic()
    table = key_table(app)
    if keys and table is not None:
        table.master()  # before the import's transaction (SQLite has one writer)
    with guard(app.settings), sql_recorder(app.recorder).datastore.transaction(
            commit=True) as cursor:
        writer = Writer(app, cursor)
        writer.lock_empty()
        writer.write(_reporting(reader, total, progress))
        reader.finish()
        writer.finish(reader.position)
        if keys and table is not None:
            table.import_rows(cursor, keys)
    if progress:
        progress(total, total)
    seal(app)
    head = _head(app)
    if head != reader.previous:
        raise ImportRefused(f"after import the ledger's head is {head}, not the exported "
                            f"{reader.previous}: report this")
    return ImportSummary(reader.count, reader.first_position, reader.position, head,
                         time.monotonic() - started,
                         f"size {reader.checkpoint.size}" if reader.checkpoint else None)


def _reporting(reader: ChainReader, total: int, progress: Progress | None
               ) -> Iterator[StoredFact]:
    """The checked facts of the file, with ``progress`` called every ``BATCH`` of them."""
    for fact in reader.facts():
        yield fact
        if progress and reader.count % BATCH == 0:
            progress(reader.count, total)


def _head(app: AgentRecords) -> str:
    store = ViewStore(app)
    with store.reading() as sql:
        row = sql.execute(f"SELECT hash FROM {store.table('ledger')} ORDER BY position DESC "
                          "LIMIT 1").fetchone()
    return row["hash"] if row else GENESIS


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count
