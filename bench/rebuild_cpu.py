"""The rebuild's own Python CPU on a PostgreSQL store, in this process: read, then rows.

    python bench/rebuild_cpu.py --store URL [--digest] [--profile]

What ``bench/rebuild.py`` cannot separate on a shared machine: the CPU seconds of reading
the log (``postgres_notes``, every event up to the head, one process) and of computing
every rebuilt view's rows from it (``loading.load`` with a sink that writes nothing),
without the child's start-up, the COPY or the server. ``--digest`` prints a hash of each
table's rows in the order they are produced: two revisions run on one store must print
the same (the rows are byte for byte those the rebuild would load). ``--profile`` adds
cProfile's top functions. To compare with an older revision, copy this file into that
revision's tree and run it from there (it imports the tree it sits in); alternate the
two on a shared machine.
"""

from __future__ import annotations

import cProfile
import hashlib
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from agent_records.bootstrap import open_records
from agent_records.eventstore.recorders.sql import events_table
from bench.common import option
from projections.engine.loading import load
from projections.engine.store import ViewStore
from projections.engine.streams import postgres_notes
from projections.views import READ_VIEWS


def main(argv: list[str]) -> int:
    url = option(argv, "--store")
    if not url:
        print(__doc__, file=sys.stderr)
        return 2
    app = open_records(url)
    store = ViewStore(app)
    views = [v(store, suffix="__cpu") for v in READ_VIEWS]  # no table is created
    head, table = store.head(), store.table(events_table(app.recorder))
    dsn, _, query = url.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&") if p)
    options = {"options": f"-c search_path={params['schema']}"} if "schema" in params else {}
    with psycopg.connect(dsn, **options) as conn:
        cpu = time.process_time()
        notes = list(postgres_notes(conn, table, head))
        read = time.process_time() - cpu
    digests: dict[str, Any] = {}
    rows = 0

    def sink(tables: dict[str, list[tuple[Any, ...]]]) -> None:
        nonlocal rows
        for name, found in tables.items():
            rows += len(found)
            if "--digest" in argv:
                digest = digests.setdefault(name, hashlib.sha256())
                for row in found:
                    digest.update(repr(row).encode())

    profiler = cProfile.Profile() if "--profile" in argv else None
    cpu = time.process_time()
    if profiler:
        profiler.enable()
    count = load(notes, app.mapper, views, sink, 20_000, lambda done: None)
    if profiler:
        profiler.disable()
    rows_cpu = time.process_time() - cpu
    print(f"{count:,} events: read {read:.2f} CPU s, rows {rows_cpu:.2f} CPU s ({rows:,} rows),"
          f" {count / (read + rows_cpu):,.0f} events per CPU s")
    for name, digest in sorted(digests.items()):
        print(f"  {name.rsplit('.', 1)[-1].strip(chr(34))}: {digest.hexdigest()[:16]}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
