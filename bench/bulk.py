"""Bulk import: many aggregates per ``app.save``, against raw COPY into the same shape.

    python bench/bulk.py [--full] [--agents N] [--jobs J] [--big N]

Careers are generated with ``bench/generate.py``'s path (the demo's careers through the
commands, aggregates kept in memory, one ``app.save`` per batch of up to ``SAVE_LIMIT``
events): the end-to-end case. Then, in the same run against the same server, the very
events the application stored, each case into a fresh table of the same shape:

- raw ``COPY ... FROM STDIN (FORMAT BINARY)`` of the stored rows (no application);
- ``recorder.insert_events`` of the same stored events, one call (the concurrent
  recorder's COPY path: lock, COPY, ids, unlock, commit);
- ``app.save`` of the same domain events, one call (encoding + insert);
- ``agent-records import`` of an export of the generated store (every line checked and
  hashed, then sealed), for scale;
- one ``app.save`` of ``--big`` events (default 200,000: copies of the generated events
  with fresh aggregate ids), in a child process so that its peak RSS is its own.

The first three cases run ``REPEAT`` times, interleaved, each into a fresh table; the
table shows the run of median wall time and the range. Ratios are over raw COPY's
events/s; ``cpu s`` is this process's CPU time (the child's for the big save), the
server's is not counted. Runnable alone; the machine's other load shows in the wall
times, so compare ratios within one run.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.persistence import StoredEvent

from agent_records.archive.export import write_jsonl
from agent_records.archive.importer import import_export
from agent_records.archive.records import Selection
from bench.common import (
    checked_argv,
    connect,
    create_raw_table,
    full_size,
    generate,
    log,
    open_app,
    progress_line,
    replicate,
    save_result,
    server_facts,
    table,
    temp_schema,
)

SIZES = {"quick": {"agents": 1_000}, "full": {"agents": 20_000}}
BIG = 200_000
REPEAT = 3


def arg(argv: list[str], name: str, default: int) -> int:
    return int(argv[argv.index(name) + 1]) if name in argv else default


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def median(runs: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The run of median wall time (wall, CPU), and the fastest and slowest walls."""
    ordered = sorted(runs)
    wall, cpu = ordered[len(ordered) // 2]
    return wall, cpu, ordered[0][0], ordered[-1][0]


def in_fresh_schema(label: str, fn: Callable[[Any], Any]) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn(app)`` on an application over a fresh schema."""
    with temp_schema(label) as schema:
        app = open_app(schema)
        try:
            return timed(lambda: fn(app))
        finally:
            app.close()


def raw_copy(schema: str, rows: list[tuple], name: str) -> tuple[float, float]:
    with connect() as conn:
        raw = create_raw_table(conn, schema, name)
        conn.commit()

        def copy() -> None:
            with conn.cursor() as cur, cur.copy(
                    f"COPY {raw} (originator_id, originator_version, topic, state) "
                    "FROM STDIN (FORMAT BINARY)") as out:
                out.set_types(["uuid", "int8", "text", "bytea"])
                for r in rows:
                    out.write_row(r)
            conn.commit()

        return timed(copy)


def big_save(schema: str, base: list, count: int, queue: Any) -> None:
    """In a forked child: ``count`` copies of ``base`` made there (touching objects of the
    parent would copy their pages, counted as the save's), then one ``app.save`` of them;
    sends seconds, CPU, RSS before and peak RSS."""
    app = open_app(schema)
    events = replicate(base, count, app.mapper)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = timed(lambda: app.save(*events))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    app.close()
    queue.put((wall, cpu, before / 1024, peak / 1024))


def stored_rows(app: Any, schema: str) -> list[tuple]:
    name = app.recorder.events_table_name.split(".")[-1]
    with connect() as conn:
        return conn.execute(f'SELECT originator_id, originator_version, topic, state FROM '
                            f'"{schema}"."{name}" ORDER BY notification_id').fetchall()


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    size = "full" if full_size(argv) else "quick"
    agents = arg(argv, "--agents", SIZES[size]["agents"])
    jobs = arg(argv, "--jobs", os.cpu_count() or 1)
    big = arg(argv, "--big", BIG)
    data: dict = {"machine": server_facts(), "agents": agents, "jobs": jobs}
    cases: list[tuple[str, int, float, float, float, float]] = []
    with temp_schema("bulk") as schema, temp_schema("bulk_imp") as schema4, \
            temp_schema("bulk_big") as schema5, tempfile.TemporaryDirectory() as tmp:
        app = open_app(schema)
        log(f"bulk import of {agents:,} careers into {schema} ({jobs} job(s))")
        cpu = time.process_time()
        gen = generate(app, agents, jobs=jobs, progress=progress_line(agents))
        gen_cpu = time.process_time() - cpu
        data["generate"] = g = gen.row()
        rows = stored_rows(app, schema)
        export = Path(tmp) / "events.jsonl"
        write_jsonl(app, export, Selection(), personal=True)
        stored = [StoredEvent(r[0], r[1], r[2], bytes(r[3])) for r in rows]
        events = [app.mapper.to_domain_event(s) for s in stored]
        app.close()
        n = len(rows)
        nbytes = sum(len(r[3]) for r in rows)
        log(f"  {n:,} stored events, {nbytes / n:,.0f} bytes of state each")

        runs: dict[str, list[tuple[float, float]]] = {"copy": [], "rec": [], "save": []}
        for k in range(REPEAT):  # interleaved, so that a burst of load hits every case
            runs["copy"].append(raw_copy(schema, rows, f"raw_events_{k}"))
            runs["rec"].append(in_fresh_schema(
                "bulk_rec", lambda target: target.recorder.insert_events(stored)))
            runs["save"].append(in_fresh_schema(
                "bulk_app", lambda target: target.save(*events)))
            log(f"  run {k + 1}: " + ", ".join(f"{case} {n / r[-1][0]:,.0f}/s"
                                               for case, r in runs.items()))
        cases.append(("raw COPY (binary), one transaction", n, *median(runs["copy"])))
        cases.append(("recorder.insert_events, one call (COPY path)", n,
                      *median(runs["rec"])))
        cases.append(("app.save (encode + insert), one save", n, *median(runs["save"])))
        copy_s = cases[0][2]

        once = float("nan"), float("nan")
        cases.append((f"generator end to end (commands + {g['saves']} app.save), {jobs} job(s)",
                      g["events"], g["total_s"], gen_cpu, *once))
        cases.append((f"  of which app.save, {g['saves']} saves while workers build",
                      g["events"], g["save_s"], float("nan"), *once))

        app4 = open_app(schema4)
        summary = import_export(app4, export)
        app4.close()
        cases.append(("agent-records import (checked, hashed, sealed)", summary.count,
                      summary.seconds, float("nan"), *once))

        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=big_save, args=(schema5, events, big, queue))
        child.start()
        big_s, big_cpu, rss_before, rss_peak = queue.get(timeout=3600)
        child.join()
        cases.append((f"one app.save of {big:,} events (child process)", big, big_s, big_cpu,
                      *once))
        data["big_save"] = {"events": big, "seconds": big_s, "cpu_s": big_cpu,
                            "rss_before_mb": rss_before, "rss_peak_mb": rss_peak}
        log(f"  one save of {big:,}: {big / big_s:,.0f} events/s, peak RSS {rss_peak:,.0f} MB "
            f"({rss_before:,.0f} MB before the save)")

    copy_rate = n / copy_s
    rows_out = [[name, count, s, cpu, count / s, count / s / copy_rate,
                 f"{fast:.2f}-{slow:.2f}" if fast == fast else ""]
                for name, count, s, cpu, fast, slow in cases]
    data["cases"] = [{"case": r[0], "events": r[1], "seconds": r[2], "cpu_s": r[3],
                      "events_per_s": r[4], "ratio_vs_copy": r[5], "range_s": r[6]}
                     for r in rows_out]
    data["runs"] = runs
    data["state_bytes_avg"] = nbytes / n
    out = table(f"Bulk import ({size}: {agents:,} demo careers, {n:,} events; one save of "
                f"{big:,}: peak RSS {rss_peak:,.0f} MB, {rss_before:,.0f} MB before it)",
                ["path", "events", "s", "cpu s", "events/s", "ratio vs COPY",
                 f"s, {REPEAT} runs"], rows_out)
    save_result("bulk", size, [out], data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
