"""Art. 14: "Aucun agent ne peut quitter son poste sans congé régulier".

An absence from the post without regular leave is a fact HR records when it comes to
light; the rule cannot refuse a departure that already happened, so the record takes it
and lists it as a breach for the disciplinary council. What the record can check, it
does: the agent held a position to leave, the dates are in order, and the days were not
covered by a regular leave (then the agent was not away without leave: the leave shows
it) nor already recorded as an absence.
"""

from __future__ import annotations

from agent_records.domain.breaches import breach
from agent_records.domain.events import AbsenceFromPostRecorded
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.rules.leave import overlap_message
from agent_records.domain.state import Absence, CareerState, evolve


def absence_recorded(s: CareerState, e: AbsenceFromPostRecorded, ck: Check) -> CareerState:
    """Art. 14: an absence without regular leave, recorded and listed as a breach."""
    start, end = e.effective_date, e.end_date
    ck.require(s.in_service and s.position_on(start) is not None, "Art. 14", "no_post_to_leave",
               f"the agent holds no position on {start}: there is no post to leave",
               "effective_date")
    if not ck.require(end >= start, "Art. 14", "absence_ends_before_start",
                      f"the absence ends ({end}) before it starts ({start})", "end_date"):
        return s
    leave = next((lv for lv in s.leaves if lv.start <= end and start <= lv.end), None)
    if leave:
        ck.require(False, "Art. 14", "absence_during_leave",
                   overlap_message(leave.start, leave.end, start, end), "effective_date")
    other = next((a for a in s.absences if a.start <= end and start <= a.end), None)
    ck.require(other is None, "Art. 14", "absence_overlaps",
               f"an absence from {other and other.start} to {other and other.end} is "
               "already recorded", "effective_date")
    days = (end - start).days + 1
    s = evolve(s, absences=(*s.absences, Absence(e.originator_version, start, end)))
    return breach(s, e, "Art. 14", "absent_without_leave",
                  f"away from the post from {start} to {end} ({days} days) without regular "
                  "leave")


HANDLERS: dict[type, Handler] = {
    AbsenceFromPostRecorded: absence_recorded,
}
