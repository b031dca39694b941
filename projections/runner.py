"""Runs the projections: catch up, follow the log, report status, rebuild beside and swap.

Each view advances on its own position, one transaction per batch (rows and position
together). Following polls the store, and on PostgreSQL also wakes on the library's
NOTIFY: polling covers what LISTEN misses (the library pulls once before it listens
and never polls again). Only one worker follows a store at a time: the others wait
for the lock (a PostgreSQL advisory lock, or a lock file beside the SQLite file).
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError

from agent_records.application import AgentRecords
from agent_records.domain.agent import Agent
from projections.agents import AgentsView
from projections.audit_log import AuditLogView
from projections.base import ProjectionStopped, View, decoded
from projections.breaches import BreachesView
from projections.leave import LeaveView
from projections.ledger import LedgerView
from projections.posts import PostsView
from projections.rebuild import OnePass
from projections.store import ViewStore

VIEWS: dict[str, type[View]] = {v.name: v for v in (
    LedgerView, AgentsView, PostsView, LeaveView, AuditLogView, BreachesView)}
Progress = Callable[[int, int], None]


class PositionMoved(IntegrityError):
    """A batch read after one position found another when applied (refused, like the
    library's tracking refuses a position that is not ahead)."""

    def __init__(self, name: str, position: int, read_after: int, now: int) -> None:
        super().__init__(f"Failed to record tracking for {name} {position}: the batch was "
                         f"read after position {read_after}, the view is now at {now}")


@dataclass(frozen=True)
class ViewStatus:
    """Where a view stands: its position, the store's head, and how far behind it is."""

    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        """Positions between the view and the head (ids may skip: an upper bound)."""
        return max(0, self.head - self.position)


class Worker:
    """Applies the store's events to the views."""

    def __init__(self, app: AgentRecords, names: list[str] | None = None,
                 batch_size: int = 500, *, rebuild_processes: int | None = None,
                 rebuild_chunk: int = 20_000) -> None:
        self.app = app
        self.store = ViewStore(app)
        self.batch_size = batch_size
        self.rebuild_processes = rebuild_processes
        self.rebuild_chunk = rebuild_chunk
        self.rebuilt: OnePass | None = None
        """The last rebuild (its ``phases``: seconds of each)."""
        self.views = [VIEWS[n](self.store) for n in (names or list(VIEWS))]
        self.load: Callable[[UUID, int], Agent] = lru_cache(maxsize=4096)(self._load)
        self.ensure_tables()

    def _load(self, agent_id: UUID, version: int) -> Agent:
        return self.app.get_agent(agent_id, version=version)

    def ensure_tables(self) -> None:
        """Creates missing tables (first use, or a view added since)."""
        with self.store.ddl_lock(), self.store.transaction() as sql:
            for view in self.views:
                view.create(sql)

    def read(self, view: View, start: int, limit: int) -> tuple[list[tuple[int, Any]], Any]:
        """Events after ``start``; stops before the first that cannot be read."""
        notes = self.app.recorder.select_notifications(start + 1, limit)
        if getattr(view, "raw", False):
            return [(note.id, note) for note in notes], None
        batch: list[tuple[int, Any]] = []
        for note in notes:
            try:
                batch.append((note.id, decoded(self.app.mapper, note, view.name)))
            except ProjectionStopped as exc:  # a poison event: name it, never skip it
                return batch, exc
        return batch, None

    def step(self, view: View) -> int:
        """Applies one batch to one view; returns how many events it applied.

        The batch is applied only if the view's position is still the one it was read
        after: a rebuild may have swapped in tables and a lower position meanwhile, and
        the library's tracking (only ever forward) would let the batch skip the events
        between the two (``PositionMoved``; ``catch_up`` reads again from the new one).
        """
        start = self.store.position(view.tracking_name)
        batch, poison = self.read(view, start, self.batch_size)
        if batch:
            for agent_id, version in view.needs(batch).items():
                self.load(agent_id, version)
            with self.store.transaction() as sql:
                now = self.store.locked_position(sql, view.tracking_name)
                if now != start:
                    raise PositionMoved(view.tracking_name, batch[-1][0], start, now)
                view.process(sql, batch, self.load)
                self.store.track(sql, view.tracking_name, batch[-1][0])
        if poison:
            raise poison
        return len(batch)

    def catch_up(self, view: View, progress: Progress | None = None) -> int:
        """Applies every event up to the head; returns how many."""
        done = 0
        while True:
            try:
                n = self.step(view)
            except PositionMoved:
                continue  # from where the view is now
            if not n:
                return done
            done += n
            if progress:
                progress(self.store.position(view.tracking_name), self.store.head())

    def run_once(self) -> int:
        """Brings every view up to the head; a stopped view does not hold the others back."""
        done, stopped = 0, None
        for view in self.views:
            try:
                done += self.catch_up(view)
            except ProjectionStopped as exc:
                stopped = stopped or exc
        if stopped:
            raise stopped
        return done

    def status(self) -> list[ViewStatus]:
        head = self.store.head()
        return [ViewStatus(v.name, self.store.position(v.name), head) for v in self.views]

    def follow(self, stop: threading.Event, interval: float = 0.5,
               on_batch: Callable[[int], None] | None = None) -> None:
        """Follows the log until ``stop`` is set (SIGTERM in the CLI)."""
        with self.lock(stop), self.wakeups() as wait:
            while not stop.is_set():
                applied = self.run_once()
                if applied and on_batch:
                    on_batch(applied)
                if not applied:
                    wait(interval)

    @contextlib.contextmanager
    def wakeups(self) -> Iterator[Callable[[float], None]]:
        """A wait that returns early on PostgreSQL NOTIFY; a plain sleep on SQLite."""
        if not self.store.postgres:
            yield time.sleep
            return
        with psycopg.connect(**_pg_args(self.app), autocommit=True) as conn:
            conn.execute(f'LISTEN "{self.app.recorder.channel_name}"')

            def wait(timeout: float) -> None:
                for _ in conn.notifies(timeout=timeout, stop_after=1):
                    pass

            yield wait

    @contextlib.contextmanager
    def lock(self, stop: threading.Event, name: str = "projections") -> Iterator[None]:
        """Holds the store's projection lock; waits while another worker holds it."""
        if self.store.postgres:
            with psycopg.connect(**_pg_args(self.app), autocommit=True) as conn:
                while not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))",
                                       (f"{self.store.schema}:{name}",)).fetchone()[0]:
                    if stop.wait(0.5):
                        break  # stopped while waiting: yield anyway, follow() sees stop
                yield
            return
        path = Path(self.app.settings.env["SQLITE_DBNAME"] + f".{name}.lock")
        with path.open("w") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if stop.wait(0.5):
                        break
            yield

    def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Rebuilds the view ``name`` alone (see ``rebuild_all``)."""
        return self.rebuild_all(progress, [name])

    def rebuild_all(self, progress: Progress | None = None,
                    names: list[str] | None = None) -> int:
        """Rebuilds every rebuildable view of this worker (or ``names``) from position zero
        in one pass over the log, beside the live tables, and swaps them all in at once
        (``projections.rebuild``); returns how many events were read."""
        chosen = names or [v.name for v in self.views if getattr(v, "rebuildable", True)]
        sealed = [n for n in chosen if not getattr(VIEWS[n], "rebuildable", True)]
        if sealed:
            raise ValueError(f"{sealed[0]} is sealed once and never rebuilt: run verify instead")
        live = [VIEWS[n](self.store) for n in chosen]
        self.rebuilt = OnePass(self.store, live,
                               _pg_args(self.app) if self.store.postgres else {},
                               self.rebuild_processes, self.rebuild_chunk)
        return self.rebuilt.run(progress)


def _pg_args(app: AgentRecords) -> dict[str, Any]:
    env = app.settings.env
    return {"dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"],
            "port": env["POSTGRES_PORT"], "user": env["POSTGRES_USER"],
            "password": env["POSTGRES_PASSWORD"] or None, "connect_timeout": 5}
