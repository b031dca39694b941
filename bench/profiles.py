"""Profiles (pyinstrument) of what the benchmarks measure; not part of ``run_all``.

    python bench/profiles.py [append] [rebuild] [graphql] [generate]

Writes ``bench/results/profile-<case>.txt`` (call tree, percent of wall time),
``profile-<case>-all.txt`` (the same with library frames) and ``profile-<case>-flat.txt``
(functions by own time). Wall time includes waiting for
PostgreSQL; the header shows wall and CPU time.
- append: 300 ``register_agent`` then 300 ``grant_leave`` commands, one writer;
- rebuild: every view built from zero over 300 demo careers (~4,500 events);
- graphql: 100 career, roster and audit queries executed by the schema in-process
  (database calls made inline so the profiler sees them; no HTTP);
- generate: 200 careers through the bulk path.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyinstrument import Profiler  # noqa: E402

from agent_records import demo  # noqa: E402
from agent_records.domain.commands import GrantLeave, OpenPost, RegisterAgent  # noqa: E402
from agent_records.readside import named  # noqa: E402
from bench.common import RESULTS, checked_argv, generate, log, open_app, temp_schema  # noqa: E402
from projections.engine.runner import Worker  # noqa: E402


def write(name: str, profiler: Profiler, note: str = "") -> None:
    RESULTS.mkdir(exist_ok=True)
    tree = profiler.output_text(unicode=False, time="percent_of_total")
    flat = profiler.output_text(unicode=False, flat=True)
    (RESULTS / f"profile-{name}.txt").write_text(note + tree)
    (RESULTS / f"profile-{name}-flat.txt").write_text(note + flat)
    full = profiler.output_text(unicode=False, time="percent_of_total", show_all=True)
    (RESULTS / f"profile-{name}-all.txt").write_text(note + full)
    print(f"== {name}: {note}{tree[:6000]}")


def profile_append() -> None:
    from bench.append import serving_agents

    with temp_schema("prof_append") as schema:
        app = open_app(schema)
        app.handle(OpenPost(demo.on(date(1945, 1, 1)), code="BRU", name="Légation à Bruxelles",
                            city="Bruxelles", country="BE"))
        agents = serving_agents(app, 100)
        for name, op in (
            ("append-register", lambda k: app.handle(RegisterAgent(
                demo.on(date(1950, 1, 1)), full_name="Jean Schmit",
                birth_date=date(1920, 1, 1), nationality="LU"))),
            ("append-grant-leave", lambda k: app.handle(GrantLeave(
                agents[k % 100], demo.on(date(1951 + k // 100, 8, 1), "AM"),
                end_date=date(1951 + k // 100, 8, 20), travel_days=2))),
        ):
            op(0) if name == "append-register" else None
            p = Profiler(interval=0.0005)
            c, t = time.process_time(), time.perf_counter()
            p.start()
            for k in range(1 if name == "append-register" else 0, 300):
                op(k)
            p.stop()
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            write(name, p, f"300 commands: {wall / 300 * 1000:.1f} ms wall, "
                           f"{cpu / 300 * 1000:.1f} ms CPU each (profiler on)\n")
        app.close()


def profile_rebuild() -> None:
    with temp_schema("prof_rebuild") as schema:
        app = open_app(schema)
        gen = generate(app, 300)
        worker = Worker(app, named())
        p = Profiler(interval=0.001)
        c, t = time.process_time(), time.perf_counter()
        p.start()
        for view in worker.views:
            worker.load.cache_clear()
            worker.catch_up(view)
        p.stop()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        write("rebuild", p, f"{gen.events:,} events x {len(worker.views)} views from zero: "
                            f"{wall:.1f} s wall, {cpu:.1f} s CPU\n")
        app.close()


def profile_graphql() -> None:
    import agent_records.api.threads as threads
    from agent_records.api.auth import Principal, Role
    from agent_records.api.context import Context
    from agent_records.api.documents import load_documents, trusted_documents
    from agent_records.api.schema import build_schema
    from bench.field_execution import projected
    from bench.graphql import AUDIT, CAREER, POSTS, ROSTER

    async def inline(fn, *args):  # the database work on this thread, where the profiler is
        return fn(*args)

    with temp_schema("prof_graphql") as schema_name:
        services, ids = projected(schema_name, 300)
        schema = build_schema(introspection=True, extra=[
            trusted_documents(load_documents(), False)])
        principal = Principal("demo-council", Role.COUNCIL)
        rng = random.Random(1)
        original = threads.asyncio.to_thread
        threads.asyncio.to_thread = inline  # type: ignore[assignment]
        try:
            for name, query, variables in (
                ("graphql-career", CAREER, lambda: {"id": rng.choice(ids)}),
                ("graphql-roster", ROSTER, lambda: {"code": rng.choice(POSTS),
                                                    "on": f"{rng.randint(1950, 1980)}-06-15"}),
                ("graphql-audit", AUDIT, lambda: {"filter": {"agentId": rng.choice(ids)}}),
            ):
                async def run(n: int, query=query, variables=variables) -> None:
                    for _ in range(n):
                        ctx = Context(services, principal, "bench")
                        result = await schema.execute(query, variable_values=variables(),
                                                      context_value=ctx)
                        assert not result.errors, result.errors

                asyncio.run(run(5))
                p = Profiler(interval=0.0005, async_mode="disabled")
                c, t = time.process_time(), time.perf_counter()
                p.start()
                asyncio.run(run(100))
                p.stop()
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                write(name, p, f"100 queries in-process: {wall * 10:.1f} ms wall, "
                               f"{cpu * 10:.1f} ms CPU each (profiler on)\n")
        finally:
            threads.asyncio.to_thread = original  # type: ignore[assignment]
            services.records.close()


def profile_generate() -> None:
    with temp_schema("prof_generate") as schema:
        app = open_app(schema)
        p = Profiler(interval=0.001)
        p.start()
        gen = generate(app, 200)
        p.stop()
        write("generate", p, f"{gen.events:,} events, {gen.elapsed:.1f} s\n")
        app.close()


CASES = {"append": profile_append, "rebuild": profile_rebuild, "graphql": profile_graphql,
         "generate": profile_generate}


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    for name in argv or list(CASES):
        log(f"profiling {name} ...")
        CASES[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
