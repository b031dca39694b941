"""A view stopped by an event it cannot project, as the service's clients see it.

A poison event (its type no longer resolves) is written into the store behind the
service's back, as another process would: every view that reads events stops at it,
the ledger (which seals raw bytes) goes on; ``/readyz`` answers 503 naming the view,
the position and the event type; ``projectionStatus`` shows each view's state; a
mutation recorded after it answers success with a warning and is stored once; the
service's projection thread keeps running.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from agent_records.api.services import Services
from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.domain.commands import OpenPost
from agent_records.readside import named
from projections.engine.base import ProjectionStopped
from projections.engine.runner import Worker
from tests.api.career import identity
from tests.api.live import Live, serve
from tests.careers import on, open_legation
from tests.projections.helpers import NAMES, wait_for

POISON_TOPIC = "agent_records.domain.events:NoSuchEvent"
STATUS = "{ projectionStatus { name position head lag state stoppedAt eventType error } }"


def write_poison(store: str) -> tuple[int, UUID]:
    """Stores an event no view can read; its position and stream."""
    app = open_records(store)
    try:
        stream = uuid4()
        app.recorder.insert_events([StoredEvent(originator_id=stream, originator_version=1,
                                                topic=POISON_TOPIC, state=b"{}")])
        return app.recorder.max_notification_id(), stream
    finally:
        app.close()


def head(store: str) -> int:
    app = open_records(store)
    try:
        return app.recorder.max_notification_id()
    finally:
        app.close()


@pytest.fixture(scope="module")
def poisoned(backend_store: str, token_file: tuple[Path, dict[str, str]],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, int]]:
    """The service, one agent recorded, then a poison event written beside it."""
    path, tokens = token_file
    server = serve(backend_store, tmp_path_factory.mktemp("server"), path, tokens)
    try:
        server.record("RegisterAgent", identity("Jean Before", "1920-01-01"))
        position, _ = write_poison(backend_store)
        # 503 comes with the first view's stop; the worker records the others' one by one
        wait_for(lambda: all(f"projection {name} stopped" in stopped_reason(server)
                             for name in NAMES), 30,
                 "/readyz to report every stopped view", interval=0.2)
        yield server, position
    finally:
        server.close()


def stopped_reason(live: Live) -> str:
    """``/readyz``'s reason when it answers 503, else empty."""
    reply = live.request("GET", "/readyz")
    return str(reply.json.get("reason", "")) if reply.status == 503 else ""


def statuses(live: Live) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in live.data(STATUS)["projectionStatus"]}


def test_readyz_names_the_view_the_position_and_the_event_type(
        poisoned: tuple[Live, int]) -> None:
    live, position = poisoned
    reply = live.request("GET", "/readyz")
    assert reply.status == 503
    body = reply.json
    assert body["status"] == "stopped"
    for name in NAMES:
        assert f"projection {name} stopped at position {position} on NoSuchEvent" in \
            body["reason"]
        view = body["projections"][name]
        assert (view["state"], view["stoppedAt"], view["eventType"]) == (
            "stopped", position, "NoSuchEvent")
        assert view["position"] == position - 1
        assert "cannot read event" in view["error"]
    assert body["projections"]["ledger"]["state"] == "running"
    assert "Traceback" not in reply.text


def test_projection_status_shows_each_view_state(poisoned: tuple[Live, int]) -> None:
    live, position = poisoned
    status = statuses(live)
    for name in NAMES:
        assert status[name]["state"] == "stopped"
        assert status[name]["stoppedAt"] == position
        assert status[name]["eventType"] == "NoSuchEvent"
        assert "NoSuchEvent" in status[name]["error"]
    ledger = status["ledger"]
    assert ledger["state"] == "running" and ledger["stoppedAt"] is None
    assert ledger["error"] is None and ledger["eventType"] is None


def test_a_mutation_after_the_poison_succeeds_with_a_warning_and_is_stored_once(
        poisoned: tuple[Live, int], backend_store: str) -> None:
    live, position = poisoned
    before = head(backend_store)
    reply = live.query("mutation($input: RegisterAgentInput!) { registerAgent(input: $input) "
                       "{ id version userErrors { code } warnings } }",
                       {"input": identity("Marie After", "1921-02-02")}, role="hr_officer")
    assert not reply.errors, reply.text
    payload = reply.json["data"]["registerAgent"]
    assert payload["id"] and payload["version"] == 1 and payload["userErrors"] == []
    assert payload["warnings"], payload
    assert all(f"stopped at position {position}" in w for w in payload["warnings"])
    assert head(backend_store) == before + 1  # stored once
    app = open_records(backend_store)
    try:
        assert len(list(app.events.get(UUID(payload["id"])))) == 1
    finally:
        app.close()


def test_the_projection_thread_keeps_sealing_events_of_other_processes(
        poisoned: tuple[Live, int], backend_store: str) -> None:
    live, _ = poisoned
    app = open_records(backend_store)
    try:  # another process records: only the service's background thread can seal it
        app.handle(OpenPost(on("1948-01-01"), code="LUX", name="Ministère", city="Luxembourg",
                            country="LU", kind="ministry"))
        target = app.recorder.max_notification_id()
    finally:
        app.close()
    wait_for(lambda: statuses(live)["ledger"]["position"] == target, 30,
             "the ledger to seal the event written by another process", interval=0.2)
    assert live.process is not None and live.process.poll() is None
    log = live.log()
    assert "Traceback" not in log
    for name in NAMES:  # one line when it stopped, none per retry
        assert log.count(f"projection {name} stopped at position") == 1, log


def test_external_mode_answers_mutations_with_the_stops_the_worker_recorded(
        records: AgentRecords) -> None:
    """With ``AGENT_RECORDS_PROJECTIONS=external`` the service does not project: the
    stops that the worker (another process) recorded in the store are what a mutation's
    ``warnings`` report."""
    open_legation(records)
    records.recorder.insert_events([StoredEvent(originator_id=uuid4(), originator_version=1,
                                                topic=POISON_TOPIC, state=b"{}")])
    poison = records.recorder.max_notification_id()
    with pytest.raises(ProjectionStopped):
        Worker(records, named(NAMES)).run_once()  # the external worker
    service = Services(records, Worker(records, named()), inline_projections=False)
    warnings = service.project()
    assert len(warnings) == len(NAMES), warnings
    for name in NAMES:
        assert any(f"read view {name} is stopped at position {poison} (NoSuchEvent)" in w
                   for w in warnings), warnings
    assert service.project() == warnings  # reading the stops changes nothing
