"""The one-pass rebuild of every view: equal to the incremental build when events arrive
during it (the views end at the head the rebuild started from, then catch up), stopped
by a poison event, and leaving the live tables and positions as they were on failure."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from projections.base import ProjectionStopped
from projections.rebuild import REBUILD_SUFFIX
from projections.runner import VIEWS, Worker
from projections.store import ViewStore
from tests.projections.helpers import NAMES, checksums, copy_log, snapshot, table_rows
from tests.projections.test_equality import record_through_the_application
from tests.projections.test_poison import POISON_TOPIC

INCREMENTAL = "__incremental"


def incremental_from_zero(app: AgentRecords) -> dict[str, list[tuple]]:
    """Every view built event by event from position zero, in tables of its own."""
    worker = Worker(app, NAMES, batch_size=97)
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
    worker = Worker(app, NAMES, rebuild_chunk=200)
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
    worker = Worker(app, NAMES)
    worker.run_once()
    live, positions = snapshot(worker.store), worker.status()
    app.recorder.insert_events([StoredEvent(originator_id=uuid4(), originator_version=1,
                                            topic=POISON_TOPIC, state=b"{}")])
    poison = app.recorder.max_notification_id()
    copy_log(app, demo_log[600:700])
    with pytest.raises(ProjectionStopped, match=f"stopped at position {poison}: cannot read "
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
    worker = Worker(app, NAMES, rebuild_chunk=100)
    worker.run_once()
    live, positions = snapshot(worker.store), worker.status()
    other = ViewStore(app)

    def drop_a_rebuilt_table(done: int, total: int) -> None:
        with other.transaction() as sql:
            sql.execute(f"DROP TABLE IF EXISTS {other.table('roster' + REBUILD_SUFFIX)}")

    with pytest.raises(Exception, match="roster__rebuild"):
        worker.rebuild_all(drop_a_rebuilt_table)
    assert snapshot(worker.store) == live
    assert worker.status() == positions
    assert leftovers(worker.store) == []
