"""Time-driven consequences over generated careers (Art. 7, 8, 21).

An attaché is appointed, then renewals are decided on random days (early, late, never);
the state on any date must be what the facts effective by then give, with the end of
the term derived by an independent count (no lapse is ever recorded), and early
renewals must never bring the Art. 8 promotion closer.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_records.domain import events as ev
from agent_records.domain.agent import Agent
from agent_records.domain.calendar import add_years
from agent_records.domain.career import evaluate
from agent_records.domain.errors import RuleViolation
from agent_records.domain.values import IN_SERVICE, Status
from tests.unit.builders import attache, in_office, rec

APPOINTED = date(1948, 7, 1)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
offsets = st.lists(st.integers(1, 6 * 365), max_size=6)
"""Days after the appointment on which a renewal is decided (refused once the term is over)."""
probes = st.lists(st.integers(-10, 10 * 365), min_size=1, max_size=8)


def career(renewal_days: list[int]) -> tuple[Agent, date]:
    """The attaché and the end of his term by an independent count: each renewal decided
    while the term runs adds a year from the end of the current one."""
    agent, end = attache(), add_years(APPOINTED, 1)
    for n in sorted(renewal_days):
        day = APPOINTED + timedelta(days=n)
        try:
            rec(agent, ev.AppointmentRenewed, day)
        except RuleViolation:
            assert day > end  # refused only once the term was over (Art. 7)
            continue
        assert day <= end
        end = add_years(end, 1)
    return agent, end


def facts_by(agent: Agent, day: date) -> list[ev.CareerEvent]:
    return [e for e in agent.events if e.effective_date <= day]


@SETTINGS
@given(offsets, probes)
def test_state_on_a_date_is_what_the_facts_effective_by_then_give(renewal_days, days) -> None:
    agent, end = career(renewal_days)
    for n in days:
        day = APPOINTED + timedelta(days=n)
        state = agent.state_on(day)
        assert state == evaluate(facts_by(agent, day), until=day).state
        if day < APPOINTED:
            assert state.status == Status.CANDIDATE
        elif day < end:
            assert state.status == Status.SERVING
        else:  # no lapse recorded: the term's end alone ends the service (Art. 7)
            assert (state.status, state.service_end, state.ended_by) == (
                Status.LAPSED, end, "Art. 7")
            assert state.position is None


@SETTINGS
@given(offsets, st.integers(1, 8 * 365))
def test_early_renewals_never_shorten_the_art_8_wait(renewal_days, promotion) -> None:
    """A promotion is accepted only once three renewed terms have begun: never before
    three years of service, whenever the renewals were decided."""
    agent, end = career(renewal_days)
    day = APPOINTED + timedelta(days=promotion)
    starts = agent.state.renewal_starts
    try:
        rec(agent, ev.Promoted, day, to_grade="secretaire")
    except RuleViolation as refused:
        if refused.article == "Art. 7":  # a renewal recorded after it needs an attaché
            assert any(e.effective_date > day for e in agent.events
                       if isinstance(e, ev.AppointmentRenewed))
            return
        assert refused.article == "Art. 8"
        assert len(starts) < 3 or day < starts[2] or day >= end
        return
    assert len(starts) >= 3 and starts[2] <= day < end
    assert day >= add_years(APPOINTED, 3)


@SETTINGS
@given(st.integers(0, 3), st.integers(-400, 5 * 365))
def test_the_age_limit_needs_no_fact(extensions, n) -> None:
    """Art. 21: a head of post born on 1 January 1900 is in activity until the last
    extension's end, out of it the day after, and listed as kept beyond an extension."""
    agent = in_office("envoye", head=True)
    limit = date(1965, 1, 1)
    for k in range(extensions):
        rec(agent, ev.ServiceExtended, add_years(limit, k), until=add_years(limit, k + 1))
    last = add_years(limit, extensions)
    day = last + timedelta(days=n)
    state = agent.state_on(day)
    beyond = [b.on for b in state.breaches if b.code == "serving_beyond_65"]
    if day <= last:
        assert state.status in IN_SERVICE and beyond == []
    else:
        assert (state.status, state.service_end) == (Status.RETIRED, last + timedelta(days=1))
        assert beyond == ([last + timedelta(days=1)] if extensions else [])
    assert state == evaluate(facts_by(agent, day), until=day).state
