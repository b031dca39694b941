"""The one-pass rebuild of every view: equal to the incremental build when events arrive
during it (the views end at the head the rebuild started from, then catch up), also
when a follower runs through the swap; stopped by a poison event; and leaving the live
tables and positions as they were on failure."""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from agent_records.readside import VIEWS, named
from projections.engine.base import ProjectionStopped, View
from projections.engine.rebuild import REBUILD_SUFFIX
from projections.engine.runner import PositionMoved, Worker
from projections.engine.store import ViewStore
from tests.projections.helpers import NAMES, checksums, copy_log, snapshot, table_rows
from tests.projections.test_equality import record_through_the_application
from tests.projections.test_poison import POISON_TOPIC

INCREMENTAL = "__incremental"


def incremental_from_zero(app: AgentRecords) -> dict[str, list[tuple]]:
    """Every view built event by event from position zero, in tables of its own."""
    worker = Worker(app, named(NAMES), batch_size=97)
    views = [VIEWS[n](worker.store, suffix=INCREMENTAL) for n in NAMES]
    with worker.store.transaction() as sql:
        for view in views:
            view.create(sql)
    for view in views:
        worker.catch_up(view)
    return {t.name: table_rows(worker.store, view.names[t.name], t.key)
            for view in views for t in view.tables}


def leftovers(store: ViewStore) -> list[str]:
    """Rebuilt tables left beside the live ones."""
    return [t.name for n in NAMES for t in VIEWS[n].tables
            if store.exists(t.name + REBUILD_SUFFIX)]


def test_events_recorded_during_the_rebuild_are_caught_up(
        records: AgentRecords, demo_log: list[StoredEvent]) -> None:
    app = records
    copy_log(app, demo_log[:1500])
    worker = Worker(app, named(NAMES), rebuild_chunk=200)
    worker.run_once()
    head = app.recorder.max_notification_id()
    during = []

    def record_more(done: int, total: int) -> None:
        if not during:  # while the rebuild runs: after its head, so not in it
            copy_log(app, demo_log[1500:], chunk=100)
            record_through_the_application(app)
            during.append(app.recorder.max_notification_id())

    assert worker.rebuild_all(record_more) == head
    assert during and during[0] > head + 800
    assert {s.name: s.position for s in worker.status()} == dict.fromkeys(NAMES, head)
    assert worker.run_once() == len(NAMES) * (during[0] - head)  # from the rebuild's head on
    rebuilt = snapshot(worker.store)
    expected = incremental_from_zero(app)
    assert checksums(rebuilt) == checksums(expected)
    assert rebuilt == expected
    assert leftovers(worker.store) == []


def test_a_poison_event_stops_the_rebuild_and_leaves_the_live_views(
        records: AgentRecords, demo_log: list[StoredEvent]) -> None:
    app = records
    copy_log(app, demo_log[:600])
    worker = Worker(app, named(NAMES))
    worker.run_once()
    live, positions = snapshot(worker.store), worker.status()
    app.recorder.insert_events([StoredEvent(originator_id=uuid4(), originator_version=1,
                                            topic=POISON_TOPIC, state=b"{}")])
    poison = app.recorder.max_notification_id()
    copy_log(app, demo_log[600:700])
    with pytest.raises(ProjectionStopped, match=f"stopped at position {poison} on NoSuchEvent: "
                       "cannot read "
                       "event agent_records.domain.events:NoSuchEvent"):
        worker.rebuild_all()
    assert snapshot(worker.store) == live
    assert [s.position for s in worker.status()] == [s.position for s in positions]
    assert leftovers(worker.store) == []


def test_a_failure_midway_leaves_the_live_views(records: AgentRecords,
                                                demo_log: list[StoredEvent]) -> None:
    """A rebuilt table vanishes under the rebuild (another session drops it): the
    rebuild fails before its swap, and the live tables and positions stay."""
    app = records
    copy_log(app, demo_log[:900])
    worker = Worker(app, named(NAMES), rebuild_chunk=100)
    worker.run_once()
    live, positions = snapshot(worker.store), worker.status()
    other = ViewStore(app)

    def drop_a_rebuilt_table(done: int, total: int) -> None:
        with other.transaction() as sql:
            sql.execute(f"DROP TABLE IF EXISTS {other.table('roster' + REBUILD_SUFFIX)}")

    with pytest.raises(Exception, match=r"roster__rebuild|refused the operation"):
        worker.rebuild_all(drop_a_rebuilt_table)
    assert snapshot(worker.store) == live
    assert worker.status() == positions
    assert leftovers(worker.store) == []


def test_a_batch_read_before_the_swap_is_read_again_after_it(
        records: AgentRecords, demo_log: list[StoredEvent]) -> None:
    """A follower passes the rebuild's head, reads a batch, and the swap (back to the
    rebuild's head) commits before the batch is applied: the batch is refused and read
    again from the head, rather than skipping the events in between."""
    app = records
    copy_log(app, demo_log[:700])
    follower = Worker(app, named(NAMES), batch_size=60)
    follower.run_once()
    paused, resume, done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def pause(position: int, head: int) -> None:
        paused.set()
        resume.wait(60)

    def rebuild() -> None:
        try:
            Worker(app, named(NAMES)).rebuild_all(pause)
        except BaseException as exc:  # reported below
            errors.append(exc)
        done.set()

    thread = threading.Thread(target=rebuild, daemon=True)
    thread.start()
    assert paused.wait(60), "the rebuild made no progress"
    head = app.recorder.max_notification_id()
    copy_log(app, demo_log[700:1400])
    follower.run_once()  # past the rebuild's head, on the live tables
    real_read = follower.read

    def read_then_swap(view: View, start: int, limit: int) -> tuple[list, object]:
        read = real_read(view, start, limit)
        if not done.is_set():
            resume.set()
            assert done.wait(60), "the rebuild did not end"
        return read

    copy_log(app, demo_log[1400:])
    follower.read = read_then_swap  # type: ignore[method-assign]
    with pytest.raises(PositionMoved, match="Failed to record tracking"):
        follower.step(follower.views[0])
    thread.join(60)
    assert errors == []
    assert {s.name: s.position for s in follower.status()} == dict.fromkeys(NAMES, head)
    follower.read = real_read  # type: ignore[method-assign]
    assert follower.run_once() == len(NAMES) * (app.recorder.max_notification_id() - head)
    assert snapshot(follower.store) == incremental_from_zero(app)
