"""The largest single ``app.save`` that completes, and what it costs.

    python bench/save_limit.py [SIZES ...]      (default 10000 50000 100000 200000)

The library's recorder hung in psycopg's pipeline from about 14,000 demo events a save
(``BENCH_RECORDER=library`` shows it again); the concurrent recorder, the
default, copies a large save with binary COPY and has no limit. Demo careers are built in
memory (the bulk path), copied with fresh aggregate ids up to each size
(``bench.common.replicate``), and each size is saved with one ``app.save`` into a fresh
schema, in a forked child given ``TIMEOUT`` seconds: a save that has not returned by then
is reported as hung and the child killed. The child makes its copies, then reports the
save's wall and CPU seconds, its RSS before the save (the events to save included) and
its peak RSS (``ru_maxrss``).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records import demo
from agent_records.domain.commands import OpenPost
from bench.common import (
    _build,
    checked_argv,
    full_size,
    log,
    open_app,
    replicate,
    save_result,
    server_facts,
    table,
    temp_schema,
)

TIMEOUT = 300.0
DEFAULT = [10_000, 50_000, 100_000, 200_000]
CAREERS = 1_000  # about 15,000 distinct events, copied up to each size


def open_posts(app: Any) -> None:
    for code, name, city, country in demo.LEGATIONS:
        app.handle(OpenPost(demo.on(date(1945, 1, 1)), code=code, name=name, city=city,
                            country=country))


def attempt(schema: str, base: list, count: int, queue: Any) -> None:
    """In the child: ``count`` events made here (not inherited: touching a parent's objects
    copies their pages, which would be counted as the save's CPU and memory), one save."""
    app = open_app(schema)
    events = replicate(base, count, app.mapper)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter(), time.process_time()
    app.save(*events)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    queue.put((wall, cpu, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    app.close()


def build(jobs: int) -> tuple[list, float]:
    """The events of ``CAREERS`` demo careers and their average state size."""
    ctx = multiprocessing.get_context("fork")
    with temp_schema("savelimit") as schema:
        app = open_app(schema)
        open_posts(app)
        posts = {code: app.get_post(code) for code, *_ in demo.LEGATIONS}
        step = CAREERS // jobs + 1
        log(f"building {CAREERS:,} careers in memory ({jobs} jobs)")
        with ctx.Pool(jobs) as pool:
            parts = pool.map(_build, [(app.settings, posts, i, min(i + step, CAREERS), 1948,
                                       False) for i in range(2, CAREERS, step)])
        events = [e for p in parts for e in p.events]
        avg = sum(len(app.mapper.to_stored_event(e).state) for e in events) / len(events)
        app.close()
    return events, avg


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    sizes = [int(a) for a in argv if a.isdigit()] or DEFAULT
    size = "full" if full_size(argv) else "quick"
    ctx = multiprocessing.get_context("fork")
    events, avg = build(os.cpu_count() or 1)
    rows = []
    for n in sizes:
        with temp_schema("savelimit") as schema:
            setup = open_app(schema)
            open_posts(setup)
            setup.close()
            queue = ctx.Queue()
            child = ctx.Process(target=attempt, args=(schema, events, n, queue))
            child.start()
            child.join(TIMEOUT)
            if child.is_alive():
                child.kill()
                child.join()
                rows.append([n, n * avg / 1e6, f"HUNG (killed after {TIMEOUT:.0f} s)",
                             float("nan"), float("nan"), float("nan"), float("nan")])
            else:
                wall, cpu, before, peak = queue.get()
                rows.append([n, n * avg / 1e6, f"{wall:.1f} s", cpu, n / wall, before, peak])
            log(f"  {n:,} events: {rows[-1][2]}")
    out = table(f"One app.save of N events (demo events, ~{avg:.0f} bytes of state each)",
                ["events", "MB of state", "result", "cpu s", "events/s",
                 "RSS before MB", "peak RSS MB"], rows)
    save_result("save_limit", size, [out], {"machine": server_facts(), "rows": rows,
                                            "avg_state_bytes": avg})
    return 0


if __name__ == "__main__":
    sys.exit(main())
