"""Reads from the primary alone against primary plus hot standby, under one write load;
and the wait of read-your-writes.

    python bench/replica.py [--seconds S] [--readers N] [--rate W] [--rounds R]

Needs root (a private primary and its standby, ``tests/integration/pgcluster.py``: two
PostgreSQL 15 clusters on free ports, the standby made by ``pg_basebackup -R``; the
shared server on 5432 is not touched). One writer process grants one-day leaves to the
primary at ``W`` per second (default 20) throughout. Readers (``N`` processes, default 2)
each read, as fast as they can for ``S`` seconds (default 5), one agent's whole record
(its events folded) and the agents view's page of 20 rows: first all from the primary
(``primary alone``), then through the read router with the standby in the read path
(``primary + standby``: every read on the standby), alternating, ``R`` rounds each (3). Reads
per second are the sum over readers. Both PostgreSQL servers run on this machine's
cores, with the readers, the writer and whatever else runs here: the ratio says what the
standby takes off the primary on this machine, not what a second machine would add.

Read-your-writes: the writer's process applies each write to the views (inline, as the
service does by default), takes the write's token
(``ReadRouter.written``) and asks the router for a read presenting it; the time until the
standby is chosen (or the bound, 2 s, and the primary) is the wait. Its percentiles and
the fallbacks are reported.
"""

from __future__ import annotations

import multiprocessing
import random
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records.bootstrap import open_records
from agent_records.domain.commands import GrantLeave
from agent_records.domain.values import LeaveKind
from agent_records.readside import named
from agent_records.replica.router import ReadRouter
from agent_records.replica.standby import open_standby
from bench.common import median, percentile, save_result, table
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from tests.careers import on, open_legation, serving_attache
from tests.integration.pgcluster import PrivateCluster

AGENTS = 40
WAIT = 2.0


def url(cluster: PrivateCluster) -> str:
    return f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres?schema=records"


def leave(agent: UUID, n: int) -> GrantLeave:
    day = date(1949 + n // 20, 3, 1 + n % 20)
    return GrantLeave(agent, on(day), end_date=day, kind=LeaveKind.ANNUAL)


def writer(primary: str, standby: str, agents: list[UUID], rate: float, stop: Any,
           waits: Any, start: int) -> None:
    """Grants leaves at ``rate`` per second; measures each write's read-your-writes wait."""
    records = open_records(primary)
    worker = Worker(records, named())
    router: ReadRouter[ViewStore] = ReadRouter(
        worker.store, lambda: open_standby(standby)[1].store, lambda s: s,
        [v.tracking_name for v in worker.views], url=standby, wait=WAIT, max_lag=30)
    n = start
    while not stop.is_set():
        began = time.monotonic()
        records.handle(leave(agents[n % len(agents)], n // len(agents)))
        worker.run_once()  # the views follow inline, as in the service's default mode
        token = router.written()
        waited = time.monotonic()
        _, on_standby = router.reading(token)
        waits.put((time.monotonic() - waited, on_standby))
        n += 1
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - began)))
    records.close()


def reader(primary: str, standby: str | None, agents: list[UUID], seconds: float,
           counts: Any) -> None:
    """Reads records and a page of the agents view for ``seconds``; puts the count."""
    if standby is None:
        records = open_records(primary)
        store = ViewStore(records)
    else:
        records, views = open_standby(standby)
        store = views.store
    page = f"SELECT * FROM {store.table('agents')} ORDER BY agent_id LIMIT 20"
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        records.get_agent(random.choice(agents))
        store.rows(page)
        done += 1
    counts.put(done)
    records.close()


def main(argv: list[str]) -> None:
    seconds = float(_opt(argv, "--seconds", "5"))
    readers = int(_opt(argv, "--readers", "2"))
    rate = float(_opt(argv, "--rate", "20"))
    rounds = int(_opt(argv, "--rounds", "3"))
    primary = PrivateCluster()
    standby: PrivateCluster | None = None
    try:
        primary.start()
        records = open_records(url(primary))
        open_legation(records)
        agents = [serving_attache(records, renewals=4) for _ in range(AGENTS)]
        Worker(records, named()).run_once()
        records.close()
        standby = primary.standby()
        results: dict[str, list[float]] = {"primary alone": [], "primary + standby": []}
        waits: list[tuple[float, bool]] = []
        context = multiprocessing.get_context("fork")
        written = 0
        for _ in range(rounds):
            for mode in results:
                stop, queue, counts = context.Event(), context.Queue(), context.Queue()
                write = context.Process(target=writer, args=(
                    url(primary), url(standby), agents, rate, stop, queue, written))
                write.start()
                time.sleep(1.0)  # the writer's load is on before the readers start
                procs = [context.Process(target=reader, args=(
                    url(primary), url(standby) if "standby" in mode else None, agents,
                    seconds, counts)) for _ in range(readers)]
                for p in procs:
                    p.start()
                total = sum(counts.get(timeout=seconds + 60) for _ in procs)
                for p in procs:
                    p.join()
                stop.set()
                while write.is_alive() or not queue.empty():
                    while not queue.empty():
                        waits.append(queue.get())
                        written += 1
                    write.join(0.1)
                results[mode].append(total / seconds)
        alone, both = median(results["primary alone"]), median(results["primary + standby"])
        served = [w for w, ok in waits if ok]
        rows = [["primary alone", results["primary alone"], alone, 1.0],
                ["primary + standby", results["primary + standby"], both, both / alone]]
        reads = table(f"Reads/s under {rate:g} writes/s ({readers} readers, {seconds:g} s "
                      f"each, {rounds} rounds)", ["reads from", "rounds", "median", "ratio"],
                      [[r[0], " / ".join(f"{x:.0f}" for x in r[1]), r[2], r[3]]
                       for r in rows])
        ryw = table("Read-your-writes: wait for the standby after a write (ms)",
                    ["writes", "p50", "p95", "max", "served by the primary"],
                    [[len(waits), percentile(served, 50) * 1000,
                      percentile(served, 95) * 1000, max(served, default=0) * 1000,
                      len(waits) - len(served)]])
        save_result("replica", "quick", [reads, ryw],
                    {"reads": results, "waits": waits[:1000], "rate": rate})
    finally:
        if standby is not None:
            standby.close()
        primary.close()


def _opt(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


if __name__ == "__main__":
    main(sys.argv[1:])
