"""The external worker (``agent-records projections run``) through PostgreSQL restarts.

On a private cluster: the worker follows as a subprocess; the cluster is stopped and
started twice while events are written before and after; the worker waits, says once
per outage that the store is unavailable and once that it is back, and resumes where
it was: every view reaches the head with each event applied once, and no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_records.bootstrap import open_records
from agent_records.readside import VIEWS, named
from projections.engine.runner import Worker
from tests.careers import open_legation, serving_attache
from tests.integration.pgcluster import PrivateCluster
from tests.projections.helpers import (
    assert_audit_complete,
    assert_equals_rebuild,
    kill,
    start_worker,
    terminate,
    wait_following,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]
OUTAGES = 2



def record(url: str, code: str) -> int:
    """A legation and a serving attaché (about a dozen events); the new head."""
    app = open_records(url)
    try:
        open_legation(app, code, f"City {code}")
        serving_attache(app, post=code)
        return app.recorder.max_notification_id()
    finally:
        app.close()


def caught_up(url: str, head: int) -> bool:
    """Whether every view (the ledger too) is at ``head``; False while the store is away."""
    app = open_records(url)
    try:
        return all(s.position == head for s in Worker(app, named()).status())
    finally:
        app.close()


def test_the_worker_survives_restarts_and_resumes_where_it_was(
        private_cluster: PrivateCluster, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    head = record(private_cluster.url, "AAA")
    proc = start_worker(private_cluster.url, log)
    try:
        wait_following(proc, log)
        wait_for(lambda: caught_up(private_cluster.url, head), 60, "the first catch-up",
                 interval=0.2)
        for n in range(OUTAGES):
            private_cluster.stop()
            wait_for(lambda n=n: log.read_text().count("store unavailable since") == n + 1,
                     30, "the worker to notice the outage", interval=0.2)
            assert proc.poll() is None, log.read_text()
            private_cluster.start()
            head = record(private_cluster.url, f"B{n}X")
            wait_for(lambda n=n: log.read_text().count("store back after") == n + 1, 60,
                     "the worker to be back", interval=0.2)
            wait_for(lambda h=head: caught_up(private_cluster.url, h), 60, "the catch-up after it",
                     interval=0.2)
        status = terminate(proc)
    finally:
        kill(proc)
    output = log.read_text()
    assert status == 0, output
    assert "Traceback" not in output
    assert output.count("store unavailable since") == OUTAGES, output
    assert output.count("store back after") == OUTAGES, output
    lines = [line for line in output.splitlines() if "store " in line]
    assert len(lines) == 2 * OUTAGES, output  # one line each way, none per retry
    app = open_records(private_cluster.url)
    try:
        assert_audit_complete(app)  # each event applied once
        assert_equals_rebuild(app)
        ledger = Worker(app, named(["ledger"])).store
        assert ledger.position("ledger") == app.recorder.max_notification_id()
        assert set(VIEWS) == {s.name for s in Worker(app, named()).status()}
    finally:
        app.close()
