"""A poison event (a stored event whose type no longer resolves) stops every projection
just before it, with an error naming its position: never skipped, on every run."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from agent_records.readside import named
from projections.engine.base import ProjectionStopped
from projections.engine.runner import Worker
from tests.careers import open_legation, serving_attache
from tests.projections.helpers import (
    NAMES,
    cli,
    rows,
    snapshot,
    start_worker,
    terminate,
    wait_following,
    wait_for,
)

POISON_TOPIC = "agent_records.domain.events:NoSuchEvent"


def record_around_poison(app: AgentRecords) -> tuple[int, str, str]:
    """Real events, the poison, more real events; the poison's position and two agents."""
    open_legation(app, "BRU", "Bruxelles", "BE")
    before = serving_attache(app, post="BRU")
    app.recorder.insert_events([StoredEvent(originator_id=uuid4(), originator_version=1,
                                            topic=POISON_TOPIC, state=b"{}")])
    poison = app.recorder.max_notification_id()
    open_legation(app, "PAR", "Paris", "FR")
    after = serving_attache(app, post="PAR")
    assert app.recorder.max_notification_id() > poison + 5
    return poison, str(before), str(after)


@pytest.mark.parametrize("batch_size", [500, 4])
def test_poison_stops_every_view_just_before_it_and_the_ledger_seals_on(
        records: AgentRecords, batch_size: int) -> None:
    app = records
    poison, before, after = record_around_poison(app)
    worker = Worker(app, named(NAMES), batch_size=batch_size)
    with pytest.raises(ProjectionStopped) as stopped:
        worker.run_once()
    assert stopped.value.position == poison
    assert f"position {poison}" in str(stopped.value)
    assert "NoSuchEvent" in str(stopped.value)

    store = worker.store
    ids = [n.id for n in app.recorder.select_notifications(1, 1000)]
    last_good = max(i for i in ids if i < poison)
    assert {s.name: s.position for s in worker.status()} == dict.fromkeys(NAMES, last_good)
    assert [r["position"] for r in rows(store, "audit_log", "position")] == [
        i for i in ids if i < poison]
    assert [r["agent_id"] for r in rows(store, "agents", "agent_id")] == [before]
    assert [r["post_code"] for r in rows(store, "posts", "post_code")] == ["BRU"]
    assert {r["agent_id"] for r in rows(store, "roster", "agent_id")} == {before}
    assert after not in {r["agent_id"] for r in rows(store, "leave_years", "agent_id")}
    ledger = Worker(app, named(["ledger"]), batch_size=batch_size)
    ledger.run_once()  # seals stored bytes, whatever their type
    assert ledger.status()[0].position == app.recorder.max_notification_id()

    frozen = snapshot(store)
    for _ in range(2):  # again: the same error, nothing skipped, nothing applied after it
        with pytest.raises(ProjectionStopped) as again:
            worker.run_once()
        assert again.value.position == poison
        assert str(again.value) == str(stopped.value)
        assert all(s.position == last_good for s in worker.status())
        assert snapshot(store) == frozen
    with pytest.raises(ProjectionStopped, match=f"position {poison}"):
        worker.rebuild("agents")  # a rebuild stops there too, and leaves the live view
    assert snapshot(store) == frozen


def test_cli_run_logs_one_line_per_stopped_view_and_follows_on(
        records: AgentRecords, store_url: str, tmp_path: Path) -> None:
    """``projections run`` names each stopped view once, keeps following with the
    others (the ledger seals what is written meanwhile), and exits 2 on SIGTERM."""
    poison, _, _ = record_around_poison(records)
    log = tmp_path / "worker.log"
    worker = start_worker(store_url, log)
    try:
        wait_following(worker, log)
        last_good = max(n.id for n in records.recorder.select_notifications(1, 1000)
                        if n.id < poison)
        wait_for(lambda: [s.position for s in Worker(records, named(NAMES)).status()]
                 == [last_good] * len(NAMES), 30, "the views to stop before the poison")
        open_legation(records, "ROM", "Rome", "IT")  # written while a view is stopped
        head = records.recorder.max_notification_id()
        wait_for(lambda: Worker(records, named(["ledger"])).status()[0].position == head, 30,
                 "the ledger to seal on past the poison")
        assert worker.poll() is None, log.read_text()
    finally:
        status = terminate(worker)
    text = log.read_text()
    assert status == 2, text
    assert "Traceback" not in text
    for name in NAMES:
        lines = [line for line in text.splitlines()
                 if f"projection {name} stopped at position {poison} on NoSuchEvent" in line]
        assert len(lines) >= 1, text
        assert sum("cannot read event" in line and f"projection {name} stopped" in line
                   and not line.startswith("agent-records:") for line in lines) == 1, text
    assert "projection ledger stopped" not in text
    last = text.rstrip("\n").splitlines()[-1]
    assert last.startswith("agent-records: projection agents stopped"), last
    assert "also stopped: posts, leave, audit_log, breaches" in last


@pytest.mark.parametrize("name", ["agents", None])
def test_cli_rebuild_exits_with_one_line_naming_the_views(records: AgentRecords,
                                                          store_url: str, name: str | None
                                                          ) -> None:
    poison, _, _ = record_around_poison(records)
    done = cli(store_url, "projections", "rebuild", *([name] if name else []), timeout=60)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "stopped at position" in line]
    assert len(errors) == 1, done.stderr
    views = name or ", ".join(NAMES)
    assert errors[0].startswith(f"agent-records: projection {views} stopped at position "
                                f"{poison} on NoSuchEvent: cannot read event"), errors[0]
    assert done.stderr.rstrip("\n").splitlines()[-1] == errors[0]
