"""The leave accounts the fold carries (``leave_counted``, ``leave_last_end``) are the
ones counted over every leave of the record.

``leave_granted`` checks a leave against ``rules.leave.year_account``, which counts on
from what the last annual or urgency leave left in the state instead of walking every
leave, and skips the overlap walk when every leave ends before the new one starts. Both
hold only because the fold takes facts in effective order; a correction or a fact dated
back refolds from an earlier state. Here every leave the fold checks, in generated
careers run command by command (refused commands and corrections that annul or shift
facts included, ``test_properties``), is checked against the whole count
(``account_rows`` from the first posting, ``leave_account``), and decided again on the
same state without the carried accounts (every leave walked, as before them): the same
breaches, messages and state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from unittest.mock import patch

from hypothesis import given

from agent_records.domain import career
from agent_records.domain import events as ev
from agent_records.domain.rules import leave
from agent_records.domain.rules.check import Check
from agent_records.domain.state import CareerState, Leave, Position, evolve
from agent_records.domain.values import Authority, LeaveKind, PositionKind
from tests.careers import on
from tests.unit.builders import in_office
from tests.unit.test_fold import outcome, start
from tests.unit.test_properties import SETTINGS, careers


@contextmanager
def checking(seen: list[int]) -> Iterator[None]:
    """Every leave the fold checks is first checked here against the whole count."""
    def checked(s: CareerState, e: ev.LeaveGranted, ck: Check) -> CareerState:
        year = e.effective_date.year
        assert leave.year_account(s, year) == leave.account_rows(s, range(year, year + 1))[0]
        assert leave.year_account(s, year) == tuple(vars(leave.leave_account(s, year)).values())
        if s.leave_counted is not None:
            kept, carried, taken, travel = s.leave_counted
            counted = [lv for lv in s.leaves if lv.kind != LeaveKind.EXCEPTIONAL]
            assert all(lv.start.year <= kept for lv in counted)
            assert (carried, taken, travel) == leave.account_rows(s, range(kept, kept + 1))[0][2:]
        if s.leave_last_end is not None:
            assert s.leave_last_end == max(lv.end for lv in s.leaves)
        seen.append(1)
        unknown = evolve(s, leave_counted=None, leave_last_end=None)  # walks every leave
        reference = Check(version=ck.version, found=list(ck.found))
        after = leave.leave_granted(s, e, ck)
        walked = leave.leave_granted(unknown, e, reference)
        assert reference.found == ck.found
        assert evolve(after, leave_counted=None, leave_last_end=None) == \
            evolve(walked, leave_counted=None, leave_last_end=None)
        return after

    with patch.dict(career.HANDLERS, {ev.LeaveGranted: checked}):
        yield


@SETTINGS
@given(careers)
def test_the_accounts_the_fold_carries_are_the_whole_count(drawn: tuple) -> None:
    exempted, prior, cmds, last = drawn
    seen: list[int] = []
    with checking(seen):
        agent = start(exempted, prior)
        for command in [*cmds, ("correct", *last)]:
            outcome(agent, command)
        assert agent.evaluation == career.evaluate(
            [e for e in agent.events if not isinstance(e, ev.EventCorrected)],
            [e for e in agent.events if isinstance(e, ev.EventCorrected)])


def test_a_state_that_does_not_know_its_leaves_walks_them() -> None:
    """A state made without the fold (``leave_counted`` and ``leave_last_end`` unset)
    is counted over its leaves, as before."""
    taken = Leave(1, LeaveKind.ANNUAL, date(1950, 3, 1), date(1950, 3, 20), 0,
                  Authority.MINISTER)
    s = CareerState(positions=(Position(1, PositionKind.ABROAD, date(1949, 1, 1)),),
                    leaves=(taken,), service_start=date(1949, 1, 1))
    assert leave.year_account(s, 1950) == (1950, 30, 30, 20, 0)
    assert leave.last_end(s, taken) is None


def test_leaves_dated_back_corrected_and_annulled_are_counted_as_the_whole_record() -> None:
    """The cases that break a carried count: a leave dated back into an earlier year, a
    leave's dates shifted across a year, one annulled; each refolds from an earlier
    state, and every check on the way is the whole count's (``checking``)."""
    seen: list[int] = []
    with checking(seen):
        agent = in_office("secretaire")
        for year in range(1949, 1956):
            for month in (3, 9):
                day = date(year, month, 1)
                agent.record(ev.LeaveGranted, on(day), kind="annual",
                             end_date=day + timedelta(days=11), travel_days=2,
                             granted_by="minister", council_deliberation_ref=None)
        back = date(1951, 11, 2)
        agent.record(ev.LeaveGranted, on(back), kind="annual", end_date=back + timedelta(days=3),
                     travel_days=0, granted_by="minister", council_deliberation_ref=None)
        versions = [e.originator_version for e in agent.events
                    if isinstance(e, ev.LeaveGranted)]
        agent.correct(on(date(1956, 1, 1), reason="wrong year"), versions[3],
                      changes={"effective_date": date(1953, 12, 20),
                               "end_date": date(1953, 12, 28)})
        agent.correct(on(date(1956, 1, 1), reason="not taken"), versions[1], annulled=True)
        agent.collect_events()
        assert agent.evaluation == career.evaluate(
            [e for e in agent.events if not isinstance(e, ev.EventCorrected)],
            [e for e in agent.events if isinstance(e, ev.EventCorrected)])
    assert len(seen) > 3 * len(versions)  # every leave checked again after each refold
