"""Instructions per answer of a documented query's plan, counted with callgrind.

    valgrind --tool=callgrind --instr-atstart=no python bench/callgrind_plan.py URL NAME N

The plan of the trusted document ``NAME`` (``PostRoster``, ``PostRosterPage``,
``AgentCareer``, ``AuditTrailByAgent``, ``AuditTrail``; ``api.plans``) answers N
council questions drawn as ``bench/graphql.py`` draws them (fixed seed) on the projected
store at URL (read only), in this process: the plan's steps and its reads (SQL sent,
rows decoded), not the HTTP layer. Ten answers warm it up first; instrumentation is
switched on (by ``callgrind_control``) around the N. Divide callgrind's "Collected" by
N. Instruction counts are steady within a few per cent on a loaded machine, unlike times.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records.api.auth import Principal  # noqa: E402
from agent_records.api.documents import load_documents  # noqa: E402
from agent_records.api.plans import plans  # noqa: E402
from agent_records.api.schema import build_schema  # noqa: E402
from agent_records.api.services import ServiceSettings, open_services  # noqa: E402
from agent_records.domain.classification import Role  # noqa: E402
from bench.common import checked_argv  # noqa: E402
from bench.graphql import DOCUMENTS, agent_ids, request_for  # noqa: E402


def instrument(on: bool) -> None:
    """Switches callgrind's counting on or off for this process."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                   check=True, stdout=subprocess.DEVNULL)


def main(url: str, name: str, count: int) -> None:
    plan = next(p for p in plans(build_schema(), load_documents()).values()
                if p.name == name)
    kind = next(k for k, n in DOCUMENTS.items() if n == name)
    ids, _ = agent_ids(url)
    services = open_services(ServiceSettings(store=url, inline_projections=False))
    council, rng = Principal("bench", Role.COUNCIL), random.Random(15)
    questions = [request_for(kind, "graphql", rng, ids)[2]["variables"]
                 for _ in range(count + 10)]
    try:
        for variables in questions[:10]:
            plan.answer(services, council, variables)
        instrument(True)
        for variables in questions[10:]:
            plan.answer(services, council, variables)
        instrument(False)
    finally:
        services.close()


if __name__ == "__main__":
    args = checked_argv(None, __doc__)
    if len(args) != 3:
        raise SystemExit(__doc__)
    main(args[0], args[1], int(args[2]))
