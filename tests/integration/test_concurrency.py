"""Concurrent writers on PostgreSQL: optimistic concurrency on the agent's version.

Every writer is its own application instance (its own connection pool), as separate
processes of the service would be. Writers start together behind a barrier.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from agent_records.application import AgentRecords, ConcurrencyConflict, Receipt
from agent_records.domain.commands import GrantLeave, RenewAppointment
from agent_records.domain.errors import RuleViolation
from agent_records.domain.events import LeaveGranted
from agent_records.domain.values import Decision
from tests.careers import CLERK, on, open_legation, serving_attache

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

WRITERS = 8
FIRST_DAY = date(1949, 2, 1)  # the attaché has 30 days for 1949 and 30 carried from 1948


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Runs ``work(i)`` in ``count`` threads released at once; returns results or errors."""
    barrier = threading.Barrier(count, timeout=30)

    def task(i: int) -> Any:
        barrier.wait()
        try:
            return work(i)
        except (ConcurrencyConflict, RuleViolation) as refused:
            return refused

    with ThreadPoolExecutor(count) as pool:
        return [f.result(timeout=60) for f in [pool.submit(task, i) for i in range(count)]]


def one_agent(url: str, open_app: Callable[[str], AgentRecords]) -> tuple[AgentRecords, UUID]:
    app = open_app(url)
    open_legation(app)
    return app, serving_attache(app, renewals=10)


def leave_decision(day: date, writer: int) -> Decision:
    return Decision(day, CLERK, correlation_id=f"writer-{writer}-{day}")


def test_two_writers_on_the_same_version_the_second_is_told(
    pg_schema_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    first, aid = one_agent(pg_schema_url, open_app)
    second = open_app(pg_schema_url)
    version = first.get_agent(aid).version
    assert second.get_agent(aid).version == version

    won = first.handle(RenewAppointment(aid, on("1949-06-15", correlation_id="first"),
                                        expected_version=version))
    with pytest.raises(ConcurrencyConflict) as lost:
        second.handle(RenewAppointment(aid, on("1949-06-16", correlation_id="second"),
                                       expected_version=version))
    assert lost.value.field == "expected_version"

    agent = second.get_agent(aid)
    assert (won.version, agent.version) == (version + 1, version + 1)
    assert [e.correlation_id for e in agent.events[version:]] == ["first"]


def test_two_writers_past_the_version_check_collide_in_the_store(
    pg_schema_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    setup, aid = one_agent(pg_schema_url, open_app)
    writers = [open_app(pg_schema_url) for _ in range(2)]
    version = setup.get_agent(aid).version
    both_loaded = threading.Barrier(2, timeout=30)

    def write(i: int) -> Receipt:
        day = FIRST_DAY + timedelta(days=10 * i)

        def act(agent: Any) -> Any:
            both_loaded.wait()  # both hold the same version: only the store can tell
            return agent.record(LeaveGranted, leave_decision(day, i), kind="annual",
                                end_date=day, travel_days=0, granted_by="minister",
                                council_deliberation_ref=None)

        return writers[i]._change(aid, act, expected_version=version)

    outcomes = run_together(2, write)
    [won] = [o for o in outcomes if isinstance(o, Receipt)]
    [lost] = [o for o in outcomes if not isinstance(o, Receipt)]
    assert isinstance(lost, ConcurrencyConflict)
    assert "another writer" in str(lost)
    agent = setup.get_agent(aid)
    assert agent.version == won.version == version + 1
    assert [e.correlation_id for e in agent.events[version:]] == [won.correlation_id]


def test_racing_writers_with_expected_version_exactly_one_wins_each_round(
    pg_schema_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    setup, aid = one_agent(pg_schema_url, open_app)
    writers = [open_app(pg_schema_url) for _ in range(2)]
    for round_ in range(5):
        version = setup.get_agent(aid).version
        day = FIRST_DAY + timedelta(days=4 * round_)

        def write(i: int, day: date = day, version: int = version) -> Receipt:
            return writers[i].handle(GrantLeave(aid, leave_decision(day + timedelta(days=i), i),
                                                end_date=day + timedelta(days=i),
                                                expected_version=version))

        outcomes = run_together(2, write)
        [won] = [o for o in outcomes if isinstance(o, Receipt)]
        [lost] = [o for o in outcomes if not isinstance(o, Receipt)]
        assert isinstance(lost, ConcurrencyConflict), lost
        events = setup.get_agent(aid).events
        assert [e.correlation_id for e in events[version:]] == [won.correlation_id]


def test_many_writers_without_expected_version_lose_nothing(
    pg_schema_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    setup, aid = one_agent(pg_schema_url, open_app)
    version = setup.get_agent(aid).version
    writers = [open_app(pg_schema_url) for _ in range(WRITERS)]
    days = {(i, k): FIRST_DAY + timedelta(days=2 * (3 * i + k))
            for i in range(WRITERS) for k in range(3)}

    def write(i: int) -> list[Any]:
        out: list[Any] = []
        for k in range(3):
            day = days[i, k]
            try:
                out.append(writers[i].handle(GrantLeave(aid, leave_decision(day, i), end_date=day)))
            except (ConcurrencyConflict, RuleViolation) as refused:
                out.append(refused)
        return out

    outcomes = {key: o for i, res in enumerate(run_together(WRITERS, write))
                for key, o in zip([(i, k) for k in range(3)], res, strict=True)}
    assert len(outcomes) == len(days)  # every command answered
    receipts = {key: o for key, o in outcomes.items() if isinstance(o, Receipt)}
    refused = [o for o in outcomes.values() if not isinstance(o, Receipt)]
    assert receipts
    assert all(isinstance(o, ConcurrencyConflict | RuleViolation) for o in refused)

    agent = setup.get_agent(aid)
    assert [e.originator_version for e in agent.events] == list(range(1, agent.version + 1))
    assert agent.version == version + len(receipts)
    stored = {e.originator_version: e for e in agent.events[version:]}
    assert all(isinstance(e, LeaveGranted) for e in stored.values())
    for (i, k), receipt in receipts.items():
        event = stored[receipt.version]
        assert (event.effective_date, event.correlation_id) == (
            days[i, k], receipt.correlation_id)
    assert sorted(e.effective_date for e in stored.values()) == sorted(
        days[key] for key in receipts)
    assert len({r.version for r in receipts.values()}) == len(receipts)


def test_many_writers_granting_the_same_leave_only_one_succeeds(
    pg_schema_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    setup, aid = one_agent(pg_schema_url, open_app)
    version = setup.get_agent(aid).version
    writers = [open_app(pg_schema_url) for _ in range(WRITERS)]
    start, end = date(1949, 8, 1), date(1949, 8, 5)

    outcomes = run_together(WRITERS, lambda i: writers[i].handle(GrantLeave(
        aid, leave_decision(start, i), end_date=end)))

    [won] = [o for o in outcomes if isinstance(o, Receipt)]
    for lost in (o for o in outcomes if o is not won):
        assert isinstance(lost, ConcurrencyConflict) or (
            isinstance(lost, RuleViolation) and lost.code == "leave_overlaps"), lost
    agent = setup.get_agent(aid)
    assert agent.version == won.version == version + 1
    [leave] = agent.state.leaves
    assert (leave.version, leave.start, leave.end) == (won.version, start, end)
