"""Views are independent: a view that fails on an event (here a bug in its code, for one
agent) stops alone at that event, with every event before it applied, while the other
views and the ledger reach the head; it is retried with backoff, not in a hot loop, and
resumes once the bug is fixed. A rebuild stops at the same event, naming the view."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from agent_records.domain.agent import Agent
from agent_records.readside import named
from projections.engine import runner
from projections.engine.base import ProjectionStopped, TableRows
from projections.engine.runner import Worker
from projections.views.agents import AgentsView
from tests.careers import open_legation, serving_attache
from tests.projections.helpers import NAMES, assert_equals_rebuild, copy_log


class Bug:
    """``AgentsView.rows`` failing for one agent, as a bug in the view would; counts calls."""

    def __init__(self, agent_id: str) -> None:
        self.agent_id = agent_id
        self.calls = 0
        self.original = AgentsView.rows

    def __call__(self, view: AgentsView, agent_id: str, agent: Agent) -> TableRows:
        self.calls += 1
        if agent_id == self.agent_id:
            raise ValueError("year 10064 is out of range")
        return self.original(view, agent_id, agent)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Replaces ``AgentsView.rows`` (a function, so that it binds as a method)."""
        def rows(view: AgentsView, agent_id: str, agent: Agent) -> TableRows:
            return self(view, agent_id, agent)
        monkeypatch.setattr(AgentsView, "rows", rows)


def first_event_of(app: AgentRecords, stream: str) -> tuple[int, str]:
    """The position and topic of an aggregate's first event."""
    note = next(n for n in app.recorder.select_notifications(1, 10**6)
                if str(n.originator_id) == stream)
    return note.id, note.topic.rsplit(":", 1)[-1]


@pytest.mark.parametrize("batch_size", [500, 3])
def test_a_failing_view_stops_alone_and_resumes_when_fixed(
        records: AgentRecords, demo_log: list[StoredEvent], monkeypatch: pytest.MonkeyPatch,
        batch_size: int) -> None:
    app = records
    copy_log(app, demo_log[:300])
    open_legation(app, "XBR", "Xanten")
    poisoned = str(serving_attache(app, post="XBR"))
    copy_log(app, demo_log[300:400])
    head = app.recorder.max_notification_id()
    position, event_type = first_event_of(app, poisoned)
    bug = Bug(poisoned)
    bug.install(monkeypatch)
    # a backoff no loaded machine outlasts: the loop below asserts no retry within it
    monkeypatch.setattr(runner, "RETRY_FIRST", 3600.0)

    worker = Worker(app, named(["ledger", *NAMES]), batch_size=batch_size)
    with pytest.raises(ProjectionStopped) as stopped:
        worker.run_once()
    assert (stopped.value.name, stopped.value.position, stopped.value.event_type) == (
        "agents", position, event_type)
    assert "ValueError: year 10064 is out of range" in str(stopped.value)
    status = {s.name: s for s in worker.status()}
    before = max(n.id for n in app.recorder.select_notifications(1, 10**6) if n.id < position)
    assert status["agents"].position == before  # every event before it applied
    assert status["agents"].state == "stopped"
    assert status["agents"].stop is not None
    assert (status["agents"].stop.position, status["agents"].stop.event_type) == (
        position, event_type)
    for name in ["ledger", *NAMES[1:]]:
        assert (status[name].position, status[name].state) == (head, "running"), name

    calls = bug.calls  # within the backoff: not tried again, the same stop reported
    for _ in range(20):
        with pytest.raises(ProjectionStopped) as again:
            worker.run_once()
        assert str(again.value) == str(stopped.value)
    assert bug.calls == calls
    other = Worker(app, named(NAMES))  # another process sees the stop in the store
    assert {s.name: s.state for s in other.status()}["agents"] == "stopped"

    monkeypatch.setattr(AgentsView, "rows", bug.original)  # the fix is deployed
    worker.stopped["agents"].retry_at = 0  # its backoff has passed
    worker.run_once()
    assert all(s.position == head and s.state == "running" for s in worker.status())
    assert all(s.state == "running" for s in other.status())
    assert_equals_rebuild(app, ["agents"])


def test_the_backoff_doubles_while_the_view_keeps_failing(
        records: AgentRecords, monkeypatch: pytest.MonkeyPatch) -> None:
    open_legation(records, "BRU")
    bug = Bug(str(serving_attache(records, post="BRU")))
    bug.install(monkeypatch)
    worker = Worker(records, named(["agents"]))
    delays = []
    for _ in range(4):
        with pytest.raises(ProjectionStopped):
            worker.run_once()
        delays.append(worker.stopped["agents"].delay)
        worker.stopped["agents"].retry_at = 0
    assert delays == [runner.RETRY_FIRST * 2**i for i in range(4)]


def test_a_rebuild_stops_at_the_same_event_naming_the_view(
        records: AgentRecords, demo_log: list[StoredEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = records
    copy_log(app, demo_log[:200])
    open_legation(app, "XBR", "Xanten")
    poisoned = str(serving_attache(app, post="XBR"))
    Worker(app, named(NAMES)).run_once()
    position, event_type = first_event_of(app, poisoned)
    bug = Bug(poisoned)
    bug.install(monkeypatch)
    with pytest.raises(ProjectionStopped) as stopped:
        Worker(app, named(NAMES), rebuild_processes=2).rebuild("agents")
    assert (stopped.value.name, stopped.value.position, stopped.value.event_type) == (
        "agents", position, event_type)
