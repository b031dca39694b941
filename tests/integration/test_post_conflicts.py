"""Concurrent postings to one post, on both backends.

A first posting of an agent to a post also adds a member to the post's stream (the index
Art. 2 reads), in the same transaction, so concurrent postings to one post race on the
post's stream. Every writer here is its own application instance. Within one process the
application takes postings to a post in turn; ``without_turns`` removes that, as for
writers in separate processes, so that the store's conflicts happen and are retried.
Whether free writers collide is up to the scheduler, so a test that needs a conflict
makes one (``overtaken``: another writer posts between a writer's read and its save).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from agent_records import application
from agent_records.application import AgentRecords, ConcurrencyConflict, Receipt
from agent_records.domain.agent import metadata
from agent_records.domain.commands import (
    AppointAgent,
    DesignateChargeDAffaires,
    DesignateHeadOfPost,
    EnterFunctions,
    PostAgent,
    RegisterAgent,
    SwearOath,
)
from agent_records.domain.errors import RuleViolation
from agent_records.domain.events import Posted
from tests.careers import on, open_legation

pytestmark = pytest.mark.timeout(180)

WRITERS = 8
PER_WRITER = 2
DAY = date(1950, 3, 1)


def serving_secretary(app: AgentRecords, name: str = "Anne Weber") -> UUID:
    """A secretary of legation in functions, not yet posted."""
    aid = app.handle(RegisterAgent(on("1950-01-01"), full_name=name, birth_date=date(1920, 1, 1),
                                   nationality="LU")).aggregate_id
    app.handle(AppointAgent(aid, on(DAY, decision_reference="AGD 1950/S"), grade="secretaire",
                            council_deliberation_ref="Conseil 1950/1"))
    app.handle(SwearOath(aid, on(DAY)))
    app.handle(EnterFunctions(aid, on(DAY)))
    return aid


def post_together(apps: list[AgentRecords], agents: list[list[UUID]], code: str
                  ) -> list[Receipt | Exception]:
    """Each writer posts its agents to ``code``; all start at once."""
    barrier = threading.Barrier(len(apps), timeout=30)

    def write(w: int) -> list[Receipt | Exception]:
        barrier.wait()
        out: list[Receipt | Exception] = []
        for aid in agents[w]:
            try:
                out.append(apps[w].handle(PostAgent(aid, on(DAY), kind="abroad", post_code=code)))
            except (ConcurrencyConflict, RuleViolation) as refused:
                out.append(refused)
        return out

    with ThreadPoolExecutor(len(apps)) as pool:
        futures = [pool.submit(write, w) for w in range(len(apps))]
        return [o for f in futures for o in f.result(timeout=120)]


@pytest.fixture
def without_turns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """No in-process turns at a post; yields the conflicts the application saw."""
    seen: list[str] = []
    moved = AgentRecords._moved

    def spy(self: AgentRecords, loaded: Any) -> list[Any]:
        aggregates = moved(self, loaded)
        seen.extend(application._name(a) for a in aggregates)
        return aggregates

    monkeypatch.setattr(AgentRecords, "_post_lock", lambda self, code: nullcontext())
    monkeypatch.setattr(AgentRecords, "_moved", spy)
    yield seen


def assert_posted_once(app: AgentRecords, agents: list[list[UUID]], code: str,
                       receipts: list[Receipt | Exception]) -> None:
    assert all(isinstance(r, Receipt) for r in receipts), receipts
    members = app.get_post(code).members
    for aid in (a for mine in agents for a in mine):
        postings = [e for e in app.get_agent(aid).events if isinstance(e, Posted)]
        assert [p.post_code for p in postings] == [code]
        assert members.count(str(aid)) == 1


def setup_writers(url: str, open_app: Callable[[str], AgentRecords]
                  ) -> tuple[AgentRecords, list[AgentRecords], list[list[UUID]]]:
    setup = open_app(url)
    open_legation(setup)
    agents = [[serving_secretary(setup) for _ in range(PER_WRITER)] for _ in range(WRITERS)]
    return setup, [open_app(url) for _ in range(WRITERS)], agents


def test_writers_posting_to_one_post_all_succeed_each_once(
    store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    setup, apps, agents = setup_writers(store_url, open_app)
    receipts = post_together(apps, agents, "BRU")
    assert_posted_once(setup, agents, "BRU", receipts)
    assert setup.get_post("BRU").version == 1 + WRITERS * PER_WRITER


def overtaken(writer: AgentRecords, other: AgentRecords, agents: list[UUID], code: str,
              monkeypatch: pytest.MonkeyPatch) -> list[Receipt]:
    """Makes ``writer``'s next ``len(agents)`` saves stale: right before each (the post
    read, nothing written yet), ``other`` posts one of ``agents`` to ``code``, a whole
    command as a writer in another process would. Returns ``other``'s receipts.

    A command's first try decides on the agent it cached and its second on the record
    read afresh: overtaking both makes the store refuse both, so the command succeeds only
    by its retries (a free race rarely refuses a command twice: on a loaded machine, or
    with SQLite's serialized writes, not even once in some runs)."""
    store, receipts = writer._store, list[Receipt]()

    def late(*args: Any, **kwargs: Any) -> Receipt:
        if len(receipts) < len(agents):
            receipts.append(other.handle(PostAgent(agents[len(receipts)], on(DAY),
                                                   kind="abroad", post_code=code)))
        return store(*args, **kwargs)

    monkeypatch.setattr(writer, "_store", late)
    return receipts


def test_writers_in_separate_processes_conflict_on_the_post_and_are_retried(
    store_url: str, open_app: Callable[[str], AgentRecords], without_turns: list[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    setup, apps, agents = setup_writers(store_url, open_app)
    ahead = [serving_secretary(setup) for _ in range(2)]
    overtaking = overtaken(apps[0], setup, ahead, "BRU", monkeypatch)  # no more connections

    receipts = post_together(apps, agents, "BRU")  # ``apps[0]`` is overtaken twice

    assert_posted_once(setup, [*agents, ahead], "BRU", [*overtaking, *receipts])
    assert setup.get_post("BRU").version == 1 + WRITERS * PER_WRITER + len(ahead)
    assert without_turns, "the second refusal is told by the store and named"
    assert set(without_turns) == {"post BRU"}  # the post, never the agent, conflicted


def changing_post(app: AgentRecords, other: AgentRecords, times: int) -> list[int]:
    """Makes ``app``'s next ``times`` post loads stale: another writer adds a member to
    the post right after each. Returns the count of loads made stale."""
    load, made = app.get_post, [0]

    def stale(code: str) -> Any:
        post = load(code)
        if made[0] < times:
            made[0] += 1
            fresh = other.get_post(code)
            fresh.add_member(f"someone-{made[0]}", metadata(Posted, on(DAY), {}))
            other.save(fresh)
        return post

    app.get_post = stale  # type: ignore[method-assign]
    return made


def test_a_post_that_keeps_changing_is_named_in_the_refusal(
    store_url: str, open_app: Callable[[str], AgentRecords], without_turns: list[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(application, "RETRY_SECONDS", 0.0)
    app, other = open_app(store_url), open_app(store_url)
    open_legation(app)
    aid = serving_secretary(app)
    version = app.get_agent(aid).version
    changing_post(app, other, times=1000)

    with pytest.raises(ConcurrencyConflict) as refused:
        app.handle(PostAgent(aid, on(DAY), kind="abroad", post_code="BRU"))

    assert "post BRU kept changing" in str(refused.value)
    assert f"{application.RETRIES} attempts" in str(refused.value)
    assert str(aid) not in str(refused.value)  # the agent did not change
    assert app.get_agent(aid).version == version  # nothing recorded
    assert str(aid) not in other.get_post("BRU").members


def test_with_expected_version_a_post_conflict_is_retried(
    store_url: str, open_app: Callable[[str], AgentRecords], without_turns: list[str]
) -> None:
    app, other = open_app(store_url), open_app(store_url)
    open_legation(app)
    aid = serving_secretary(app)
    version = app.get_agent(aid).version
    made = changing_post(app, other, times=3)  # the existence check, then 2 attempts

    receipt = app.handle(PostAgent(aid, on(DAY), kind="abroad", post_code="BRU",
                                   expected_version=version))

    assert receipt.version == version + 1 and made[0] == 3
    assert without_turns == ["post BRU", "post BRU"]
    assert other.get_post("BRU").members.count(str(aid)) == 1


def test_a_post_read_by_one_instance_shows_members_added_by_another(
    store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    first, second = open_app(store_url), open_app(store_url)
    open_legation(first)
    assert first.get_post("BRU").members == []  # now cached in ``first``
    aid = serving_secretary(second)
    second.handle(PostAgent(aid, on(DAY), kind="abroad", post_code="BRU"))
    copy = first.get_post("BRU")
    assert copy.members == [str(aid)]
    copy.members.append("not saved")  # a command's copy: the cache is not touched
    assert first.get_post("BRU").members == [str(aid)]


def test_art2_sees_every_agent_posted_concurrently(
    store_url: str, open_app: Callable[[str], AgentRecords], without_turns: list[str]
) -> None:
    setup, apps, agents = setup_writers(store_url, open_app)
    assert_posted_once(setup, agents, "BRU", post_together(apps, agents, "BRU"))
    head, deputy = agents[-1][-1], agents[0][0]
    setup.handle(DesignateHeadOfPost(head, on(DAY), post_code="BRU"))

    with pytest.raises(RuleViolation) as refused:
        setup.handle(DesignateChargeDAffaires(deputy, on("1950-06-01"), post_code="BRU",
                                              designated_by="minister", ground="absence"))
    assert refused.value.code == "head_of_post_designates"
    receipt = apps[3].handle(DesignateChargeDAffaires(deputy, on("1950-06-01"), post_code="BRU",
                                                      designated_by="head_of_post",
                                                      ground="absence"))
    assert receipt.version == setup.get_agent(deputy).version
