"""The record evaluated once and carried to a day is the record evaluated as of that day.

The read views derive their day's state, and the deadlines' end of time, from the
agent's one evaluation (``carried``) instead of ``Agent.current`` folding the record
again for each day: the two must agree on every day, before, on and after the last
fact, over generated careers with corrections (``test_properties``'s), and where only
dates act after the last fact (a renewed term not begun, a suspension's end, the age
limit and its yearly extensions).
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from agent_records.domain import events as ev
from agent_records.domain import timeline
from agent_records.domain.agent import Agent
from agent_records.domain.carried import carried
from agent_records.domain.state import CareerState
from agent_records.domain.values import Status
from projections.views.deadlines import END_OF_TIME
from tests.unit.builders import attache, in_office, rec, renewed
from tests.unit.test_properties import SETTINGS, attempt, build, careers, correct, replayed

offsets = st.lists(st.integers(-80 * 365, 80 * 365), min_size=1, max_size=6)
"""Days from the last fact: long before the record began to after the age limit."""
DAY = timedelta(days=1)


def days_around(agent: Agent, shifts: list[int]) -> list[date]:
    """The probes: the last fact's day, the end of time, ``shifts`` from the last fact, and
    each day on which dates alone act after it (``timeline.next_date``), with its eve and
    its morrow."""
    s = agent.state
    probes = [s.as_of, END_OF_TIME, *(s.as_of + timedelta(days=n) for n in shifts)]
    while (due := timeline.next_date(s)) is not None:
        probes += [due - DAY, due, due + DAY]
        s = timeline.advance(s, due)
    return [s.as_of - DAY, s.as_of + DAY, *probes]


def current(agent: Agent, day: date) -> CareerState:
    """``Agent.current(day)`` on a fresh replay: the record folded as of ``day``, no cache."""
    return replayed(agent).current(day)


def agrees(agent: Agent, days: list[date]) -> None:
    evaluated = replayed(agent).state
    for day in days:
        assert carried(evaluated, day) == current(agent, day), day


@SETTINGS
@given(careers, offsets)
def test_carried_equals_evaluated_as_of_the_day(career, shifts) -> None:
    exempted, prior, cmds, last = career
    agent = build(exempted, prior, cmds)
    agrees(agent, days_around(agent, shifts))
    attempt(agent, lambda: correct(agent, *last))  # and after one more correction
    agrees(agent, days_around(agent, shifts))


def test_a_renewed_term_not_yet_begun() -> None:
    agent = renewed(attache(), 2, early=True)  # both terms begin after the last fact
    agrees(agent, [date(1949, 6, 30), date(1949, 7, 1), date(1950, 7, 1), date(1951, 7, 1),
                   date(1951, 7, 2), END_OF_TIME])
    end = carried(agent.state, END_OF_TIME)  # both renewals counted, then the term lapsed
    assert (end.renewals, end.status, end.service_end) == (2, Status.LAPSED, date(1951, 7, 1))


def test_a_suspension_ends_on_its_date() -> None:
    agent = in_office("secretaire")
    version = rec(agent, ev.DisciplinaryReferral, "1950-05-01", body="ordinary",
                  facts="absent without leave").originator_version
    rec(agent, ev.DisciplinaryDecision, "1950-06-01", referral_version=version,
        outcome="suspension", until=date(1950, 8, 1))
    assert carried(agent.state, date(1950, 7, 31)).status == Status.SUSPENDED
    assert carried(agent.state, date(1950, 8, 1)).status == Status.SERVING
    agrees(agent, [date(1950, 7, 31), date(1950, 8, 1), date(1964, 12, 31),
                   date(1965, 1, 1), END_OF_TIME])


def test_kept_beyond_65_without_a_new_extension() -> None:
    agent = in_office("envoye", head=True)  # born on 1 January 1900
    rec(agent, ev.ServiceExtended, "1965-01-01", until=date(1966, 1, 1), ref="AGD-65")
    agrees(agent, [date(1965, 6, 1), date(1966, 1, 1), date(1966, 1, 2), END_OF_TIME])
    assert [b.code for b in carried(agent.state, END_OF_TIME).breaches] == [
        "serving_beyond_65"]
