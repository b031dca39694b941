"""Art. 14: "Aucun agent ne peut quitter son poste sans congé régulier".

An absence without regular leave is recorded (it happened: nothing can refuse it) and
listed as a breach; the record refuses only what it can show to be wrong.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_records.domain import events as ev
from tests.unit.builders import attache, fix, in_office, rec, refused, register

START = date(1949, 3, 1)


def test_absence_without_leave_is_recorded_as_a_breach() -> None:
    agent = attache()
    event = rec(agent, ev.AbsenceFromPostRecorded, START, end_date=date(1949, 3, 4))
    assert event.legal_basis == "Art. 14"
    (absence,) = agent.state.absences
    assert (absence.start, absence.end) == (START, date(1949, 3, 4))
    (breach,) = agent.state.breaches
    assert (breach.article, breach.code, breach.version, breach.on) == (
        "Art. 14", "absent_without_leave", event.originator_version, START)
    assert "4 days" in breach.message


def test_absence_of_a_head_of_post_is_a_breach_too() -> None:
    """"Aucun agent": whatever the rank."""
    agent = in_office("envoye", head=True)
    rec(agent, ev.AbsenceFromPostRecorded, START, end_date=START)
    assert [b.code for b in agent.state.breaches] == ["absent_without_leave"]


def test_absence_of_someone_with_no_post_refused() -> None:
    refused(register(), ev.AbsenceFromPostRecorded, START, "Art. 14", "no_post_to_leave",
            end_date=START)


def test_absence_ending_before_it_starts_refused() -> None:
    refused(attache(), ev.AbsenceFromPostRecorded, START, "Art. 14",
            "absence_ends_before_start", end_date=START - timedelta(days=1))


def test_days_on_regular_leave_are_not_an_absence_without_leave() -> None:
    agent = attache()
    rec(agent, ev.LeaveGranted, START, end_date=date(1949, 3, 10))
    refused(agent, ev.AbsenceFromPostRecorded, date(1949, 3, 10), "Art. 14",
            "absence_during_leave", end_date=date(1949, 3, 12))
    rec(agent, ev.AbsenceFromPostRecorded, date(1949, 3, 11), end_date=date(1949, 3, 12))


def test_the_same_days_are_recorded_once() -> None:
    agent = attache()
    rec(agent, ev.AbsenceFromPostRecorded, START, end_date=date(1949, 3, 4))
    refused(agent, ev.AbsenceFromPostRecorded, date(1949, 3, 4), "Art. 14", "absence_overlaps",
            end_date=date(1949, 3, 6))


def test_leave_over_a_recorded_absence_refused() -> None:
    """Regularising an absence is a correction of its record, not a second fact. Facts
    fold in effective order (the leave or the absence is met second), and both read
    alike."""
    agent = attache()
    rec(agent, ev.AbsenceFromPostRecorded, START, end_date=date(1949, 3, 4))
    refused(agent, ev.LeaveGranted, date(1949, 3, 4), "Art. 14", "absence_during_leave",
            end_date=date(1949, 3, 8))
    refused(agent, ev.LeaveGranted, date(1949, 2, 25), "Art. 14", "absence_during_leave",
            end_date=START)


@settings(max_examples=40, deadline=None)
@given(leave_at=st.integers(0, 40), leave_days=st.integers(1, 10),
       away_at=st.integers(0, 40), away_days=st.integers(1, 10))
def test_an_absence_is_recorded_iff_no_leave_covers_its_days(
        leave_at: int, leave_days: int, away_at: int, away_days: int) -> None:
    agent = in_office("secretaire")
    leave_start = START + timedelta(days=leave_at)
    leave_end = leave_start + timedelta(days=leave_days - 1)
    rec(agent, ev.LeaveGranted, leave_start, end_date=leave_end)
    away, back = START + timedelta(days=away_at), START + timedelta(days=away_at + away_days - 1)
    if away <= leave_end and leave_start <= back:
        refused(agent, ev.AbsenceFromPostRecorded, away, "Art. 14", "absence_during_leave",
                end_date=back)
    else:
        rec(agent, ev.AbsenceFromPostRecorded, away, end_date=back)
        assert [b.code for b in agent.state.breaches] == ["absent_without_leave"]


@pytest.mark.parametrize("annulled", [True, False])
def test_an_annulled_absence_is_no_longer_a_breach(annulled: bool) -> None:
    agent = attache()
    event = rec(agent, ev.AbsenceFromPostRecorded, START, end_date=START)
    if annulled:
        fix(agent, "1949-04-01", event.originator_version, annulled=True)
    assert len(agent.state.breaches) == (0 if annulled else 1)
