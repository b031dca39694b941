"""The failover drill: the primary stops under a steady write load, the standby is
promoted, and the service, the projection worker and the sealer carry on without a
restart, on a multi-host store URL (``target_session_attrs=read-write``).

Events are replicated synchronously (``synchronous_standby_names``): a mutation is
acknowledged once the standby has its commit, so none acknowledged is lost. A writer
retries a failed mutation with the same idempotency key until it is acknowledged: a
retry of a write that was committed is answered with the first result, never recorded
twice. Afterwards every acknowledged leave is in the record exactly once, the hash chain
verifies across the switch, and the views equal their rebuild (each event applied once).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from agent_records.bootstrap import open_records
from agent_records.domain.events import LeaveGranted
from agent_records.readside import named
from projections.engine.runner import Worker
from tests.careers import open_legation, serving_attache
from tests.faults.service import GRANT_LEAVE, Client, Service, classify, leave_day
from tests.integration.pgcluster import PrivateCluster
from tests.projections.helpers import (
    assert_audit_complete,
    assert_equals_rebuild,
    cli,
    kill,
    lag,
    start_worker,
    terminate,
    wait_following,
    wait_for,
)
from tests.replica.conftest import primary_cluster, store

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]
AGENTS = 3
"""Each agent takes 60 one-day leaves (1949-1951): the load's capacity."""
PACE = 0.02
"""Seconds between two mutations of the writer (a steady load, not a flood)."""
FIGURES = Path(__file__).resolve().parents[2] / "data" / "failover-drill.json"
"""Where the drill's figures are written (for BENCHMARKS.md; ``data/`` is not committed)."""


@dataclass(eq=False)
class Writer(threading.Thread):
    """Grants leave after leave; a failed request is sent again with its key."""

    client: Client
    agents: list[str]
    acks: list[tuple[float, str, str]] = field(default_factory=list)
    sent: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    """Each acknowledged request (agent, day, idempotency key) and its answer."""
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def grant(self, agent: str, day: str, key: str) -> dict[str, Any] | None:
        leave = {"agentId": agent, "effectiveDate": day, "endDate": day, "kind": "ANNUAL",
                 "travelDays": 0, "grantedBy": "MINISTER", "idempotencyKey": key}
        try:
            status, text, answer = self.client.graphql(GRANT_LEAVE, {"input": leave})
        except OSError as exc:
            self.errors.append(f"connection: {exc}")
            return None
        kind, detail = classify(status, text, answer)
        if kind == "refused":
            raise AssertionError(f"leave {day} of {agent} refused: {detail}")
        if kind == "error":
            self.errors.append("; ".join(detail))
            return None
        payload: dict[str, Any] = detail
        return payload

    def run(self) -> None:
        for n in range(60):
            for agent in self.agents:
                day, key = leave_day(n).isoformat(), str(uuid.uuid4())
                while (answer := self.grant(agent, day, key)) is None:
                    time.sleep(0.05)  # same key: a retry never records twice
                self.acks.append((time.monotonic(), agent, day))
                self.sent.append((agent, day, key, answer))
                if self.stop.wait(PACE):
                    return


def stored_leaves(url: str, agents: list[str]) -> list[tuple[str, str]]:
    records = open_records(url)
    try:
        return [(agent, e.effective_date.isoformat()) for agent in agents
                for e in records.get_agent(UUID(agent)).events if isinstance(e, LeaveGranted)]
    finally:
        records.close()


def test_failover_under_write_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    primary = primary_cluster()
    standby: PrivateCluster | None = None
    service = worker = None
    try:
        records = open_records(store(primary))
        try:
            open_legation(records)
            agents = [str(serving_attache(records, renewals=4)) for _ in range(AGENTS)]
        finally:
            records.close()
        standby = primary.standby()
        primary.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.execute("SELECT pg_reload_conf()")
        both = store(primary, standby, target_session_attrs="read-write")
        service = Service(both, tmp_path, AGENT_RECORDS_PROJECTIONS="external",
                          AGENT_RECORDS_READ_STORE=store(standby),
                          AGENT_RECORDS_TODAY="1952-01-01")
        log = tmp_path / "worker.log"
        worker = start_worker(both, log)
        wait_following(worker, log)
        writer = Writer(service.client(), agents)
        writer.start()
        wait_for(lambda: len(writer.acks) >= 30, 60, "acknowledged writes before the switch")
        acked_before = len(writer.acks)
        switched = time.monotonic()
        primary.stop("immediate")
        standby.promote()
        wait_for(lambda: len(writer.acks) >= acked_before + 30 or not writer.is_alive(), 90,
                 "acknowledged writes after the promotion", interval=0.1)
        writer.stop.set()
        writer.join(60)
        times = [t for t, _, _ in writer.acks]
        after = [t for t in times if t > switched]
        outage = max(b - a for a, b in itertools.pairwise(times) if b > switched)
        # an answer lost at the switch: the request sent again to the new primary, with its
        # key, is answered with the first result (the keys were replicated with the events)
        last = max(i for i, (t, _, _) in enumerate(writer.acks) if t <= switched)
        agent, day, key, first = writer.sent[last]
        assert writer.grant(agent, day, key) == first
        url = store(standby)
        acked = [(a, d) for _, a, d in writer.acks]
        stored = stored_leaves(url, agents)
        assert sorted(stored) == sorted(acked), "every acknowledged leave, once, nothing else"
        app = open_records(url)
        try:
            wait_for(lambda: lag(Worker(app, named())) == 0, 60, "the worker on the new primary")
            assert worker.poll() is None, "the worker continued without a restart"
            assert_audit_complete(app)
            assert_equals_rebuild(app)
        finally:
            app.close()
        verified = cli(url, "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert service.alive(), "the service continued without a restart"
        ready = service.client().get("/readyz")
        assert ready[0] == 200, ready
        FIGURES.parent.mkdir(exist_ok=True)
        FIGURES.write_text(json.dumps({
            "acknowledged": len(acked), "lost": len(set(acked) - set(stored)),
            "acknowledged_after_switch": len(after), "seconds_without_writes": round(outage, 2),
            "failed_requests_retried": len(writer.errors)}, indent=1))
        assert terminate(worker) == 0
        output = log.read_text()
        assert "Traceback" not in output, output
    finally:
        if worker is not None:
            kill(worker)
        if service is not None:
            service.close()
        if standby is not None:
            standby.close()
        primary.close()
