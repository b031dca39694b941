"""What the benchmarks share: PostgreSQL schemas, sizes, the bulk career generator, tables.

Every benchmark runs against the PostgreSQL of the test suite (``tests/backends.py``:
127.0.0.1:5432, database ``test``, user ``postgres``), each in its own fresh schema
that it drops at the end. ``BENCH_PG_DSN`` points them at another server.

Sizes: QUICK by default; ``FULL=1`` in the environment or ``--full`` on the command line
selects the full sizes (see each benchmark's ``SIZES``). ``BENCH_STORE_OPTIONS`` adds
query parameters to every store URL (e.g. ``connect_timeout=5``); ``BENCH_RECORDER`` names
a recorder of ``bench/variants.py`` (e.g. ``library``) to compare variants.
"""

from __future__ import annotations

import contextlib
import copy
import json
import multiprocessing
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from agent_records import demo  # noqa: E402
from agent_records.application import AgentRecords  # noqa: E402
from agent_records.bootstrap import open_records  # noqa: E402
from agent_records.domain.agent import Agent  # noqa: E402
from agent_records.domain.commands import OpenPost  # noqa: E402
from agent_records.domain.errors import NotFound, RuleViolation  # noqa: E402
from agent_records.domain.post import Post  # noqa: E402
from bench.variants import open_with  # noqa: E402
from tests.backends import PG_DSN  # noqa: E402

DSN = os.environ.get("BENCH_PG_DSN", PG_DSN)
RESULTS = ROOT / "bench" / "results"
SAVE_LIMIT = 50_000
"""Events the generator gathers per ``app.save``: a batch size, no longer a limit of the
store. The library's recorder hung in psycopg's pipeline from 14,000 demo events a save;
the concurrent recorder copies any number (``bench/save_limit.py``: 200,000 in one save);
larger batches only hold more aggregates in memory before their save."""


def full_size(argv: Sequence[str] | None = None) -> bool:
    """FULL=1 in the environment, or --full on the command line."""
    argv = sys.argv[1:] if argv is None else argv
    return os.environ.get("FULL", "") not in ("", "0") or "--full" in argv


def checked_argv(argv: Sequence[str] | None, doc: str | None) -> list[str]:
    """The command line (``sys.argv[1:]`` when None), checked against the options the
    script's docstring names: ``--help`` prints that docstring, and an option it does not
    name stops with its usage instead of running a long benchmark with the defaults (a
    mistyped ``--agent`` would otherwise measure the default size without a word)."""
    args = list(sys.argv[1:] if argv is None else argv)
    usage = doc or ""
    if "-h" in args or "--help" in args:
        print(usage)
        raise SystemExit(0)
    known = set(re.findall(r"--[a-z][a-z-]*", usage))
    unknown = [a for a in args if a.startswith("--") and a not in known]
    if unknown:
        print(f"unknown option {', '.join(unknown)}; usage:\n{usage}", file=sys.stderr)
        raise SystemExit(2)
    return args


def option(argv: Sequence[str], name: str) -> str | None:
    """The value after ``name`` on the command line, or None."""
    return argv[argv.index(name) + 1] if name in argv else None


CLI = [sys.executable, "-m", "agent_records.cli"]
"""The project's command line, run as a child process."""


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: wall and CPU seconds, peak RSS (MiB) and its output."""

    seconds: float
    cpu_s: float
    peak_rss_mib: float
    stdout: str
    stderr: str


def run_child(cmd: Sequence[str], env: dict[str, str] | None = None,
              cwd: Path = ROOT) -> ChildRun:
    """Runs ``cmd`` and measures it from outside with ``os.wait4`` (the child alone).

    Output goes to files, not pipes: a long run's progress lines fill a pipe that nobody
    reads until the child ends, and the child then blocks on its next line (an export of
    6.6 M events did). Raises with the end of its output when it fails.
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        t = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=stdout, stderr=stderr,
                                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read().decode(errors="replace"), stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise RuntimeError(f"{' '.join(cmd[2:])} failed ({code}): {(err or out).strip()[-800:]}")
    return ChildRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out, err)


def log(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


# PostgreSQL --------------------------------------------------------------------------


def connect(**kw: Any) -> psycopg.Connection:
    return psycopg.connect(DSN, connect_timeout=5, **kw)


STORE_OPTIONS = os.environ.get("BENCH_STORE_OPTIONS", "")
"""Extra query parameters of every store URL, e.g. ``connect_timeout=5`` (default: none,
the configuration's defaults)."""
RECORDER = os.environ.get("BENCH_RECORDER", "")
"""A recorder of ``bench/variants.py`` for every application (default: the project's)."""


def store_url(schema: str) -> str:
    sep = "&" if "?" in DSN else "?"
    extra = f"&{STORE_OPTIONS}" if STORE_OPTIONS else ""
    return f"{DSN}{sep}schema={schema}{extra}"


@contextlib.contextmanager
def temp_schema(label: str = "bench") -> Iterator[str]:
    """A fresh schema ``bench_<label>_<hex>``, dropped with everything in it at the end."""
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    with connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with connect(autocommit=True) as conn:
            conn.execute("SET lock_timeout = '30s'")
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(name)))


def open_app(schema: str) -> AgentRecords:
    if RECORDER:
        return open_with(store_url(schema), RECORDER)
    return open_records(store_url(schema))


RAW_TABLE = """
CREATE TABLE {schema}.{table} (
  originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, state bytea,
  notification_id bigserial, PRIMARY KEY (originator_id, originator_version));
CREATE UNIQUE INDEX ON {schema}.{table} (notification_id ASC);
"""
"""The library's event table (``eventsourcing.postgres``), without the library."""


def create_raw_table(conn: psycopg.Connection, schema: str, table: str = "raw_events") -> str:
    conn.execute(sql.SQL(RAW_TABLE).format(schema=sql.Identifier(schema),
                                           table=sql.Identifier(table)))
    return f'"{schema}"."{table}"'


def server_facts() -> dict[str, str]:
    """The machine and the server, for BENCHMARKS.md."""
    with connect(autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {k: conn.execute(f"SHOW {k}").fetchone()[0] for k in (
            "fsync", "synchronous_commit", "shared_buffers", "max_connections")}
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "memory": mem,
            "loadavg_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "postgres": version, "python": platform.python_version(),
            "store_options": STORE_OPTIONS or "(defaults)",
            "recorder": RECORDER or "(the project's)",
            **{f"pg_{k}": v for k, v in settings.items()}}


# Bulk careers through the application's own commands ---------------------------------


class BulkRecords(AgentRecords):
    """The application's commands, with aggregates kept in memory between real saves.

    Every command runs exactly as in production (``AgentRecords.record`` and friends:
    coercion, metadata, every rule of the domain, the post index); only loading and
    saving are replaced: ``get_agent``/``get_post`` answer from memory and ``save`` marks
    the aggregates dirty. The caller stores the pending events of many aggregates with
    one ``app.save(...)`` of the real application (one transaction).
    """

    def __init__(self, settings: Any, posts: dict[str, Post]) -> None:
        # no super().__init__(): no connection pool, nothing is read from the store
        self.settings = settings
        self.agent_cache = None  # the application's cache: this class keeps every agent
        self.agents: dict[UUID, Agent] = {}
        self.posts = posts
        self.dirty: dict[UUID, Any] = {}

    def get_agent(self, agent_id: UUID, version: int | None = None, *,
                  fresh: bool = True) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise NotFound(f"no agent {agent_id} in this batch", field="agent_id") from None

    def get_post(self, code: str) -> Post:
        try:
            return self.posts[code.strip().upper()]
        except KeyError:
            raise NotFound(f"no post {code!r}", field="post_code") from None

    def save(self, *objs: Any, **kwargs: Any) -> list:  # type: ignore[override]
        for obj in objs:
            self.dirty[obj.id] = obj
            if isinstance(obj, Agent):
                self.agents[obj.id] = obj
        return []


def yearly_leaves(career: demo.Career, last_year: int) -> None:
    """Long careers: an annual leave in each year of service not already covered."""
    for year in range(career.start.year + 4, last_year):
        with contextlib.suppress(RuleViolation):
            career.leave(year, days=18)


def career_script(career: demo.Career, long: bool) -> None:
    """The demo's career script, with ``long`` adding a leave in every year of service."""
    demo._career(career, yearly_leaves if long else None)


MEMBER_META = ("effective_date", "actor_id", "actor_role", "legal_basis",
               "decision_reference", "reason", "correlation_id")


@dataclass
class Slice:
    """Careers ``start``..``stop`` built in a worker: agents' events and post memberships."""

    start: int
    stop: int
    events: list[Any]
    members: list[tuple[str, str, dict[str, Any]]]
    seconds: float


def build_slice(settings: Any, posts: dict[str, Post], start: int, stop: int, seed: int,
                long: bool) -> Slice:
    """Runs careers ``start``..``stop`` through the commands, in memory."""
    t = time.perf_counter()
    posts = {code: copy.deepcopy(p) for code, p in posts.items()}
    for p in posts.values():
        p.collect_events()
    bulk = BulkRecords(settings, posts)
    for i in range(start, stop):
        career = demo.Career(bulk, random.Random(seed * 1_000_003 + i), i)
        career_script(career, long)
        if i == 2:
            demo._correction(bulk, career.agent_id)  # as load_demo does on its first career
    events = [e for a in bulk.agents.values() for e in a.collect_events()]
    members = [(code, e.agent_id, {k: getattr(e, k) for k in MEMBER_META})
               for code, p in posts.items() for e in p.collect_events()]
    return Slice(start, stop, events, members, time.perf_counter() - t)


def _build(args: tuple) -> Slice:
    return build_slice(*args)


class GenerateStats:
    def __init__(self) -> None:
        self.agents = 0
        self.events = 0
        self.saves = 0
        self.domain_s = 0.0
        self.save_s = 0.0
        self.jobs = 1
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def row(self) -> dict[str, Any]:
        return {"agents": self.agents, "events": self.events, "saves": self.saves,
                "jobs": self.jobs, "domain_cpu_s": round(self.domain_s, 2),
                "save_s": round(self.save_s, 2), "total_s": round(self.elapsed, 2),
                "events_per_s": round(self.events / max(self.elapsed, 1e-9)),
                "domain_events_per_cpu_s": round(self.events / max(self.domain_s, 1e-9)),
                "save_events_per_s": round(self.events / max(self.save_s, 1e-9))}


def generate(app: AgentRecords, agents: int, *, seed: int = 1948, long: bool = False,
             save_limit: int = SAVE_LIMIT, jobs: int = 1,
             progress: Callable[[GenerateStats], None] | None = None) -> GenerateStats:
    """Records ``agents`` careers (the demo's scripts) with many aggregates per save.

    The posts are opened first with the ordinary command (postings need them); the team
    of Bern and the two personalities come next (in this process), then ``agents - 4``
    careers built by ``jobs`` worker processes in slices of about ``save_limit`` events.
    Each slice is stored by this process with one ``app.save``: the agents' events and
    the posts' new members (``Post.add_member``, as ``post_agent`` does), one transaction.
    """
    stats = GenerateStats()
    stats.jobs = jobs
    for code, name, city, country in demo.LEGATIONS:
        app.handle(OpenPost(demo.on(date(1945, 1, 1)), code=code, name=name, city=city,
                            country=country))
    stats.events += len(demo.LEGATIONS)  # eight ordinary commands, not counted as saves
    posts = {code: app.get_post(code) for code, *_ in demo.LEGATIONS}
    t = time.perf_counter()
    bulk = BulkRecords(app.settings, posts)
    demo._head_of_post_team(bulk, random.Random(seed))
    demo._personalities(bulk)
    first = [a for a in bulk.dirty.values() if isinstance(a, Agent)]
    stats.domain_s += time.perf_counter() - t
    stats.agents += 4
    per_career = 80 if long else 17  # events of an average career, to size the slices
    step = max(1, min((save_limit - 1000) // per_career, agents // (jobs * 4) + 1))
    # workers start from a copy of the posts as they stand after the team of Bern
    snapshot = {code: copy.deepcopy(p) for code, p in posts.items()}
    tasks = [(app.settings, snapshot, i, min(i + step, agents - 2), seed, long)
             for i in range(2, max(agents - 2, 2), step)]

    waiting: list[Any] = []
    joined: list[tuple] = []

    def store(events: list[Any], aggregates: list[Any], members: list[tuple]) -> None:
        for code, agent_id, meta in members:
            posts[code].add_member(agent_id, meta)
        count = len(events) + sum(len(a.pending_events) for a in aggregates) + sum(
            len(p.pending_events) for p in posts.values())
        t = time.perf_counter()
        app.save(*events, *aggregates, *posts.values())
        stats.save_s += time.perf_counter() - t
        stats.events += count
        stats.saves += 1
        if progress:
            progress(stats)

    def take(part: Slice) -> None:
        """Stores slices together while they fit in one save."""
        stats.domain_s += part.seconds
        if waiting and len(waiting) + len(joined) + len(part.events) + len(part.members) \
                > save_limit - 500:
            store(waiting, [], joined)
            waiting.clear()
            joined.clear()
        waiting.extend(part.events)
        joined.extend(part.members)
        stats.agents += part.stop - part.start

    store([], first, [])
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for part in pool.imap(_build, tasks):
                take(part)
    else:
        for task in tasks:
            take(build_slice(*task))
    if waiting:
        store(waiting, [], joined)
    return stats


def replicate(events: Sequence[Any], count: int, mapper: Any) -> list[Any]:
    """``count`` domain events: copies of ``events`` (cycled) whose aggregates get fresh
    ids, decoded from their stored form: the same shapes and sizes in new streams, to
    make large saves without running the commands for each."""
    stored = [mapper.to_stored_event(e) for e in events]
    copies: list[Any] = []
    while len(copies) < count:
        fresh: dict[Any, UUID] = {}
        for s in stored[:count - len(copies)]:
            new_id = fresh.setdefault(s.originator_id, uuid.uuid4())
            copies.append(mapper.to_domain_event(type(s)(new_id, s.originator_version,
                                                         s.topic, s.state)))
    return copies


def progress_line(total_agents: int) -> Callable[[GenerateStats], None]:
    def show(s: GenerateStats) -> None:
        log(f"  {s.agents:>8,}/{total_agents:,} agents  {s.events:>10,} events  "
            f"{s.events / max(s.elapsed, 1e-9):>8,.0f} events/s  "
            f"(domain {s.domain_s:,.1f} cpu-s in {s.jobs} jobs, save {s.save_s:,.1f}s)")
    return show


# Measuring and printing --------------------------------------------------------------


def percentile(samples: Sequence[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # nan
            return "n/a"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (also readable in a terminal)."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(columns)]
    lines = [f"### {title}", "",
             "| " + " | ".join(h.ljust(w) for h, w in zip(columns, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in cells:
        lines.append("| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True))
                     + " |")
    return "\n".join(lines) + "\n"


def save_result(name: str, size: str, tables: list[str], data: Any) -> None:
    """Prints the tables and keeps them (and the raw figures) under bench/results/."""
    text = "\n".join(tables)
    print(text, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}-{size}.md").write_text(text)
    (RESULTS / f"{name}-{size}.json").write_text(json.dumps(
        {"benchmark": name, "size": size, "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
         "loadavg_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
         "revision": git_revision(), "data": data}, indent=2, default=str))
    print(f"(load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} cores)\n", flush=True)


def git_revision() -> str:
    with contextlib.suppress(Exception):
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
    return ""


def run_writers(n: int, seconds: float, make: Callable[[int], Callable[[], None]],
                close: Callable[[Any], None] | None = None, *,
                processes: bool = False) -> dict[str, Any]:
    """``n`` writers each calling its operation in a loop for ``seconds``.

    Threads by default; ``processes=True`` forks one process per writer (``make`` and
    ``close`` run in the child), as a service with several worker processes would: eight
    application writers in one process are capped by the GIL, raw psycopg ones are not
    (it releases the GIL while waiting), so the two are compared in the same mode.
    """
    if processes:
        every = _run_in_processes(n, seconds, make, close)
        elapsed = seconds
    else:
        every, elapsed = _run_in_threads(n, seconds, make, close)
    return {"writers": n, "mode": "processes" if processes else "threads",
            "ops": len(every), "seconds": elapsed, "events_per_s": len(every) / elapsed,
            "p50_ms": percentile(every, 50) * 1000, "p99_ms": percentile(every, 99) * 1000}


def _writer_loop(op: Callable[[], None], stop: Any, latencies: list[float]) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        op()
        if not stop.is_set():  # an operation that ends after the stop is not counted
            latencies.append(time.perf_counter() - t)


def _run_in_threads(n: int, seconds: float, make: Callable[[int], Callable[[], None]],
                    close: Callable[[Any], None] | None) -> tuple[list[float], float]:
    ops = [make(w) for w in range(n)]
    latencies: list[list[float]] = [[] for _ in range(n)]
    errors: list[BaseException] = []
    stop = threading.Event()
    start = threading.Barrier(n + 1)

    def loop(w: int) -> None:
        start.wait()
        try:
            _writer_loop(ops[w], stop, latencies[w])
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=loop, args=(w,)) for w in range(n)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if close:
        for op in ops:
            close(op)
    if errors:
        raise errors[0]
    return [x for lat in latencies for x in lat], elapsed


def _run_in_processes(n: int, seconds: float, make: Callable[[int], Callable[[], None]],
                      close: Callable[[Any], None] | None) -> list[float]:
    """Forked writers; each sends back its latencies (or its error) when stopped."""
    ctx = multiprocessing.get_context("fork")
    start, stop, results = ctx.Barrier(n + 1), ctx.Event(), ctx.Queue()

    def child(w: int) -> None:
        latencies: list[float] = []
        try:
            op = make(w)
            start.wait()
            _writer_loop(op, stop, latencies)
            if close:
                close(op)
            results.put((w, latencies, None))
        except BaseException as exc:
            stop.set()
            start.abort()
            results.put((w, latencies, f"{type(exc).__name__}: {exc}"))

    procs = [ctx.Process(target=child, args=(w,)) for w in range(n)]
    for p in procs:
        p.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(timeout=120)  # broken when a writer failed to start: its error follows
    stop.wait(seconds)
    stop.set()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join()
    failed = sorted({err for _, _, err in got if err}, key=lambda e: "Broken" in e)
    if failed:
        raise RuntimeError(f"writer(s) failed: {'; '.join(failed)}")
    return [x for _, lat, _ in got for x in lat]
