"""Invariants of any career: random commands through the aggregate, refusals ignored.

Each example starts an attaché (appointed under Art. 6 and 7, or kept in 1948 with the
probation exemption of Art. 27), then applies random renewals, leaves, notifications,
promotions, postings, lapses and corrections at random dates. Whatever was accepted, the
record must keep the decree's invariants and rebuild to the same state from its events.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_records.domain import events as ev
from agent_records.domain.agent import Agent
from agent_records.domain.career import effective_facts, evaluate
from agent_records.domain.errors import DomainError
from agent_records.domain.rules.leave import CARRY_OVER_CAP, leave_account
from agent_records.domain.values import Grade
from tests.careers import on
from tests.unit.builders import attache, in_office, payload

START = date(1948, 7, 1)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

near = st.integers(-60, 7 * 365).map(lambda n: START + timedelta(days=n))
far = st.integers(-45 * 365, 0).map(lambda n: START + timedelta(days=n))
days = st.one_of(*[near] * 5, far)
"""Mostly within the first years of service, sometimes long before, even before birth."""
AUTHORITIES = ["proper"] * 4 + ["minister", "head_of_post", "sovereign"]

renew = st.tuples(st.just("renew"), st.one_of(st.integers(-40, 10), st.integers(-40, 10), days))
"""A renewal some days around the end of the current term (the Art. 7 window), or anywhere."""
leave = st.tuples(st.just("leave"), near, st.integers(1, 60), st.integers(0, 5),
                  st.sampled_from(["annual", "annual", "urgency", "exceptional"]),
                  st.sampled_from(AUTHORITIES), st.booleans())
notify = st.tuples(st.just("notify"), st.integers(0, 50), st.integers(-1, 6))
promote = st.tuples(st.just("promote"), st.one_of(days, st.integers(1, 400)),
                    st.sampled_from(["secretaire"] * 3 + ["conseiller", "envoye"]), st.booleans())
post = st.tuples(st.just("post"), days, st.sampled_from(["abroad", "abroad", "ministry"]),
                 st.sampled_from(["BRU", "PAR"]))
lapse = st.tuples(st.just("lapse"), days)
fix = st.tuples(st.just("correct"), st.integers(0, 50),
                st.sampled_from(["annul", "shift", "birth"]), st.integers(-400, 400))
commands = st.one_of(renew, renew, renew, leave, leave, leave, notify, promote, post, fix,
                     st.one_of(lapse, post, fix, renew, promote))
first_renewals = st.lists(st.tuples(st.just("renew"), st.integers(-60, 0)), max_size=4)
"""Careers often open with renewals in time, so that Art. 8 promotions are reached."""
careers = st.tuples(
    st.booleans(), st.integers(0, 6000),
    st.tuples(first_renewals, st.lists(commands, min_size=4, max_size=25)).map(
        lambda t: t[0] + t[1]),
    st.tuples(st.integers(0, 50), st.sampled_from(["annul", "shift"]), st.integers(-400, 400)),
)


def record(agent: Agent, cls: type[ev.CareerEvent], day: date, ref: str | None = "REF",
           **fields: Any) -> None:
    agent.record(cls, on(day, decision_reference=ref), **payload(cls, day, **fields))


def correct(agent: Agent, index: int, mode: str, delta: int) -> None:
    target = agent.events[index % len(agent.events)]
    if mode == "annul":
        changes = None
    elif mode == "birth":
        changes = {"birth_date": date(1920, 3, 1) + timedelta(days=delta * 30)}
    else:
        changes = {"effective_date": target.effective_date + timedelta(days=delta)}
    agent.correct(on(START, reason="random correction"), target.originator_version,
                  changes=changes, annulled=changes is None)


def apply(agent: Agent, command: tuple) -> None:
    name, *args = command
    if name == "renew":
        day, term_end = args[0], agent.state.term_end
        if isinstance(day, int):
            day = term_end + timedelta(days=day) if term_end else START
        record(agent, ev.AppointmentRenewed, day)
    elif name == "leave":
        day, length, travel, kind, by, council = args
        if by == "proper":
            by = "head_of_post" if kind == "urgency" else "minister"
        record(agent, ev.LeaveGranted, day, end_date=day + timedelta(days=length - 1),
               travel_days=travel, kind=kind, granted_by=by,
               council_deliberation_ref="CG" if council or kind == "exceptional" else None)
    elif name == "notify":
        leaves = [e for e in agent.events if isinstance(e, ev.LeaveGranted)]
        urgent = [e for e in leaves if e.kind == "urgency"] or leaves or agent.events
        target = urgent[args[0] % len(urgent)]
        record(agent, ev.UrgencyLeaveNotified, target.effective_date + timedelta(days=args[1]),
               leave_version=target.originator_version)
    elif name == "promote":
        day, grade, council = args
        if isinstance(day, int):  # some days after the last fact on record
            day = agent.state.as_of + timedelta(days=day)
        record(agent, ev.Promoted, day, to_grade=grade,
               council_deliberation_ref="CG" if council else None)
    elif name == "post":
        record(agent, ev.Posted, args[0], kind=args[1],
               post_code=args[2] if args[1] == "abroad" else None)
    elif name == "lapse":
        record(agent, ev.TermLapsed, args[0])
    else:
        correct(agent, *args)


def attempt(agent: Agent, action) -> bool:
    """Runs ``action``; a refusal must leave the aggregate exactly as it was."""
    version, state, count = agent.version, agent.state, len(agent.events)
    try:
        action()
    except DomainError:
        assert (agent.version, agent.state, len(agent.events)) == (version, state, count)
        return False
    agent.collect_events()
    return True


def build(exempted: bool, prior: int, cmds: list) -> Agent:
    if exempted:
        agent = in_office("attache", born="1920-03-01", since="1948-05-28",
                          probation_exempted=True, prior_public_service_days=prior)
    else:
        agent = attache(prior_public_service_days=prior)
    for command in cmds:
        attempt(agent, lambda c=command: apply(agent, c))
    return agent


def replayed(agent: Agent) -> Agent:
    fresh = None
    for event in agent.events:
        fresh = event.mutate(fresh)
    assert isinstance(fresh, Agent)
    return fresh


def facts_of(agent: Agent) -> list[ev.CareerEvent]:
    log = agent.events
    return effective_facts([e for e in log if not isinstance(e, ev.EventCorrected)],
                           [e for e in log if isinstance(e, ev.EventCorrected)])


@SETTINGS
@given(careers)
def test_leave_accounts_stay_within_the_decree(career) -> None:
    """Art. 15, 17: never more than the entitlement and the (capped) carry-over."""
    exempted, prior, cmds, _ = career
    state = build(exempted, prior, cmds).state
    for year in range(1947, 1958):
        account = leave_account(state, year)
        assert 0 <= account.carried_over <= CARRY_OVER_CAP, account
        assert account.taken <= account.entitlement + account.carried_over, account
        assert account.available >= 0, account


@SETTINGS
@given(careers)
def test_attache_promoted_secretary_only_after_three_renewals(career) -> None:
    """Art. 8 (or the Art. 27 exemption), counted on the corrected record itself."""
    exempted, prior, cmds, _ = career
    agent = build(exempted, prior, cmds)
    renewals, grade = 0, Grade.ATTACHE
    for fact in facts_of(agent):
        if isinstance(fact, ev.AppointmentRenewed):
            renewals += 1
        if isinstance(fact, ev.Promoted):
            if grade == Grade.ATTACHE and fact.to_grade == Grade.SECRETAIRE:
                assert renewals >= 3 or exempted
            grade = Grade(fact.to_grade)
    assert agent.evaluation.violations == ()


@SETTINGS
@given(careers)
def test_no_fact_takes_effect_before_birth(career) -> None:
    exempted, prior, cmds, _ = career
    agent = build(exempted, prior, cmds)
    birth = agent.state.birth_date
    assert all(fact.effective_date >= birth for fact in facts_of(agent))


@SETTINGS
@given(careers)
def test_replaying_the_events_rebuilds_the_same_state(career) -> None:
    exempted, prior, cmds, last = career
    agent = build(exempted, prior, cmds)
    for _ in range(2):  # as recorded, then after one more random correction
        fresh = replayed(agent)
        assert fresh.state == agent.state
        assert (fresh.version, fresh.events) == (agent.version, agent.events)
        facts = facts_of(agent)
        assert evaluate(facts).state == agent.state
        assert agent.state_on(agent.state.as_of) == agent.state
        attempt(agent, lambda: correct(agent, *last))
