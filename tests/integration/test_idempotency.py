"""Idempotency keys (``AgentRecords.once``), on both backends.

A command sent with a key is recorded at most once per key and actor: a retry returns the
first result and stores nothing; the key with another input is refused; duplicates sent
at the same time, by one or several application instances, record once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_records.application import AgentRecords, Receipt
from agent_records.domain.commands import GrantLeave, RegisterAgent, Retire
from agent_records.domain.errors import InvalidInput, RuleViolation
from agent_records.eventstore.idempotency import IdempotencyKeyReused
from tests.careers import CLERK, on, open_legation, serving_attache

pytestmark = pytest.mark.timeout(120)

ACTOR = CLERK.id
LEAVE = {"agentId": "", "effectiveDate": "1949-08-01", "endDate": "1949-08-05"}


def grant(app: AgentRecords, aid: UUID, key: str, actor: str = ACTOR,
          end: date = date(1949, 8, 5)) -> Receipt:
    """``grantLeave`` as the API sends it: the key, the command, its input."""
    request = {**LEAVE, "agentId": str(aid), "endDate": end.isoformat()}
    return app.once(actor, key, "grantLeave", request, lambda: app.handle(GrantLeave(
        aid, on("1949-08-01"), end_date=end)))


def register(app: AgentRecords, key: str, name: str = "Marie Thill") -> Receipt:
    request = {"fullName": name, "birthDate": "1921-04-02", "nationality": "LU"}
    return app.once(ACTOR, key, "registerAgent", request, lambda: app.handle(RegisterAgent(
        on("1948-06-01"), full_name=name, birth_date=date(1921, 4, 2), nationality="LU")))


def head(app: AgentRecords) -> int:
    """How many events are stored. Not the highest id: on PostgreSQL a save rolled back
    by a concurrent request with the same key burns the ids it took."""
    return len(app.recorder.select_notifications(1, 1_000_000))


def test_a_retry_returns_the_first_result_and_records_nothing(records: AgentRecords) -> None:
    open_legation(records)
    aid = serving_attache(records, renewals=10)
    first = grant(records, aid, "k-1")
    before = head(records)

    again = grant(records, aid, "k-1")

    assert again == first
    assert head(records) == before
    assert records.get_agent(aid).version == first.version


def test_a_key_reused_with_other_input_is_refused_and_records_nothing(
    records: AgentRecords
) -> None:
    open_legation(records)
    aid = serving_attache(records, renewals=10)
    grant(records, aid, "k-1")
    before = head(records)

    with pytest.raises(IdempotencyKeyReused) as other_input:
        grant(records, aid, "k-1", end=date(1949, 8, 6))
    with pytest.raises(IdempotencyKeyReused) as other_command:
        register(records, "k-1")

    assert other_input.value.code == "idempotency_key_reused"
    assert other_input.value.field == "idempotency_key"
    assert "grantLeave" in str(other_command.value)
    assert head(records) == before


def test_keys_belong_to_their_actor(records: AgentRecords) -> None:
    first = register(records, "shared")
    other = records.once("clerk-2", "shared", "registerAgent", {"fullName": "Marie Thill",
                         "birthDate": "1921-04-02", "nationality": "LU"},
                         lambda: records.handle(RegisterAgent(
                             on("1948-06-01"), full_name="Marie Thill",
                             birth_date=date(1921, 4, 2), nationality="LU")))
    assert other.aggregate_id != first.aggregate_id


@pytest.mark.parametrize("key", ["", "with space", "é", "x" * 129])
def test_a_malformed_key_is_invalid_input(records: AgentRecords, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        register(records, key)
    assert refused.value.field == "idempotency_key"
    assert head(records) == 0


def test_a_refused_command_keeps_its_key_free(records: AgentRecords) -> None:
    open_legation(records)
    aid = serving_attache(records, post=None, renewals=10)
    records.handle(Retire(aid, on("1949-01-01")))
    with pytest.raises(RuleViolation) as refused:
        grant(records, aid, "k-refused")
    assert refused.value.code == "not_serving"
    assert records.recorder.find_key(ACTOR, "k-refused") is None  # type: ignore[attr-defined]


def test_a_retry_through_another_instance_returns_the_first_result(
    store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    first_app, second_app = open_app(store_url), open_app(store_url)
    open_legation(first_app)
    aid = serving_attache(first_app, renewals=10)
    first = grant(first_app, aid, "k-2")
    before = head(second_app)
    assert grant(second_app, aid, "k-2") == first
    assert head(second_app) == before


def test_a_duplicate_that_loses_the_race_rolls_back_its_events(
    store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    """The key is stored by another request between our look-up and our save: our save
    (events and key, one transaction) is rolled back whole and we answer its result."""
    app, other = open_app(store_url), open_app(store_url)
    winner: list[Receipt] = []
    save = app._store

    def racing_save(receipt: Receipt, *objs: Any) -> Receipt:
        if not winner:
            winner.append(register(other, "k-race"))
        return save(receipt, *objs)

    app._store = racing_save  # type: ignore[method-assign]
    answer = register(app, "k-race")

    assert answer == winner[0]
    assert head(app) == 1  # one AgentRegistered: ours was rolled back with its key
    notes = app.recorder.select_notifications(1, 10)
    assert [n.originator_id for n in notes] == [answer.aggregate_id]


@pytest.mark.parametrize("command", ["registerAgent", "grantLeave"])
def test_concurrent_duplicates_record_once(
    store_url: str, open_app: Callable[[str], AgentRecords], command: str
) -> None:
    setup = open_app(store_url)
    open_legation(setup)
    aid = serving_attache(setup, renewals=10)
    apps = [open_app(store_url) for _ in range(6)]
    before = head(setup)
    barrier = threading.Barrier(len(apps), timeout=30)

    def send(i: int) -> Receipt:
        barrier.wait()
        if command == "registerAgent":
            return register(apps[i], "k-dup")
        return grant(apps[i], aid, "k-dup")

    with ThreadPoolExecutor(len(apps)) as pool:
        answers = list(pool.map(send, range(len(apps))))

    assert len(set(answers)) == 1, answers
    assert head(setup) == before + 1
    if command == "grantLeave":
        assert len(setup.get_agent(aid).state.leaves) == 1


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.dictionaries(st.sampled_from(["reason", "decisionReference", "endDate"]),
                             st.text(max_size=5), max_size=3),
       second=st.dictionaries(st.sampled_from(["reason", "decisionReference", "endDate"]),
                              st.text(max_size=5), max_size=3))
def test_a_key_answers_its_first_input_only(records: AgentRecords, first: dict[str, str],
                                            second: dict[str, str]) -> None:
    """Whatever the inputs: the same input replays the first result, any other is refused;
    neither records anything."""
    key = f"prop-{uuid4()}"

    def call() -> Receipt:
        return records.handle(RegisterAgent(on("1948-06-01"), full_name="Victor Ries",
                                            birth_date=date(1921, 4, 2), nationality="LU"))

    stored = records.once(ACTOR, key, "registerAgent", first, call)
    before = head(records)
    if first == second:
        assert records.once(ACTOR, key, "registerAgent", second, call) == stored
    else:
        with pytest.raises(IdempotencyKeyReused):
            records.once(ACTOR, key, "registerAgent", second, call)
    assert head(records) == before
