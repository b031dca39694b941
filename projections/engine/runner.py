"""Runs the projections: catch up, follow the log, report status, rebuild beside and swap.

Each view advances on its own position, one transaction per batch (rows and position
together). Views are independent: a view that fails on an event (a poison event it
cannot read, or a bug in its code) stops at that event, never skipping it, with the
error kept in the store (``projection_stops``) for every process to report; the other
views go on to the head. A stopped view is retried with backoff, so that a fix lets it
resume. A store outage is not a stop: the follower waits for the store and resumes.

Following polls the store, and on PostgreSQL also wakes on the library's
NOTIFY: polling covers what LISTEN misses (the library pulls once before it listens
and never polls again). Only one worker follows a store at a time: the others wait
for the lock (a PostgreSQL advisory lock, or a lock file beside the SQLite file).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import psycopg_pool
from eventsourcing.persistence import IntegrityError

from agent_records.application import AgentRecords
from agent_records.domain.agent import Agent
from agent_records.eventstore.errors import UNAVAILABLE, StoreUnavailable
from agent_records.eventstore.recorders.sql import postgres_recorder
from agent_records.eventstore.schema import connection_args
from projections.engine.base import (
    DAY_TRACKING,
    AgentStateView,
    Batch,
    ProjectionStopped,
    View,
    decoded,
    fault,
)
from projections.engine.loading import NAME
from projections.engine.outage import Outage
from projections.engine.rebuild import OnePass
from projections.engine.store import Stop, ViewStore

Progress = Callable[[int, int], None]
RETRY_FIRST, RETRY_MAX = 5.0, 300.0
"""Seconds before a stopped view is tried again, doubling up to the maximum."""
log = logging.getLogger("agent_records.projections")


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` is the store being unreachable (wait and resume), not a view's
    failure on an event (stop there): a refused statement (``DataError``...) is the latter."""
    if isinstance(exc, StoreUnavailable):
        cause = exc.__cause__
        return cause is None or isinstance(cause, UNAVAILABLE)
    return isinstance(exc, (*UNAVAILABLE, psycopg_pool.PoolTimeout))


@dataclass
class Stopped:
    """A view this worker found stopped, and when to try it again."""

    error: ProjectionStopped
    retry_at: float
    delay: float = RETRY_FIRST


class PositionMoved(IntegrityError):
    """A batch read after one position found another when applied (refused, like the
    library's tracking refuses a position that is not ahead)."""

    def __init__(self, name: str, position: int, read_after: int, now: int) -> None:
        super().__init__(f"Failed to record tracking for {name} {position}: the batch was "
                         f"read after position {read_after}, the view is now at {now}")


@dataclass(frozen=True)
class ViewStatus:
    """Where a view stands: its position, the store's head, how far behind it is, and the
    stop that holds it (a stopped view waits at the event after its position)."""

    name: str
    position: int
    head: int
    stop: Stop | None = field(default=None)
    as_of_day: date | None = field(default=None)
    """A view of agents' states: the day its rows are as of (None for the others)."""

    @property
    def state(self) -> str:
        """``running`` or ``stopped``."""
        return "stopped" if self.stop else "running"

    @property
    def lag(self) -> int:
        """Positions between the view and the head (ids may skip: an upper bound)."""
        return max(0, self.head - self.position)


class Worker:
    """Applies the store's events to ``views`` (classes: the worker makes one of each).

    The engine knows no view by name: the read views (``projections.views``) and the
    ledger's sealer (``agent_records.integrity``) are listed together by the caller.
    """

    def __init__(self, app: AgentRecords, views: Sequence[type[View]],
                 batch_size: int = 500, *, rebuild_processes: int | None = None,
                 rebuild_chunk: int = 20_000, today: Callable[[], date] | None = None) -> None:
        self.app = app
        self.store = ViewStore(app, today)
        self.batch_size = batch_size
        self.rebuild_processes = rebuild_processes
        self.rebuild_chunk = rebuild_chunk
        self.rebuilt: OnePass | None = None
        """The last rebuild (its ``phases``: seconds of each)."""
        self.views = [view(self.store) for view in views]
        self.load: Callable[[UUID, int], Agent] = lru_cache(maxsize=4096)(self._load)
        self.stopped: dict[str, Stopped] = {}
        """Views found stopped by this worker (their stops are also in the store)."""
        self.ensure_tables()

    def _load(self, agent_id: UUID, version: int) -> Agent:
        return self.app.get_agent(agent_id, version=version)

    def ensure_tables(self) -> None:
        """Creates missing tables (first use, or a view added since)."""
        with self.store.ddl_lock(), self.store.transaction() as sql:
            for view in self.views:
                view.create(sql)
            self.store.create_stops(sql)

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

        A batch the view fails on is applied again event by event, up to the event that
        fails: the view stops there (``ProjectionStopped``) with every event before it
        applied. A store outage is raised as it is (nothing applied: wait and resume).
        """
        start = self.store.position(view.tracking_name)
        batch, poison = self.read(view, start, self.batch_size)
        if batch:
            try:
                self.apply(view, start, batch)
            except (PositionMoved, ProjectionStopped):
                raise
            except Exception as exc:
                if is_outage(exc):
                    raise
                self.one_by_one(view, start, batch, exc)
        if poison:
            raise poison
        return len(batch)

    def apply(self, view: View, start: int, batch: Batch) -> None:
        """Applies ``batch`` in one transaction, if the view's position is still ``start``.

        A rebuild may have swapped in tables and a lower position meanwhile, and the
        library's tracking (only ever forward) would let the batch skip the events
        between the two (``PositionMoved``; ``catch_up`` reads again from the new one).
        """
        for agent_id, version in view.needs(batch).items():
            self.load(agent_id, version)
        with self.store.transaction() as sql:
            now = self.store.locked_position(sql, view.tracking_name)
            if now != start:
                raise PositionMoved(view.tracking_name, batch[-1][0], start, now)
            view.process(sql, batch, self.load)
            self.store.track(sql, view.tracking_name, batch[-1][0])

    def one_by_one(self, view: View, start: int, batch: Batch, failure: Exception) -> None:
        """Applies ``batch`` an event per transaction; raises the stop at the first event
        that fails (the batch failed with ``failure``: one of its events must)."""
        for position, item in batch:
            try:
                self.apply(view, start, [(position, item)])
            except (PositionMoved, ProjectionStopped):
                raise
            except Exception as exc:
                if is_outage(exc):
                    raise
                raise fault(view.name, position, item, exc) from exc
            start = position
        position, item = batch[-1]  # every event alone passed: the batch as a whole failed
        raise fault(view.name, position, item, failure) from failure

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
        """Brings every view up to the head; a stopped view does not hold the others back.

        A stopped view is tried again only when its backoff has passed; after every other
        view has caught up, the first stop is raised (each time, while it holds).
        """
        done = 0
        today = self.store.today()
        for view in self.views:
            held = self.stopped.get(view.name)
            if held and time.monotonic() < held.retry_at:
                continue
            try:
                self.daily(view, today)
                done += self.catch_up(view)
            except ProjectionStopped as exc:
                self.hold(view, exc)
            else:
                if held:
                    self.release(view)
        stops = [self.stopped[v.name].error for v in self.views if v.name in self.stopped]
        if stops:
            raise stops[0]
        return done

    def daily(self, view: View, today: date) -> int:
        """The daily step: when the day has changed since the view's day, re-evaluates
        the agents whose next time-driven date has come (``{name}_due``) as of ``today``
        and records the day, in one transaction (exactly once: the tracking row of the
        day, like an event's position); returns how many agents it re-evaluated."""
        if not isinstance(view, AgentStateView):
            return 0
        name = view.tracking_name + DAY_TRACKING
        done = self.store.position(name)
        if done >= today.toordinal():
            view.day = max(view.day, date.fromordinal(done)) if done else view.day
            return 0
        due = self.store.rows(f"SELECT agent_id, version FROM {view.names[view.due]} "
                              "WHERE next_date <= ?", (today.isoformat(),))
        agents = [(r["agent_id"], self.load(UUID(r["agent_id"]), r["version"])) for r in due]
        with self.store.transaction() as sql:
            if self.store.locked_position(sql, name) != done:
                return 0  # another worker took this day
            view.day = today
            for agent_id, agent in agents:
                view.refresh(sql, agent_id, agent)
            self.store.track(sql, name, today.toordinal())
        return len(agents)

    def hold(self, view: View, exc: ProjectionStopped) -> None:
        """Keeps ``view`` stopped at ``exc`` (in the store too) and schedules a retry."""
        held = self.stopped.get(view.name)
        if held and str(held.error) == str(exc):
            held.delay = min(held.delay * 2, RETRY_MAX)
            held.retry_at = time.monotonic() + held.delay
            return
        exc = exc if exc.name == view.name else exc.renamed(view.name)
        # recorded first: a store that went away meanwhile raises an outage, not a stop
        self.store.record_stop(view.name, exc.position, exc.event_type, exc.reason)
        self.stopped[view.name] = Stopped(exc, time.monotonic() + RETRY_FIRST)
        log.error("%s", exc)

    def release(self, view: View) -> None:
        """``view`` went past the event it had stopped at."""
        held = self.stopped.pop(view.name)
        log.warning("projection %s resumed past position %s", view.name, held.error.position)
        self.store.clear_stop(view.name)

    def warnings(self) -> list[str]:
        """A sentence per view this worker holds stopped (for mutation answers)."""
        return [stopped_warning(h.error.name, h.error.position, h.error.event_type)
                for h in self.stopped.values()]

    def recorded_warnings(self) -> list[str]:
        """A sentence per view stopped as the store records it, whichever process
        projects (a process that does not project itself: the external mode)."""
        return [stopped_warning(s.name, s.position, s.event_type)
                for s in self.store.stops().values()]

    def status(self) -> list[ViewStatus]:
        """Each view's position, the head, and its stop if it is stopped (as recorded in
        the store by whichever process projects)."""
        head = self.store.head()
        stops = self.store.stops()
        out = []
        for v in self.views:
            position = self.store.position(v.name)
            stop = stops.get(v.name)
            day = (self.store.position(v.name + DAY_TRACKING)
                   if isinstance(v, AgentStateView) else 0)
            out.append(ViewStatus(v.name, position, head,
                                  stop if stop and stop.position > position else None,
                                  date.fromordinal(day) if day else None))
        return out

    def follow(self, stop: threading.Event, interval: float = 0.5,
               on_batch: Callable[[int], None] | None = None) -> None:
        """Follows the log until ``stop`` is set (SIGTERM in the CLI).

        A store outage does not end it: it waits with backoff (one log line when the store
        goes away, one when it is back), takes the lock and LISTEN again, and resumes
        from the positions in the store. A stopped view does not end it either: it is
        logged once (``hold``), the other views keep following, and it is retried with
        backoff, so a fixed view resumes without a restart.
        """
        outage = Outage()
        while not stop.is_set():
            try:
                self.follow_connected(stop, interval, on_batch, outage)
            except Exception as exc:
                if not is_outage(exc):
                    raise
                stop.wait(outage.down(exc))

    def follow_connected(self, stop: threading.Event, interval: float,
                         on_batch: Callable[[int], None] | None, outage: Outage) -> None:
        """Follows while the store answers (an outage raises out of it)."""
        with self.lock(stop), self.wakeups() as wait:
            while not stop.is_set():
                try:
                    applied = self.run_once()
                except ProjectionStopped:
                    applied = 0  # held and logged: the other views are at the head
                outage.up()
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
            conn.execute(f'LISTEN "{postgres_recorder(self.app.recorder).channel_name}"')

            def wait(timeout: float) -> None:
                for _ in conn.notifies(timeout=timeout, stop_after=1):
                    pass

            yield wait

    @contextlib.contextmanager
    def lock(self, stop: threading.Event, name: str = "projections") -> Iterator[None]:
        """Holds the store's projection lock; waits while another worker holds it."""
        if self.store.postgres:
            with psycopg.connect(**_pg_args(self.app), autocommit=True) as conn:
                while not _try_lock(conn, f"{self.store.schema}:{name}"):
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
        (``projections.engine.rebuild``); returns how many events were read."""
        known = {v.name: type(v) for v in self.views}
        chosen = names or [n for n, v in known.items() if getattr(v, "rebuildable", True)]
        unknown = [n for n in chosen if n not in known]
        if unknown:
            raise ValueError(f"{unknown[0]} is not one of this worker's views: {', '.join(known)}")
        sealed = [n for n in chosen if not getattr(known[n], "rebuildable", True)]
        if sealed:
            raise ValueError(f"{sealed[0]} is sealed once and never rebuilt: run verify instead")
        live = [known[n](self.store) for n in chosen]
        self.rebuilt = OnePass(self.store, live,
                               _pg_args(self.app) if self.store.postgres else {},
                               self.rebuild_processes, self.rebuild_chunk)
        try:
            return self.rebuilt.run(progress)
        except ProjectionStopped as exc:  # an unreadable event stops every rebuilt view
            raise exc.renamed(", ".join(chosen)) if exc.name == NAME else exc from exc


def _try_lock(conn: psycopg.Connection[Any], key: str) -> bool:
    """Takes the session's advisory lock ``key`` unless another session holds it (the
    query always returns its one row)."""
    row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()
    return row is not None and bool(row[0])


def _pg_args(app: AgentRecords) -> dict[str, Any]:
    return connection_args(app.settings)


def stopped_warning(name: str, position: int, event_type: str | None) -> str:
    """What a mutation's answer says of a stopped view: stored, but not yet visible."""
    return (f"the read view {name} is stopped at position {position} "
            f"({event_type or 'event'}): queries may not show this change yet")
