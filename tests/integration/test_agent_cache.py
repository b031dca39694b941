"""The cache of evaluated agents (``agent_cache``) never decides on a stale record.

Each application instance has its own cache, as separate processes of the service do.
A command decides first on its cached record without reading the store: when another
instance changed the record meanwhile, the store refuses the save (or the refusal was
out of date) and the command runs again on the record as stored. Both backends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from agent_records.application import AgentRecords
from agent_records.domain.commands import GrantLeave, RenewAppointment, Retire
from agent_records.domain.errors import RuleViolation
from agent_records.domain.events import LeaveGranted
from tests.careers import on, open_legation, serving_attache

pytestmark = pytest.mark.timeout(180)


def two_writers(url: str, open_app: Callable[[str], AgentRecords], renewals: int
                ) -> tuple[AgentRecords, AgentRecords, UUID]:
    """Two instances on one store, both with the agent in their caches."""
    first = open_app(url)
    open_legation(first)
    aid = serving_attache(first, renewals=renewals)
    second = open_app(url)
    assert first.get_agent(aid).version == second.get_agent(aid).version
    return first, second, aid


def stored(url: str, open_app: Callable[[str], AgentRecords], aid: UUID) -> list[Any]:
    """The record as a new instance reads it from the store."""
    return [vars(e) for e in open_app(url).get_agent(aid).events]


def test_a_refusal_on_a_record_another_writer_changed_is_decided_again_on_the_store(
    store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    """The first instance's cached attaché has lapsed in July 1949; the second renewed
    him meanwhile: the leave of August is granted on the record as stored."""
    first, second, aid = two_writers(store_url, open_app, renewals=0)
    renewed = second.handle(RenewAppointment(aid, on("1949-06-15")))
    granted = first.handle(GrantLeave(aid, on("1949-08-01"), end_date=date(1949, 8, 5)))
    assert granted.version == renewed.version + 1
    assert first.get_agent(aid).state.leaves[-1].start == date(1949, 8, 1)
    assert [vars(e) for e in first.get_agent(aid).events] == stored(store_url, open_app, aid)


def test_a_command_on_a_stale_cached_record_is_refused_by_the_store_and_decided_again(
    store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    """The first instance's cached agent is serving; the second recorded his retirement
    meanwhile: the store refuses the save of the leave decided on the cached record, and
    the leave is then refused on the record as stored. Nothing of it is written."""
    first, second, aid = two_writers(store_url, open_app, renewals=10)
    retired = second.handle(Retire(aid, on("1949-01-31")))
    with pytest.raises(RuleViolation) as refused:
        first.handle(GrantLeave(aid, on("1949-03-01"), end_date=date(1949, 3, 5)))
    assert refused.value.code == "not_serving"
    agent = first.get_agent(aid)
    assert agent.version == retired.version
    assert [vars(e) for e in agent.events] == stored(store_url, open_app, aid)


def test_writers_on_one_agent_from_warm_caches_all_succeed_once_each(
    store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    """Four instances grant leaves on one agent at once, each from its cached record:
    they collide on versions and are retried; each leave is recorded once, in versions
    one after the other, and every cache then gives what the store gives."""
    first, _, aid = two_writers(store_url, open_app, renewals=10)
    writers = [first, *(open_app(store_url) for _ in range(3))]
    start = first.get_agent(aid).version
    for app in writers:
        app.get_agent(aid)
    barrier = threading.Barrier(len(writers), timeout=30)

    def write(w: int) -> list[int]:
        barrier.wait()
        days = [date(1949, 2, 1) + timedelta(days=10 * (3 * w + k)) for k in range(3)]
        return [writers[w].handle(GrantLeave(aid, on(d), end_date=d)).version for d in days]

    with ThreadPoolExecutor(len(writers)) as pool:
        versions = [v for f in [pool.submit(write, w) for w in range(len(writers))]
                    for v in f.result(timeout=120)]
    assert sorted(versions) == list(range(start + 1, start + 1 + 3 * len(writers)))
    events = open_app(store_url).get_agent(aid).events[start:]
    assert [type(e) for e in events] == [LeaveGranted] * 3 * len(writers)
    record = stored(store_url, open_app, aid)
    for app in writers:
        agent = app.get_agent(aid)
        assert [vars(e) for e in agent.events] == record
        assert sorted(lv.start for lv in agent.state.leaves) == sorted(
            e["effective_date"] for e in record[start:])


def test_the_record_as_of_each_version_is_what_the_store_gives(
    store_url: str, open_app: Callable[[str], AgentRecords], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the projections read it: every version from the cache (cut from the cached
    record, or read on from it) equals the same version read without a cache."""
    first, second, aid = two_writers(store_url, open_app, renewals=3)
    for month in (2, 5, 8):
        second.handle(GrantLeave(aid, on(date(1949, month, 1)), end_date=date(1949, month, 3)))
    monkeypatch.setenv("AGENT_RECORDS_CACHED_AGENTS", "0")
    uncached = open_app(store_url)
    assert uncached.agent_cache is None
    head = uncached.get_agent(aid).version
    for version in [*range(head, 0, -1), head, 3, head - 1]:
        for app in (first, second):
            got, want = app.get_agent(aid, version=version), uncached.get_agent(aid, version)
            assert got.version == want.version == version
            assert [vars(e) for e in got.events] == [vars(e) for e in want.events]
            assert got.state == want.state
            assert got.state_on(date(1949, 3, 1)) == want.state_on(date(1949, 3, 1))
    assert sum(isinstance(e, LeaveGranted) for e in first.get_agent(aid).events) == 3
