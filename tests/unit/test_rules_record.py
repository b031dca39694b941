"""Checks common to every fact: identity at registration, birth, personalities, input.

These are ``registered`` and ``advance`` in ``career.py`` and the input checks of
``Agent.register`` and ``Agent.record``; rules of one chapter have their own modules.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from agent_records.domain import events as ev
from agent_records.domain.agent import Agent
from agent_records.domain.errors import InvalidInput, RuleViolation
from agent_records.domain.values import Actor, Decision, Status
from tests.careers import on
from tests.unit.builders import attache, identity, payload, rec, refused, register, unchanged

BORN = date(1920, 3, 1)


# Registration (career.registered, Agent.register) -------------------------------------------

def test_registration_on_the_day_of_birth() -> None:
    agent = register(BORN, born=BORN)
    state = agent.state
    assert (state.full_name, state.birth_date, state.registered_on) == ("Jean Schmit", BORN, BORN)
    assert (agent.version, state.status, state.versions) == (1, Status.CANDIDATE, (1,))


def test_registration_before_birth_refused() -> None:
    with pytest.raises(RuleViolation) as info:
        Agent.register(on(date(1920, 2, 29)), **identity(birth_date=BORN))
    assert (info.value.article, info.value.code) == (None, "effective_before_birth")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"full_name": "  "}, "full_name"),
    ({"nationality": "lu"}, "nationality"),
    ({"nationality": "LUX"}, "nationality"),
    ({"prior_public_service_days": -1}, "prior_public_service_days"),
    ({"birth_date": "1 March 1920"}, "birth_date"),
    ({"category": "consul"}, "category"),
    ({"state_official": "yes"}, "state_official"),
    ({"nickname": "Jang"}, "nickname"),
])
def test_registration_with_invalid_identity_refused(overrides, field) -> None:
    with pytest.raises(InvalidInput) as info:
        Agent.register(on("1948-06-01"), **identity(**overrides))
    assert (info.value.article, info.value.code, info.value.field) == (None, "invalid_input",
                                                                       field)


def test_registration_without_a_field_refused() -> None:
    facts = identity()
    del facts["nationality"]
    with pytest.raises(InvalidInput) as info:
        Agent.register(on("1948-06-01"), **facts)
    assert info.value.field == "nationality"


@pytest.mark.parametrize(("decision", "field"), [
    (Decision(datetime(1948, 6, 1, 12), Actor("clerk-1", "hr_clerk")), "effective_date"),
    (Decision(date(1948, 6, 1), Actor("", "hr_clerk")), "actor"),
    (Decision(date(1948, 6, 1), Actor("clerk-1", "")), "actor"),
])
def test_decision_without_date_or_actor_refused(decision, field) -> None:
    with pytest.raises(InvalidInput) as info:
        Agent.register(decision, **identity())
    assert info.value.field == field
    agent = register()
    with unchanged(agent, InvalidInput, None, "invalid_input"):
        agent.record(ev.Resigned, decision)


def test_audit_metadata_is_recorded() -> None:
    agent = attache()
    event = rec(agent, ev.Promoted, "1949-01-01", to_grade="envoye", ref="AGD-12",
                council_deliberation_ref="CG-3", reason="posted as envoy to Paris")
    assert (event.effective_date, event.actor_id, event.actor_role) == (
        date(1949, 1, 1), "clerk-1", "hr_clerk")
    assert (event.legal_basis, event.decision_reference, event.reason) == (
        "Art. 11", "AGD-12", "posted as envoy to Paris")
    assert event.timestamp.tzinfo is not None


# Every fact (career.advance) -----------------------------------------------------------------

def test_fact_on_the_sixteenth_birthday_accepted() -> None:
    """A record may open at birth, but a career fact needs the age bounds.MIN_AGE: the
    day before, see test_bounds."""
    agent = register(BORN, born=BORN)
    rec(agent, ev.MarriageRecorded, date(1936, 3, 1), spouse_name="A", spouse_nationality="LU")
    assert agent.state.married_to == "A"


@pytest.mark.parametrize(("cls", "fields"), [
    (ev.MarriageRecorded, {"spouse_name": "A", "spouse_nationality": "LU"}),
    (ev.AttacheAppointed, {}),
])
def test_fact_before_birth_refused(cls, fields) -> None:
    agent = register()
    violation = refused(agent, cls, date(1920, 2, 29), None, "effective_before_birth", **fields)
    assert violation.field == "effective_date"


@pytest.mark.parametrize(("cls", "fields"), [
    (ev.AttacheAppointed, {}),
    (ev.Posted, {"kind": "abroad", "post_code": "BRU"}),
    (ev.MarriageRecorded, {"spouse_name": "A", "spouse_nationality": "LU"}),
])
def test_personality_has_no_career(cls, fields) -> None:
    agent = register(category="personality", domicile_country="BE")
    refused(agent, cls, "1950-01-01", "Art. 10", "not_an_agent", **fields)


def test_fact_recorded_late_is_checked_against_later_facts() -> None:
    """A posting at home, recorded late, would leave a later annual leave without a post."""
    agent = attache()
    rec(agent, ev.LeaveGranted, "1948-09-01", end_date=date(1948, 9, 5))
    violation = refused(agent, ev.Posted, "1948-08-01", "Art. 15", "not_abroad",
                        kind="ministry")
    assert violation.message.startswith("annual leave")


def test_fact_recorded_late_takes_its_place_in_effective_order() -> None:
    agent = attache()
    rec(agent, ev.Posted, "1949-01-01", kind="abroad", post_code="PAR")
    rec(agent, ev.Posted, "1948-10-01", kind="ministry")
    assert [(p.since, p.ended) for p in agent.state.positions] == [
        (date(1948, 7, 1), date(1948, 10, 1)), (date(1948, 10, 1), date(1949, 1, 1)),
        (date(1949, 1, 1), None)]
    assert agent.state.versions == (1, 2, 3, 4, 5, 6, 8, 7)


# Agent.record: input ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [ev.AgentRegistered, ev.EventCorrected])
def test_registration_and_corrections_are_not_recorded_as_facts(cls) -> None:
    agent = register()
    with unchanged(agent, InvalidInput, None, "invalid_input"):
        agent.record(cls, on("1949-01-01"))


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "abroad"}, "home_minister_agreement_ref"),
    ({**payload(ev.Posted, "1949-01-01", kind="abroad"), "city": "Paris"}, "city"),
    ({**payload(ev.Posted, "1949-01-01"), "kind": "embassy"}, "kind"),
    ({**payload(ev.Posted, "1949-01-01", kind="ministry"), "until": "soon"}, "until"),
])
def test_malformed_payload_refused(fields, field) -> None:
    agent = attache()
    with unchanged(agent, InvalidInput, None, "invalid_input") as info:
        agent.record(ev.Posted, on("1949-01-01"), **fields)
    assert info.value.field == field
