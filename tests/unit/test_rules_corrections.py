"""Corrections (nothing is deleted) and the bitemporal views of a record.

``Agent.correct`` checks the correction itself; the corrected record is then checked
against every rule, like any new fact. ``state_on`` is valid time (the state in force on
a day); ``known_at`` is system time (the record as it stood at an instant).
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from agent_records.domain import events as ev
from agent_records.domain.errors import InvalidInput, NotFound, RuleViolation
from agent_records.domain.values import Grade, Status
from tests.careers import on
from tests.unit.builders import attache, fix, rec, register, renewed, unchanged

LEAVE = date(1948, 9, 1)


def with_leave():
    agent = attache()
    leave = rec(agent, ev.LeaveGranted, LEAVE, end_date=date(1948, 9, 10), travel_days=2)
    return agent, leave.originator_version


def corrected(agent, version: int, reason: str = "clerical error", **kw):
    with unchanged(agent, RuleViolation, *kw.pop("expect")) as info:
        agent.correct(on("1949-01-01", reason=reason), version, **kw)
    return info.value


# A correction replaces the effect; both events stay -------------------------------------------

def test_changes_replace_the_effect_and_both_events_stay() -> None:
    agent, version = with_leave()
    original = agent.events[-1]
    correction = fix(agent, "1949-01-01", version, changes={"end_date": "1948-09-20"})
    (leave,) = agent.state.leaves
    assert (leave.end, leave.counted_days) == (date(1948, 9, 20), 18)
    assert agent.events[-2:] == [original, correction]
    assert original.end_date == date(1948, 9, 10)
    assert (correction.corrected_version, correction.changes, correction.annulled) == (
        version, {"end_date": date(1948, 9, 20)}, False)
    assert (correction.legal_basis, correction.reason) == ("Correction", "clerical error")
    assert agent.state.versions[-1] == version  # the correction is not a fact of the career


def test_annulment_removes_the_effect_and_both_events_stay() -> None:
    agent = renewed(attache(), 2)
    fix(agent, "1951-01-01", agent.version, annulled=True)
    assert agent.state.renewals == 1
    assert [type(e) for e in agent.events[-3:]] == [
        ev.AppointmentRenewed, ev.AppointmentRenewed, ev.EventCorrected]


def test_correcting_the_effective_date_moves_the_fact() -> None:
    agent = renewed(attache(), 3)
    promotion = rec(agent, ev.Promoted, "1951-09-01", to_grade="secretaire")
    fix(agent, "1952-01-01", promotion.originator_version,
        changes={"effective_date": "1951-10-01"})
    assert agent.state_on(date(1951, 9, 15)).grade == Grade.ATTACHE
    assert agent.state_on(date(1951, 10, 1)).grade == Grade.SECRETAIRE


def test_identity_corrected() -> None:
    agent = register()
    fix(agent, "1949-01-01", 1, changes={"full_name": "Jean-Pierre Schmit",
                                         "prior_public_service_days": 400})
    assert (agent.state.full_name, agent.state.prior_public_service_days) == (
        "Jean-Pierre Schmit", 400)


def test_correction_can_lift_a_breach() -> None:
    agent = attache()
    asked = rec(agent, ev.MarriageAuthorisationRequested, "1949-01-10", spouse_name="A",
                spouse_nationality="LU", intended_date=None)
    rec(agent, ev.MarriageAuthorised, "1949-02-01", request_version=asked.originator_version)
    wedding = rec(agent, ev.MarriageRecorded, "1949-05-01", spouse_name="A",
                  spouse_nationality="LU")
    assert [b.code for b in agent.state.breaches] == ["marriage_without_authorisation"]
    fix(agent, "1949-06-01", wedding.originator_version,
        changes={"request_version": asked.originator_version})
    assert agent.state.breaches == ()


def test_successive_corrections_of_one_event_accumulate() -> None:
    agent, version = with_leave()
    fix(agent, "1949-01-01", version, changes={"end_date": "1948-09-20"})
    fix(agent, "1949-01-02", version, changes={"travel_days": 4})
    (leave,) = agent.state.leaves
    assert (leave.end, leave.travel_days) == (date(1948, 9, 20), 4)
    fix(agent, "1949-01-03", version, annulled=True)
    assert agent.state.leaves == ()
    fix(agent, "1949-01-04", version, changes={"travel_days": 0})  # new values revive it
    (leave,) = agent.state.leaves
    assert (leave.end, leave.travel_days) == (date(1948, 9, 20), 0)


# A correction that would break a rule is refused ---------------------------------------------

def test_correction_making_a_leave_exceed_the_entitlement_refused() -> None:
    agent, version = with_leave()
    found = corrected(agent, version, changes={"end_date": "1948-10-05"},
                      expect=("Art. 15", "leave_exceeds_entitlement"))
    assert found.field == "end_date"


def test_annulling_a_renewal_a_promotion_relied_on_refused() -> None:
    agent = renewed(attache(), 3)
    third = agent.version
    rec(agent, ev.Promoted, "1951-09-01", to_grade="secretaire")
    # without the third renewal the term ended on 1 July 1951 (Art. 7)
    corrected(agent, third, annulled=True, expect=("Art. 8", "not_serving"))


def test_correcting_the_birth_date_against_the_appointment_refused() -> None:
    corrected(attache(), 1, changes={"birth_date": "1930-01-01"}, expect=("Art. 6", "too_young"))


def test_annulling_the_posting_a_leave_relied_on_refused() -> None:
    agent, _ = with_leave()
    posting = next(e for e in agent.events if isinstance(e, ev.Posted))
    corrected(agent, posting.originator_version, annulled=True,
              expect=("Art. 15", "not_abroad"))


# The correction itself ------------------------------------------------------------------------

@pytest.mark.parametrize(("version", "kw", "reason", "error", "field"), [
    (99, {"annulled": True}, "why", NotFound, "corrected_version"),
    ("correction", {"annulled": True}, "why", NotFound, "corrected_version"),
    ("leave", {"annulled": True}, " ", InvalidInput, "reason"),
    ("leave", {}, "why", InvalidInput, "changes"),
    ("leave", {"annulled": True, "changes": {"travel_days": 1}}, "why", InvalidInput, "changes"),
    (1, {"annulled": True}, "why", InvalidInput, "annulled"),
    ("leave", {"changes": {"spouse_name": "A"}}, "why", InvalidInput, "spouse_name"),
    ("leave", {"changes": {"actor_id": "someone"}}, "why", InvalidInput, "actor_id"),
    ("leave", {"changes": {"travel_days": "two"}}, "why", InvalidInput, "travel_days"),
    ("leave", {"changes": {"effective_date": "soon"}}, "why", InvalidInput, "effective_date"),
])
def test_malformed_correction_refused(version, kw, reason, error, field) -> None:
    agent, leave = with_leave()
    if version == "correction":
        version = fix(agent, "1949-01-01", leave, changes={"travel_days": 1}).originator_version
    elif version == "leave":
        version = leave
    with unchanged(agent, error, None, error.code) as info:
        agent.correct(on("1949-02-01", reason=reason), version, **kw)
    assert info.value.field == field


# Bitemporal views ------------------------------------------------------------------------------

def test_state_on_a_day_is_the_state_in_force_then() -> None:
    agent = renewed(attache(), 3)
    rec(agent, ev.Promoted, "1951-09-01", to_grade="secretaire")
    assert agent.state_on(date(1948, 6, 30)).status == Status.CANDIDATE
    assert agent.state_on(date(1948, 7, 1)).grade == Grade.ATTACHE
    assert agent.state_on(date(1950, 7, 1)).renewals == 2
    assert agent.state_on(date(1951, 8, 31)).grade == Grade.ATTACHE
    assert agent.state_on(date(1951, 9, 1)).grade == Grade.SECRETAIRE
    assert agent.state_on(date(1951, 9, 1)) == agent.state
    later = agent.state_on(date(1999, 1, 1))  # the age limit of Art. 21 came in 1985
    assert (later.status, later.service_end) == (Status.RETIRED, date(1985, 3, 2))
    assert agent.state_on(date(1948, 5, 31)).full_name == ""  # not yet registered


def test_known_at_shows_the_record_before_a_correction() -> None:
    agent, version = with_leave()
    before = agent.events[-1].timestamp
    time.sleep(0.002)
    correction = fix(agent, "1949-01-01", version, changes={"end_date": "1948-09-20"})
    assert correction.timestamp > before
    past = agent.known_at(before)
    assert past.state.leaves[0].end == date(1948, 9, 10)
    assert (past.version, len(past.events)) == (version, len(agent.events) - 1)
    assert agent.known_at(correction.timestamp).state.leaves[0].end == date(1948, 9, 20)
    assert agent.state.leaves[0].end == date(1948, 9, 20)  # the present is untouched
    assert agent.known_at(agent.events[0].timestamp).state.status == Status.CANDIDATE


def test_known_at_and_state_on_combine() -> None:
    """What the record said, at an instant, about the state on a day."""
    agent, version = with_leave()
    before = agent.events[-1].timestamp
    time.sleep(0.002)
    fix(agent, "1949-01-01", version, changes={"effective_date": "1948-09-05"})
    day = date(1948, 9, 2)
    assert agent.known_at(before).state_on(day).status_on(day) == Status.ON_LEAVE
    assert agent.state_on(day).status_on(day) == Status.SERVING
