"""Ten million events, measured: a store of that size made fast, then every large operation.

    python bench/tenmillion.py [--full] [--events N] [--base-agents N] [--database NAME]
                               [--sealed] [--keep] [--reuse] [--seconds S]
                               [--skip rebuild,export,...]

QUICK makes 100,000 events, FULL 10,000,000, in a PostgreSQL database of their own
(``bench_tenm_quick``, ``bench10m``), created and dropped at the end (``--keep`` keeps
it; ``--reuse`` measures a store left by ``--keep`` without making it again).

Making the store, in two steps, both timed:
1. ``--base-agents`` careers (QUICK 1,000, FULL 20,000; ~15 events each) through the
   generator's bulk path (``bench.common.generate``: every event from the application's
   own commands, every rule checked), personal values in clear (``RECORDS_SEALING=off``,
   ``open_clear``): a sealed value's associated data names its stream, so a copy under
   a fresh id would not open, whatever keys were copied with it. ``--sealed`` (database
   ``<name>_sealed``): sealed, as the application stores them, and each copy's sealed
   values sealed again under its own ids with keys of its own (``bench.resealing``);
2. copies of those careers in SQL until the log holds ``--events``: each copy gives
   every agent stream a fresh id (``md5(id || '/' || copy)``) with its events byte for
   byte, and adds to each post's stream the ``PostMemberJoined`` of the copied agents
   (the agent id in the state replaced, versions continuing the post's), one
   ``INSERT ... SELECT`` and one transaction per copy, in the log order of the
   originals. The careers of the team of Bern (a head of post, a chargé d'affaires:
   one per post at a time) are not copied. The domain runs at 1,000 to 5,000 events/s
   on this machine (hours for 10 M when it is shared); the copies at 14,000 to
   17,000/s (load 13 to 17). Every agent's record is a valid career; only their
   number is multiplied.

Then, each in child processes: the projection rebuild (``bench/rebuild.py --store``);
the service's start-up, from ``agent-records serve`` spawned to ``/readyz`` answering
200 (median of 3; with an external projection worker, and after sealing with the
inline one); the career and roster queries against the plain endpoint
(``bench/graphql.py --store``, 2 workers); sealing, export JSONL and BagIt, the second
half and verify with peak memory (``bench/export_verify.py --store``). The load
average is noted before and after.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records.api.auth import ensure_demo_tokens
from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from bench.common import (
    CLI,
    DSN,
    ROOT,
    checked_argv,
    full_size,
    generate,
    log,
    option,
    progress_line,
    save_result,
    server_facts,
    table,
)
from bench.resealing import Resealer

SIZES = {"quick": {"events": 100_000, "base": 1_000, "database": "bench_tenm_quick"},
         "full": {"events": 10_000_000, "base": 20_000, "database": "bench10m"}}
STEPS = ("rebuild", "export", "graphql", "startup")
NOT_COPIED = ("agent_records.domain.events:HeadOfPostDesignated",
              "agent_records.domain.events:ChargeDAffairesDesignated")
"""Careers holding one of these are not copied: a post has one head (one chargé) at a time."""
REGISTERED = "agent_records.domain.events:AgentRegistered"
JOINED = "agent_records.domain.post:PostMemberJoined"


def database_dsn(name: str) -> str:
    """The benchmark server's DSN with database ``name`` (URL or key=value DSN)."""
    return psycopg.conninfo.make_conninfo(DSN, dbname=name)


def store_of(name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(database_dsn(name))
    return (f"postgresql://{info.get('user') or 'postgres'}@{info.get('host') or '127.0.0.1'}:"
            f"{info.get('port') or 5432}/{name}")


def create_database(name: str) -> None:
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def open_clear(url: str) -> AgentRecords:
    """The store at ``url`` opened with personal values in clear (``RECORDS_SEALING=off``):
    the events ``copy_careers`` copies under fresh ids must not be sealed (the associated
    data of a sealed value binds its stream id and version). Stores opened later, sealing
    on, read those values as stored before sealing existed."""
    before = os.environ.get("RECORDS_SEALING")
    os.environ["RECORDS_SEALING"] = "off"
    try:
        return open_records(url)
    finally:
        if before is None:
            del os.environ["RECORDS_SEALING"]
        else:
            os.environ["RECORDS_SEALING"] = before


def copy_careers(dsn: str, events_table: str, target: int, schema: str | None = None,
                 sealed_by: AgentRecords | None = None) -> dict[str, Any]:
    """Copies the store's careers (fresh agent ids) until the log holds ``target`` events
    (the store in ``schema`` of that database, or its default schema). Sealed values are
    sealed again for each copy by ``sealed_by``, the store's application
    (``bench.resealing``); without it, sealed events are refused (careers made by
    ``open_clear`` hold their personal values in clear)."""
    t0 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        if schema:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        events = sql.Identifier(events_table)
        conn.execute(sql.SQL(
            "CREATE TEMP TABLE src_agents AS SELECT originator_id AS id FROM {e} "
            "WHERE topic = %s EXCEPT SELECT originator_id FROM {e} WHERE topic = ANY(%s)"
        ).format(e=events), (REGISTERED, list(NOT_COPIED)))
        conn.execute(sql.SQL(
            "CREATE TEMP TABLE src AS "
            "SELECT e.originator_id, e.originator_version, e.topic, e.state, "
            "e.notification_id, NULL::text AS member FROM {e} e "
            "JOIN src_agents a ON a.id = e.originator_id "
            "UNION ALL SELECT e.originator_id, e.originator_version, e.topic, e.state, "
            "e.notification_id, m.member FROM {e} e, "
            "LATERAL (SELECT convert_from(e.state, 'UTF8')::json->>'agent_id' AS member) m "
            "WHERE e.topic = %s AND m.member::uuid IN (SELECT id FROM src_agents)"
        ).format(e=events), (JOINED,))
        resealer = sealed_copies(conn, sealed_by)
        per_copy = conn.execute("SELECT count(*) FROM src").fetchone()[0]  # type: ignore[index]
        head = conn.execute(sql.SQL("SELECT count(*) FROM {e}").format(e=events)
                            ).fetchone()[0]  # type: ignore[index]
        insert = sql.SQL(
            "INSERT INTO {e} (originator_id, originator_version, topic, state) "
            "SELECT CASE WHEN s.member IS NULL THEN md5(s.originator_id::text || '/' || %(k)s)"
            "::uuid ELSE s.originator_id END, "
            "CASE WHEN s.member IS NULL THEN s.originator_version ELSE top.v + row_number() "
            "OVER (PARTITION BY s.originator_id, s.member IS NULL ORDER BY s.notification_id)"
            " END, s.topic, "
            "CASE WHEN s.member IS NULL THEN coalesce(r.state, s.state) ELSE "
            "convert_to(replace(convert_from(s.state, 'UTF8'), '\"agent_id\":\"' || "
            "s.member || '\"', '\"agent_id\":\"' || "
            "md5(s.member || '/' || %(k)s)::uuid || '\"'), 'UTF8') END "
            "FROM src s LEFT JOIN (SELECT p.id, (SELECT max(originator_version) FROM {e} "
            "WHERE originator_id = p.id) AS v FROM (SELECT DISTINCT originator_id AS id "
            "FROM src WHERE member IS NOT NULL) p) top ON top.id = s.originator_id "
            "AND s.member IS NOT NULL LEFT JOIN resealed r ON s.member IS NULL AND "
            "r.id = s.originator_id AND r.version = s.originator_version "
            "ORDER BY s.notification_id").format(e=events)
        copies = 0
        while head < target:
            copies += 1
            with conn.transaction():  # the copy's keys with its events
                if resealer is not None:
                    reseal(conn, resealer, copies)
                conn.execute(insert, {"k": str(copies)})
            head += per_copy
            rate = copies * per_copy / (time.perf_counter() - t0)
            log(f"  copy {copies}: {head:,} events, {rate:,.0f} events copied a second")
        t_copy = time.perf_counter() - t0
        conn.execute(sql.SQL("VACUUM ANALYZE {e}").format(e=events))
    return {"copies": copies, "events_per_copy": per_copy, "head": head,
            "copy_s": round(t_copy, 1), "analyze_s": round(time.perf_counter() - t0 - t_copy, 1)}


def make_store(url: str, base: int, target: int, sealed: bool = False) -> dict[str, Any]:
    """``base`` generated careers, then copies of them up to ``target`` events; ``sealed``:
    personal values sealed in the careers and, again, in each copy."""
    app = open_records(url) if sealed else open_clear(url)
    try:
        log(f"generating {base:,} careers into {url}")
        stats = generate(app, base, jobs=os.cpu_count() or 1, progress=progress_line(base))
        made = stats.row()  # now: the copies' time is not the generator's
        log(f"copying careers up to {target:,} events")
        copied = copy_careers(database_dsn(url.rsplit("/", 1)[1]),
                              app.recorder.events_table_name, target,
                              sealed_by=app if sealed else None)
    finally:
        app.close()
    return {"generate": made, "copy": copied}


def sealed_copies(conn: psycopg.Connection[Any], sealed_by: AgentRecords | None
                  ) -> Resealer | None:
    """The careers' sealed events opened once (``sealed_by``), or a refusal when there is
    none to seal them again; and the table of each copy's states sealed again."""
    rows = conn.execute("SELECT originator_id, originator_version, topic, state FROM src "
                        "WHERE member IS NULL AND position('\"_sealed\"' IN "
                        "convert_from(state, 'UTF8')) > 0").fetchall()
    if rows and sealed_by is None:
        raise ValueError("the careers hold sealed values, which do not open under fresh "
                         "ids: make them with RECORDS_SEALING=off (open_clear), or seal "
                         "them again (sealed_by)")
    conn.execute("CREATE TEMP TABLE resealed (id uuid, version bigint, state bytea, "
                 "PRIMARY KEY (id, version))")
    return Resealer(sealed_by, [tuple(r) for r in rows]) if rows and sealed_by else None


def reseal(conn: psycopg.Connection[Any], resealer: Resealer, copy: int) -> None:
    """Copy ``copy``'s sealed states (and its agents' keys) in its open transaction."""
    with conn.cursor() as cur:
        states = list(resealer.states(copy, cur))
        cur.execute("TRUNCATE resealed")
        with cur.copy("COPY resealed FROM STDIN") as out:
            for row in states:
                out.write_row(row)


def child(script: str, args: list[str]) -> str:
    """``bench/<script>.py args`` in a child process: its Markdown tables (stdout)."""
    cmd = [sys.executable, str(ROOT / "bench" / f"{script}.py"), *args]
    log(f"== {' '.join(cmd[1:])}")
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return proc.stdout


def start_up(url: str, tokens_dir: Path, projections: str, runs: int = 3) -> list[float]:
    """Seconds from ``agent-records serve`` spawned to ``/readyz`` answering 200, with
    ``AGENT_RECORDS_PROJECTIONS=projections``."""
    import socket
    times = []
    for _ in range(runs):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "AGENT_RECORDS_TOKENS":
               str(tokens_dir / "tokens.json"), "AGENT_RECORDS_DATA": str(tokens_dir),
               "AGENT_RECORDS_PROJECTIONS": projections}
        t = time.perf_counter()
        proc = subprocess.Popen([*CLI, "--store", url, "serve", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"serve exited with {proc.returncode}")
                if time.perf_counter() - t > 120:
                    raise RuntimeError("serve not ready after 120 s")
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/readyz")
                    if conn.getresponse().status == 200:
                        times.append(time.perf_counter() - t)
                        break
                except OSError:
                    pass
                time.sleep(0.05)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return times


def startup_table(url: str, head: int, data: dict[str, Any], projections: str) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-tenm-") as tmp:
        ensure_demo_tokens(Path(tmp) / "tokens.json")
        times = start_up(url, Path(tmp), projections)
    data[f"startup_s_{projections}"] = times
    return table(f"Service start-up on {head:,} events (`agent-records serve` to /readyz 200, "
                 f"AGENT_RECORDS_PROJECTIONS={projections})", ["runs", "median s", "max s"],
                 [[len(times), statistics.median(times), max(times)]])


def uptime() -> str:
    return subprocess.run(["uptime"], stdout=subprocess.PIPE, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    size = "full" if full_size(argv) else "quick"
    cfg = SIZES[size]
    target = int(option(argv, "--events") or cfg["events"])
    base = int(option(argv, "--base-agents") or cfg["base"])
    sealed = "--sealed" in argv
    name = option(argv, "--database") or str(cfg["database"]) + ("_sealed" if sealed else "")
    skip = set((option(argv, "--skip") or "").split(","))
    seconds = option(argv, "--seconds") or ("10" if size == "full" else "3")
    url = store_of(name)
    data: dict[str, Any] = {"machine": server_facts(), "load_before": uptime(),
                            "database": name}
    log(f"load before: {data['load_before']}")
    out: list[str] = []
    try:
        if "--reuse" not in argv:
            create_database(name)
            t = time.perf_counter()
            data["make"] = make_store(url, base, target, sealed)
            data["make"]["total_s"] = round(time.perf_counter() - t, 1)
            data["load_after_make"] = uptime()
        app = open_records(url)
        head = app.recorder.max_notification_id() or 0
        app.close()
        data["head"] = head
        if "make" in data:
            g, c = data["make"]["generate"], data["make"]["copy"]
            out.append(table(f"Making the store ({head:,} events)", [
                "step", "events", "s", "events/s"], [
                ["generate careers (domain, bulk save)", g["events"], g["total_s"],
                 g["events_per_s"]],
                [f"copy careers in SQL ({c['copies']} copies)", head - g["events"],
                 c["copy_s"], (head - g["events"]) / max(c["copy_s"], 1e-9)],
                ["VACUUM ANALYZE", head, c["analyze_s"], ""],
                ["total", head, data["make"]["total_s"], head / data["make"]["total_s"]]]))
        if "rebuild" not in skip:
            out.append(child("rebuild", ["--store", url]))
        if "startup" not in skip:
            out.append(startup_table(url, head, data, "external"))
        if "graphql" not in skip:
            # at 10 M every post of the copies has ~94,000 members on the day: the whole
            # roster is refused by the service's time budget (TIME_BUDGET_EXCEEDED), as
            # it should be, so FULL measures the career and the roster's first page
            queries = "career,roster (page)" if size == "full" else "career,roster (page),roster"
            out.append(child("graphql", ["--store", url, "--workers", "2", "--seconds", seconds,
                                         "--queries", queries]))
        if "export" not in skip:
            out.append(child("export_verify", ["--store", url, "--formats", "jsonl,bagit"]))
            if "startup" not in skip:  # sealed now: the inline worker has nothing to catch up
                out.append(startup_table(url, head, data, "inline"))
    finally:
        data["load_after"] = uptime()
        log(f"load after: {data['load_after']}")
        if "--keep" not in argv:
            drop_database(name)
    out.append(f"Load before: `{data['load_before']}`; after: `{data['load_after']}`.\n")
    save_result("tenmillion", size, out, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
