"""Two workers at once never apply an event twice: the store's projection lock lets one
follow at a time, and the library's tracking refuses a batch applied at a stale position."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.readside import named
from projections.engine.base import View
from projections.engine.runner import Worker
from tests.careers import serving_attache
from tests.projections.helpers import (
    NAMES,
    assert_audit_complete,
    assert_equals_rebuild,
    copy_log,
    kill,
    lag,
    snapshot,
    start_worker,
    terminate,
    wait_following,
    wait_for,
)


def test_two_threads_following_at_once(records: AgentRecords, store_url: str,
                                       demo_log: list[StoredEvent]) -> None:
    app = records
    stop = threading.Event()
    applied = [0, 0]
    errors: list[BaseException] = []
    apps = [open_records(store_url), open_records(store_url)]

    def follow(i: int) -> None:
        def count(n: int) -> None:
            applied[i] += n
        try:
            Worker(apps[i], named(NAMES), batch_size=50).follow(stop, interval=0.05, on_batch=count)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=follow, args=(i,), daemon=True) for i in (0, 1)]
    try:
        for t in threads:
            t.start()  # each creates the tables it finds missing, at the same moment
        watcher = Worker(app, named(NAMES))
        copy_log(app, demo_log[:1200], chunk=40)  # recorded while both workers run
        load_demo_more(app)
        wait_for(lambda: lag(watcher) == 0, 60, "the workers to catch up", interval=0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(20)
        for a in apps:
            a.close()
    assert not any(t.is_alive() for t in threads), "a worker did not stop"
    assert errors == []
    assert sorted(applied)[0] == 0 < sorted(applied)[1], applied  # one held the lock
    assert_audit_complete(app)
    assert_equals_rebuild(app)


def test_two_processes_started_at_once(records: AgentRecords, store_url: str,
                                       tmp_path: Path, demo_log: list[StoredEvent]) -> None:
    app = records
    copy_log(app, demo_log[:1200])
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    procs = []
    try:
        # The second starts as soon as the first follows (mid catch-up), not in the same
        # instant: opening two applications at once can fail in the library's own
        # CREATE OR REPLACE FUNCTION on PostgreSQL ("tuple concurrently updated").
        for log in logs:
            procs.append(start_worker(store_url, log))
            wait_following(procs[-1], log)
        watcher = Worker(app, named(NAMES))
        wait_for(lambda: lag(watcher) == 0, 60, "the workers to catch up", interval=0.1)
        load_demo_more(app)
        wait_for(lambda: lag(watcher) == 0, 60, "the workers to follow", interval=0.1)
        statuses = [terminate(proc) for proc in procs]  # one of them is waiting for the lock
    finally:
        for proc in procs:
            kill(proc)
    outputs = [log.read_text() for log in logs]
    assert statuses == [0, 0], outputs
    assert all("stopped cleanly" in out and "Traceback" not in out for out in outputs)
    assert_audit_complete(app)
    assert_equals_rebuild(app)


def load_demo_more(app: AgentRecords) -> None:
    """A few more events while the workers run."""
    for post in ("BRU", "PAR", "LON"):
        serving_attache(app, post=post)


@pytest.mark.parametrize("name", ["agents", "leave"])
def test_a_batch_applied_twice_at_the_same_position_is_refused(
        records: AgentRecords, store_url: str, name: str, demo_log: list[StoredEvent]) -> None:
    app = records
    copy_log(app, demo_log[:120])
    other = open_records(store_url)
    try:
        first = Worker(app, named([name]), batch_size=40)
        second = Worker(other, named([name]), batch_size=40)
        view, rival = first.views[0], second.views[0]
        real_read = first.read
        during: dict[str, object] = {}

        def read_then_rival_steps(v: View, start: int, limit: int) -> tuple[list, object]:
            read = real_read(v, start, limit)  # first has read its batch at position 0
            if not during:  # before first opens its transaction, the rival steps the same
                during["applied"] = second.step(rival)
                during["rows"] = snapshot(second.store, [name])
            return read

        first.read = read_then_rival_steps  # type: ignore[method-assign]
        with pytest.raises(IntegrityError, match="Failed to record tracking"):
            first.step(view)
        assert during["applied"] == 40
        assert first.store.position(name) == second.store.position(name) == 40
        assert snapshot(first.store, [name]) == during["rows"]  # nothing doubled or lost
        first.read = real_read  # type: ignore[method-assign]
        assert first.run_once() > 0 and lag(first) == 0
    finally:
        other.close()
    assert_equals_rebuild(app, [name])


def test_audit_rows_of_a_batch_applied_twice_are_not_doubled(
        records: AgentRecords, demo_log: list[StoredEvent]) -> None:
    app = records
    copy_log(app, demo_log[:120])
    worker = Worker(app, named(["audit_log"]), batch_size=40)
    view: View = worker.views[0]
    assert worker.step(view) == 40
    before = snapshot(worker.store, ["audit_log"])
    batch, poison = worker.read(view, 0, 40)
    assert poison is None and len(batch) == 40
    with pytest.raises(IntegrityError), worker.store.transaction() as sql:
        view.process(sql, batch, worker.load)
        worker.store.track(sql, view.tracking_name, batch[-1][0])
    assert snapshot(worker.store, ["audit_log"]) == before
    assert len(before["audit_log"]) == 40 == worker.store.position("audit_log")
