"""Rebuild equality: views built incrementally, in small batches interleaved with the
recording of thousands of events, equal a rebuild from position zero row for row."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.persistence import StoredEvent

from agent_records.application import AgentRecords
from agent_records.domain.commands import CorrectEvent, GrantLeave, PostAgent
from agent_records.readside import VIEWS, named
from projections.engine.runner import Worker
from tests.careers import on, open_legation, serving_attache
from tests.projections.helpers import (
    NAMES,
    assert_audit_complete,
    assert_equals_rebuild,
    checksums,
    copy_log,
    snapshot,
)

DAY = date(1956, 1, 1)
"""The day the views are as of: the demo's careers are under way (in 2026 all are over)."""


def record_through_the_application(app: AgentRecords) -> None:
    """A career with a corrected leave and an annulled posting, amid the demo's events."""
    open_legation(app, "VIE", "Vienne", "AT")
    aid = serving_attache(app, post="VIE")
    leave = app.handle(GrantLeave(aid, on("1949-03-01"), end_date=date(1949, 3, 20), travel_days=2))
    app.handle(CorrectEvent(aid, on("1949-03-01", reason="end date misread"),
                            corrected_version=leave.version,
                            changes={"end_date": date(1949, 3, 15)}))
    posting = app.handle(PostAgent(aid, on("1949-04-01"), kind="ministry"))
    app.handle(CorrectEvent(aid, on("1949-04-01", reason="never took effect"),
                            corrected_version=posting.version, annulled=True))


@pytest.mark.parametrize(("together", "processes"), [(False, None), (True, 1), (True, 3)],
                         ids=["each", "all", "all-3-processes"])
def test_incremental_views_equal_a_rebuild(records: AgentRecords, demo_log: list[StoredEvent],
                                           together: bool, processes: int | None) -> None:
    """Each view rebuilt alone, or all in one pass (in 1 or 3 processes on PostgreSQL)."""
    app = records
    worker = Worker(app, named(NAMES), batch_size=37, today=lambda: DAY)
    runs = []
    chunks = [demo_log[i:i + 150] for i in range(0, len(demo_log), 150)]
    for i, chunk in enumerate(chunks):
        copy_log(app, chunk, chunk=50)
        if i == len(chunks) // 2:
            record_through_the_application(app)
        runs.append(worker.run_once())  # 37 per transaction, often mid-career
    head = app.recorder.max_notification_id()
    assert head >= len(demo_log) > 2000
    assert len(runs) > 10 and all(runs)
    assert all(s.position == head for s in worker.status())
    assert_audit_complete(app)

    incremental = snapshot(worker.store)
    assert [t for t, r in incremental.items() if not r and not t.endswith("_due")] == []
    rebuilt = assert_equals_rebuild(app, together=together, processes=processes,
                                    today=lambda: DAY)
    assert checksums(rebuilt) == checksums(incremental)
    assert all(s.position == head for s in Worker(app, named(NAMES)).status())
    assert {t.name for n in NAMES for t in VIEWS[n].tables} == set(incremental)
