"""Projection rebuild from zero: events/s per view and for all of them.

    python bench/rebuild.py [--full] [--agents N] [--store URL]

Generates a store of demo careers (``bench/generate.py``'s bulk path; QUICK about 30,000
events, FULL about 1,000,000), then builds every read model from position zero with
the project's own ``Worker`` (batches of 500, one transaction per batch): the ledger
(the hash chain) into empty tables, and each rebuildable view with ``Worker.rebuild``
(beside the live tables, then swapped in). The rate is measured over the first and the
second half of the log too, to show whether it falls as the tables grow. With
``--store`` an existing store is used (and kept): only the rebuildable views are timed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records.application import open_records
from bench.common import (
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
from projections.runner import Worker

SIZES = {"quick": {"agents": 2_000}, "full": {"agents": 66_000}}
"""About 15 events per demo career: 2,000 careers ~ 30,000 events, 66,000 ~ 1,000,000."""


def arg(argv: list[str], name: str, default: str | None) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else default


def timed(worker: Worker, name: str, fresh: bool, head: int) -> dict:
    """Builds one view from zero; returns seconds overall and per half of the log."""
    marks: list[tuple[float, int]] = []
    worker.load.cache_clear()  # cold, as at scale: 4,096 cached agents of 66,000 do not help
    c0 = time.process_time()
    t0 = time.perf_counter()

    def progress(position: int, _head: int) -> None:
        marks.append((time.perf_counter() - t0, position))

    if fresh:
        view = next(v for v in worker.views if v.name == name)
        count = worker.catch_up(view, progress)
    else:
        count = worker.rebuild(name, progress)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    half = next(((t, p) for t, p in marks if p >= head // 2), (seconds, head))
    first_rate = half[1] / half[0] if half[0] else float("nan")
    second_rate = (head - half[1]) / (seconds - half[0]) if seconds > half[0] else float("nan")
    return {"view": name, "events": count, "seconds": seconds, "events_per_s": count / seconds,
            "cpu_seconds": cpu, "events_per_cpu_s": count / cpu,
            "first_half_events_per_s": first_rate, "second_half_events_per_s": second_rate}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    size = "full" if full_size(argv) else "quick"
    agents = int(arg(argv, "--agents", str(SIZES[size]["agents"])))
    store = arg(argv, "--store", None)
    data: dict = {"machine": server_facts()}
    results = []

    def run(app) -> int:
        head = app.recorder.max_notification_id() or 0
        worker = Worker(app)
        for view in worker.views:
            rebuildable = getattr(view, "rebuildable", True)
            if store and not rebuildable:
                continue  # the ledger of a kept store is sealed once, never rebuilt
            log(f"  {view.name} from zero ...")
            r = timed(worker, view.name, not rebuildable, head)
            results.append(r)
            log(f"    {r['events']:,} events in {r['seconds']:.1f} s: "
                f"{r['events_per_s']:,.0f} events/s")
        return head

    if store:
        app = open_records(store)
        head = run(app)
        app.close()
    else:
        with temp_schema("rebuild") as schema:
            app = open_app(schema)
            log(f"generating {agents:,} careers into {schema}")
            gen = generate(app, agents, jobs=os.cpu_count() or 1,
                           progress=progress_line(agents))
            data["generate"] = gen.row()
            head = run(app)
            app.close()
    total = sum(r["seconds"] for r in results)
    cpu = sum(r["cpu_seconds"] for r in results)
    rows = [[r["view"], r["events"], r["seconds"], r["events_per_s"], r["cpu_seconds"],
             r["first_half_events_per_s"], r["second_half_events_per_s"]] for r in results]
    rows.append(["all views (sum)", head, total, head / total, cpu, float("nan"),
                 float("nan")])
    data.update({"head": head, "views": results, "total_seconds": total, "cpu_seconds": cpu,
                 "events_per_s_all_views": head / total,
                 "projected_1m_minutes": 1_000_000 / (head / total) / 60})
    out = table(f"Projection rebuild from zero ({size}: {head:,} events)",
                ["view", "events", "s", "events/s", "worker cpu s", "1st half ev/s",
                 "2nd half ev/s"], rows)
    note = (f"At this rate, 1,000,000 events would take about "
            f"{data['projected_1m_minutes']:.0f} minutes for all views (target: < 3).\n")
    save_result("rebuild", size, [out, note], data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
