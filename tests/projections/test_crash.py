"""Crash and resume: ``agent-records projections run`` killed with SIGKILL at random
moments (while careers are still being recorded), restarted, and finally stopped with
SIGTERM, leaves views equal to a fresh rebuild, with one audit row per event.

The first kill comes as soon as the worker says it follows, while it catches up on the
2,300 copied events: once the worker became fast enough to catch up on them within the
random delays, no kill interrupted a catch-up in some runs (on a quiet machine), and the
test no longer tested what it says."""

from __future__ import annotations

import random
import time
from pathlib import Path

from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from agent_records.readside import named
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from tests.careers import serving_attache
from tests.projections.helpers import (
    NAMES,
    assert_audit_complete,
    assert_equals_rebuild,
    copy_log,
    kill,
    lag,
    select,
    start_worker,
    terminate,
    wait_following,
    wait_for,
)

KILLS = 5


def assert_audit_prefix(app: AgentRecords, store: ViewStore) -> None:
    """The audit log holds exactly the events up to its tracked position: no half batch."""
    position = store.position("audit_log")
    ids = [n.id for n in app.recorder.select_notifications(1, 10**9) if n.id <= position]
    logged = select(store, f"SELECT position FROM {store.table('audit_log')} ORDER BY position")
    assert [r["position"] for r in logged] == ids


def test_kill_9_and_resume(records: AgentRecords, store_url: str, tmp_path: Path,
                           demo_log: list[StoredEvent]) -> None:
    app = records
    copy_log(app, demo_log)  # the 2,300 events of 150 demo careers
    watcher = Worker(app, named(NAMES))  # creates the tables; the test only reads through it
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    log = tmp_path / "worker.log"
    interrupted = []
    for turn in range(KILLS):
        since = log.stat().st_size if log.exists() else 0
        head = watcher.store.head()
        proc = start_worker(store_url, log)
        try:
            if turn == 0:  # at once: in the catch-up of the 2,300 events copied above
                wait_following(proc, log, since, interval=0.001)
            else:
                wait_following(proc, log, since)
                deadline = time.monotonic() + rng.uniform(0.05, 0.5)
                serving_attache(app, post="BRU")  # recorded while the worker runs
                time.sleep(max(0.0, deadline - time.monotonic()))
        finally:
            kill(proc)
        assert proc.returncode == -9, log.read_text()[since:]
        positions = [s.position for s in watcher.status()]
        interrupted.append(min(positions) < head)  # killed before it caught up
        assert_audit_prefix(app, watcher.store)
        serving_attache(app, post="PAR")  # recorded while no worker runs
    assert any(interrupted), f"no kill interrupted the catch-up (seed {seed})"

    since = log.stat().st_size
    proc = start_worker(store_url, log)
    try:
        wait_following(proc, log, since)
        wait_for(lambda: lag(watcher) == 0, 90, "the worker to catch up", interval=0.2)
        status = terminate(proc)
    finally:
        kill(proc)
    output = log.read_text()[since:]
    assert status == 0, output
    assert "stopped cleanly" in output
    assert "Traceback" not in log.read_text()
    assert_audit_complete(app)
    assert_equals_rebuild(app)
