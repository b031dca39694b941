"""A whole career, recorded, reloaded by a new application instance, and across backends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_records.application import AgentRecords, uuid4_text
from agent_records.domain.commands import RegisterAgent
from agent_records.domain.values import (
    Actor,
    Decision,
    Grade,
    LeaveKind,
    PositionKind,
    Status,
)
from tests.integration.career_script import (
    AUDIT_FIELDS,
    LEGATION,
    described,
    plain,
    record_career,
)


def test_a_whole_career_reloads_from_the_store_as_recorded(
    records: AgentRecords, store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    career = record_career(records)
    aid, steps = career.agent_id, career.steps
    assert [r.version for r in career.receipts] == list(range(1, len(steps) + 1))
    assert [r.correlation_id for r in career.receipts] == [
        s.decision.correlation_id for s in steps]
    written = records.get_agent(aid)

    fresh = open_app(store_url)
    agent = fresh.get_agent(aid)

    assert agent.version == len(steps)
    for step, receipt, event in zip(steps, career.receipts, agent.events, strict=True):
        assert type(event).__name__ == step.event
        assert event.originator_id == aid
        assert event.originator_version == receipt.version
        assert event.timestamp == receipt.recorded_at
        assert {k: getattr(event, k) for k in AUDIT_FIELDS} == step.audit(), step.command.__name__
        assert plain(event.payload()) == plain(step.payload), step.command.__name__
    timestamps = [e.timestamp for e in agent.events]
    assert timestamps == sorted(timestamps)
    assert all(t.tzinfo is not None for t in timestamps)
    assert [vars(e) for e in agent.events] == [vars(e) for e in written.events]
    assert agent.state == written.state

    # The log as a whole (agent, post, post index) reads the same from the new instance.
    def log(app: AgentRecords) -> list[tuple]:
        return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in app.recorder.select_notifications(1, 1000)]

    assert log(fresh) == log(records)
    assert len(log(fresh)) == len(steps) + 2
    post = fresh.get_post(LEGATION.lower())
    assert (post.code, post.city, post.members) == (LEGATION, "Bruxelles", [str(aid)])


def test_the_reloaded_state_is_the_career_with_its_correction(
    records: AgentRecords, store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    aid = record_career(records).agent_id
    agent = open_app(store_url).get_agent(aid)
    s = agent.state

    assert (s.full_name, s.birth_date, s.nationality) == ("Jean Schmit", date(1920, 3, 1), "LU")
    assert (s.status, s.grade, s.renewals) == (Status.RETIRED, Grade.ENVOYE, 3)
    assert (s.pledged, s.sworn) == (True, True)
    assert (s.service_start, s.service_end) == (date(1948, 7, 1), date(1987, 3, 1))
    assert s.head_of_post is None  # retirement ends the headship
    [position] = s.positions
    assert (position.kind, position.post_code, position.since, position.ended) == (
        PositionKind.ABROAD, LEGATION, date(1948, 7, 1), date(1987, 3, 1))
    [leave] = s.leaves
    assert (leave.kind, leave.start, leave.end, leave.travel_days) == (
        LeaveKind.ANNUAL, date(1950, 8, 1), date(1950, 8, 15), 2)
    assert leave.counted_days == 13
    assert records.leave_account(aid, 1950).taken == 13
    [request] = s.marriage_requests
    assert (request.version, request.decision, request.decided_on) == (
        13, "granted", date(1955, 4, 1))
    assert s.married_to == "Marie Weber"
    assert s.extensions == (date(1986, 3, 1), date(1987, 3, 1))
    assert s.service_limit == date(1987, 3, 1)
    assert s.breaches == ()
    assert plain(s.diplomas) == plain(agent.events[1].diplomas)
    assert s.as_of == date(1987, 3, 1)

    # Valid time: the career as it stood on dates along the way.
    assert agent.state_on(date(1950, 8, 10)).status_on(date(1950, 8, 10)) == Status.ON_LEAVE
    assert agent.state_on(date(1950, 8, 16)).status_on(date(1950, 8, 16)) == Status.SERVING
    assert agent.state_on(date(1951, 12, 31)).grade == Grade.ATTACHE
    assert agent.state_on(date(1952, 1, 1)).grade == Grade.SECRETAIRE
    assert agent.state_on(date(1960, 1, 1)).grade == Grade.CONSEILLER
    mid = agent.state_on(date(1966, 1, 1))
    assert (mid.grade, mid.head_of_post, mid.status) == (Grade.ENVOYE, LEGATION, Status.SERVING)
    assert agent.state_on(date(1985, 6, 1)).extensions == (date(1986, 3, 1),)


@pytest.mark.postgres
def test_the_same_career_on_sqlite_and_postgresql_gives_the_same_record(
    tmp_path: Path, pg_schema_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    on_sqlite = open_app(f"sqlite:///{tmp_path}/career.sqlite3")
    on_postgres = open_app(pg_schema_url)
    sq = on_sqlite.get_agent(record_career(on_sqlite).agent_id)
    pg = on_postgres.get_agent(record_career(on_postgres).agent_id)

    assert sq.id != pg.id
    assert described(sq.events) == described(pg.events)
    assert sq.state == pg.state
    for day in (date(1950, 8, 10), date(1966, 1, 1), date(1986, 6, 1)):
        assert sq.state_on(day) == pg.state_on(day)
    assert on_sqlite.leave_account(sq.id, 1950) == on_postgres.leave_account(pg.id, 1950)


@given(st.binary(min_size=16, max_size=16))
def test_a_correlation_id_is_the_uuid4_of_its_random_bytes(entropy: bytes) -> None:
    assert uuid4_text(entropy) == str(uuid.UUID(bytes=entropy, version=4))


def test_a_command_without_a_correlation_id_is_given_a_new_uuid4(
        records: AgentRecords) -> None:
    decision = Decision(date(1950, 1, 1), Actor("clerk-1", "hr_clerk"))
    receipts = [records.handle(RegisterAgent(decision, full_name="Jean Schmit",
                                             birth_date=date(1920, 1, 1), nationality="LU"))
                for _ in range(2)]
    ids = [uuid.UUID(r.correlation_id) for r in receipts]
    assert [i.version for i in ids] == [4, 4] and ids[0] != ids[1]
    assert [str(i) for i in ids] == [r.correlation_id for r in receipts]
    assert records.get_agent(receipts[0].aggregate_id).events[0].correlation_id == str(ids[0])
