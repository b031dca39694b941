"""Fixtures that run the same test on every event-store backend.

``store_url`` is parametrized over SQLite and PostgreSQL, so one test proves both
backends behave alike (test ids read ``test_x[sqlite]`` and ``test_x[postgres]``).
PostgreSQL tests fail, rather than skip, when the server is down: CI starts it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from tests import backends
from tests.integration import pgcluster
from tests.prerequisites import missing

# One master key for the test run, by absolute path: the CLI subprocesses and servers a
# test starts (each with its own data folder) read the keys the test process wrapped.
os.environ.setdefault("AGENT_RECORDS_MASTER_KEY",
                      str(Path(__file__).resolve().parents[1] / "data" / "master-key"))


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL store URL on a fresh schema, dropped after the test."""
    schema = backends.create_schema()
    try:
        yield backends.store_url(schema)
    finally:
        backends.drop_schema(schema)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty event store's URL, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.sqlite3"
    else:
        yield request.getfixturevalue("pg_schema_url")


@pytest.fixture
def records(store_url: str) -> Iterator[AgentRecords]:
    """The application on an empty store, once per backend; closed afterwards."""
    app = open_records(store_url)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def private_cluster() -> Iterator[pgcluster.PrivateCluster]:
    """A private PostgreSQL cluster on its own port, for outage tests: stopping and
    starting it never touches the shared server."""
    reason = pgcluster.unavailable_reason()
    if reason:
        missing(f"private PostgreSQL cluster: {reason}")
    cluster = pgcluster.PrivateCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()
