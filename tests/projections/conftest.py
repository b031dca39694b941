"""A demo event log recorded once per session, copied into the stores of the tests.

Recording 150 demo careers through the application takes seconds per store; the tests
that need thousands of events copy the stored events of one recording instead (the same
events, in the same order, with fresh positions). Any prefix of the log is a consistent
store: each aggregate's versions start at 1 and follow each other.
"""

from __future__ import annotations

import os

import pytest
from eventsourcing.persistence import StoredEvent

from agent_records.bootstrap import open_records
from agent_records.demo import load_demo

DEMO_CAREERS = 150  # about 2,300 events


@pytest.fixture(scope="session")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> list[StoredEvent]:
    """The stored events of ``load_demo(app, 150)``, in the order of the log. Stored with
    personal values in clear (as before sealing existed), since tests copy them into
    other stores, which do not hold this store's data keys."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    os.environ["RECORDS_SEALING"] = "off"
    try:
        app = open_records(f"sqlite:///{path}")
    finally:
        del os.environ["RECORDS_SEALING"]
    try:
        load_demo(app, DEMO_CAREERS)
        return [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                for n in app.recorder.select_notifications(1, 10**6)]
    finally:
        app.close()
