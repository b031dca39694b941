"""The key table: each agent's data key per personal class, wrapped, in the store itself.

One row a key: ``(key_id, agent_id, data_class, wrapped, created_at, destroyed_at)``.
An agent has at most one live key per class (a partial unique index); erasure nulls the
wrapped key and sets ``destroyed_at`` (the row stays: it says when and that the key
existed), and a later fact of that class gets a new key. A key is created, committed,
in the transaction of the first event it seals (a bulk save's keys are created, committed,
before the save, idempotently: a racing writer's key wins), so no event is ever stored
without its key, and a save that fails leaves at most an unused key. One row
(``master-check``) holds a known key wrapped by the master key: a wrong master key is
told at the first use, before anything is written.

Unwrapped keys are cached per process; a live key is read again after
``CACHE_SECONDS``, so an erasure by another process is seen within that time (at once
by this one).
"""

from __future__ import annotations

import base64
import itertools
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg

from agent_records.keys import master as masters
from agent_records.keys.master import MasterKey

TABLE = "agent_keys"
CHECK = "master-check"
CHECK_PLAIN = bytes(32)
CACHE_SECONDS = 30.0
KEY_SIZE = 32
PREFETCH = 500
"""Key ids per statement of ``prefetch``."""
CACHED_KEYS = 100_000
"""Keys (and live keys) a process keeps unwrapped at most, about 25 MiB: past it the
oldest are dropped down to half of it (read again when needed). Without a bound a
rebuild of a sealed store kept every key of every agent it had read, growing with the
store. A bulk save's keys (a few thousand agents) stay well within it."""


def halve(cache: dict[Any, Any], limit: int | None = None) -> None:
    """Drops the first-inserted entries of ``cache`` once it holds more than ``limit``
    (``CACHED_KEYS``), down to half of it (amortised: one drop per many additions). Two
    threads may drop at once (the sealer's ciphers are kept without a lock): an entry the
    other dropped first is no error."""
    limit = CACHED_KEYS if limit is None else limit
    if len(cache) > limit:
        for old in list(itertools.islice(cache, len(cache) - limit // 2)):
            cache.pop(old, None)


def fresh(cached: tuple[bytes | None, float] | None, clock: float) -> bool:
    """Whether a cached key (its bytes, None once destroyed, and when it was read) may be
    used at ``clock``: a destroyed key for ever, a live one for ``CACHE_SECONDS``."""
    return cached is not None and (cached[0] is None or clock - cached[1] < CACHE_SECONDS)


def now() -> str:
    return datetime.now(UTC).isoformat()


class KeyTable:
    """The data keys of one store (SQLite or PostgreSQL datastore of the library)."""

    def __init__(self, datastore: Any, postgres: bool, master_path: Path | None = None
                 ) -> None:
        self.datastore, self.postgres = datastore, postgres
        self.master_path = master_path
        self.table = f'"{datastore.schema}"."{TABLE}"' if postgres else f'"{TABLE}"'
        self._master: MasterKey | None = None
        self._live: dict[tuple[str, str], tuple[str, bytes]] = {}
        self._by_id: dict[str, tuple[bytes | None, float]] = {}
        self._pending = threading.local()
        """Keys made while this thread encodes a save, until the save takes them."""
        self._lock = threading.Lock()
        self.created = False
        self._pid = os.getpid()
        self._child: tuple[int, Any] | None = None

    # SQL ---------------------------------------------------------------------------

    @contextmanager
    def _sql(self, commit: bool) -> Iterator[Any]:
        if self.postgres and os.getpid() != self._pid:  # a forked child (a rebuild's)
            own = self._own()
            with own.transaction(force_rollback=not commit):
                yield own.cursor()
            return
        with self.datastore.transaction(commit=commit) as cursor:
            yield cursor

    def _own(self) -> Any:
        """A forked process's own connection: the pool's are the parent's sockets (and
        its threads did not survive the fork); sharing them mixes the processes' replies."""
        if self._child is None or self._child[0] != os.getpid():
            self._child = (os.getpid(), psycopg.connect(**self.datastore.pool.kwargs,
                                                        autocommit=True))
        return self._child[1]

    def _run(self, cursor: Any, statement: str, params: Iterable[Any] = ()) -> Any:
        if self.postgres:
            statement = statement.replace("?", "%s")
        cursor.execute(statement, tuple(params))
        return cursor

    def create(self) -> None:
        """The table and its index, if missing (with the store's other tables)."""
        if self.created:
            return
        if self._exists():  # read first: a standby (read-only) must not try to create
            self.created = True
            return
        blob = "BYTEA" if self.postgres else "BLOB"
        statements = [
            f"CREATE TABLE IF NOT EXISTS {self.table} (key_id TEXT PRIMARY KEY, "
            f"agent_id TEXT NOT NULL, data_class TEXT NOT NULL, wrapped {blob}, "
            "created_at TEXT NOT NULL, destroyed_at TEXT)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_live ON {self.table} "
            "(agent_id, data_class) WHERE destroyed_at IS NULL"]
        for statement in statements:
            try:
                with self._sql(commit=True) as c:
                    self._run(c, statement)
            except Exception as exc:  # a concurrent CREATE on PostgreSQL (pg_type key)
                if "already exists" not in str(exc) and "duplicate key" not in str(exc):
                    raise
        self.created = True

    def _exists(self) -> bool:
        """Whether the table and its index are there (a read, as on a standby)."""
        if self.postgres:
            schema = self.datastore.schema
            query = "SELECT to_regclass(%s) AS t, to_regclass(%s) AS i"
            params: tuple[str, ...] = (self.table, f'"{schema}"."{TABLE}_live"')
        else:
            query = ("SELECT (SELECT count(*) FROM sqlite_master WHERE name = ?) AS t, "
                     "(SELECT count(*) FROM sqlite_master WHERE name = ?) AS i")
            params = (TABLE, f"{TABLE}_live")
        with self._sql(commit=False) as c:
            c.execute(query, params)
            row = c.fetchone()
        return bool(row["t"]) and bool(row["i"])

    # The master key ----------------------------------------------------------------

    def master(self) -> MasterKey:
        """The master key, checked against the store's ``master-check`` row (created, with
        the key file, for a store that has none)."""
        if self._master is not None:
            return self._master
        self.create()
        path = self.master_path or masters.master_path()
        key = masters.read(path)
        check = self._check_row()
        if key is None:
            if check is not None:
                raise masters.missing(path)
            with suppress(FileExistsError):  # another process created it first
                masters.write(MasterKey.generate(path), path)
            key = masters.read(path)
            assert key is not None
        if check is None:
            with self._sql(commit=True) as c:
                self._run(c, f"INSERT INTO {self.table} (key_id, agent_id, data_class, "
                          "wrapped, created_at) VALUES (?, '', 'check', ?, ?) "
                          "ON CONFLICT (key_id) DO NOTHING",
                          (CHECK, key.wrap(CHECK_PLAIN), now()))
            check = self._check_row()
            assert check is not None
        key.unwrap(check)
        self._master = key
        return key

    def _check_row(self) -> bytes | None:
        with self._sql(commit=False) as c:
            row = self._run(c, f"SELECT wrapped FROM {self.table} WHERE key_id = ?",
                            (CHECK,)).fetchone()
        return bytes(row["wrapped"]) if row else None

    # Keys --------------------------------------------------------------------------

    def live_key(self, agent_id: str, data_class: str, new_agent: bool = False
                 ) -> tuple[str, bytes]:
        """The agent's live key for ``data_class`` (its id and bytes). None stored yet
        (never, for a ``new_agent``): one is made in memory and left ``pending``, to be
        stored in the transaction of the event it seals (``store_pending``)."""
        found = self._live.get((agent_id, data_class))
        if found is not None:
            return found
        if not new_agent:
            self._load([(agent_id, data_class)])
            found = self._live.get((agent_id, data_class))
            if found is not None:
                return found
        key_id, key = uuid4().hex, os.urandom(KEY_SIZE)
        row = (key_id, agent_id, data_class, self.master().wrap(key), now())
        self._pending.__dict__.setdefault("rows", []).append(row)
        with self._lock:
            self._live[(agent_id, data_class)] = (key_id, key)
            self._by_id[key_id] = (key, time.monotonic())
            self._bound()
        return key_id, key

    def take_pending(self) -> list[tuple[str, str, str, bytes, str]]:
        """The keys made for the save this thread is encoding, handed over once."""
        rows: list[tuple[str, str, str, bytes, str]] = self._pending.__dict__.pop("rows", [])
        return rows

    def store_pending(self, cursor: Any, rows: list[tuple[str, str, str, bytes, str]]
                      ) -> None:
        """Stores keys made for a save in its transaction: committed with its events or
        not at all (a writer that stored a key for the same agent and class first makes
        the save fail as a conflict, and it is run again)."""
        if not rows:
            return
        statement = (f"INSERT INTO {self.table} (key_id, agent_id, data_class, wrapped, "
                     "created_at) VALUES (?, ?, ?, ?, ?)")
        cursor.executemany(statement.replace("?", "%s") if self.postgres else statement,
                           rows)  # one pipeline on PostgreSQL, not a round trip a key

    def discard(self, rows: list[tuple[str, str, str, bytes, str]]) -> None:
        """Forgets keys made for a save that was not stored."""
        with self._lock:
            for key_id, agent_id, data_class, _, _ in rows:
                self._live.pop((agent_id, data_class), None)
                self._by_id.pop(key_id, None)

    def prepare(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Makes sure each (agent, class) has a live key, in two statements per batch:
        the keys of a bulk save are created before its events, not one by one."""
        wanted = sorted({p for p in pairs if p not in self._live})
        if not wanted:
            return
        master = self.master()
        for start in range(0, len(wanted), 500):
            batch = wanted[start:start + 500]
            self._load(batch)
            new = [(uuid4().hex, a, c, master.wrap(os.urandom(KEY_SIZE)), now())
                   for a, c in batch if (a, c) not in self._live]
            if new:
                with self._sql(commit=True) as cur:
                    for row in new:
                        self._run(cur, f"INSERT INTO {self.table} (key_id, agent_id, "
                                  "data_class, wrapped, created_at) VALUES (?, ?, ?, ?, ?) "
                                  "ON CONFLICT (agent_id, data_class) WHERE destroyed_at "
                                  "IS NULL DO NOTHING", row)
                self._load(batch)

    def _load(self, pairs: list[tuple[str, str]]) -> None:
        agents = sorted({a for a, _ in pairs})
        marks = ", ".join("?" * len(agents))
        with self._sql(commit=False) as c:
            rows = self._run(c, f"SELECT key_id, agent_id, data_class, wrapped FROM "
                             f"{self.table} WHERE destroyed_at IS NULL AND agent_id IN "
                             f"({marks})", agents).fetchall()
        master = self.master()
        with self._lock:
            for row in rows:
                key = master.unwrap(bytes(row["wrapped"]))
                self._live[(row["agent_id"], row["data_class"])] = (row["key_id"], key)
                self._by_id[row["key_id"]] = (key, time.monotonic())
            self._bound()

    def key(self, key_id: str) -> bytes | None:
        """The key ``key_id`` opens with, None once destroyed."""
        cached = self._by_id.get(key_id)
        if cached is not None and fresh(cached, time.monotonic()):
            return cached[0]
        self.create()
        with self._sql(commit=False) as c:
            row = self._run(c, f"SELECT wrapped FROM {self.table} WHERE key_id = ?",
                            (key_id,)).fetchone()
        key = self.master().unwrap(bytes(row["wrapped"])) \
            if row is not None and row["wrapped"] is not None else None
        with self._lock:
            self._by_id[key_id] = (key, time.monotonic())
            self._bound()
        return key

    def prefetch(self, key_ids: Iterable[str]) -> None:
        """Reads the keys ``key_ids`` not cached (or cached too long) into the cache, a
        few hundred per statement, each as ``key`` would: a rebuild opens the sealed
        values of thousands of agents, and one statement per key was most of its time."""
        clock = time.monotonic()
        wanted = sorted({k for k in key_ids if not fresh(self._by_id.get(k), clock)})
        if not wanted:
            return
        self.create()
        found: dict[str, bytes | None] = {}
        for i in range(0, len(wanted), PREFETCH):
            part = wanted[i:i + PREFETCH]
            with self._sql(commit=False) as c:
                rows = self._run(c, f"SELECT key_id, wrapped FROM {self.table} WHERE key_id "
                                 f"IN ({', '.join('?' * len(part))})", part).fetchall()
            for row in rows:
                found[row["key_id"]] = self.master().unwrap(bytes(row["wrapped"])) \
                    if row["wrapped"] is not None else None
        clock = time.monotonic()
        with self._lock:
            for key_id in wanted:  # an id without a row is left to ``key`` (as before)
                if key_id in found:
                    self._by_id[key_id] = (found[key_id], clock)
            self._bound()

    def _bound(self) -> None:
        """Drops the oldest entries of either cache past ``CACHED_KEYS`` (the caller holds the
        lock). Dicts keep insertion order, so the keys last made or read, a save's pending
        keys among them, stay; a dropped key is read again from the table, a destroyed
        one read again as destroyed."""
        halve(self._by_id)
        halve(self._live)


    def destroy_in(self, cursor: Any, agent_id: str, data_class: str) -> None:
        """Destroys the agent's keys of ``data_class`` in the open transaction of
        ``cursor`` (the save of the erasure's event); ``forget`` once it committed."""
        self.create()
        self._run(cursor, f"UPDATE {self.table} SET wrapped = NULL, destroyed_at = ? "
                  "WHERE agent_id = ? AND data_class = ? AND destroyed_at IS NULL",
                  (now(), agent_id, data_class))

    def forget(self, agent_id: str, data_class: str) -> None:
        """Drops this process's cached keys of the agent's class (destroyed)."""
        with self._lock:
            self._live.pop((agent_id, data_class), None)
            self._by_id.clear()

    def live_pairs(self, classes: list[str]) -> list[tuple[str, str]]:
        """Every (agent, class) with a live key, for the classes given."""
        self.create()
        marks = ", ".join("?" * len(classes))
        with self._sql(commit=False) as c:
            rows = self._run(c, f"SELECT agent_id, data_class FROM {self.table} WHERE "
                             f"destroyed_at IS NULL AND data_class IN ({marks}) "
                             "ORDER BY agent_id, data_class", classes).fetchall()
        return [(r["agent_id"], r["data_class"]) for r in rows]

    def rotate(self, new: MasterKey) -> int:
        """Re-wraps every live key (and the check row) under ``new``, in one transaction;
        the events are not touched. Returns the number of agent keys re-wrapped."""
        old = self.master()
        with self._sql(commit=True) as c:
            rows = self._run(c, f"SELECT key_id, wrapped FROM {self.table} WHERE wrapped "
                             "IS NOT NULL").fetchall()
            for row in rows:
                self._run(c, f"UPDATE {self.table} SET wrapped = ? WHERE key_id = ?",
                          (new.wrap(old.unwrap(bytes(row["wrapped"]))), row["key_id"]))
        self._master = new
        return sum(1 for r in rows if r["key_id"] != CHECK)

    def export_rows(self) -> list[dict[str, Any]]:
        """Every agent key, unwrapped (base64; null once destroyed): what a complete
        export carries so that an import reads the personal data it holds in clear."""
        self.create()
        master = self.master()
        with self._sql(commit=False) as c:
            rows = self._run(c, f"SELECT key_id, agent_id, data_class, wrapped, created_at, "
                             f"destroyed_at FROM {self.table} WHERE key_id <> ? "
                             "ORDER BY key_id", (CHECK,)).fetchall()
        return [{"key_id": r["key_id"], "agent_id": r["agent_id"],
                 "data_class": r["data_class"],
                 "key": None if r["wrapped"] is None else
                 base64.b64encode(master.unwrap(bytes(r["wrapped"]))).decode(),
                 "created_at": r["created_at"], "destroyed_at": r["destroyed_at"]}
                for r in rows]

    def import_rows(self, cursor: Any, rows: list[dict[str, Any]]) -> None:
        """Stores exported keys (``export_rows``) wrapped by this store's master key, in
        the open transaction of ``cursor`` (the import's; ``master()`` was called before
        it: on SQLite, a second writer would wait for the import's own transaction)."""
        master = self._master
        assert master is not None, "call master() before the import's transaction"
        for r in rows:
            wrapped = None if r["key"] is None else master.wrap(base64.b64decode(r["key"]))
            self._run(cursor, f"INSERT INTO {self.table} (key_id, agent_id, data_class, "
                      "wrapped, created_at, destroyed_at) VALUES (?, ?, ?, ?, ?, ?)",
                      (r["key_id"], r["agent_id"], r["data_class"], wrapped,
                       r["created_at"], r["destroyed_at"]))

    def count(self) -> int:
        """Rows of the table (the check row included; 0 when it does not exist yet)."""
        self.create()
        with self._sql(commit=False) as c:
            return int(self._run(c, f"SELECT count(*) AS n FROM {self.table}"
                                 ).fetchone()["n"])
