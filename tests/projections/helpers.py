"""Shared helpers of the projection tests: table snapshots, checksums, the CLI worker.

Everything here reads the real tables of the store under test; nothing is mocked.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from agent_records.readside import VIEWS, named
from projections.engine.runner import Worker
from projections.engine.store import ViewStore

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "agent_records.cli"]
NAMES = ["agents", "posts", "leave", "audit_log", "breaches", "deadlines"]
"""The read models of issue 3 (other views, such as a ledger, are not these tests' concern)."""
Rows = list[tuple[Any, ...]]


def as_dict(row: Any) -> dict[str, Any]:
    """A row of either backend (``sqlite3.Row`` or psycopg ``dict_row``) as a dict."""
    return dict(row) if isinstance(row, dict) else dict(zip(row.keys(), row, strict=True))


def select(store: ViewStore, statement: str, params: tuple[Any, ...] = ()) -> list[dict]:
    """Runs ``statement`` (``?`` placeholders) in a read-only transaction."""
    with store.reading() as sql:
        return [as_dict(r) for r in sql.execute(statement, params).fetchall()]


def rows(store: ViewStore, table: str, order: str) -> list[dict]:
    """Every row of a live view table, ordered."""
    return select(store, f"SELECT * FROM {store.table(table)} ORDER BY {order}")


def table_rows(store: ViewStore, physical: str, key: str) -> Rows:
    """``SELECT * ... ORDER BY`` the primary key, each row as a tuple of its values."""
    return [tuple(r.values()) for r in select(store, f"SELECT * FROM {physical} ORDER BY {key}")]


def checksum(table: Rows) -> str:
    """A hash of the rows, in order (the same on both backends for the same values)."""
    digest = hashlib.sha256()
    for row in table:
        digest.update(repr(row).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def snapshot(store: ViewStore, names: list[str] | None = None) -> dict[str, Rows]:
    """The rows of every live table of the views ``names`` (default: ``NAMES``)."""
    out = {}
    for name in names or NAMES:
        for t in VIEWS[name].tables:
            out[t.name] = table_rows(store, store.table(t.name), t.key)
    return out


def checksums(tables: dict[str, Rows]) -> dict[str, tuple[int, str]]:
    """Row count and checksum of each table of a snapshot."""
    return {name: (len(r), checksum(r)) for name, r in tables.items()}


def assert_equals_rebuild(app: AgentRecords, names: list[str] | None = None, *,
                          together: bool = False, processes: int | None = None,
                          today: Callable[[], date] | None = None) -> dict[str, Rows]:
    """Rebuilds each view from zero (or all of them in one pass, ``together``, in
    ``processes`` on PostgreSQL) and asserts each table equals what it replaced."""
    names = names or NAMES
    worker = Worker(app, named(names), rebuild_processes=processes, today=today)
    before = snapshot(worker.store, names)
    if together:
        worker.rebuild_all()
    for name in [] if together else names:
        worker.rebuild(name)
    after = snapshot(worker.store, names)
    assert checksums(after) == checksums(before)
    for table, expected in before.items():
        assert after[table] == expected, f"{table} differs from its rebuild"
    return after


def assert_audit_complete(app: AgentRecords) -> None:
    """The audit log has exactly one row per event of the store, none missing or doubled."""
    store = ViewStore(app)
    ids = [n.id for n in app.recorder.select_notifications(1, 10**9)]
    logged = [r["position"] for r in select(
        store, f"SELECT position FROM {store.table('audit_log')} ORDER BY position")]
    assert logged == ids
    doubled = select(store, f"SELECT stream_id, version, count(*) AS n FROM "
                     f"{store.table('audit_log')} GROUP BY stream_id, version HAVING count(*) > 1")
    assert doubled == []


def copy_log(app: AgentRecords, events: Sequence[StoredEvent], chunk: int = 500) -> None:
    """Appends stored events to the store as they are, ``chunk`` per transaction."""
    for start in range(0, len(events), chunk):
        app.recorder.insert_events(list(events[start:start + chunk]))


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.05) -> Any:
    """Polls ``condition`` until it is truthy; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def cli(url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Runs ``agent-records --store URL ARGS`` to completion."""
    return subprocess.run([*CLI, "--store", url, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=_env())


def start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    """Starts ``agent-records projections run``, its stderr going to ``log``."""
    with log.open("ab") as err:
        return subprocess.Popen([*CLI, "--store", url, "projections", "run"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=err, env=_env())


def wait_following(proc: subprocess.Popen[bytes], log: Path, since: int = 0,
                   timeout: float = 30, interval: float = 0.05) -> None:
    """Waits until the worker has printed its start line (after byte ``since`` of ``log``),
    looking every ``interval`` seconds."""
    def started() -> bool:
        assert proc.poll() is None, f"worker exited early: {log.read_text()[since:]}"
        return "following" in log.read_text()[since:]
    wait_for(started, timeout, "the worker to start", interval=interval)


def terminate(proc: subprocess.Popen[bytes], timeout: float = 20) -> int:
    """SIGTERM, then the exit status (SIGKILL if it does not stop in time)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        raise AssertionError(f"worker did not stop within {timeout}s of SIGTERM") from None


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL (kill -9) and reap; harmless when already gone."""
    if proc.poll() is None:
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


def lag(worker: Worker) -> int:
    """The largest lag of any of the worker's views behind the store's head (read only)."""
    return max(s.lag for s in worker.status())


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("AGENT_RECORDS_STORE", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def by_id(store: ViewStore, table: str, many: bool = False) -> dict[str, Any]:
    """A table's rows by agent id (a list of them with ``many``)."""
    out: dict[str, Any] = {}
    for r in rows(store, table, "agent_id"):
        if many:
            out.setdefault(r["agent_id"], []).append(r)
        else:
            out[r["agent_id"]] = r
    return out
