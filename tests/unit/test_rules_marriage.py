"""Marriage (Art. 13): the minister's prior authorisation, and the breach without it."""

from __future__ import annotations

from datetime import date

import pytest

from agent_records.domain import events as ev
from agent_records.domain.rules.marriage import GRANTED, REFUSED
from tests.unit.builders import attache, rec, refused, register

ASKED = date(1949, 1, 10)
DECIDED = date(1949, 2, 1)
WEDDING = date(1949, 5, 1)


def request(agent=None, nationality: str = "LU", spouse: str = "Anne Weber", day=ASKED):
    agent = agent or attache()
    asked = rec(agent, ev.MarriageAuthorisationRequested, day, spouse_name=spouse,
                spouse_nationality=nationality, intended_date=WEDDING)
    return agent, asked.originator_version


def breaches(agent) -> list[tuple[str, str]]:
    return [(b.article, b.code) for b in agent.state.breaches]


BREACH = [("Art. 13", "marriage_without_authorisation")]


# The request -------------------------------------------------------------------------------

def test_agent_of_any_rank_requests_authorisation() -> None:
    agent, version = request()
    (req,) = agent.state.marriage_requests
    assert (req.version, req.spouse_name, req.decision) == (version, "Anne Weber", None)


def test_request_by_someone_not_in_the_corps_refused() -> None:
    refused(register(), ev.MarriageAuthorisationRequested, ASKED, "Art. 13", "not_an_agent",
            spouse_name="Anne Weber", spouse_nationality="LU")


def test_second_request_while_one_is_pending_refused() -> None:
    agent, _ = request()
    refused(agent, ev.MarriageAuthorisationRequested, DECIDED, "Art. 13", "request_pending",
            spouse_name="Marie Muller", spouse_nationality="LU")


def test_new_request_once_the_first_is_decided() -> None:
    agent, version = request()
    rec(agent, ev.MarriageAuthorisationRefused, DECIDED, request_version=version)
    request(agent, spouse="Marie Muller", day=DECIDED)
    assert [r.decision for r in agent.state.marriage_requests] == [REFUSED, None]


# The minister's decision -------------------------------------------------------------------

@pytest.mark.parametrize(("nationality", "justification"), [
    ("LU", None),
    ("BE", "the spouse has lived in Luxembourg for twenty years"),
])
def test_authorisation_granted(nationality, justification) -> None:
    agent, version = request(nationality=nationality)
    rec(agent, ev.MarriageAuthorised, DECIDED, request_version=version,
        exception_justification=justification)
    (req,) = agent.state.marriage_requests
    assert (req.decision, req.decided_on) == (GRANTED, DECIDED)


@pytest.mark.parametrize("justification", [None, ""])
def test_foreign_spouse_without_exception_refused(justification) -> None:
    agent, version = request(nationality="BE")
    refused(agent, ev.MarriageAuthorised, DECIDED, "Art. 13",
            "foreign_spouse_without_exception", request_version=version,
            exception_justification=justification)


@pytest.mark.parametrize("cls", [ev.MarriageAuthorised, ev.MarriageAuthorisationRefused])
def test_decision_on_something_else_than_a_request_refused(cls) -> None:
    agent, version = request()
    refused(agent, cls, DECIDED, "Art. 13", "no_such_request", request_version=version - 1)


@pytest.mark.parametrize("cls", [ev.MarriageAuthorised, ev.MarriageAuthorisationRefused])
def test_deciding_twice_refused(cls) -> None:
    agent, version = request()
    rec(agent, ev.MarriageAuthorisationRefused, DECIDED, request_version=version)
    refused(agent, cls, date(1949, 2, 2), "Art. 13", "request_already_decided",
            request_version=version)


# The marriage: recorded always, a breach without prior authorisation --------------------------

def test_marriage_after_authorisation_is_no_breach() -> None:
    agent, version = request()
    rec(agent, ev.MarriageAuthorised, DECIDED, request_version=version)
    rec(agent, ev.MarriageRecorded, WEDDING, spouse_name="Anne Weber",
        spouse_nationality="LU", request_version=version)
    assert agent.state.married_to == "Anne Weber"
    assert breaches(agent) == []


def test_marriage_on_the_day_of_the_authorisation_is_no_breach() -> None:
    agent, version = request()
    rec(agent, ev.MarriageAuthorised, WEDDING, request_version=version)
    rec(agent, ev.MarriageRecorded, WEDDING, spouse_name="Anne Weber",
        spouse_nationality="LU", request_version=version)
    assert breaches(agent) == []


def test_marriage_without_any_request_is_a_breach() -> None:
    agent = attache()
    event = rec(agent, ev.MarriageRecorded, WEDDING, spouse_name="Anne Weber",
                spouse_nationality="LU")
    assert agent.state.married_to == "Anne Weber"
    assert breaches(agent) == BREACH
    assert agent.state.breaches[0].version == event.originator_version
    assert agent.state.breaches[0].on == WEDDING


@pytest.mark.parametrize("decision", ["pending", "refused", "authorised_after"])
def test_marriage_without_prior_authorisation_is_a_breach(decision) -> None:
    agent, version = request()
    if decision == "refused":
        rec(agent, ev.MarriageAuthorisationRefused, DECIDED, request_version=version)
    if decision == "authorised_after":
        rec(agent, ev.MarriageAuthorised, date(1949, 5, 2), request_version=version)
    rec(agent, ev.MarriageRecorded, WEDDING, spouse_name="Anne Weber",
        spouse_nationality="LU", request_version=version)
    assert breaches(agent) == BREACH


def test_authorisation_for_another_spouse_does_not_cover_the_marriage() -> None:
    """The minister appraises the future spouse: the authorisation is for that person."""
    agent, version = request()
    rec(agent, ev.MarriageAuthorised, DECIDED, request_version=version)
    rec(agent, ev.MarriageRecorded, WEDDING, spouse_name="Greta Braun",
        spouse_nationality="DE", request_version=version)
    assert breaches(agent) == BREACH


def test_marriage_before_entering_the_corps_is_no_breach() -> None:
    agent = register()
    rec(agent, ev.MarriageRecorded, WEDDING, spouse_name="Anne Weber", spouse_nationality="LU")
    assert agent.state.married_to == "Anne Weber"
    assert breaches(agent) == []
