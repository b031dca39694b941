"""Discipline (Art. 23, 24): referral by the minister, decision, suspension, dismissal."""

from __future__ import annotations

from agent_records.domain.erased import is_erased
from agent_records.domain.events import DisciplinaryDecision, DisciplinaryReferral
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.rules.end_of_service import leave_service
from agent_records.domain.state import CareerState, Referral, evolve
from agent_records.domain.values import DisciplinaryBody, Outcome, Status


def referred(s: CareerState, e: DisciplinaryReferral, ck: Check) -> CareerState:
    """Art. 24: a head of post before the Council of Ministers; others under Art. 23."""
    ck.require(s.in_service, "Art. 23", "not_in_service",
               f"only an agent in service is referred; the agent is {s.status}")
    council = e.body == DisciplinaryBody.COUNCIL_OF_MINISTERS
    if s.head_of_post:
        ck.require(council, "Art. 24", "head_of_post_before_council",
                   "a head of post appears before the Council of Ministers sitting as "
                   "disciplinary council", "body")
    else:
        ck.require(not council, "Art. 24", "council_only_for_heads_of_post",
                   "the Council of Ministers sits as disciplinary council for heads of post; "
                   "other agents fall under the civil-servant statute (Art. 23)", "body")
    ck.require(is_erased(e.facts) or bool(e.facts.strip()), e.legal_basis, "facts_required",
               "a referral states the facts", "facts")
    referral = Referral(e.originator_version, DisciplinaryBody(e.body), e.effective_date)
    return evolve(s, referrals=(*s.referrals, referral))


def decided(s: CareerState, e: DisciplinaryDecision, ck: Check) -> CareerState:
    """The decision on a pending referral; suspension and dismissal change the status."""
    referral = next((r for r in s.referrals if r.version == e.referral_version), None)
    if not ck.require(referral is not None and referral.outcome is None, "Art. 24",
                      "no_pending_referral", f"event {e.referral_version} is not a pending "
                      "referral", "referral_version"):
        return s
    assert referral is not None
    outcome = Outcome(e.outcome)
    if outcome == Outcome.SUSPENSION:
        ck.require(e.until is not None and e.until > e.effective_date, "Art. 24",
                   "suspension_needs_end", "a suspension states when it ends", "until")
    done = evolve(referral, outcome=outcome, decided_on=e.effective_date)
    s = evolve(s, referrals=tuple(done if r is referral else r for r in s.referrals))
    if outcome == Outcome.SUSPENSION:
        return evolve(s, status=Status.SUSPENDED, suspended_until=e.until)
    if outcome == Outcome.DISMISSAL:
        return leave_service(s, Status.DISMISSED, e.effective_date)
    return s


HANDLERS: dict[type, Handler] = {
    DisciplinaryReferral: referred,
    DisciplinaryDecision: decided,
}
