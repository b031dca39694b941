"""Command append: one command = one event = one transaction, against raw INSERTs.

    python bench/append.py [--full] [--seconds S]

Cases, each with 1 writer, with 8 concurrent writer threads in one process, and with 8
writer processes (each writer its own application or its own connection; a service runs
several worker processes, and eight application writers in one process are capped by the
GIL), all in one fresh schema of the same server:
- raw INSERT: psycopg, autocommit, one single-row INSERT per transaction into a table of
  the library's shape (uuid, bigint, text topic, bytea state, bigserial id, same keys);
- raw INSERT + LOCK + NOTIFY: the same with what the library's recorder adds to each
  transaction (``LOCK TABLE ... IN EXCLUSIVE MODE`` and ``NOTIFY``), to show its cost;
- app register_agent: ``AgentRecords.register_agent`` (no load: rules on one event, save);
- app grant_leave: ``GrantLeave`` (``AgentRecords.handle``) on serving agents (load the record,
  check every rule, save one event): the typical command.
The ratio is events/s over raw INSERT's events/s with the same number of writers.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records import demo
from agent_records.application import AgentRecords
from agent_records.domain.commands import (
    AppointAgent,
    EnterFunctions,
    GrantLeave,
    OpenPost,
    PostAgent,
    RegisterAgent,
    SwearOath,
)
from bench.common import (
    BulkRecords,
    checked_argv,
    connect,
    create_raw_table,
    full_size,
    log,
    median,
    open_app,
    run_writers,
    save_result,
    server_facts,
    table,
    temp_schema,
)

SIZES = {"quick": {"seconds": 5.0, "agents_per_writer": 40},
         "full": {"seconds": 20.0, "agents_per_writer": 150}}
MODES = ((1, False), (8, False), (8, True))
"""(writers, in processes): one writer, eight threads, eight processes."""
FIRST_LEAVE_YEAR = 1951


def raw_insert(schema: str, raw: str, topic: str, state: bytes, locked: bool
               ) -> Callable[[int], Callable[[], None]]:
    def make(_: int) -> Callable[[], None]:
        conn = connect(autocommit=True)
        insert = (f"INSERT INTO {raw} (originator_id, originator_version, topic, state) "
                  "VALUES (%s, 1, %s, %s)")
        lock = f"LOCK TABLE {raw} IN EXCLUSIVE MODE"

        def op() -> None:
            if locked:
                with conn.transaction():
                    conn.execute(lock, prepare=True)
                    conn.execute(insert, (uuid.uuid4(), topic, state), prepare=True)
                    conn.execute(f'NOTIFY "{schema}_raw"')
            else:
                conn.execute(insert, (uuid.uuid4(), topic, state), prepare=True)

        op.conn = conn  # type: ignore[attr-defined]
        return op
    return make


LEAVE_MONTHS = (2, 6, 10)


def nth_leave(agent_id: Any, n: int) -> GrantLeave:
    """An agent's ``n``-th leave (from 0): three a year from 1951, six days each."""
    start = date(1951 + n // len(LEAVE_MONTHS), LEAVE_MONTHS[n % len(LEAVE_MONTHS)], 1)
    return GrantLeave(agent_id, demo.on(start, "AM"), end_date=start.replace(day=6))


def serving_agents(app: AgentRecords, count: int, leaves: int = 0) -> list[Any]:
    """``count`` secretaries serving at Brussels (register, appoint, oath, functions,
    posting), with ``leaves`` leaves each (``nth_leave``: a record of 5 + ``leaves``
    events), built through the commands and stored with one save."""
    bulk = BulkRecords(app.settings, {"BRU": app.get_post("BRU")})
    ids = []
    for i in range(count):
        day = date(1950, 3, 1)
        aid = bulk.handle(RegisterAgent(demo.on(date(1950, 1, 1)), full_name=f"Agent {i}",
                                        birth_date=date(1920, 1, 1), nationality="LU")).aggregate_id
        bulk.handle(AppointAgent(aid, demo.on(day, "AGD 1950/S"), grade="secretaire",
                                 council_deliberation_ref="Conseil 1950/1"))
        bulk.handle(SwearOath(aid, demo.on(day)))
        bulk.handle(EnterFunctions(aid, demo.on(day)))
        bulk.handle(PostAgent(aid, demo.on(day), kind="abroad", post_code="BRU"))
        for n in range(leaves):
            bulk.handle(nth_leave(aid, n))
        ids.append(aid)
    app.save(*bulk.dirty.values())
    return ids


def app_ops(schema: str, kind: str, agents: list[list[Any]] | None = None
            ) -> Callable[[int], Callable[[], None]]:
    def make(w: int) -> Callable[[], None]:
        app = open_app(schema)
        mine = agents[w] if agents else []
        turn = [0]

        def register() -> None:
            app.handle(RegisterAgent(demo.on(date(1950, 1, 1)), full_name="Jean Schmit",
                                     birth_date=date(1920, 1, 1), nationality="LU"))

        def leave() -> None:
            k = turn[0]
            turn[0] += 1
            year = FIRST_LEAVE_YEAR + k // len(mine)
            app.handle(GrantLeave(mine[k % len(mine)], demo.on(date(year, 8, 1), "AM"),
                                  end_date=date(year, 8, 20), travel_days=2))

        op = register if kind == "register" else leave
        op.app = app  # type: ignore[attr-defined]
        return op
    return make


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    size = "full" if full_size(argv) else "quick"
    cfg = dict(SIZES[size])
    if "--seconds" in argv:
        cfg["seconds"] = float(argv[argv.index("--seconds") + 1])
    seconds = cfg["seconds"]
    rows, data = [], {"config": cfg, "machine": server_facts(), "cases": []}
    with temp_schema("append") as schema:
        app = open_app(schema)
        app.handle(OpenPost(demo.on(date(1945, 1, 1)), code="BRU", name="Légation à Bruxelles",
                            city="Bruxelles", country="BE"))
        per = cfg["agents_per_writer"]
        log(f"preparing {sum(n for n, _ in MODES) * per} serving agents in {schema}")
        pools = {mode: serving_agents(app, mode[0] * per) for mode in MODES}
        sample = next(n for n in app.recorder.select_notifications(1, 20)
                      if n.topic.endswith("AgentRegistered"))
        leave_note = None
        with connect(autocommit=True) as conn:
            raw = create_raw_table(conn, schema)
        results: dict[tuple[str, int, bool], dict[str, Any]] = {}
        for n, processes in MODES:
            cases: list[tuple[str, Callable, Callable | None]] = [
                ("raw INSERT", raw_insert(schema, raw, sample.topic, sample.state, False),
                 lambda op: op.conn.close()),
                ("raw INSERT + LOCK + NOTIFY", raw_insert(schema, raw, sample.topic,
                                                          sample.state, True),
                 lambda op: op.conn.close()),
                ("app register_agent", app_ops(schema, "register"), lambda op: op.app.close()),
                ("app grant_leave", app_ops(schema, "leave", [
                    pools[n, processes][w * per:(w + 1) * per] for w in range(n)]),
                 lambda op: op.app.close()),
            ]
            for name, make, close in cases:
                how = "process" if processes else "thread"
                log(f"  {name}, {n} writer {how}(s), {seconds:.0f} s ...")
                r = run_writers(n, seconds, make, close, processes=processes)
                results[(name, n, processes)] = r
                log(f"    {r['events_per_s']:,.0f} events/s")
        leave_note = app.recorder.max_notification_id()
        app.close()
    for (name, n, processes), r in results.items():
        base = results[("raw INSERT", n, processes)]["events_per_s"]
        ratio = r["events_per_s"] / base
        rows.append([name, f"{n} {'processes' if processes else 'thread' + 's' * (n > 1)}",
                     r["ops"], r["seconds"], r["events_per_s"], r["p50_ms"], r["p99_ms"],
                     ratio])
        data["cases"].append({"case": name, **r, "ratio_vs_raw_insert": ratio})
    title = (f"Command append ({size}: {seconds:.0f} s per case; one event per transaction; "
             f"ratio = events/s over raw INSERT with the same writers)")
    out = table(title, ["case", "writers", "events", "s", "events/s", "p50 ms", "p99 ms",
                        "ratio"], rows)
    data["store_head"] = leave_note
    data["median_ratio"] = median([c["ratio_vs_raw_insert"] for c in data["cases"]])
    save_result("append", size, [out], data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
