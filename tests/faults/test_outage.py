"""A database outage under the running service: reported, survived, nothing lost or doubled.

The test runs a PostgreSQL cluster of its own (stopping the shared one is not an option),
serves it with ``agent-records serve`` in a subprocess, and keeps a writer recording
one-day leaves through ``grantLeave`` while the database is stopped and started again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from agent_records.bootstrap import open_records
from tests.careers import open_legation, serving_attache
from tests.faults.service import (
    Client,
    Outcome,
    Service,
    assert_stored_exactly_once,
    classify,
    leave_day,
)
from tests.integration.pgcluster import PrivateCluster

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

T = TypeVar("T")


def unavailable(kind: str, detail: Any) -> bool:
    """Whether an answer is the clear "store unavailable" error (and only that)."""
    return kind == "error" and all(
        d.startswith("STORE_UNAVAILABLE: the event store is unavailable") for d in detail)


def until(check: Callable[[], T | None], within: float, what: str) -> T:
    """``check()``'s first true value, polled for at most ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {within}s: {what}")


def answered(client: Client, path: str, status: int) -> tuple[int, Any] | None:
    """The answer to ``GET path`` if it has ``status``."""
    got = client.get(path)
    return got if got[0] == status else None



class Writer(threading.Thread):
    """Records one new leave after another on its own connection, keeping every answer."""

    def __init__(self, client: Client, agent_id: str, first: int) -> None:
        super().__init__(name="writer", daemon=True)
        self.client, self.agent_id, self.next = client, agent_id, first
        self.outcomes: list[tuple[int, str, Any]] = []
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set() and len(self.outcomes) < 600:
                n, self.next = self.next, self.next + 1
                kind, detail = classify(*self.client.grant_leave(self.agent_id, leave_day(n)))
                self.outcomes.append((n, kind, detail))
                self.stop.wait(0.05)
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.failure = exc

    def count(self, kind: str, since: int = 0) -> int:
        if self.failure:
            raise AssertionError(f"the writer failed: {self.failure}") from self.failure
        return sum(1 for _, k, _ in self.outcomes[since:] if k == kind)

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=30)
        self.client.close()
        assert not self.is_alive(), "the writer did not stop"


def test_an_outage_is_reported_then_survived_without_loss_or_duplicates(
    private_cluster: PrivateCluster, tmp_path: Path
) -> None:
    setup = open_records(private_cluster.url)
    try:
        open_legation(setup)
        agent_id = str(serving_attache(setup, renewals=10))
    finally:
        setup.close()
    service = Service(private_cluster.url, tmp_path)
    outcomes: list[tuple[int, str, Any]] = []
    main = service.client()
    writer = Writer(service.client(), agent_id, first=100)
    try:
        for n in range(3):  # before
            outcomes.append((n, *classify(*main.grant_leave(agent_id, leave_day(n)))))
        assert [kind for _, kind, _ in outcomes] == ["ack"] * 3, outcomes

        writer.start()
        until(lambda: writer.count("ack") >= 3, 30, "the writer records before the outage")

        private_cluster.stop()  # mid-run: the writer keeps going
        down_since = len(writer.outcomes)
        _, ready = until(lambda: answered(main, "/readyz", 503), 20,
                         "/readyz answers 503 during the outage")
        assert ready["status"] == "unavailable"
        assert "unavailable" in ready["reason"] and "Traceback" not in ready["reason"]
        assert main.get("/healthz") == (200, {"status": "ok"})
        for n in range(10, 13):  # during
            started = time.monotonic()
            kind, detail = classify(*main.grant_leave(agent_id, leave_day(n)))
            assert unavailable(kind, detail), (kind, detail)
            assert time.monotonic() - started < 10, "an outage must be answered promptly"
            outcomes.append((n, kind, detail))
        status, text, answer = main.graphql("{ projectionStatus { name lag } }", {})
        assert status == 200 and "Traceback" not in text, text
        assert {e["extensions"]["code"] for e in answer["errors"]} == {"STORE_UNAVAILABLE"}
        until(lambda: writer.count("error", down_since) >= 3, 30,
              "the writer is told the store is unavailable")
        assert service.alive(), service.log()

        private_cluster.start()
        until(lambda: answered(main, "/readyz", 200), 60, "/readyz recovers without a restart")
        back_since = len(writer.outcomes)
        until(lambda: writer.count("ack", back_since) >= 3, 60, "the writer records again")
        writer.finish()
        assert writer.failure is None, writer.failure
        for n in range(20, 23):  # after
            outcomes.append((n, *classify(*main.grant_leave(agent_id, leave_day(n)))))
        assert [kind for _, kind, _ in outcomes[-3:]] == ["ack"] * 3, outcomes[-3:]
        assert service.alive(), service.log()
    finally:
        if writer.is_alive():
            writer.finish()
        main.close()
        service.close()
    outcomes += writer.outcomes

    unexpected = [o for o in outcomes if o[1] != "ack" and not unavailable(o[1], o[2])]
    assert not unexpected, f"answers other than stored or store-unavailable: {unexpected}"
    assert_stored_exactly_once(private_cluster.url, [
        Outcome(agent_id, leave_day(n), kind, detail) for n, kind, detail in outcomes])
