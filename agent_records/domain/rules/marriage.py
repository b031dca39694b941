"""Marriage (Art. 13): the minister's prior authorisation, and breaches without it."""

from __future__ import annotations

from datetime import date

from agent_records.domain.breaches import breach
from agent_records.domain.events import (
    MarriageAuthorisationRefused,
    MarriageAuthorisationRequested,
    MarriageAuthorised,
    MarriageRecorded,
)
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.state import CareerState, MarriageRequest, evolve
from agent_records.domain.values import IN_SERVICE, LUXEMBOURG, Category

GRANTED = "granted"
REFUSED = "refused"


def _pending(s: CareerState, version: int, ck: Check) -> MarriageRequest | None:
    """The undecided request ``version``, or a violation."""
    request = next((r for r in s.marriage_requests if r.version == version), None)
    ck.require(request is not None, "Art. 13", "no_such_request",
               f"event {version} is not a marriage authorisation request", "request_version")
    if request is not None:
        ck.require(request.decision is None, "Art. 13", "request_already_decided",
                   f"the request was {request.decision} on {request.decided_on}",
                   "request_version")
    return request


def _decide(s: CareerState, request: MarriageRequest | None, decision: str,
            day: date) -> CareerState:
    if request is None:
        return s
    decided = evolve(request, decision=decision, decided_on=day)
    requests = tuple(decided if r is request else r for r in s.marriage_requests)
    return evolve(s, marriage_requests=requests)


def requested(s: CareerState, e: MarriageAuthorisationRequested, ck: Check) -> CareerState:
    """Art. 13: an agent of any rank who intends to marry asks first."""
    ck.require(s.category == Category.DIPLOMATIC and s.status in IN_SERVICE, "Art. 13",
               "not_an_agent", "the authorisation is asked by an agent of the diplomatic corps")
    pending = [r for r in s.marriage_requests if r.decision is None]
    ck.require(not pending, "Art. 13", "request_pending",
               f"request {pending and pending[0].version} is still undecided")
    request = MarriageRequest(e.originator_version, e.spouse_name, e.spouse_nationality,
                              e.effective_date)
    return evolve(s, marriage_requests=(*s.marriage_requests, request))


def authorised(s: CareerState, e: MarriageAuthorised, ck: Check) -> CareerState:
    """Art. 13: refused for a foreign spouse unless particular circumstances justify it."""
    request = _pending(s, e.request_version, ck)
    if request is not None and request.spouse_nationality != LUXEMBOURG:
        ck.require(bool(e.exception_justification), "Art. 13", "foreign_spouse_without_exception",
                   "the future spouse is not Luxembourgish: the authorisation needs particular "
                   "circumstances, recorded as the justification", "exception_justification")
    return _decide(s, request, GRANTED, e.effective_date)


def refused(s: CareerState, e: MarriageAuthorisationRefused, ck: Check) -> CareerState:
    """Art. 13: the minister refuses."""
    return _decide(s, _pending(s, e.request_version, ck), REFUSED, e.effective_date)


def _same_person(request: MarriageRequest, e: MarriageRecorded) -> bool:
    """The authorisation is for the spouse the minister appraised (name and nationality)."""
    def name(text: str) -> object:  # an erased name is the same as the other erased one
        return " ".join(text.split()).casefold() if isinstance(text, str) else text
    return (name(request.spouse_name) == name(e.spouse_name)
            and request.spouse_nationality == e.spouse_nationality)


def married(s: CareerState, e: MarriageRecorded, ck: Check) -> CareerState:
    """A marriage is a fact: recorded always, a breach without prior authorisation."""
    s = evolve(s, married_to=e.spouse_name)
    if s.status not in IN_SERVICE:
        return s
    request = next((r for r in s.marriage_requests if r.version == e.request_version), None)
    prior = (request is not None and request.decision == GRANTED
             and request.decided_on is not None and request.decided_on <= e.effective_date
             and _same_person(request, e))
    if prior:
        return s
    return breach(s, e, "Art. 13", "marriage_without_authorisation",
                  f"marriage on {e.effective_date} without the minister's prior authorisation")


HANDLERS: dict[type, Handler] = {
    MarriageAuthorisationRequested: requested,
    MarriageAuthorised: authorised,
    MarriageAuthorisationRefused: refused,
    MarriageRecorded: married,
}
