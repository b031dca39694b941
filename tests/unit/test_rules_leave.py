"""Leave (Art. 14 to 18): who grants it, entitlement, carry-over, travel days, urgency."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_records.domain import events as ev
from agent_records.domain.calendar import age_on
from agent_records.domain.errors import RuleViolation
from agent_records.domain.rules.check import Check
from agent_records.domain.rules.leave import (
    CARRY_OVER_CAP,
    entitlement,
    leave_account,
    urgency_notified,
)
from agent_records.domain.values import LeaveKind, Status
from tests.unit.builders import attache, in_office, rec, refused, register, renewed

START = date(1948, 9, 1)
"""In the first year abroad: 30 days, nothing carried over."""


def serving(**kw):
    """An attaché abroad since 1 July 1948 (30 days a year)."""
    return attache(**kw)


# Art. 15, 17: entitlement, travel days, carry-over --------------------------------------

def test_annual_leave_within_the_entitlement() -> None:
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 30))
    assert agent.state.status_on(date(1948, 9, 15)) == Status.ON_LEAVE
    assert agent.state.status_on(date(1948, 10, 1)) == Status.SERVING
    account = leave_account(agent.state, 1948)
    assert (account.entitlement, account.carried_over, account.taken) == (30, 0, 30)
    assert account.available == 0


def test_annual_leave_beyond_the_entitlement_refused() -> None:
    """Art. 15: nothing carried over, the 30-day entitlement alone is the limit."""
    refused(serving(), ev.LeaveGranted, START, "Art. 15", "leave_exceeds_entitlement",
            end_date=date(1948, 10, 1))


def test_travel_days_do_not_count_as_leave() -> None:
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 10, 4), travel_days=4)
    account = leave_account(agent.state, 1948)
    assert (account.taken, account.travel_days, account.available) == (30, 4, 0)


def test_travel_days_outside_the_span_refused() -> None:
    """A negative count is not a number of days at all: see test_bounds (invalid_input)."""
    refused(serving(), ev.LeaveGranted, START, "Art. 17", "travel_days_out_of_range",
            end_date=date(1948, 10, 4), travel_days=34)


def test_fifteen_years_of_public_service_give_45_days() -> None:
    agent = serving(prior_public_service_days=15 * 366)
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 10, 15))
    assert leave_account(agent.state, 1948).entitlement == 45
    refused(serving(prior_public_service_days=14 * 365), ev.LeaveGranted, START, "Art. 15",
            "leave_exceeds_entitlement", end_date=date(1948, 10, 15))


def test_unused_leave_carries_over() -> None:
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 10))  # 10 of 30 days
    assert leave_account(agent.state, 1949).carried_over == 20
    rec(agent, ev.LeaveGranted, date(1949, 3, 1), end_date=date(1949, 4, 19))  # 50 days
    refused(agent, ev.LeaveGranted, date(1949, 5, 1), "Art. 17", "leave_exceeds_entitlement",
            end_date=date(1949, 5, 1))


def test_carry_over_is_capped_at_three_months() -> None:
    agent = renewed(serving(), 6)  # in service until 1955 (Art. 7)
    account = leave_account(agent.state, 1954)
    assert (account.carried_over, account.available) == (CARRY_OVER_CAP, CARRY_OVER_CAP + 30)
    rec(agent, ev.LeaveGranted, date(1954, 1, 1), end_date=date(1954, 4, 30))  # 120 days
    refused(agent, ev.LeaveGranted, date(1954, 5, 1), "Art. 17", "leave_exceeds_entitlement",
            end_date=date(1954, 5, 1))


def test_leave_for_an_agent_at_home_refused() -> None:
    agent = serving(post=None)
    rec(agent, ev.Posted, "1948-07-01", kind="ministry")
    refused(agent, ev.LeaveGranted, START, "Art. 15", "not_abroad", end_date=date(1948, 9, 5))


def test_leave_ends_before_start_refused() -> None:
    refused(serving(), ev.LeaveGranted, START, "Art. 15", "leave_ends_before_start",
            end_date=date(1948, 8, 31))


# Art. 14: regular leave only ------------------------------------------------------------

def test_leave_refused_before_entering_functions() -> None:
    refused(attache(serve=False), ev.LeaveGranted, START, "Art. 14", "not_serving",
            end_date=date(1948, 9, 5))


@pytest.mark.parametrize(("start", "end"), [
    (date(1948, 9, 3), date(1948, 9, 4)),
    (date(1948, 8, 28), date(1948, 9, 1)),
    (date(1948, 9, 5), date(1948, 9, 20)),
])
def test_overlapping_leave_refused(start, end) -> None:
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 5))
    refused(agent, ev.LeaveGranted, start, "Art. 14", "leave_overlaps", end_date=end)


def test_adjacent_leaves_accepted() -> None:
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 5))
    rec(agent, ev.LeaveGranted, date(1948, 9, 6), end_date=date(1948, 9, 10))
    assert len(agent.state.leaves) == 2


# Art. 16: who grants it ------------------------------------------------------------------

@pytest.mark.parametrize(("head", "kind", "by"), [
    (False, "annual", "minister"),
    (False, "urgency", "head_of_post"),
    (True, "annual", "sovereign"),
])
def test_leave_granted_by_the_right_authority(head, kind, by) -> None:
    agent = in_office("envoye", head=head)
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 5), kind=kind, granted_by=by)
    assert agent.state.leaves[0].kind == LeaveKind(kind)


@pytest.mark.parametrize(("head", "kind", "by", "code"), [
    (False, "annual", "head_of_post", "leave_granted_by_minister"),
    (False, "annual", "sovereign", "leave_granted_by_minister"),
    (False, "urgency", "minister", "urgency_leave_by_head_of_post"),
    (True, "annual", "minister", "head_of_post_leave_needs_sovereign"),
    (True, "urgency", "sovereign", "urgency_leave_for_subordinates"),
])
def test_leave_granted_by_the_wrong_authority_refused(head, kind, by, code) -> None:
    refused(in_office("envoye", head=head), ev.LeaveGranted, START, "Art. 16", code,
            end_date=date(1948, 9, 5), kind=kind, granted_by=by)


# Art. 18: exceptional leave ----------------------------------------------------------------

def test_exceptional_leave_by_decree_after_council() -> None:
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 12, 31), kind="exceptional",
        council_deliberation_ref="CG-7", ref="AM-7")
    assert agent.state.exceptional_leave_days == 122
    assert leave_account(agent.state, 1948).available == 30


@pytest.mark.parametrize(("council", "ref"), [(None, "AM-7"), ("CG-7", None)])
def test_exceptional_leave_without_decree_refused(council, ref) -> None:
    refused(serving(), ev.LeaveGranted, START, "Art. 18", "exceptional_leave_needs_decree",
            ref=ref, end_date=date(1948, 12, 31), kind="exceptional",
            council_deliberation_ref=council)


# Art. 16: urgency leave notified at once ------------------------------------------------------

def urgency(agent=None):
    agent = agent or serving()
    leave = rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 5), kind="urgency",
                granted_by="head_of_post")
    return agent, leave.originator_version


@pytest.mark.parametrize(("day", "late"), [(START, False), (date(1948, 9, 4), False),
                                           (date(1948, 9, 5), True)])
def test_urgency_leave_notified(day, late) -> None:
    agent, version = urgency()
    rec(agent, ev.UrgencyLeaveNotified, day, leave_version=version)
    assert agent.state.leaves[0].notified_on == day
    breaches = [(b.article, b.code, b.version) for b in agent.state.breaches]
    expected = [("Art. 16", "urgency_leave_notified_late", agent.version)] if late else []
    assert breaches == expected


def test_notifying_an_annual_leave_refused() -> None:
    agent = serving()
    leave = rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 5))
    refused(agent, ev.UrgencyLeaveNotified, START, "Art. 16", "not_an_urgency_leave",
            leave_version=leave.originator_version)


def test_notifying_twice_refused() -> None:
    agent, version = urgency()
    rec(agent, ev.UrgencyLeaveNotified, START, leave_version=version)
    refused(agent, ev.UrgencyLeaveNotified, START, "Art. 16", "already_notified",
            leave_version=version)


def test_notifying_before_the_leave_refused() -> None:
    """Facts fold in effective order: before its start the leave is not yet on record.

    Through the aggregate the refusal therefore reads ``not_an_urgency_leave``; the
    handler's own ``notified_before_leave`` check is exercised on a state that has the leave.
    """
    agent, version = urgency()
    refused(agent, ev.UrgencyLeaveNotified, date(1948, 8, 31), "Art. 16",
            "not_an_urgency_leave", leave_version=version)
    ck = Check()
    notice = SimpleNamespace(effective_date=date(1948, 8, 31), leave_version=version,
                             originator_version=agent.version + 1)
    after = urgency_notified(agent.state, notice, ck)
    assert [(v.article, v.code) for _, v in ck.found] == [("Art. 16", "notified_before_leave")]
    assert after.breaches == ()


def test_leave_on_new_years_day_then_moved_home_that_day_keeps_the_account_positive() -> None:
    """A posting home (or an end of service) on 1 January, recorded after a leave starting
    that day, ends the post abroad before the year begins: the year then has no entitlement
    but the leave, checked before the posting in the fold, stays counted against it."""
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 30))
    rec(agent, ev.LeaveGranted, date(1949, 1, 1), end_date=date(1949, 1, 20))
    try:
        rec(agent, ev.Posted, date(1949, 1, 1), kind="ministry")
    except RuleViolation:
        return
    assert leave_account(agent.state, 1949).available >= 0


# Art. 15 or Art. 17: which article sets the limit ----------------------------------------

def test_attache_abroad_asking_31_days_without_carry_over_refused_under_art_15() -> None:
    """Defect 1: the 30-day entitlement is Art. 15's; Art. 17 is not what decides."""
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 9, 30))  # 30 days: accepted
    refused(serving(), ev.LeaveGranted, START, "Art. 15", "leave_exceeds_entitlement",
            end_date=date(1948, 10, 1))


def test_travel_days_decide_under_art_17() -> None:
    """32 days away with 2 of travel count 30 (Art. 17, second paragraph): accepted."""
    agent = serving()
    rec(agent, ev.LeaveGranted, START, end_date=date(1948, 10, 2), travel_days=2)
    assert leave_account(agent.state, 1948).taken == 30


@settings(max_examples=40, deadline=None)
@given(used=st.integers(0, 30), extra=st.integers(1, 20))
def test_article_of_a_refusal_is_17_only_when_days_are_carried_over(used, extra) -> None:
    """A secretary abroad since 1948 uses ``used`` of 1948's 30 days and then asks more than
    1949 gives: Art. 17 when days were carried over (30 - used), Art. 15 otherwise."""
    agent = in_office("secretaire", born="1910-01-01")
    if used:
        rec(agent, ev.LeaveGranted, "1948-06-01", end_date=date(1948, 6, used))
    available = 30 + 30 - used
    article = "Art. 17" if used < 30 else "Art. 15"
    refused(agent, ev.LeaveGranted, "1949-02-01", article, "leave_exceeds_entitlement",
            end_date=date(1949, 2, 1) + timedelta(days=available + extra - 1))


# Art. 15: fifteen years of service, by the calendar ----------------------------------------

def in_service_since(day: str, *, abroad_from: str | None = None, prior: int = 0):
    """A secretary appointed on ``day`` (Art. 9), sworn and in functions, at the ministry
    and posted abroad from ``abroad_from`` (from ``day`` when None)."""
    agent = register("1947-01-01", born="1920-03-01", prior_public_service_days=prior)
    rec(agent, ev.AgentAppointed, day, grade="secretaire", council_deliberation_ref="CG-1")
    rec(agent, ev.OathSworn, day)
    rec(agent, ev.FunctionsEntered, day)
    if abroad_from:
        rec(agent, ev.Posted, day, kind="ministry")
    rec(agent, ev.Posted, abroad_from or day, kind="abroad", post_code="BRU")
    return agent


def test_fifteen_years_are_reached_on_the_anniversary() -> None:
    """Defect 5: in service since 1 January 1953: 30 days in 1967, 45 from 1 January 1968
    (15 x 365.25 days would only be reached on 2 January 1968)."""
    agent = in_service_since("1953-01-01", abroad_from="1967-01-01")
    refused(agent, ev.LeaveGranted, "1967-07-01", "Art. 15", "leave_exceeds_entitlement",
            end_date=date(1967, 7, 31))
    rec(agent, ev.LeaveGranted, "1967-07-01", end_date=date(1967, 7, 30))  # all of 1967's 30
    assert leave_account(agent.state, 1968).entitlement == 45
    rec(agent, ev.LeaveGranted, "1968-07-01", end_date=date(1968, 8, 14))  # 45 days
    refused(agent, ev.LeaveGranted, "1968-09-01", "Art. 15", "leave_exceeds_entitlement",
            end_date=date(1968, 9, 1))


def test_a_day_short_of_fifteen_years_gives_30_days() -> None:
    agent = in_service_since("1953-01-02", abroad_from="1968-01-01")
    refused(agent, ev.LeaveGranted, "1968-07-01", "Art. 15", "leave_exceeds_entitlement",
            end_date=date(1968, 7, 31))


@settings(max_examples=30, deadline=None)
@given(start=st.dates(date(1948, 6, 1), date(1960, 12, 31)), prior=st.integers(0, 4000))
def test_fifteen_calendar_years_prior_service_included(start, prior) -> None:
    """45 days in a year iff the fifteenth anniversary of the service laid end to end
    (prior service first) falls on or before its 1 January."""
    agent = in_service_since(start.isoformat(), prior=prior)
    began = start - timedelta(days=prior)
    for year in range(start.year + 1, start.year + 20):
        expected = 45 if age_on(began, date(year, 1, 1)) >= 15 else 30
        assert entitlement(agent.state, year) == expected, (year, began)
