"""Copies of sealed careers (``bench/tenmillion.py --sealed``, ``bench/resealing.py``): each
copied event, opened with the copy's own keys, reads as its original under the copy's id;
the copies' rows in every view are their originals' rows under the copies' ids; the hash
chain verifies. PostgreSQL only (the copies are made in SQL)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.eventstore.sealing import MARK
from agent_records.readside import named
from bench.common import generate
from bench.resealing import copy_id
from bench.tenmillion import copy_careers
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from tests import backends
from tests.integration.test_erasure import verified

pytestmark = pytest.mark.postgres
CAREERS, COPIES = 40, 3


@pytest.fixture(scope="module")
def copied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentRecords]:
    """``CAREERS`` sealed careers and ``COPIES`` copies of them."""
    data = pytest.MonkeyPatch()
    data.setenv("AGENT_RECORDS_DATA", str(tmp_path_factory.mktemp("copies")))
    schema = backends.create_schema()
    app = open_records(backends.store_url(schema))
    try:
        generate(app, CAREERS)
        base = app.recorder.max_notification_id()
        copy_careers(backends.PG_DSN, app.recorder.events_table_name,
                     base * (COPIES + 1) - 100, schema, sealed_by=app)
        yield app
    finally:
        app.close()
        data.undo()
        backends.drop_schema(schema)


def streams(app: AgentRecords) -> dict[UUID, list[Any]]:
    """Each stream's stored events, in order."""
    found: dict[UUID, list[Any]] = defaultdict(list)
    for note in app.recorder.select_notifications(1, 10**6):
        found[note.originator_id].append(note)
    return found


def copies(found: dict[UUID, list[Any]]) -> dict[UUID, UUID]:
    """Each copied agent's id and its original's."""
    return {copy_id(oid, k): oid for oid in found for k in range(1, COPIES + 1)
            if copy_id(oid, k) in found}


def test_each_copied_event_opens_as_its_original(copied: AgentRecords) -> None:
    found = streams(copied)
    original_of = copies(found)
    assert len(original_of) == COPIES * (CAREERS - 2)  # the team of Bern is not copied
    mapper, resealed = copied.mapper, 0
    for cid, oid in original_of.items():
        assert [c.originator_version for c in found[cid]] == \
            [e.originator_version for e in found[oid]]
        for event, copy in zip(found[oid], found[cid], strict=True):
            assert vars(mapper.to_domain_event(copy)) == {
                **vars(mapper.to_domain_event(event)), "originator_id": cid}
            if MARK in event.state:  # sealed again: its own ciphertexts
                resealed += 1
                assert copy.state != event.state
            else:
                assert copy.state == event.state
    assert resealed > COPIES * CAREERS


def test_the_copies_have_their_own_keys_and_the_chain_verifies(copied: AgentRecords) -> None:
    keys = copied.mapper.sealer.keys  # type: ignore[attr-defined]
    agents = {a for a, _ in keys.live_pairs(["identity"])}
    assert len(agents) == CAREERS + COPIES * (CAREERS - 2)
    verified(copied)


def test_the_copies_views_are_their_originals(copied: AgentRecords) -> None:
    Worker(copied, named()).rebuild_all()
    store = ViewStore(copied)
    original_of = {str(c): str(o) for c, o in copies(streams(copied)).items()}
    for table, column in (("agents", "agent_id"), ("leave_years", "agent_id"),
                          ("deadlines", "agent_id"), ("roster", "agent_id"),
                          ("audit_log", "stream_id")):
        with store.reading() as sql:
            rows = sql.execute(f"SELECT * FROM {store.table(table)}").fetchall()
        by: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in rows:
            by[row[column]].append(tuple(sorted(
                (k, str(v)) for k, v in row.items() if k not in (column, "position"))))
        assert all(sorted(by[c]) == sorted(by[o]) for c, o in original_of.items()), table
        assert any(by[c] for c in original_of), table  # rows were compared
