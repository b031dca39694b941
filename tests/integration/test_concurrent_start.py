"""Several processes opening the same fresh store at once (uvicorn workers, writers)."""

from __future__ import annotations

import multiprocessing
from datetime import date

from agent_records import demo
from agent_records.bootstrap import open_records
from agent_records.domain.commands import RegisterAgent


def _open_and_register(url: str, results: multiprocessing.Queue) -> None:
    try:
        app = open_records(url)
        app.handle(RegisterAgent(demo.on(date(1950, 1, 1)), full_name="Jean Schmit",
                                 birth_date=date(1920, 1, 1), nationality="LU"))
        app.close()
        results.put("ok")
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(f"{type(exc).__name__}: {exc} ({exc.__cause__!r})")


def test_processes_starting_together_on_a_fresh_store_all_start(store_url: str) -> None:
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_open_and_register, args=(store_url, results))
             for _ in range(8)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join()
    assert outcomes == ["ok"] * 8
    app = open_records(store_url)
    assert app.recorder.max_notification_id() == 8
    app.close()


def test_a_pool_of_one_connection_creates_the_tables(pg_schema_url: str) -> None:
    """The creation lock is held on a connection of its own, not one of the pool's."""
    from eventsourcing.postgres import PostgresDatastore

    from agent_records.eventstore.recorders.postgres import ConcurrentApplicationRecorder

    schema = pg_schema_url.split("schema=")[1]
    datastore = PostgresDatastore(dbname="test", host="127.0.0.1", port="5432",
                                  user="postgres", password="", schema=schema,
                                  pool_size=1, max_overflow=0, connect_timeout=5)
    try:
        recorder = ConcurrentApplicationRecorder(datastore)
        recorder.create_table()
        assert recorder.max_notification_id() is None
    finally:
        datastore.close()
