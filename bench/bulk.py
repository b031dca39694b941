"""Bulk import: many aggregates per ``app.save``, against raw COPY into the same shape.

    python bench/bulk.py [--full] [--agents N] [--jobs J]

Careers are generated with ``bench/generate.py``'s path (the demo's careers through
the commands, aggregates kept in memory, one ``app.save`` per batch below 10,000
events). Then the very rows the application stored are copied with ``COPY ... FROM
STDIN (FORMAT BINARY)`` into a table of the same shape, and inserted again with the
library's recorder alone (``recorder.insert_events``, no domain and no transcoding) into
a second store, to split the cost. Ratios are over raw COPY's rows/s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.persistence import StoredEvent

from bench.common import (
    SAVE_LIMIT,
    connect,
    create_raw_table,
    full_size,
    generate,
    log,
    open_app,
    progress_line,
    save_result,
    server_facts,
    table,
    temp_schema,
)

SIZES = {"quick": {"agents": 1_000}, "full": {"agents": 20_000}}


def arg(argv: list[str], name: str, default: int) -> int:
    return int(argv[argv.index(name) + 1]) if name in argv else default


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    size = "full" if full_size(argv) else "quick"
    agents = arg(argv, "--agents", SIZES[size]["agents"])
    jobs = arg(argv, "--jobs", os.cpu_count() or 1)
    data: dict = {"machine": server_facts(), "agents": agents, "jobs": jobs}
    with temp_schema("bulk") as schema, temp_schema("bulk_rec") as schema2:
        app = open_app(schema)
        log(f"bulk import of {agents:,} careers into {schema} ({jobs} job(s))")
        gen = generate(app, agents, jobs=jobs, progress=progress_line(agents))
        events = gen.events
        data["generate"] = gen.row()
        with connect() as conn:
            rows = conn.execute(
                f'SELECT originator_id, originator_version, topic, state FROM "{schema}".'
                f'"{app.recorder.events_table_name.split(".")[-1]}" ORDER BY notification_id'
            ).fetchall()
        app.close()
        nbytes = sum(len(r[3]) for r in rows)
        log(f"  {len(rows):,} stored events, {nbytes / len(rows):,.0f} bytes of state each")

        # raw COPY of the same rows into the same shape
        with connect() as conn:
            raw = create_raw_table(conn, schema)
            conn.commit()
            t = time.perf_counter()
            with conn.cursor() as cur, cur.copy(
                    f"COPY {raw} (originator_id, originator_version, topic, state) "
                    "FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for r in rows:
                    copy.write_row(r)
            conn.commit()
            copy_s = time.perf_counter() - t
        log(f"  COPY: {len(rows) / copy_s:,.0f} rows/s")

        # the library's recorder alone, same stored events, same batch size
        app2 = open_app(schema2)
        stored = [StoredEvent(r[0], r[1], r[2], bytes(r[3])) for r in rows]
        t = time.perf_counter()
        batches = 0
        for i in range(0, len(stored), SAVE_LIMIT - 1000):
            app2.recorder.insert_events(stored[i:i + SAVE_LIMIT - 1000])
            batches += 1
        rec_s = time.perf_counter() - t
        app2.close()
        log(f"  recorder.insert_events: {len(rows) / rec_s:,.0f} rows/s")

    copy_rate = len(rows) / copy_s
    g = gen.row()
    cases = [
        ("raw COPY (binary), one transaction", len(rows), copy_s, copy_rate),
        (f"recorder.insert_events, {batches} transactions", len(rows), rec_s,
         len(rows) / rec_s),
        (f"app.save (transcode + insert), {g['saves']} saves", events, g["save_s"],
         g["save_events_per_s"]),
        (f"bulk import end to end (commands + app.save), {jobs} job(s)", events,
         g["total_s"], g["events_per_s"]),
        ("commands in memory only (per worker-second)", events, g["domain_cpu_s"],
         g["domain_events_per_cpu_s"]),
    ]
    rows_out = [[name, n, s, rate, rate / copy_rate] for name, n, s, rate in cases]
    data["cases"] = [{"case": r[0], "events": r[1], "seconds": r[2], "events_per_s": r[3],
                      "ratio_vs_copy": r[4]} for r in rows_out]
    data["state_bytes_avg"] = nbytes / len(rows)
    out = table(f"Bulk import ({size}: {agents:,} demo careers, {events:,} events)",
                ["path", "events", "s", "events/s", "ratio vs COPY"], rows_out)
    save_result("bulk", size, [out], data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
