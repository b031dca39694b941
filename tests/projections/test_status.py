"""``projections status`` shows each view's position, the head and the lag; ``projections
rebuild`` shows progress, and readers keep the live tables until the rebuilt ones swap in."""

from __future__ import annotations

import threading

from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.domain.commands import OpenPost
from agent_records.readside import named
from projections.engine.rebuild import REBUILD_SUFFIX
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from tests.careers import on
from tests.projections.helpers import NAMES, cli, copy_log, select, snapshot


def status_table(url: str) -> dict[str, tuple[int, int, int]]:
    """``agent-records projections status`` parsed: name -> (position, head, lag)."""
    done = cli(url, "projections", "status", timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].split() == ["projection", "position", "head", "lag"]
    table = {}
    for line in lines[1:]:
        name, position, head, lag = line.split()
        table[name] = (int(position), int(head), int(lag))
    return table


def test_status_shows_position_head_and_lag(records: AgentRecords, store_url: str,
                                            demo_log: list[StoredEvent]) -> None:
    copy_log(records, demo_log[:150])
    head = records.recorder.max_notification_id()
    before = status_table(store_url)
    for name in NAMES:
        assert before[name] == (0, head, head)
    Worker(records, named(NAMES), batch_size=25).run_once()
    after = status_table(store_url)
    for name in NAMES:
        assert after[name] == (head, head, 0)
    records.handle(OpenPost(on("1948-01-01"), code="LUX", name="Ministère", city="Luxembourg",
                            country="LU", kind="ministry"))
    behind = status_table(store_url)
    assert all(behind[n] == (head, head + 1, 1) for n in NAMES)


def test_cli_rebuild_prints_progress_and_swaps(records: AgentRecords, store_url: str,
                                               demo_log: list[StoredEvent]) -> None:
    copy_log(records, demo_log[:1000])
    head = records.recorder.max_notification_id()
    worker = Worker(records, named(NAMES))
    worker.run_once()
    live = snapshot(worker.store, ["agents"])
    done = cli(store_url, "projections", "rebuild", "agents", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "agents [" in done.stderr and "events/s" in done.stderr and "ETA" in done.stderr
    assert f"{head}/{head}" in done.stderr
    assert f"agents: rebuilt from {head} events and swapped in" in done.stderr
    assert snapshot(worker.store, ["agents"]) == live
    assert status_table(store_url)["agents"] == (head, head, 0)
    unknown = cli(store_url, "projections", "rebuild", "nosuchview", timeout=60)
    assert unknown.returncode == 2 and "unknown projection" in unknown.stderr


def test_cli_rebuild_without_a_name_rebuilds_every_view_in_one_pass(
        records: AgentRecords, store_url: str, demo_log: list[StoredEvent]) -> None:
    copy_log(records, demo_log[:800])
    head = records.recorder.max_notification_id()
    worker = Worker(records, named(NAMES))
    worker.run_once()
    live = snapshot(worker.store)
    done = cli(store_url, "projections", "rebuild", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "all views [" in done.stderr and f"{head}/{head}" in done.stderr
    assert f"all views: rebuilt from {head} events and swapped in (read and load" in done.stderr
    assert done.stderr.count("swapped in") == 1  # one pass, not one per view
    assert snapshot(worker.store) == live
    table = status_table(store_url)
    assert all(table[n] == (head, head, 0) for n in NAMES)
    assert table["ledger"][0] == 0  # sealed by its own worker, never rebuilt


def test_live_tables_answer_during_a_rebuild(records: AgentRecords, store_url: str,
                                             demo_log: list[StoredEvent]) -> None:
    copy_log(records, demo_log[:500])
    worker = Worker(records, named(NAMES), batch_size=40, rebuild_processes=1, rebuild_chunk=100)
    worker.run_once()  # the rebuild writes 100 events at a time, reporting after each
    reader = open_records(store_url)  # the service, reading the live tables
    try:
        store = ViewStore(reader)
        live = snapshot(store, ["leave"])
        assert live["leave_years"] and live["leaves"]
        paused, resume = threading.Event(), threading.Event()
        results: list[object] = []

        def progress(position: int, head: int) -> None:
            if not paused.is_set():
                paused.set()
                resume.wait(30)

        def rebuild() -> None:
            try:
                results.append(worker.rebuild("leave", progress))
            except BaseException as exc:  # reported below
                results.append(exc)

        thread = threading.Thread(target=rebuild, daemon=True)
        thread.start()
        try:
            assert paused.wait(30), "the rebuild made no progress"
            assert snapshot(store, ["leave"]) == live  # mid-rebuild: the old rows answer
            fresh = select(store, "SELECT count(*) AS n FROM "
                           f"{store.table('leave_years' + REBUILD_SUFFIX)}")[0]["n"]
            assert 0 < fresh < len(live["leave_years"])  # built beside, not yet complete
        finally:
            resume.set()
        reads = 0
        while thread.is_alive() and reads < 10_000:  # reading through batches and the swap
            assert snapshot(store, ["leave"]) == live
            reads += 1
        thread.join(60)
        assert not thread.is_alive()
        assert results == [records.recorder.max_notification_id()]
        assert snapshot(store, ["leave"]) == live
        assert not store.exists("leave_years" + REBUILD_SUFFIX)
    finally:
        reader.close()
