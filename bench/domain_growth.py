"""Commands on long careers: ``grant_leave`` as the record grows, against raw INSERTs.

    python bench/domain_growth.py [--full] [--lengths 10,50,100] [--agents N]

Serving secretaries with records of 10, 50 and 100 events (``append.serving_agents``:
five events of entry into service and leaves, three a year) are stored in one fresh
schema; then, with 1 writer and with 8 writer threads (each its own application, as in
``append.py``, the case's agents shared among them), every writer grants ``ROUNDS`` more
leaves to each of its agents, round after round, and the time of the whole is taken.
Two cases per length and mode, on agents of their own:
- ``no cache``: ``AGENT_RECORDS_CACHED_AGENTS=0``, the path before issue 15: each command
  reads the whole record, decodes and folds it;
- ``cache``: the agents kept evaluated (``agent_cache``), warmed by one read of each
  before the clock starts, as a service that has served them before: a command decides
  on the cached record and folds the new fact alone (``domain.fold``).
Raw INSERT (``append.raw_insert``: one single-row INSERT per transaction) is measured with
the same threads, in turns with the two cases (``REPEATS`` slices of each); the ratio is
commands/s over its rate. "client CPU ms" is the writer thread's CPU per command (the
domain, encoding and the driver's work, less affected by the machine's load than rates).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records import demo
from agent_records.domain.commands import OpenPost
from bench.append import nth_leave, raw_insert, serving_agents
from bench.common import (
    checked_argv,
    connect,
    create_raw_table,
    full_size,
    log,
    open_app,
    option,
    percentile,
    run_writers,
    save_result,
    server_facts,
    table,
    temp_schema,
)

SIZES = {"quick": {"agents": 320, "seconds": 3.0},
         "full": {"agents": 1200, "seconds": 10.0}}
"""Agents per case (shared among its writers); seconds of raw INSERT per mode, and at
most of each case (a loaded machine does fewer than ``ROUNDS`` rounds)."""
LENGTHS = (10, 50, 100)
WRITERS = (1, 8)
ROUNDS = 3
REPEATS = 3
"""Raw INSERT and the two cases take turns, three slices each: a loaded machine's
changes of pace fall on all three alike."""
"""Leaves granted to each agent per case: a record of 10 events ends the case at 13."""
CASES = (("no cache", "0"), ("cache", "1000"))


@contextmanager
def cached_agents(value: str) -> Any:
    """Applications opened in the block keep ``value`` agents (``AGENT_RECORDS_CACHED_AGENTS``)."""
    before = os.environ.get("AGENT_RECORDS_CACHED_AGENTS")
    os.environ["AGENT_RECORDS_CACHED_AGENTS"] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ["AGENT_RECORDS_CACHED_AGENTS"]
        else:
            os.environ["AGENT_RECORDS_CACHED_AGENTS"] = before


class Writers:
    """A case's writers: threads, each with its own application and the leaves it has
    yet to grant (``ROUNDS`` to each of its agents, round after round)."""

    def __init__(self, schema: str, pools: list[list[Any]], first_leave: int,
                 cache: str) -> None:
        with cached_agents(cache):
            self.apps = [open_app(schema) for _ in pools]
        for app, agents in zip(self.apps, pools, strict=True):
            for aid in agents:  # the cache warm (no cache: the pool's connections opened)
                app.get_agent(aid)
        self.todo = [[nth_leave(aid, first_leave + r) for r in range(ROUNDS) for aid in agents]
                     for agents in pools]
        self.done = [0 for _ in pools]
        self.agents = sum(map(len, pools))
        self.latencies: list[float] = []
        self.cpu: list[float] = []
        self.seconds = 0.0

    def run(self, seconds: float) -> None:
        """Grants leaves for ``seconds`` (or until every writer is through)."""
        stop, errors, ended = threading.Event(), [], []
        barrier = threading.Barrier(len(self.apps) + 1)

        def write(w: int) -> None:
            barrier.wait()
            try:
                while not stop.is_set() and self.done[w] < len(self.todo[w]):
                    t, cpu = time.perf_counter(), time.thread_time()
                    self.apps[w].handle(self.todo[w][self.done[w]])
                    self.cpu.append(time.thread_time() - cpu)
                    self.latencies.append(time.perf_counter() - t)
                    self.done[w] += 1
            except BaseException as exc:
                errors.append(exc)
            ended.append(time.perf_counter())

        threads = [threading.Thread(target=write, args=(w,)) for w in range(len(self.apps))]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join(max(0.0, t0 + seconds - time.perf_counter()))
        stop.set()
        for t in threads:
            t.join()
        self.seconds += max(ended) - t0
        if errors:
            raise errors[0]

    def close(self) -> dict[str, Any]:
        for app in self.apps:
            app.close()
        ops = len(self.latencies)
        return {"ops": ops, "rounds": ops / self.agents, "seconds": self.seconds,
                "events_per_s": ops / self.seconds, "cpu_ms": sum(self.cpu) / ops * 1000,
                "p50_ms": percentile(self.latencies, 50) * 1000,
                "p99_ms": percentile(self.latencies, 99) * 1000}


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    size = "full" if full_size(argv) else "quick"
    cfg: dict[str, Any] = dict(SIZES[size])
    lengths = tuple(int(x) for x in (option(argv, "--lengths") or "").split(",") if x) \
        or LENGTHS
    cfg["agents"] = per = int(option(argv, "--agents") or cfg["agents"])
    data: dict[str, Any] = {"config": {**cfg, "lengths": lengths, "rounds": ROUNDS},
                            "machine": server_facts(), "cases": []}
    with temp_schema("growth") as schema:
        setup = open_app(schema)
        setup.handle(OpenPost(demo.on(date(1945, 1, 1)), code="BRU",
                              name="Légation à Bruxelles", city="Bruxelles", country="BE"))
        pools: dict[tuple[int, int, str], list[list[Any]]] = {}
        for length in lengths:
            log(f"preparing {len(WRITERS) * len(CASES) * per} agents of {length} events")
            for n in WRITERS:
                for case, _ in CASES:
                    agents = serving_agents(setup, per, leaves=length - 5)
                    pools[length, n, case] = [agents[w::n] for w in range(n)]
        sample = next(n for n in setup.recorder.select_notifications(1, 20)
                      if n.topic.endswith("AgentRegistered"))
        setup.close()
        with connect(autocommit=True) as conn:
            raw = create_raw_table(conn, schema)
        seconds = cfg["seconds"]
        out_rows = []
        for length in lengths:
            for n in WRITERS:
                log(f"  {length} events, {n} thread(s): raw INSERT and grant_leave without "
                    f"and with the cache, {REPEATS} times each in turn ...")
                cases = {case: Writers(schema, pools[length, n, case], length - 5, value)
                         for case, value in CASES}
                raw_ops, raw_seconds = 0, 0.0
                for _ in range(REPEATS):
                    r = run_writers(n, seconds / REPEATS, raw_insert(
                        schema, raw, sample.topic, sample.state, False),
                        lambda op: op.conn.close())
                    raw_ops, raw_seconds = raw_ops + r["ops"], raw_seconds + r["seconds"]
                    for writers in cases.values():
                        writers.run(seconds / REPEATS)
                base = raw_ops / raw_seconds
                out_rows.append(["raw INSERT", "", n, base, "", "", "", 1.0])
                for case, writers in cases.items():
                    got = writers.close()
                    ratio = got["events_per_s"] / base
                    log(f"    {case}: {got['events_per_s']:,.0f} commands/s, ratio {ratio:.2f}")
                    out_rows.append([f"grant_leave, {case}",
                                     f"{length}-{length + got['rounds']:.0f}", n,
                                     got["events_per_s"], got["p50_ms"], got["p99_ms"],
                                     got["cpu_ms"], ratio])
                    data["cases"].append({"case": case, "events_in_record": length,
                                          "writers": n, **got, "raw_insert_per_s": base,
                                          "ratio_vs_raw_insert": ratio})
    title = (f"grant_leave on long careers ({size}: {per} agents per case, {ROUNDS} leaves "
             "each; ratio = commands/s over raw INSERT's with the same threads)")
    out = table(title, ["case", "events in the record", "threads", "commands/s", "p50 ms",
                        "p99 ms", "client CPU ms", "ratio"], out_rows)
    save_result("domain_growth", size, [out], data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
