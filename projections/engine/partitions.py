"""Loading id ranges of the log in parallel: one forked process per range.

Decoding events and computing rows is CPU-bound Python: a process per core. Each child
inherits the parent's mapper and views (fork) and opens its own connections; it reports
the events it has done through shared memory and its result (or its error: a poison
event's position, or a failure's text) through a queue. When one fails the others are
stopped, and the caller drops what they wrote.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
from collections.abc import Callable
from typing import Any

from projections.engine.base import ProjectionStopped
from projections.engine.loading import NAME

Ids = tuple[Any, Any]
Load = Callable[[Ids, Callable[[int], None]], int]
"""Loads the aggregates of an id range, reporting events done; returns how many."""


class Partitions:
    """One forked process per id range; the parent reports their progress and errors."""

    def __init__(self, load: Load, ranges: list[Ids]) -> None:
        self.load = load
        self.ranges = ranges
        self.ctx = multiprocessing.get_context("fork")  # inherits the mapper and views
        self.done = [self.ctx.Value("q", 0) for _ in ranges]
        self.results = self.ctx.Queue()

    def child(self, i: int) -> None:
        """Loads one range; sends (index, events, error) back."""
        def report(done: int) -> None:
            self.done[i].value = done
        try:
            count = self.load(self.ranges[i], report)
            self.results.put((i, count, None))
        except ProjectionStopped as exc:
            self.results.put((i, 0, ("stopped", exc.position, exc.reason, exc.name,
                                     exc.event_type)))
        except BaseException as exc:  # reported by the parent, which drops the tables
            self.results.put((i, 0, ("failed", 0, f"{type(exc).__name__}: {exc}", "", "")))

    def run(self, progress: Callable[[int], None]) -> int:
        """Runs every range; reports the events done by all every half second."""
        procs = [self.ctx.Process(target=self.child, args=(i,), daemon=True)
                 for i in range(len(self.ranges))]
        got: list[tuple[int, int, Any]] = []
        try:
            for p in procs:
                p.start()
            while len(got) < len(procs):
                with contextlib.suppress(queue.Empty):
                    got.append(self.results.get(timeout=0.5))
                progress(sum(d.value for d in self.done))
                if len(got) < len(procs) and not any(p.is_alive() for p in procs) \
                        and self.results.empty():
                    raise RuntimeError("a rebuild process died without a result")
        finally:  # the others stop at once when one failed or the parent gave up
            failed = len(got) < len(procs) or any(err for _, _, err in got)
            for p in procs:
                if failed and p.is_alive():
                    p.terminate()
                if p.pid is not None:
                    p.join()
        return self.outcome(got)

    @staticmethod
    def outcome(got: list[tuple[int, int, Any]]) -> int:
        """The events read; the first poison (lowest position) or failure raised."""
        stopped = sorted(err for _, _, err in got if err and err[0] == "stopped")
        if stopped:
            _, position, reason, name, event_type = stopped[0]
            raise ProjectionStopped(name or NAME, position, reason, event_type)
        failed = [err[2] for _, _, err in got if err]
        if failed:
            raise RuntimeError(f"rebuild failed: {failed[0]}")
        return sum(count for _, count, _ in got)
