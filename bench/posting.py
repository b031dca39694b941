"""Concurrent postings: 8 writers posting agents to one post, against 8 different posts.

    python bench/posting.py [--full] [--writers N] [--grown M]

Every posting of an agent to a post where they never served also indexes them in the
post (``Post.add_member``, for Art. 2), in the same transaction: concurrent postings to
one post race on the post's stream, postings to different posts do not. Cases, each with
``N`` writer threads (8 by default), each writer its own application instance (its own
connection pool, as separate service processes would be), all started together:
- one post: every writer posts its own serving agents to BRU;
- 8 posts: writer ``w`` posts its agents to the ``w``-th legation;
- one grown post: as "one post", to a post that already indexes ``M`` members (a post
  whose stream has grown: its load must not cost more with every member).
Each agent is posted once (a first posting: the post gains a member each time). Counted:
postings stored, refusals (a ``ConcurrencyConflict`` after the application's retries:
0 expected), postings/s over the case's wall time, latency p50/p99 of one command
(retries included), and the post's stream length at the end. Every stored posting is
checked to be in the store once, and the post to index each posted agent once.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records import demo
from agent_records.application import AgentRecords, ConcurrencyConflict
from agent_records.domain.agent import metadata
from agent_records.domain.events import Posted
from bench.common import (
    BulkRecords,
    full_size,
    log,
    open_app,
    option,
    percentile,
    save_result,
    server_facts,
    table,
    temp_schema,
)

SIZES = {"quick": {"postings_per_writer": 25, "grown": 5_000},
         "full": {"postings_per_writer": 100, "grown": 20_000}}
WRITERS = 8
DAY = date(1950, 3, 1)
GROWN = "GRO"


def serving_agents(app: AgentRecords, count: int) -> list[UUID]:
    """``count`` secretaries in functions and not yet posted, stored with one save."""
    bulk = BulkRecords(app.settings, {})
    ids = []
    for i in range(count):
        aid = bulk.register_agent(demo.on(date(1950, 1, 1)), full_name=f"Agent {i}",
                                  birth_date=date(1920, 1, 1), nationality="LU").aggregate_id
        bulk.appoint_agent(aid, demo.on(DAY, "AGD 1950/S"), grade="secretaire",
                           council_deliberation_ref="Conseil 1950/1")
        bulk.swear_oath(aid, demo.on(DAY))
        bulk.enter_functions(aid, demo.on(DAY))
        ids.append(aid)
    app.save(*bulk.dirty.values())
    return ids


def grow(app: AgentRecords, code: str, members: int) -> None:
    """Opens ``code`` and indexes ``members`` earlier members in it (one save)."""
    app.open_post(demo.on(date(1945, 1, 1)), code=code, name="Légation agrandie",
                  city="Luxembourg", country="LU")
    post = app.get_post(code)
    meta = metadata(Posted, demo.on(date(1949, 1, 1)), {})
    for _ in range(members):
        post.add_member(str(uuid4()), meta)
    app.save(post)


def run_case(schema: str, agents: Sequence[Sequence[UUID]], posts: Sequence[str]
             ) -> dict[str, Any]:
    """Each writer posts its agents, one command each; counts what was stored/refused."""
    n = len(agents)
    apps = [open_app(schema) for _ in range(n)]
    start = threading.Barrier(n + 1)
    outcomes: list[list[Any]] = [[] for _ in range(n)]

    def write(w: int) -> None:
        start.wait()
        for aid in agents[w]:
            t = time.perf_counter()
            try:
                receipt = apps[w].post_agent(aid, demo.on(DAY, f"AM 1950/P{w}"), kind="abroad",
                                             post_code=posts[w])
            except ConcurrencyConflict as refused:
                outcomes[w].append((refused, time.perf_counter() - t))
            else:
                outcomes[w].append((receipt, time.perf_counter() - t))

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(write, w) for w in range(n)]
        start.wait()
        t0 = time.perf_counter()
        for f in futures:
            f.result()
        wall = time.perf_counter() - t0
    for app in apps:
        app.close()
    every = [o for out in outcomes for o in out]
    stored = [o for o, _ in every if not isinstance(o, ConcurrencyConflict)]
    refused = [o for o, _ in every if isinstance(o, ConcurrencyConflict)]
    latencies = [s for _, s in every]
    return {"postings": len(every), "stored": len(stored), "refused": len(refused),
            "refusal_messages": sorted({str(r) for r in refused})[:3],
            "seconds": wall, "postings_per_s": len(stored) / wall,
            "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000}


def check(app: AgentRecords, agents: Sequence[Sequence[UUID]], posts: Sequence[str],
          stored: int) -> None:
    """Every posted agent holds exactly one posting and is indexed once in its post."""
    posted = 0
    for w, mine in enumerate(agents):
        members = app.get_post(posts[w]).members
        for aid in mine:
            count = sum(isinstance(e, Posted) for e in app.get_agent(aid).events)
            assert count <= 1, f"agent {aid} posted {count} times"
            posted += count
            assert members.count(str(aid)) == count, f"agent {aid} indexed wrongly"
    assert posted == stored, (posted, stored)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    size = "full" if full_size(argv) else "quick"
    cfg = dict(SIZES[size])
    writers = int(option(argv, "--writers") or WRITERS)
    cfg["grown"] = int(option(argv, "--grown") or cfg["grown"])
    per = cfg["postings_per_writer"]
    codes = [code for code, *_ in demo.LEGATIONS]
    cases = {"one post": ["BRU"] * writers,
             f"{writers} posts": [codes[w % len(codes)] for w in range(writers)],
             f"one post of {cfg['grown']:,} members": [GROWN] * writers}
    data: dict[str, Any] = {"config": {**cfg, "writers": writers}, "machine": server_facts(),
                            "cases": []}
    rows = []
    with temp_schema("posting") as schema:
        app = open_app(schema)
        for code, name, city, country in demo.LEGATIONS:
            app.open_post(demo.on(date(1945, 1, 1)), code=code, name=name, city=city,
                          country=country)
        grow(app, GROWN, cfg["grown"])
        log(f"preparing {len(cases) * writers * per} serving agents in {schema}")
        for name, posts in cases.items():
            agents = [serving_agents(app, per) for _ in range(writers)]
            log(f"  {name}: {writers} writers x {per} postings ...")
            r = run_case(schema, agents, posts)
            check(app, agents, posts, r["stored"])
            r["stream_length"] = app.get_post(posts[0]).version
            log(f"    {r['stored']} stored, {r['refused']} refused, "
                f"{r['postings_per_s']:,.0f} postings/s")
            data["cases"].append({"case": name, **r})
            rows.append([name, writers, r["postings"], r["stored"], r["refused"],
                         r["seconds"], r["postings_per_s"], r["p50_ms"], r["p99_ms"],
                         r["stream_length"]])
        app.close()
    title = (f"Concurrent postings ({size}: {writers} writer threads, {per} first postings "
             "each; refused = ConcurrencyConflict after the retries)")
    out = table(title, ["case", "writers", "postings", "stored", "refused", "s",
                        "postings/s", "p50 ms", "p99 ms", "post stream"], rows)
    save_result("posting", size, [out], data)
    refused = sum(c["refused"] for c in data["cases"])
    if refused:
        log(f"refusals: {refused}; e.g. {data['cases'][0]['refusal_messages']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
