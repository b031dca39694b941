"""Discipline (Art. 23, 24): referral by the minister, decision, suspension, dismissal."""

from __future__ import annotations

from datetime import date

import pytest

from agent_records.domain import events as ev
from agent_records.domain.values import DisciplinaryBody, Outcome, Status
from tests.unit.builders import in_office, rec, refused, register

REFERRED = date(1950, 3, 1)
DECIDED = date(1950, 5, 1)


def refer(agent, body: str = "ordinary", facts: str = "absent without leave") -> int:
    return rec(agent, ev.DisciplinaryReferral, REFERRED, body=body, facts=facts
               ).originator_version


# Referral ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("is_head", "body", "basis"), [
    (True, "council_of_ministers", "Art. 24"),
    (False, "ordinary", "Art. 23"),
])
def test_referral(is_head, body, basis) -> None:
    agent = in_office("envoye", head=is_head)
    version = refer(agent, body)
    (referral,) = agent.state.referrals
    assert (referral.version, referral.body, referral.outcome) == (
        version, DisciplinaryBody(body), None)
    assert agent.events[-1].legal_basis == basis


@pytest.mark.parametrize(("is_head", "body", "code"), [
    (True, "ordinary", "head_of_post_before_council"),
    (False, "council_of_ministers", "council_only_for_heads_of_post"),
])
def test_referral_to_the_wrong_body_refused(is_head, body, code) -> None:
    refused(in_office("envoye", head=is_head), ev.DisciplinaryReferral, REFERRED, "Art. 24",
            code, body=body, facts="facts")


@pytest.mark.parametrize(("is_head", "body", "article"), [
    (False, "ordinary", "Art. 23"),
    (True, "council_of_ministers", "Art. 24"),
])
def test_referral_without_facts_refused(is_head, body, article) -> None:
    refused(in_office("envoye", head=is_head), ev.DisciplinaryReferral, REFERRED, article,
            "facts_required", body=body, facts="  ")


def test_referral_out_of_service_refused() -> None:
    refused(register(), ev.DisciplinaryReferral, REFERRED, "Art. 23", "not_in_service",
            body="ordinary", facts="facts")


# Decision ----------------------------------------------------------------------------------

@pytest.mark.parametrize("outcome", ["no_penalty", "warning", "reprimand", "fine"])
def test_decision_without_change_of_status(outcome) -> None:
    agent = in_office("secretaire")
    version = refer(agent)
    rec(agent, ev.DisciplinaryDecision, DECIDED, referral_version=version, outcome=outcome)
    (referral,) = agent.state.referrals
    assert (referral.outcome, referral.decided_on) == (Outcome(outcome), DECIDED)
    assert agent.state.status == Status.SERVING


def test_suspension_ends_on_its_date() -> None:
    agent = in_office("secretaire")
    version = refer(agent)
    rec(agent, ev.DisciplinaryDecision, DECIDED, referral_version=version,
        outcome="suspension", until=date(1950, 8, 1))
    assert agent.state.status == Status.SUSPENDED
    rec(agent, ev.Posted, date(1950, 8, 1), kind="ministry")
    assert agent.state.status == Status.SERVING
    assert agent.state_on(date(1950, 7, 31)).status == Status.SUSPENDED


def test_dismissal_ends_the_service() -> None:
    agent = in_office("envoye", head=True)
    version = refer(agent, "council_of_ministers")
    rec(agent, ev.DisciplinaryDecision, DECIDED, referral_version=version, outcome="dismissal")
    state = agent.state
    assert (state.status, state.service_end, state.head_of_post) == (
        Status.DISMISSED, DECIDED, None)
    assert state.position is None


@pytest.mark.parametrize("until", [None, DECIDED])
def test_suspension_without_end_refused(until) -> None:
    agent = in_office("secretaire")
    version = refer(agent)
    refused(agent, ev.DisciplinaryDecision, DECIDED, "Art. 24", "suspension_needs_end",
            referral_version=version, outcome="suspension", until=until)


def test_decision_on_something_else_than_a_referral_refused() -> None:
    agent = in_office("secretaire")
    version = refer(agent)
    refused(agent, ev.DisciplinaryDecision, DECIDED, "Art. 24", "no_pending_referral",
            referral_version=version - 1, outcome="warning")


def test_deciding_twice_refused() -> None:
    agent = in_office("secretaire")
    version = refer(agent)
    rec(agent, ev.DisciplinaryDecision, DECIDED, referral_version=version, outcome="warning")
    refused(agent, ev.DisciplinaryDecision, date(1950, 6, 1), "Art. 24", "no_pending_referral",
            referral_version=version, outcome="fine")
