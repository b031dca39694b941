"""The largest single ``app.save`` that completes: the library's save has a size limit.

    python bench/save_limit.py [SIZES ...]      (default 5000 10000 12000 14000 20000 40000)

Builds demo careers in memory (the bulk path), then saves the first N of their events
in one ``app.save`` into a fresh schema, in a child process given 60 seconds: a save
that has not returned by then is reported as hung (psycopg's pipeline waits for results
while PostgreSQL waits for the rest of the statements) and the child is killed.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records import demo
from bench.common import (
    _build,
    full_size,
    log,
    open_app,
    save_result,
    server_facts,
    table,
    temp_schema,
)

TIMEOUT = 60.0
DEFAULT = [5_000, 10_000, 12_000, 14_000, 20_000, 40_000]


def open_posts(app) -> None:
    for code, name, city, country in demo.LEGATIONS:
        app.open_post(demo.on(date(1945, 1, 1)), code=code, name=name, city=city,
                      country=country)


def attempt(schema: str, events: list, queue) -> None:
    app = open_app(schema)
    t = time.perf_counter()
    app.save(*events)
    queue.put(time.perf_counter() - t)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    sizes = [int(a) for a in argv if a.isdigit()] or DEFAULT
    size = "full" if full_size(argv) else "quick"
    ctx = multiprocessing.get_context("fork")
    with temp_schema("savelimit") as schema:
        app = open_app(schema)
        open_posts(app)
        posts = {code: app.get_post(code) for code, *_ in demo.LEGATIONS}
        careers = max(sizes) // 15 + 50
        jobs = os.cpu_count() or 1
        step = careers // jobs + 1
        log(f"building {careers:,} careers in memory ({jobs} jobs)")
        with ctx.Pool(jobs) as pool:
            parts = pool.map(_build, [(app.settings, posts, i, min(i + step, careers), 1948,
                                       False) for i in range(2, careers, step)])
        events = [e for p in parts for e in p.events]
        size_bytes = sum(len(app.mapper.to_stored_event(e).state) for e in events[:2000])
        avg = size_bytes / min(2000, len(events))
        app.close()
    rows = []
    for n in sizes:
        if n > len(events):
            continue
        with temp_schema("savelimit") as schema:
            setup = open_app(schema)
            open_posts(setup)
            setup.close()
            queue = ctx.Queue()
            child = ctx.Process(target=attempt, args=(schema, events[:n], queue))
            child.start()
            child.join(TIMEOUT)
            if child.is_alive():
                child.kill()
                child.join()
                rows.append([n, n * avg / 1e6, "HUNG (killed after 60 s)", float("nan")])
            else:
                seconds = queue.get()
                rows.append([n, n * avg / 1e6, f"{seconds:.1f} s", n / seconds])
            log(f"  {n:,} events: {rows[-1][2]}")
    out = table(f"One app.save of N events (demo events, ~{avg:.0f} bytes of state each)",
                ["events", "MB of state", "result", "events/s"], rows)
    save_result("save_limit", size, [out], {"machine": server_facts(), "rows": rows,
                                            "avg_state_bytes": avg})
    return 0


if __name__ == "__main__":
    sys.exit(main())
