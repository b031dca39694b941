"""The cache of evaluated agents (``agent_cache``) never decides on a stale record.

Each application instance has its own cache, as separate processes of the service do.
A command decides first on its cached record without reading the store: when another
instance changed the record meanwhile, the store refuses the save (or the refusal was
out of date) and the command runs again on the record as stored. Both backends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any
from unittest.mock import patch
from uuid import UUID

import pytest
from hypothesis import given

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.domain.agent import Agent, StoredForm
from agent_records.domain.commands import (
    CorrectEvent,
    GrantLeave,
    Promote,
    RecordMarriage,
    ReferToDiscipline,
    RenewAppointment,
    RequestMarriageAuthorisation,
    Retire,
)
from agent_records.domain.errors import RuleViolation
from agent_records.domain.events import LeaveGranted
from tests.careers import on, open_legation, serving_attache
from tests.unit.test_fold import outcome, start
from tests.unit.test_properties import SETTINGS, careers

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


def exactly(agent: Agent) -> tuple[list[str], str]:
    """The record and its evaluation to the types of their values (``repr``: an enum
    member and its text are equal, but not alike)."""
    return [repr(sorted(vars(e).items())) for e in agent.events], repr(agent.evaluation)


def test_a_command_leaves_in_the_cache_exactly_the_record_a_reading_gives(
    store_url: str, open_app: Callable[[str], AgentRecords], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands decide on their events as the store gives them back (``stored_form``)
    and the cache keeps the record they leave without reading it: enums, value objects,
    sealed personal fields, a correction, to the type of every value, it is the record
    and the evaluation that a reading of the store gives."""
    app = open_app(store_url)
    open_legation(app)
    aid = serving_attache(app, renewals=3)
    app.handle(GrantLeave(aid, on("1949-02-01"), end_date=date(1949, 2, 6), travel_days=1))
    asked = app.handle(RequestMarriageAuthorisation(aid, on("1949-03-01"), spouse_name="Anne",
                                                    spouse_nationality="FR"))
    app.handle(RecordMarriage(aid, on("1949-04-01"), spouse_name="Anne",
                              spouse_nationality="FR", request_version=asked.version))
    app.handle(ReferToDiscipline(aid, on("1949-05-01"), body="ordinary",
                                 facts="absent"))
    app.handle(CorrectEvent(aid, on("1949-05-02", reason="wrong day"),
                            corrected_version=asked.version + 1,
                            changes={"effective_date": "1949-04-02"}))
    app.handle(Promote(aid, on("1951-08-01", decision_reference="AGD-P"),
                       to_grade="secretaire"))
    assert app.agent_cache is not None
    cached = app.agent_cache.get(aid, fresh=False)  # as the commands left it, unread
    monkeypatch.setenv("AGENT_RECORDS_CACHED_AGENTS", "0")
    assert exactly(cached) == exactly(open_app(store_url).get_agent(aid))


@pytest.fixture(scope="module")
def stored_form(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoredForm]:
    """The application's ``stored_form`` (its mapper's: the same on both backends)."""
    app = open_records(f"sqlite:///{tmp_path_factory.mktemp('form')}/store.sqlite3")
    assert app.stored_form is not None
    try:
        yield app.stored_form
    finally:
        app.close()


def as_stored(agent: Agent, form: StoredForm) -> Agent:
    """``agent``'s record as a reading of the store gives it: each event's stored form."""
    read: Any = None
    for event in agent.events:
        read = form(event).mutate(read)
    assert isinstance(read, Agent)
    return read


@SETTINGS
@given(careers)
def test_commands_decide_alike_on_events_as_given_and_as_the_store_gives_them(
        stored_form: StoredForm, career: tuple) -> None:
    """Generated careers (``test_properties``), command by command, on an agent that
    takes each event as given (as commands did before ``stored_form``) and on one that
    takes it as the store gives it back (as the application's commands do): the same
    acceptances and refusals, the same state and breaches; and the second's record and
    fold are, to the type of every value, those of its events read back."""
    exempted, prior, cmds, last = career
    as_given = start(exempted, prior)
    stored = as_stored(as_given, stored_form)
    emit = Agent._emit

    def emit_stored(self: Agent, cls: Any, kwargs: Any, now: Any, form: Any = None) -> Any:
        return emit(self, cls, kwargs, now, stored_form)

    for command in [*cmds, ("correct", *last)]:
        done = outcome(as_given, command)
        with patch.object(Agent, "_emit", emit_stored):
            assert outcome(stored, command) == done, command
        assert stored.evaluation == as_given.evaluation
        assert exactly(stored) == exactly(as_stored(stored, stored_form))
