"""The incremental evaluation (``domain.fold``) is the full one (``career.evaluate``).

Generated careers (``test_properties``: renewals, leaves, promotions, postings, lapses,
corrections that annul, shift dates or change the birth date, at random dates, late
ones included) are run command by command twice: on an agent that folds on from its
last fold, and on one whose every evaluation folds the whole record from the start.
Both must accept and refuse the same commands with the same errors and give the same
state; and after every command the fold must give ``evaluate``'s answer for the whole
record, on every day of it and up to any day, and for every earlier version of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from unittest.mock import patch

from hypothesis import given

from agent_records.domain import events as ev
from agent_records.domain.agent import Agent
from agent_records.domain.career import Evaluation, evaluate
from agent_records.domain.errors import DomainError
from agent_records.domain.fold import Fold, refold
from tests.careers import on
from tests.unit.builders import attache, in_office
from tests.unit.test_properties import SETTINGS, apply, careers


def full(log: Sequence[ev.CareerEvent], until: date | None = None,
         today: date | None = None) -> Evaluation:
    """``evaluate`` on a record, as the aggregate evaluated it before the fold."""
    facts = [e for e in log if not isinstance(e, ev.EventCorrected)]
    return evaluate(facts, [e for e in log if isinstance(e, ev.EventCorrected)], until, today)


@contextmanager
def from_the_start() -> Iterator[None]:
    """Every fold in the block starts from nothing: the whole record is folded again."""
    with patch("agent_records.domain.agent.refold",
               lambda log, previous=None: refold(log)):
        yield


def outcome(agent: Agent, command: tuple) -> str:
    """What a command did to ``agent``: accepted, or the refusal's class and message."""
    try:
        apply(agent, command)
    except DomainError as refused:
        return f"{type(refused).__name__}: {refused}"
    agent.collect_events()
    return "accepted"


def recorded(agent: Agent) -> list[tuple[str, int, date, dict[str, object]]]:
    """The record's facts as recorded, without the ids and times of the recording."""
    return [(type(e).__name__, e.originator_version, e.effective_date, e.payload())
            for e in agent.events]


def start(exempted: bool, prior: int) -> Agent:
    if exempted:
        return in_office("attache", born="1920-03-01", since="1948-05-28",
                         probation_exempted=True, prior_public_service_days=prior)
    return attache(prior_public_service_days=prior)


def days_of(log: Sequence[ev.CareerEvent]) -> list[date]:
    """Every effective date of the record, the days around each, and far before and after."""
    found = {e.effective_date + timedelta(days=d) for e in log for d in (-1, 0, 1)}
    return sorted(found | {date(1900, 1, 1), date(2100, 1, 1)})


def assert_fold_is_full(fold: Fold, log: Sequence[ev.CareerEvent]) -> None:
    assert fold.evaluation() == full(log)
    assert fold.evaluation(today=date(1990, 1, 1)) == full(log, today=date(1990, 1, 1))
    for day in days_of(log):
        assert fold.evaluation(until=day) == full(log, until=day), day


def run_both(career: tuple, check: Callable[[Agent], None]) -> None:
    exempted, prior, cmds, last = career
    incremental = start(exempted, prior)
    with from_the_start():
        reference = start(exempted, prior)
    for command in [*cmds, ("correct", *last)]:
        done = outcome(incremental, command)
        with from_the_start():
            assert outcome(reference, command) == done, command
        assert recorded(incremental) == recorded(reference)
        assert incremental.evaluation == reference.evaluation
        check(incremental)


@SETTINGS
@given(careers)
def test_commands_decide_alike_on_the_fold_and_on_the_whole_record(career: tuple) -> None:
    """Same acceptance, same refusals, same state, command after command; and the fold
    kept by the aggregate gives ``evaluate``'s answer on every day."""
    def check(agent: Agent) -> None:
        assert agent.evaluation == full(agent.events)
        for day in days_of(agent.events)[::7]:
            assert agent.state_on(day) == full(agent.events, until=day).state
        today = agent.state.as_of + timedelta(days=400)
        assert agent.current(today) == full(agent.events, today=today).state

    run_both(career, check)


@SETTINGS
@given(careers)
def test_a_fold_refolded_for_any_other_version_of_the_record_is_the_full_one(
        career: tuple) -> None:
    """From the fold of the whole record, each earlier version (as the projections load
    it), and from the fold of each version, the whole record (as a record brought up to
    date from the store): the answers are ``evaluate``'s, up to every day."""
    exempted, prior, cmds, last = career
    agent = start(exempted, prior)
    for command in [*cmds, ("correct", *last)]:
        outcome(agent, command)
    log = agent.events
    whole = refold(log)
    assert_fold_is_full(whole, log)
    for version in range(1, len(log)):
        earlier = refold(log[:version], whole)
        assert_fold_is_full(earlier, log[:version])
        assert refold(log, earlier).evaluation() == full(log)
        past = agent.at_version(version)
        assert (past.version, past.events, past.state) == (version, log[:version],
                                                           full(log[:version]).state)


def test_a_fact_dated_back_folds_on_from_its_place_only() -> None:
    """A fact after every other one folds that fact alone; a leave dated back folds on
    from the last state kept before its place: the states kept before are the same
    objects, those after are new (and the answer is still ``evaluate``'s)."""
    agent = in_office("secretaire")
    for year in range(1949, 1960):
        for month in (3, 9):
            agent.record(ev.LeaveGranted, on(date(year, month, 1)), **_leave(date(year, month, 1)))
    before = agent._folded()
    agent.record(ev.LeaveGranted, on(date(1960, 3, 1)), **_leave(date(1960, 3, 1)))
    after = agent._folded()
    assert len(after.facts) == len(before.facts) + 1 == after.marks[-1].count
    assert all(a is b for a, b in zip(after.marks[:-1], before.marks, strict=False))
    assert after.evaluation() == full(agent.events)

    agent.record(ev.LeaveGranted, on(date(1952, 6, 1)), **_leave(date(1952, 6, 1)))
    back = agent._folded()
    place = next(i for i, f in enumerate(back.facts) if f is agent.events[-1])
    assert [m.count for m in back.marks if m.count <= place] == [8]
    assert back.marks[0] is after.marks[0]
    assert all(m.state is not o.state for m, o in zip(back.marks[1:], after.marks[1:],
                                                       strict=False))
    assert agent.evaluation == full(agent.events)


def _leave(day: date) -> dict[str, object]:
    return {"kind": "annual", "end_date": day + timedelta(days=5), "travel_days": 0,
            "granted_by": "minister", "council_deliberation_ref": None}
