"""Twenty concurrent clients recording leave on the same agent and on different agents.

Each client is a thread with its own HTTP connection to ``agent-records serve``. Half of
them write to one agent; the others spread over three more. Every client first asks for
a day every other client of that agent also asks for (one wins, the others overlap),
then for a day with a stale ``expectedVersion``, then for days of its own. Every answer
must be a stored event or a clear userError; the store must hold exactly what was
acknowledged.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from agent_records.bootstrap import open_records
from tests.careers import open_legation, serving_attache
from tests.faults.service import (
    Outcome,
    Service,
    assert_stored_exactly_once,
    classify,
    leave_day,
)

pytestmark = pytest.mark.timeout(150)

CLIENTS = 20
REQUESTS = 6  # per client: 120 mutations in all
SAME_AGENT_CLIENTS = 10
SHARED_DAY = date(1948, 12, 1)
REFUSALS = {"concurrency_conflict", "leave_overlaps"}
SQLITE_STALL = "Timed out waiting for"
KNOWN_SQLITE_BUG = (
    "known bug, projections/engine/runner.py: in inline mode on SQLite, Worker.step loads agents "
    "(a read) inside its write transaction; a command waiting for the library's single "
    "writer holds the pool's fairness semaphore, so the read waits for it: both stall "
    "until the 5 s pool timeout fails the command")


def agents_serving_abroad(url: str, count: int) -> list[tuple[str, int]]:
    """``count`` attachés posted to Brussels: their ids and current versions."""
    app = open_records(url)
    try:
        open_legation(app)
        ids = [serving_attache(app, renewals=10) for _ in range(count)]
        return [(str(i), app.get_agent(i).version) for i in ids]
    finally:
        app.close()


def test_concurrent_clients_get_a_stored_event_or_a_clear_refusal(
    store_url: str, tmp_path: Path
) -> None:
    agents = agents_serving_abroad(store_url, 4)
    service = Service(store_url, tmp_path)
    start = threading.Barrier(CLIENTS, timeout=30)

    def client_run(c: int) -> list[Outcome]:
        client = service.client()
        outcomes = []
        try:
            start.wait()
            for r in range(REQUESTS):
                same = c < SAME_AGENT_CLIENTS
                agent_id, version = agents[0] if same else agents[1 + (c + r) % 3]
                day = SHARED_DAY if r == 0 else leave_day(c * REQUESTS + r)
                expected = version if r == 1 else None
                answer = client.grant_leave(agent_id, day, expected_version=expected)
                outcomes.append(Outcome(agent_id, day, *classify(*answer)))
        finally:
            client.close()
        return outcomes

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client_run, c) for c in range(CLIENTS)]
            outcomes = [o for f in futures for o in f.result(timeout=120)]
        assert service.alive(), service.log()
    finally:
        service.close()

    assert len(outcomes) == CLIENTS * REQUESTS
    errors = [o for o in outcomes if o.kind == "error"]
    known = store_url.startswith("sqlite") and errors and all(
        d.startswith("STORE_UNAVAILABLE") and SQLITE_STALL in d for o in errors for d in o.detail)
    assert known or not errors, f"GraphQL errors instead of a payload: {errors[:5]}"
    refused = Counter(code for o in outcomes if o.kind == "refused" for code in o.detail)
    assert set(refused) <= REFUSALS, f"unexpected refusals: {refused}"

    shared = [o for o in outcomes if o.day == SHARED_DAY]
    for agent_id, _ in agents:
        wins = [o for o in shared if o.agent_id == agent_id and o.kind == "ack"]
        assert len(wins) <= 1, f"the same day granted twice to {agent_id}: {wins}"
    assert sum(o.kind == "ack" for o in shared) >= 1
    assert any("leave_overlaps" in o.detail for o in shared if o.kind == "refused")
    own_days = [o for o in outcomes if o.day != SHARED_DAY]
    assert sum(o.kind == "ack" for o in own_days) >= len(own_days) // 2, refused

    assert_stored_exactly_once(store_url, outcomes)
    if known:
        pytest.xfail(f"{len(errors)} of {len(outcomes)} answered STORE_UNAVAILABLE (nothing "
                     f"stored): {KNOWN_SQLITE_BUG}")
