"""Reads that grow with the store: no documented read scans a table that grows with the log.

Every query file of ``graphql/operations/`` runs over HTTP in-process (FastAPI's test
client, the council's token) and the CLI's reads (``show``, ``projections status``) run
through ``agent_records.cli.main``, on a store of generated careers (the benchmarks'
bulk generator; projected by the rebuild, then ``ANALYZE``), while every
statement sent to the database is recorded: on PostgreSQL by wrapping
``psycopg.Cursor.execute``, on SQLite by each connection's trace callback (which gives
the statement with its parameters bound). Each recorded ``SELECT`` is then explained
with the very parameters it ran with (``EXPLAIN (FORMAT JSON)``; ``EXPLAIN QUERY PLAN``).

The store: ``CAREERS`` generated careers (~23,000 events); on PostgreSQL copied up to
``PG_EVENTS``.

The rule: no sequential scan (PostgreSQL ``Seq Scan``; SQLite ``SCAN t`` without an
index) of a table of the store's schema that grows with the log: the event table, the
ledger, the audit log and every read view with rows per event or per agent, once it
holds ``FEW`` rows or more (below that the table is a few pages, which the planner
rightly reads whole, index or not: the heads of post, the breaches of this store).
Allowed: the small fixed tables (``SMALL``: one row per post, per view, per stopped
view, the store's identity) and the catalogues (``information_schema``,
``sqlite_master``). A filter's count grows with its matches, not with the log: the
variables pick selective values, as a reader would (an actor with a few entries; every
generated event is the loader's, and counting those is reading the whole log).
The planner is left free (``enable_seqscan`` stays on: turning it off would hide the
very plans this test looks for); the store is large enough, with statistics, that a
scan where an index serves would be chosen only for want of the index.

Exempt, with their reason: ``EXEMPT`` (a read whose answer is a share of a growing table,
where reading that table whole is the better plan); ``agent-records verify`` and
``export`` read the whole log by
nature (one pass in position order); the projection worker's catch-up reads the log
by position (the unique index of ``notification_id``), not a documented read.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from agent_records import cli
from agent_records.api.app import create_app
from agent_records.api.auth import TokenStore, ensure_demo_tokens
from agent_records.api.services import ServiceSettings
from agent_records.bootstrap import open_records
from agent_records.integrity.service import create_checkpoint
from agent_records.readside import named
from bench.common import generate
from bench.tenmillion import copy_careers, open_clear
from projections.engine.runner import Worker
from tests import backends
from tests.api.live import OPERATIONS, operations

CAREERS = 1_500
PG_EVENTS = 120_000
"""On PostgreSQL the careers are then copied (fresh ids, ``bench/tenmillion.py``) up to
this many events: with ~1,500 agents the planner rightly reads the whole ``agents``
table for a roster's 20 ids; with ~8,000 it takes the index, as in a real store."""
SMALL = frozenset({"posts", "projection_stops", "store_identity", "tracking",
                   "agentrecords_tracking",
                   "projections_tracking", "__migration__"})
"""Tables that do not grow with the log: one row per post, per view, per stopped view,
the store's identity, the library's migration mark."""
EXEMPT = {("PostRoster", "agents"): "the whole roster of a post on a day is a share of all "
          "agents (here ~600 of ~8,000); their rows are looked up by id and the planner "
          "reads the agents table whole when that is cheaper. The answer grows with the "
          "store by nature: PostRosterPage is the bounded read (checked here)."}
"""(operation, table): why that operation may read that table whole."""
FEW = 1_000
"""Rows below which a growing table may be read whole (a few pages)."""
POST = "BRU"
pytestmark = pytest.mark.timeout(1200)  # the store is made once per backend, in the first
QUERIES = sorted(p.stem for p in OPERATIONS.glob("*.graphql")
                 if operations()[p.stem].lstrip().startswith(("query", "#"))
                 and re.search(r"^\s*query\b", operations()[p.stem], re.M))


@dataclass
class Store:
    """The generated, projected store: its URL, backend, an agent and the tokens."""

    url: str
    backend: str
    agent: str
    tokens: dict[str, str]
    token_file: Path
    schema: str | None


@pytest.fixture(scope="module", params=[
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("plans")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/store.sqlite3"
    else:
        schema = backends.create_schema()
        url = backends.store_url(schema)
    data = pytest.MonkeyPatch()  # the signing key of the checkpoint, for the whole module
    data.setenv("AGENT_RECORDS_DATA", str(tmp / "data"))
    try:
        # copied under fresh ids, the careers must be in clear (a sealed value's associated
        # data binds its stream): on PostgreSQL made with RECORDS_SEALING=off
        app = open_clear(url) if schema else open_records(url)
        try:
            generate(app, CAREERS)
            if schema:  # the planner's choices depend on the tables' sizes: more agents
                copy_careers(backends.PG_DSN, app.recorder.events_table_name, PG_EVENTS,
                             schema)
            worker = Worker(app, named())
            worker.rebuild_all()  # the bulk path: the incremental one takes minutes here
            worker.run_once()  # the ledger (sealed, never rebuilt)
            create_checkpoint(app)  # InclusionProof proves an event in the latest one
        finally:
            app.close()
        analyze(url, schema)
        plain = ensure_demo_tokens(tmp / "tokens.json")
        with connect(url, schema) as conn:
            agent = str(conn.execute(
                "SELECT agent_id FROM agents WHERE category = 'diplomatic' ORDER BY agent_id "
                "LIMIT 1 OFFSET 100").fetchone()[0])
        yield Store(url, request.param, agent,
                    {tid[5:].replace("-", "_"): tok for tid, tok in plain.items()},
                    tmp / "tokens.json", schema)
    finally:
        data.undo()
        if schema:
            backends.drop_schema(schema)


@contextmanager
def connect(url: str, schema: str | None) -> Iterator[Any]:
    """A plain connection to the store (PostgreSQL: its schema first on the path)."""
    if schema is None:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            yield conn
        finally:
            conn.close()
        return
    with psycopg.connect(backends.PG_DSN, autocommit=True) as pg:
        pg.execute(f'SET search_path TO "{schema}"')
        yield pg


def analyze(url: str, schema: str | None) -> None:
    """Statistics of the store's tables; on PostgreSQL of its schema's only (a bare
    ``ANALYZE`` reads every table of the shared database, other tests' schemas included,
    and waits on their locks)."""
    with connect(url, schema) as conn:
        if schema is None:
            conn.execute("ANALYZE")
            return
        tables = [f'"{schema}"."{name}"' for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_type = 'BASE TABLE'", (schema,)).fetchall()]
        conn.execute(f"ANALYZE {', '.join(tables)}")


Statement = tuple[str, Any]


@contextmanager
def recording(backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Statement]]:
    """Every statement the process sends while the block runs, with its parameters."""
    seen: list[Statement] = []
    if backend == "postgres":
        original = psycopg.Cursor.execute

        def execute(self: psycopg.Cursor, query: Any, params: Any = None,
                    *args: Any, **kwargs: Any) -> Any:
            text = query if isinstance(query, str) else (
                query.decode() if isinstance(query, bytes) else query.as_string(self))
            seen.append((text, params))
            return original(self, query, params, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    else:
        connect_sqlite = sqlite3.connect

        def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = connect_sqlite(*args, **kwargs)
            conn.set_trace_callback(lambda text: seen.append((text, None)))
            return conn

        monkeypatch.setattr(sqlite3, "connect", traced)
    yield seen
    monkeypatch.undo()


def reads(statements: list[Statement]) -> list[Statement]:
    """The SELECTs among them, each once."""
    out: dict[str, Statement] = {}
    for text, params in statements:
        head = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
        if head in ("SELECT", "WITH") and "pg_advisory" not in text:
            out.setdefault(f"{text}{params!r}", (text, params))
    return list(out.values())


def pg_scans(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("Node Type") == "Seq Scan":
        yield plan["Relation Name"]
    for sub in plan.get("Plans", ()):
        yield from pg_scans(sub)


SQLITE_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")


def scans(store: Store, statements: list[Statement]) -> list[str]:
    """Each full scan of a growing table: ``table: statement``."""
    found: list[str] = []
    with connect(store.url, store.schema) as conn:
        growing = growing_tables(conn, store)
        for text, params in reads(statements):
            if store.backend == "postgres":
                plan = conn.execute(f"EXPLAIN (FORMAT JSON) {text}", params).fetchone()[0]
                plan = plan if isinstance(plan, list) else json.loads(plan)
                tables = list(pg_scans(plan[0]["Plan"]))
            else:
                tables = [m.group(1) for row in conn.execute(f"EXPLAIN QUERY PLAN {text}")
                          if (m := SQLITE_SCAN.match(row[3]))]
            found += [f"{t}: {' '.join(text.split())[:300]}" for t in tables if t in growing]
    return found


def growing_tables(conn: Any, store: Store) -> set[str]:
    if store.backend == "postgres":
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE "
                            "table_schema = %s", (store.schema,)).fetchall()
    else:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    big = set()
    for (name,) in rows:
        if name not in SMALL:
            quoted = f'"{store.schema}"."{name}"' if store.schema else f'"{name}"'
            if conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0] >= FEW:
                big.add(name)
    return big


def variables(op: str, agent: str) -> dict[str, Any]:
    """Each query file's variables on the generated careers (an agent in the middle of
    the ids, the post of Brussels, dates inside the careers)."""
    return {
        "AgentCareer": {"id": agent, "first": 10},
        "AgentTimeline": {"id": agent, "first": 10},
        "InclusionProof": {"position": 3},
        "RecordAsOf": {"id": agent, "validAt": "1960-08-21", "knownAt": "2030-01-01T00:00:00Z"},
        "DisciplinaryFile": {"id": agent},
        "PostRoster": {"code": POST, "on": "1960-07-10"},
        "PostRosterPage": {"code": POST, "on": "1960-07-10", "first": 20},
        "RenewalsDue": {"before": "1960-12-31"},
        "DueBetween": {"from": "1959-01-01", "to": "1960-12-31", "first": 10},
        "LeaveBalance": {"agentId": agent, "year": 1960},
        "AuditTrailByAgent": {"agentId": agent, "first": 5},
        "AuditTrailByActor": {"actorId": "demo-hr-officer", "recordedTo": "2030-01-01T00:00:00Z"},
        "AuditTrail": {"filter": {"article": "Art. 13"}, "first": 10},
        "AgentsEligibleForPromotion": {"eligible": False, "grade": "ATTACHE"},
        "Agents": {"filter": {"postCode": POST}, "orderBy": {"field": "GRADE"}, "first": 5},
    }.get(op, {})


def run_query(store: Store, op: str) -> dict[str, Any]:
    app = create_app(ServiceSettings(store=store.url, inline_projections=False),
                     TokenStore.load(store.token_file))
    with TestClient(app) as http:
        answer = http.post("/graphql", json={"query": operations()[op],
                                             "variables": variables(op, store.agent),
                                             "operationName": op},
                           headers={"Authorization": f"Bearer {store.tokens['council']}"})
    body = answer.json()
    assert answer.status_code == 200 and not body.get("errors"), body
    return body


@pytest.mark.parametrize("op", QUERIES)
def test_query_plans_do_not_scan_the_log(store: Store, op: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with recording(store.backend, monkeypatch) as statements:
        run_query(store, op)
    assert reads(statements), "no statement recorded"
    assert [s for s in scans(store, statements)
            if (op, s.split(":", 1)[0]) not in EXEMPT] == []


CLI_READS: dict[str, Callable[[Store], list[str]]] = {
    "show": lambda s: ["show", s.agent],
    "projections status": lambda s: ["projections", "status"],
}


@pytest.mark.parametrize("command", sorted(CLI_READS))
def test_cli_read_plans_do_not_scan_the_log(store: Store, command: str,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with recording(store.backend, monkeypatch) as statements:
        assert cli.main(["--store", store.url, *CLI_READS[command](store)]) == 0
    capsys.readouterr()
    assert reads(statements), "no statement recorded"
    assert scans(store, statements) == []
