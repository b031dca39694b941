"""Server CPU per request of the documented queries, sequential, against plain JSON.

    python bench/graphql_cpu.py --store URL [--requests N] [--rounds R] [--before DIR]
                                [--queries K[,K...]]

One client sends N requests of each query kind of ``bench/graphql.py`` (the same drawn
variables, council token, by ``documentId``), one after the other, to one uvicorn worker
of each service on an existing projected store: the GraphQL service with kept answers
(``graphql``), without (``graphql (no cache)``), the plain JSON endpoint (``plain``)
and, with ``--before DIR``, the GraphQL service without kept answers served from the
source tree at DIR (another revision, e.g. ``git worktree add``/``git archive``; same
virtual environment). Services take turns, R rounds of N requests each, and the
figure is the server process's CPU (``/proc``, user + system) over the requests: on a
shared machine it moves far less than throughput does. Each service is warmed by one
pass first (imports, prepared statements, caches).
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records import config  # noqa: E402
from agent_records.api.auth import ensure_demo_tokens  # noqa: E402
from bench.common import ROOT, checked_argv, log, option  # noqa: E402
from bench.graphql import (  # noqa: E402
    KINDS,
    agent_ids,
    request_for,
    start_service,
    stop_service,
    tree_cpu,
)


def send(port: int, token: str, kind: str, api: str, ids: list[str], count: int,
         seed: int) -> None:
    """``count`` requests of ``kind``, one after the other, on one connection."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    for _ in range(count):
        method, path, body = request_for(kind, api, rng, ids)
        conn.request(method, path, body=json.dumps(body).encode() if body else None,
                     headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        if resp.status != 200 or (api != "plain" and b'"errors"' in payload):
            raise RuntimeError(f"{kind} via {api}: HTTP {resp.status} {payload[:300]!r}")
    conn.close()


def main(argv: list[str] | None = None) -> int:
    args = checked_argv(argv, __doc__)
    url = option(args, "--store")
    if url is None:
        raise SystemExit("--store URL is required")
    count = int(option(args, "--requests") or 200)
    rounds = int(option(args, "--rounds") or 3)
    before = option(args, "--before")
    kinds = (option(args, "--queries") or ",".join(KINDS)).split(",")
    with tempfile.TemporaryDirectory(prefix="bench-graphql-cpu-") as folder:
        return measure(url, Path(folder), count, rounds, before, kinds)


def measure(url: str, token_dir: Path, count: int, rounds: int, before: str | None,
            kinds: list[str]) -> int:
    """The figures of the module doc, printed; the services' data folder is ``token_dir``."""
    token = ensure_demo_tokens(token_dir / "tokens.json")["demo-council"]
    ids, _ = agent_ids(url)
    env = {"AGENT_RECORDS_STORE": url, "AGENT_RECORDS_PROJECTIONS": "external",
           "AGENT_RECORDS_TOKENS": str(token_dir / "tokens.json"),
           "AGENT_RECORDS_DATA": str(token_dir),
           "AGENT_RECORDS_MASTER_KEY": str(config.settings().master_key.resolve())}
    app = "agent_records.api.app:create_app"
    wanted: dict[str, tuple[str, dict[str, str], Path]] = {
        "graphql": (app, env, ROOT),
        "graphql (no cache)": (app, {**env, "AGENT_RECORDS_ANSWER_CACHE": "0"}, ROOT),
        "plain": ("bench.plain_api:create_app", env, ROOT)}
    if before:
        wanted["before (no cache)"] = (app, {**env, "AGENT_RECORDS_ANSWER_CACHE": "0"},
                                       Path(before).resolve())
    services: dict[str, Any] = {}
    try:
        for name, (target, variables, root) in wanted.items():
            services[name] = start_service(target, variables, root=root)
        cpu: dict[tuple[str, str], float] = {}
        for kind in kinds:
            for name, (_, port) in services.items():
                api = "plain" if name == "plain" else "graphql"
                send(port, token, kind, api, ids, count, 7)  # warm up
            for r in range(rounds):
                for name, (proc, port) in services.items():
                    api = "plain" if name == "plain" else "graphql"
                    start = tree_cpu(proc.pid)
                    send(port, token, kind, api, ids, count, 100 + r)
                    cpu[kind, name] = cpu.get((kind, name), 0.0) + tree_cpu(proc.pid) - start
        names = list(services)
        log("CPU ms/request (one worker, sequential): " + " | ".join(["query", *names]))
        for kind in kinds:
            log(" | ".join([kind, *(f"{cpu[kind, n] * 1000 / (count * rounds):.2f}"
                                    for n in names)]))
    finally:
        for proc, _ in services.values():
            stop_service(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
