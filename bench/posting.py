"""Concurrent postings: 8 writers posting agents to one post, against 8 different posts.

    python bench/posting.py [--full] [--writers N] [--grown M]

Every posting of an agent to a post where they never served also indexes them in the
post (``Post.add_member``, for Art. 2), in the same transaction: concurrent postings to
one post race on the post's stream, postings to different posts do not. Cases, each with
``N`` writers (8 by default), each with its own application instance (its own connection
pool), all started together, first as threads of one process (a service process's
request threads), then as forked processes (several service processes):
- one post: every writer posts its own serving agents to BRU;
- 8 posts: writer ``w`` posts its agents to the ``w``-th legation;
- one grown post: as "one post", to a post that already indexes ``M`` members (a post
  whose stream has grown: its load must not cost more with every member). Each writer
  loads its post once before the start; that first load (a whole stream) is measured
  apart, once per post.
Each agent is posted once (a first posting: the post gains a member each time). Counted:
postings stored, refusals (a ``ConcurrencyConflict`` after the application's retries:
0 expected), postings/s over the case's wall time, latency p50/p99 of one command
(retries included), and the post's stream length at the end. Every stored posting is
checked to be in the store once, and the post to index each posted agent once.
"""

from __future__ import annotations

import multiprocessing
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
from agent_records.domain.commands import (
    AppointAgent,
    EnterFunctions,
    OpenPost,
    PostAgent,
    RegisterAgent,
    SwearOath,
)
from agent_records.domain.events import Posted
from bench.common import (
    BulkRecords,
    checked_argv,
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
        aid = bulk.handle(RegisterAgent(demo.on(date(1950, 1, 1)), full_name=f"Agent {i}",
                                        birth_date=date(1920, 1, 1), nationality="LU")).aggregate_id
        bulk.handle(AppointAgent(aid, demo.on(DAY, "AGD 1950/S"), grade="secretaire",
                                 council_deliberation_ref="Conseil 1950/1"))
        bulk.handle(SwearOath(aid, demo.on(DAY)))
        bulk.handle(EnterFunctions(aid, demo.on(DAY)))
        ids.append(aid)
    app.save(*bulk.dirty.values())
    return ids


def grow(app: AgentRecords, code: str, members: int) -> None:
    """Opens ``code`` and indexes ``members`` earlier members in it (one save)."""
    app.handle(OpenPost(demo.on(date(1945, 1, 1)), code=code, name="Légation agrandie",
                        city="Luxembourg", country="LU"))
    post = app.get_post(code)
    meta = metadata(Posted, demo.on(date(1949, 1, 1)), {})
    for _ in range(members):
        post.add_member(str(uuid4()), meta)
    app.save(post)


def post_all(app: AgentRecords, agents: Sequence[UUID], post: str, w: int
             ) -> list[tuple[str | None, float]]:
    """Posts each of ``agents`` to ``post``: (None or the refusal, seconds) for each."""
    out: list[tuple[str | None, float]] = []
    for aid in agents:
        t = time.perf_counter()
        try:
            app.handle(PostAgent(aid, demo.on(DAY, f"AM 1950/P{w}"), kind="abroad", post_code=post))
        except ConcurrencyConflict as refused:
            out.append((str(refused), time.perf_counter() - t))
        else:
            out.append((None, time.perf_counter() - t))
    return out


def in_threads(schema: str, agents: Sequence[Sequence[UUID]], posts: Sequence[str]
               ) -> tuple[list[tuple[str | None, float]], float]:
    n = len(agents)
    apps = [open_app(schema) for _ in range(n)]
    for app, post in zip(apps, posts, strict=True):
        app.get_post(post)  # warm: the first load of a post is measured apart (cold_load)
    start = threading.Barrier(n + 1)

    def write(w: int) -> list[tuple[str | None, float]]:
        start.wait()
        return post_all(apps[w], agents[w], posts[w], w)

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(write, w) for w in range(n)]
        start.wait()
        t0 = time.perf_counter()
        every = [o for f in futures for o in f.result()]
        wall = time.perf_counter() - t0
    for app in apps:
        app.close()
    return every, wall


def in_processes(schema: str, agents: Sequence[Sequence[UUID]], posts: Sequence[str]
                 ) -> tuple[list[tuple[str | None, float]], float]:
    """One forked process per writer, each with its own application."""
    ctx = multiprocessing.get_context("fork")
    n = len(agents)
    start, results = ctx.Barrier(n + 1), ctx.Queue()

    def child(w: int) -> None:
        try:
            app = open_app(schema)
            app.get_post(posts[w])
            start.wait()
            results.put(post_all(app, agents[w], posts[w], w))
            app.close()
        except BaseException as exc:
            start.abort()
            results.put(f"writer {w}: {type(exc).__name__}: {exc}")

    procs = [ctx.Process(target=child, args=(w,)) for w in range(n)]
    for p in procs:
        p.start()
    start.wait(timeout=120)
    t0 = time.perf_counter()
    got = [results.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    failed = [g for g in got if isinstance(g, str)]
    if failed:
        raise RuntimeError("; ".join(failed))
    return [o for g in got for o in g], wall


def cold_load(schema: str, code: str) -> float:
    """Seconds of a post's first load in a fresh application (later loads of it read only
    the events after the cached version)."""
    app = open_app(schema)
    try:
        t = time.perf_counter()
        app.get_post(code)
        return time.perf_counter() - t
    finally:
        app.close()


def run_case(schema: str, agents: Sequence[Sequence[UUID]], posts: Sequence[str],
             processes: bool) -> dict[str, Any]:
    """Each writer posts its agents, one command each; counts what was stored/refused."""
    every, wall = (in_processes if processes else in_threads)(schema, agents, posts)
    refused = [m for m, _ in every if m is not None]
    latencies = [s for _, s in every]
    stored = len(every) - len(refused)
    return {"postings": len(every), "stored": stored, "refused": len(refused),
            "refusal_messages": sorted(set(refused))[:3],
            "seconds": wall, "postings_per_s": stored / wall,
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
    argv = checked_argv(argv, __doc__)
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
            app.handle(OpenPost(demo.on(date(1945, 1, 1)), code=code, name=name, city=city,
                                country=country))
        grow(app, GROWN, cfg["grown"])
        loads = [["BRU", app.get_post("BRU").version, cold_load(schema, "BRU") * 1000],
                 [GROWN, app.get_post(GROWN).version, cold_load(schema, GROWN) * 1000]]
        log(f"preparing {2 * len(cases) * writers * per} serving agents in {schema}")
        for processes in (False, True):
            how = "processes" if processes else "threads"
            for name, posts in cases.items():
                agents = [serving_agents(app, per) for _ in range(writers)]
                log(f"  {name}: {writers} writer {how} x {per} postings ...")
                r = run_case(schema, agents, posts, processes)
                check(app, agents, posts, r["stored"])
                r["stream_length"] = app.get_post(posts[0]).version
                log(f"    {r['stored']} stored, {r['refused']} refused, "
                    f"{r['postings_per_s']:,.0f} postings/s")
                data["cases"].append({"case": name, "mode": how, **r})
                rows.append([name, f"{writers} {how}", r["postings"], r["stored"],
                             r["refused"], r["seconds"], r["postings_per_s"], r["p50_ms"],
                             r["p99_ms"], r["stream_length"]])
        app.close()
    title = (f"Concurrent postings ({size}: {writers} writers, threads of one process or "
             f"processes, {per} first postings each; refused = ConcurrencyConflict after the "
             "retries)")
    out = table(title, ["case", "writers", "postings", "stored", "refused", "s",
                        "postings/s", "p50 ms", "p99 ms", "post stream"], rows)
    data["cold_loads"] = [{"post": c, "stream": v, "ms": ms} for c, v, ms in loads]
    cold = table("First load of a post in a fresh application (once per process; then only "
                 "the events after the cached version are read)",
                 ["post", "post stream", "first load ms"], loads)
    save_result("posting", size, [out, cold], data)
    refused = sum(c["refused"] for c in data["cases"])
    if refused:
        log(f"refusals: {refused}; e.g. {data['cases'][0]['refusal_messages']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
