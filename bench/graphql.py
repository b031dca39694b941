"""GraphQL over HTTP with concurrent clients, against a plain FastAPI JSON endpoint.

    python bench/graphql.py [--full] [--agents N[,N...]] [--seconds S] [--clients C]
                            [--workers W[,W...]] [--store URL] [--queries K[,K...]]

For each size (QUICK 1,000 agents; FULL 1,000, 10,000 and 100,000): generates a store
(``bench/generate.py``'s bulk path), projects it once, then starts the services with
uvicorn in subprocesses on that store (``--workers`` processes each, default 1 and 2, as
``agent-records serve --workers W``): the GraphQL service (``create_app``,
``AGENT_RECORDS_PROJECTIONS=external``, a council token) and ``bench/plain_api.py``
(same read models, same fields, plain JSON), measured one after the other with the same
number of workers. ``--store URL`` measures an existing, projected store instead of
generating one (it is only read: nothing is projected, written or dropped there; a
view behind the store head is reported). Each GraphQL service runs four times: as it
is (answers of trusted queries kept, ``api/answers.py``; the documented queries'
plans, ``api/plans.py``; plain fields compiled, ``api/compiled.py``), with
``AGENT_RECORDS_ANSWER_CACHE=0`` (what a request costs when its answer is not kept),
as before the plans (``AGENT_RECORDS_FIELD_EXECUTION=compiled``, answers kept), and
with neither kept answers nor compiled fields (``AGENT_RECORDS_FIELD_EXECUTION=
graphql-core``: every field through graphql-core), in the same run. Eight client processes
(keep-alive ``http.client``) send each query for ``--seconds``, the documented
operations as trusted documents (by ``documentId``):
- career: ``AgentCareer`` (agent with post and the first 50 events of its history, with
  their seals);
- roster: ``PostRoster`` (head of post, chargés and the whole roster of a post on a date);
- roster (page): ``PostRosterPage`` (the first 50 of that roster, with its total);
- audit (agent): ``AuditTrailByAgent``, first 50;
- audit (all): ``AuditTrail`` without filter, first 50.
Agent ids, posts and dates are drawn at random (fixed seed). The ratio is GraphQL's
requests/s over the plain endpoint's (our GraphQL overhead: 1 = none). Each row notes
the 1-minute load average after the case: the clients share the machine with the
servers (and other work), so compare GraphQL and plain within one run. "CPU ms/req" is
the server processes' CPU time (all workers) per request served: unlike latencies it
hardly depends on the rest of the machine's load. "asked before" is the share of requests
whose variables a client had sent before in the case: an upper bound of the kept
answers served (each worker keeps its own). The last lines say, per case, whether the
targets of issue 15 (2) are met: throughput >= 0.6 of plain's, career p99 <= 1.2 x
plain's (and <= 25 ms).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# run as a script, this file's folder comes first on sys.path, where this module would
# hide the ``graphql`` package (graphql-core) that strawberry imports: take it out
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records import config  # noqa: E402
from agent_records.api.auth import ensure_demo_tokens  # noqa: E402
from agent_records.api.documents import document_id, load_operations  # noqa: E402
from agent_records.api.http import HTTP_PROTOCOL  # noqa: E402
from agent_records.bootstrap import open_records  # noqa: E402
from agent_records.readside import named  # noqa: E402
from bench.common import (  # noqa: E402
    ROOT,
    checked_argv,
    full_size,
    generate,
    log,
    open_app,
    option,
    percentile,
    progress_line,
    save_result,
    server_facts,
    store_url,
    table,
    temp_schema,
)
from projections.engine.runner import Worker  # noqa: E402

SIZES = {"quick": {"agents": [1_000], "seconds": 5.0},
         "full": {"agents": [1_000, 10_000, 100_000], "seconds": 20.0}}
CLIENTS = 8
KINDS = ("career", "roster", "roster (page)", "audit (agent)", "audit (all)")
PYTHON = sys.executable

# The documented operations (graphql/operations/), sent as trusted documents by id, as
# the web pages and production clients send them.
OPERATIONS = load_operations(ROOT / "graphql" / "operations")
DOCUMENTS = {"career": "AgentCareer", "roster": "PostRoster", "roster (page)": "PostRosterPage",
             "audit (agent)": "AuditTrailByAgent", "audit (all)": "AuditTrail"}
IDS = {kind: document_id(OPERATIONS[name]) for kind, name in DOCUMENTS.items()}
CAREER, ROSTER = OPERATIONS["AgentCareer"], OPERATIONS["PostRoster"]
AUDIT = OPERATIONS["AuditTrail"]
CORE = "graphql (no cache, graphql-core)"
UNPLANNED = "graphql (unplanned)"
APIS = ("graphql", "graphql (no cache)", UNPLANNED, CORE, "plain")
"""The service as it runs (answers kept, the documented queries' plans, plain fields
compiled), the same without kept answers (``AGENT_RECORDS_ANSWER_CACHE=0``: what a
request costs when its answer is not kept), the same as it ran before the plans
(answers kept, ``AGENT_RECORDS_FIELD_EXECUTION=compiled``: every query through
strawberry and graphql-core), without kept answers nor compiled fields
(``AGENT_RECORDS_FIELD_EXECUTION=graphql-core``: every field through graphql-core's
executor), and the plain JSON endpoint."""
POSTS = ["BRU", "PAR", "HAG", "LON", "WAS", "BON", "ROM", "BER"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(target: str, env: dict[str, str], workers: int = 1, root: Path = ROOT
                  ) -> tuple[subprocess.Popen, int]:
    """uvicorn serving ``target`` with ``workers`` processes, from the source tree at
    ``root`` (this one by default); waits for ``/healthz``.

    Both services use ``agent-records serve``'s HTTP protocol (``TCP_NODELAY``, see
    ``agent_records/api/http.py``): without it every request with two workers or more
    waits ~40 ms for a delayed ACK, whichever API serves it.
    """
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1", "--port",
         str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers),
         "--http", HTTP_PROTOCOL],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root), **env})
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{target} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"{target} did not start on port {port}")


def stop_service(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def request_for(kind: str, api: str, rng: random.Random, ids: list[str]) -> tuple:
    """(method, path, body) of one request of ``kind`` to ``api`` (graphql or plain)."""
    day = f"{rng.randint(1950, 1980)}-{rng.randint(1, 12):02d}-15"
    agent, post = rng.choice(ids), rng.choice(POSTS)
    plain, variables = {
        "career": (f"/career/{agent}?first=50", {"id": agent}),
        "roster": (f"/roster/{post}?on={day}", {"code": post, "on": day}),
        "roster (page)": (f"/roster-page/{post}?on={day}&first=50", {"code": post, "on": day}),
        "audit (agent)": (f"/audit?agent_id={agent}&first=50", {"agentId": agent}),
        "audit (all)": ("/audit?first=50", {"first": 50}),
    }[kind]
    if api == "plain":
        return "GET", plain, None
    return "POST", "/graphql", {"extensions": {"documentId": IDS[kind]},
                                "variables": variables}


def client(args: tuple) -> tuple[list[float], list[str]]:
    """One client process: requests in a loop until the deadline; latencies in seconds
    and what was asked (to count the requests asked before)."""
    port, token, kind, api, ids, seed, start_at, seconds = args
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    while time.time() < start_at:
        time.sleep(0.001)
    latencies, asked = [], []
    end = start_at + seconds
    while time.time() < end:
        method, path, body = request_for(kind, api, rng, ids)
        data = json.dumps(body).encode() if body is not None else None
        t = time.perf_counter()
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        latencies.append(time.perf_counter() - t)
        asked.append(path + (data or b"").decode())
        if resp.status != 200 or (api != "plain" and b'"errors"' in payload):
            raise RuntimeError(f"{kind} via {api}: HTTP {resp.status} {payload[:300]!r}")
    conn.close()
    return latencies, asked


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and its descendants (Linux /proc).

    The server's CPU per request does not depend on what else runs on the machine, as
    latencies do: it is the figure to compare between runs on a shared machine.
    """
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        ticks[child] = int(fields[11]) + int(fields[12])
    tree, grew = {pid}, True
    while grew:
        more = {c for c, p in parents.items() if p in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(ticks.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def load(pool: Any, port: int, token: str, kind: str, api: str, ids: list[str],
         seconds: float, clients: int, server_pid: int) -> dict[str, Any]:
    # warm up (imports, prepared statements, caches) before measuring
    client((port, token, kind, api, ids, 0, time.time(), 1.0))
    start_at = time.time() + 0.5
    cpu = tree_cpu(server_pid)
    parts = pool.map(client, [(port, token, kind, api, ids, 1000 + c, start_at, seconds)
                              for c in range(clients)])
    cpu = tree_cpu(server_pid) - cpu
    every = [x for p, _ in parts for x in p]
    asked = [x for _, a in parts for x in a]
    return {"requests": len(every), "req_per_s": len(every) / seconds,
            "repeated": 1 - len(set(asked)) / max(len(asked), 1),
            "p50_ms": percentile(every, 50) * 1000, "p95_ms": percentile(every, 95) * 1000,
            "p99_ms": percentile(every, 99) * 1000,
            "server_cpu_ms": cpu * 1000 / max(len(every), 1)}


def agent_ids(url: str) -> tuple[list[str], int]:
    """The diplomatic agents of a projected store, and its head position (read only)."""
    app = open_records(url)
    try:
        worker = Worker(app, named())
        behind = [f"{s.name} {s.lag:,}" for s in worker.status() if s.lag]
        if behind:
            log(f"  WARNING: views behind the head of {url}: {', '.join(behind)}")
        with worker.store.reading() as sql:
            ids = [r["agent_id"] for r in sql.execute(
                f"SELECT agent_id FROM {worker.store.table('agents')} "
                "WHERE category = 'diplomatic'").fetchall()]
        return ids, worker.store.head()
    finally:
        app.close()


def measure(url: str, agents: int, events: int, cfg: dict[str, Any], token_dir: Path
            ) -> list[dict]:
    """Every query kind via GraphQL and plain JSON, for each number of workers."""
    ids, _ = agent_ids(url)
    tokens = ensure_demo_tokens(token_dir / "tokens.json")
    # the servers' data folder holds the tokens; the master key is the one the store's
    # data keys were wrapped with when it was generated (this process's setting), else
    # the sealed personal fields of the store cannot be opened
    env = {"AGENT_RECORDS_STORE": url, "AGENT_RECORDS_PROJECTIONS": "external",
           "AGENT_RECORDS_TOKENS": str(token_dir / "tokens.json"),
           "AGENT_RECORDS_DATA": str(token_dir),
           "AGENT_RECORDS_MASTER_KEY": str(config.settings().master_key.resolve())}
    out = []
    clients, seconds = cfg["clients"], cfg["seconds"]
    for workers in cfg["workers"]:
        services = {}
        try:
            services["graphql"] = start_service("agent_records.api.app:create_app", env,
                                                workers)
            services["graphql (no cache)"] = start_service(
                "agent_records.api.app:create_app", {**env, "AGENT_RECORDS_ANSWER_CACHE": "0"},
                workers)
            services[UNPLANNED] = start_service(
                "agent_records.api.app:create_app",
                {**env, "AGENT_RECORDS_FIELD_EXECUTION": "compiled"}, workers)
            services[CORE] = start_service(
                "agent_records.api.app:create_app",
                {**env, "AGENT_RECORDS_ANSWER_CACHE": "0",
                 "AGENT_RECORDS_FIELD_EXECUTION": "graphql-core"}, workers)
            services["plain"] = start_service("bench.plain_api:create_app", env, workers)
            with multiprocessing.get_context("fork").Pool(clients) as pool:
                for kind in cfg["kinds"]:
                    for api in APIS:
                        log(f"  {kind} via {api}, {workers} worker(s), {clients} clients, "
                            f"{seconds:.0f} s ...")
                        proc, port = services[api]
                        r = load(pool, port, tokens["demo-council"], kind, api, ids, seconds,
                                 clients, proc.pid)
                        r["load_1m"] = os.getloadavg()[0]
                        log(f"    {r['req_per_s']:,.0f} req/s, p99 {r['p99_ms']:.1f} ms, "
                            f"server CPU {r['server_cpu_ms']:.2f} ms/req, "
                            f"load {r['load_1m']:.1f}")
                        out.append({"agents": agents, "events": events, "query": kind,
                                    "api": api, "workers": workers, **r})
        finally:
            for proc, _ in services.values():
                stop_service(proc)
    return out


def bench_size(agents: int, cfg: dict[str, Any], token_dir: Path) -> list[dict]:
    with temp_schema("graphql") as schema:
        app = open_app(schema)
        log(f"{agents:,} agents: generating into {schema}")
        gen = generate(app, agents, jobs=os.cpu_count() or 1, progress=progress_line(agents))
        t = time.perf_counter()
        Worker(app, named()).run_once()
        log(f"  projected {gen.events:,} events in {time.perf_counter() - t:.0f} s")
        app.close()
        return measure(store_url(schema), agents, gen.events, cfg, token_dir)


def bench_store(url: str, cfg: dict[str, Any], token_dir: Path) -> list[dict]:
    ids, head = agent_ids(url)
    log(f"existing store {url}: {len(ids):,} diplomatic agents, head {head:,}")
    return measure(url, len(ids), head, cfg, token_dir)


def figures(results: list[dict], r: dict, api: str) -> dict:
    """The row of ``api`` measured in the same case as ``r``."""
    return next(p for p in results if p["api"] == api and p["agents"] == r["agents"]
                and p["query"] == r["query"] and p["workers"] == r["workers"])


def summary(results: list[dict], title: str) -> list[str]:
    """Each case's table row, and the targets of issue 15 (2), met or not, per case."""
    rows, verdicts = [], []
    for r in results:
        if r["api"] != "graphql":
            continue
        fresh, plain = figures(results, r, "graphql (no cache)"), figures(results, r, "plain")
        core, before = figures(results, r, CORE), figures(results, r, UNPLANNED)
        ratio, fresh_ratio = (r["req_per_s"] / plain["req_per_s"],
                              fresh["req_per_s"] / plain["req_per_s"])
        p99 = r["p99_ms"] / plain["p99_ms"]
        rows.append([r["agents"], r["query"], r["workers"], r["req_per_s"], r["p99_ms"],
                     r["server_cpu_ms"], f"{r['repeated']:.0%}", fresh["req_per_s"],
                     fresh["p99_ms"], fresh["server_cpu_ms"], before["req_per_s"],
                     before["p99_ms"], before["server_cpu_ms"], core["req_per_s"],
                     core["p99_ms"], core["server_cpu_ms"], plain["req_per_s"],
                     plain["p99_ms"], plain["server_cpu_ms"], ratio, fresh_ratio,
                     before["req_per_s"] / plain["req_per_s"],
                     core["req_per_s"] / plain["req_per_s"], p99,
                     fresh["p99_ms"] / plain["p99_ms"], before["p99_ms"] / plain["p99_ms"],
                     f"{r['load_1m']:.1f}"])
        case = f"{r['agents']:,} agents, {r['query']}, {r['workers']} worker(s)"
        verdicts.append(f"- {case}: throughput {ratio:.2f} of plain (target >= 0.6: "
                        f"{'met' if ratio >= 0.6 else 'NOT met'}; without kept answers "
                        f"{fresh_ratio:.2f}; without plans (as before) "
                        f"{before['req_per_s'] / plain['req_per_s']:.2f}; without plans, "
                        f"kept answers or compiled fields "
                        f"{core['req_per_s'] / plain['req_per_s']:.2f})")
        if r["query"] == "career":
            verdicts.append(f"- {case}: p99 {r['p99_ms']:.1f} ms = {p99:.2f} x plain's "
                            f"{plain['p99_ms']:.1f} ms (target <= 1.2: "
                            f"{'met' if p99 <= 1.2 else 'NOT met'}; <= 25 ms: "
                            f"{'met' if r['p99_ms'] <= 25 else 'not met'}; without "
                            f"plans {before['p99_ms'] / plain['p99_ms']:.2f})")
    return [table(f"GraphQL over HTTP ({title}; ratio = GraphQL req/s over plain JSON req/s; "
                  "'no cache': AGENT_RECORDS_ANSWER_CACHE=0; 'unplanned': "
                  "AGENT_RECORDS_FIELD_EXECUTION=compiled, as before the plans; 'core': "
                  "no cache and AGENT_RECORDS_FIELD_EXECUTION=graphql-core; 'asked "
                  "before': share of requests whose variables were sent before in the case)",
                  ["agents", "query", "workers", "GraphQL req/s", "p99 ms", "CPU ms/req",
                   "asked before", "no cache req/s", "no cache p99", "no cache CPU",
                   "unplanned req/s", "unplanned p99", "unplanned CPU",
                   "core req/s", "core p99", "core CPU",
                   "plain req/s", "plain p99", "plain CPU", "ratio", "ratio no cache",
                   "ratio unplanned", "ratio core",
                   "p99 ratio", "p99 ratio no cache", "p99 ratio unplanned", "load 1m"],
                  rows),
            "Targets (issue 15, 2):\n" + "\n".join(verdicts) + "\n"]


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    size = "full" if full_size(argv) else "quick"
    sizes = [int(x) for x in (option(argv, "--agents") or "").split(",") if x] \
        or SIZES[size]["agents"]
    cfg = {"seconds": float(option(argv, "--seconds") or SIZES[size]["seconds"]),
           "clients": int(option(argv, "--clients") or CLIENTS),
           "workers": [int(x) for x in (option(argv, "--workers") or "1,2").split(",")],
           "kinds": (option(argv, "--queries") or ",".join(KINDS)).split(",")}
    unknown = set(cfg["kinds"]) - set(KINDS)
    if unknown:
        raise SystemExit(f"unknown --queries {sorted(unknown)}; choose from {KINDS}")
    store = option(argv, "--store")
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        if store:
            results += bench_store(store, cfg, Path(tmp))
        else:
            for n in sizes:
                results += bench_size(n, cfg, Path(tmp))
    out = summary(results, f"{'store ' + store if store else size}: {cfg['clients']} "
                  f"concurrent clients, {cfg['seconds']:.0f} s per case")
    save_result("graphql", "store" if store else size, out, {"machine": server_facts(), **cfg,
                                         "store": store, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
