"""Compiled plain fields against graphql-core's execution, in one process, A/B.

    python bench/field_execution.py [--agents N] [--rounds R]

Generates a store (``bench/generate.py``'s bulk path, 300 agents by default), projects
it, and executes the documented trusted queries of ``bench/graphql.py`` in-process
(``schema.execute``, no HTTP, the database work inline) with two schemas: plain fields
compiled (``api/compiled.py``) and every field through graphql-core
(``AGENT_RECORDS_FIELD_EXECUTION=graphql-core``). The two alternate in rounds of 20
queries with the same variables, so the machine's load falls on both alike; the figure
is the process CPU time per query, the median over the rounds. The answers of both are
compared on the way (they must be equal).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import agent_records.api.threads as threads  # noqa: E402
from agent_records.api.auth import Principal, Role  # noqa: E402
from agent_records.api.context import Context  # noqa: E402
from agent_records.api.documents import load_documents, trusted_documents  # noqa: E402
from agent_records.api.schema import build_schema  # noqa: E402
from agent_records.api.services import Services, ServiceSettings, open_services  # noqa: E402
from agent_records.readside import named  # noqa: E402
from bench.common import generate, log, open_app, option, store_url, table, temp_schema  # noqa: E402
from bench.graphql import DOCUMENTS, OPERATIONS, POSTS  # noqa: E402
from projections.engine.runner import Worker  # noqa: E402

BATCH = 20


async def inline(fn: Any, *args: Any) -> Any:
    """The database work on this thread (as ``bench/profiles.py``)."""
    return fn(*args)


def projected(schema_name: str, agents: int) -> tuple[Services, list[str]]:
    """A generated, projected store in ``schema_name``: its services (reads only) and
    its agents' ids."""
    app = open_app(schema_name)
    generate(app, agents)
    Worker(app, named()).run_once()
    app.close()
    services = open_services(ServiceSettings(store=store_url(schema_name),
                                             inline_projections=False))
    with services.views.reading() as sql:
        ids = [r["agent_id"] for r in sql.execute(
            f"SELECT agent_id FROM {services.views.table('agents')}").fetchall()]
    return services, ids


def main(argv: list[str]) -> int:
    agents, rounds = int(option(argv, "--agents") or 300), int(option(argv, "--rounds") or 15)
    rows = []
    with temp_schema("field_execution") as schema_name:
        services, ids = projected(schema_name, agents)
        trusted = trusted_documents(load_documents(), False)
        schemas = {on: build_schema(extra=[trusted], compiled=on) for on in (True, False)}
        principal = Principal("demo-council", Role.COUNCIL)
        rng = random.Random(1)
        variables = {
            "career": lambda: {"id": rng.choice(ids)},
            "roster": lambda: {"code": rng.choice(POSTS), "on": f"{rng.randint(1950, 1980)}-06-15"},
            "roster (page)": lambda: {"code": rng.choice(POSTS),
                                      "on": f"{rng.randint(1950, 1980)}-06-15"},
            "audit (agent)": lambda: {"agentId": rng.choice(ids)},
            "audit (all)": lambda: {},
        }
        original = threads.asyncio.to_thread
        threads.asyncio.to_thread = inline  # type: ignore[assignment]
        try:
            for kind, make in variables.items():
                query = OPERATIONS[DOCUMENTS[kind]]
                cpu: dict[bool, list[float]] = {True: [], False: []}

                async def run(on: bool, batch: list[dict[str, Any]],
                              query: str = query) -> list[Any]:
                    out = []
                    for v in batch:
                        result = await schemas[on].execute(
                            query, variable_values=v,
                            context_value=Context(services, principal, "bench"))
                        out.append((result.data, [e.formatted for e in result.errors or ()]))
                    return out

                for r in range(rounds + 1):
                    batch = [make() for _ in range(BATCH)]
                    answers = {}
                    for on in (True, False) if r % 2 else (False, True):
                        c = time.process_time()
                        answers[on] = asyncio.run(run(on, batch))
                        if r:  # the first round warms both up
                            cpu[on].append((time.process_time() - c) / BATCH * 1000)
                    assert answers[True] == answers[False], kind
                fast, core = statistics.median(cpu[True]), statistics.median(cpu[False])
                rows.append([kind, fast, core, fast / core])
                log(f"{kind}: compiled {fast:.2f} ms, graphql-core {core:.2f} ms CPU per query")
        finally:
            threads.asyncio.to_thread = original  # type: ignore[assignment]
            services.records.close()
    print(table(f"Field execution in-process ({agents} agents, council, median of {rounds} "
                f"rounds of {BATCH} queries; CPU ms per query)",
                ["query", "compiled", "graphql-core", "compiled / graphql-core"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
