"""Every year's leave account in one pass equals ``leave_account`` asked year by year.

The states are drawn directly (positions abroad and at home with gaps, leaves of every
kind, over- and under-use, prior service and an end of service), not only through the
commands: the read model must agree with the rule for any state the record can give,
and a direct draw reaches carry-overs and caps that short careers rarely do.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_records.domain.rules.leave import (
    Entitlements,
    entitlement,
    leave_account,
    leave_accounts,
)
from agent_records.domain.state import CareerState, Leave, Position
from agent_records.domain.values import Authority, LeaveKind, PositionKind

BASE = date(1940, 1, 1)
day = st.integers(0, 40 * 365).map(lambda n: BASE + timedelta(days=n))
position = st.builds(
    lambda kind, since, length: Position(1, kind, since, "BRU",
                                         ended=since + timedelta(days=length) if length else None),
    st.sampled_from([PositionKind.ABROAD, PositionKind.ABROAD, PositionKind.MINISTRY]),
    day, st.one_of(st.just(0), st.integers(1, 8 * 365)))
leave = st.builds(
    lambda v, kind, start, length, travel: Leave(v, kind, start, start + timedelta(days=length),
                                                 min(travel, length), Authority.MINISTER),
    st.integers(1, 99), st.sampled_from(list(LeaveKind)), day, st.integers(0, 80),
    st.integers(0, 4))
state = st.builds(
    lambda positions, leaves, prior, start, served: CareerState(
        positions=tuple(positions), leaves=tuple(leaves), prior_public_service_days=prior,
        service_start=start, service_end=start + timedelta(days=served) if served else None,
        as_of=max([start, *(p.since for p in positions)])),
    st.lists(position, max_size=5), st.lists(leave, max_size=25),
    st.integers(0, 20 * 365), day, st.one_of(st.just(0), st.integers(1, 30 * 365)))


@settings(max_examples=400, deadline=None)
@given(state, st.integers(1935, 1985), st.integers(0, 40))
def test_one_pass_equals_each_year_asked_alone(s: CareerState, first: int, span: int) -> None:
    years = range(first, first + span)
    assert leave_accounts(s, years) == [leave_account(s, y) for y in years]


@settings(max_examples=400, deadline=None)
@given(state, st.integers(1935, 1985), st.integers(0, 10), st.integers(0, 20))
def test_counting_on_from_a_known_carry_over_equals_counting_from_the_start(
        s: CareerState, known_year: int, gap: int, span: int) -> None:
    """What the fold does: it keeps the carry-over into the year of the last leave and
    counts on from there at the next one."""
    known = (known_year, leave_account(s, known_year).carried_over)
    years = range(known_year + gap, known_year + gap + span)
    assert leave_accounts(s, years, known) == [leave_account(s, y) for y in years]


def test_a_carry_over_known_for_a_later_year_is_refused() -> None:
    with pytest.raises(ValueError, match="comes after"):
        leave_accounts(CareerState(), range(1950, 1951), (1951, 0))


def test_carry_over_runs_through_the_years_and_is_capped() -> None:
    """30 days a year abroad from 1948, nothing taken: 30, 60, 90, then the 90-day cap."""
    s = CareerState(positions=(Position(1, PositionKind.ABROAD, date(1948, 1, 1)),),
                    service_start=date(1948, 1, 1), as_of=date(1952, 1, 1))
    carried = [a.carried_over for a in leave_accounts(s, range(1948, 1953))]
    assert carried == [0, 30, 60, 90, 90]


jan_first = st.integers(1930, 1990).map(lambda y: date(y, 1, 1))
"""Positions and service that end or begin on 1 January: the edges of a year abroad."""
edgy = st.builds(
    lambda positions, prior, start, end: CareerState(
        positions=tuple(positions), prior_public_service_days=prior, service_start=start,
        service_end=end, as_of=start or BASE),
    st.lists(st.builds(lambda kind, since, ended: Position(1, kind, since, "BRU", ended=ended),
                       st.sampled_from([PositionKind.ABROAD, PositionKind.MINISTRY]),
                       st.one_of(day, jan_first), st.one_of(st.none(), day, jan_first)),
             max_size=4),
    st.integers(0, 20 * 365), st.one_of(st.none(), day, jan_first),
    st.one_of(st.none(), day, jan_first))


@settings(max_examples=400, deadline=None)
@given(st.one_of(state, edgy), st.integers(1935, 1985), st.integers(0, 40))
def test_entitlements_of_every_year_equal_each_year_asked_alone(
        s: CareerState, begin: int, span: int) -> None:
    """What ``leave_accounts`` counts with: the years abroad gathered once, the fifteen
    years of service reached on one day while in service (Art. 15)."""
    entitled = Entitlements(s, begin, begin + span)
    years = range(begin, begin + span)
    assert [entitled.of(y) for y in years] == [entitlement(s, y) for y in years]
