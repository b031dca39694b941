"""History: as of a version, as of an effective date, as the record stood at a past instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest

from agent_records.application import AgentRecords, Receipt
from agent_records.domain.commands import CorrectEvent, GrantLeave, RenewAppointment
from agent_records.domain.errors import InvalidInput, NotFound
from agent_records.domain.events import EventCorrected, LeaveGranted
from agent_records.domain.values import Status
from tests.careers import on, open_legation, serving_attache

START, WRONG_END, RIGHT_END = date(1949, 8, 1), date(1949, 8, 20), date(1949, 8, 10)
BETWEEN = date(1949, 8, 15)  # on leave as first recorded, back at the post as corrected


@dataclass(frozen=True)
class Corrected:
    agent_id: UUID
    renewal: Receipt
    leave: Receipt
    correction: Receipt


def leave_then_correction(app: AgentRecords) -> Corrected:
    """An attaché renewed, granted leave to 20 August, corrected to 10 August."""
    open_legation(app)
    aid = serving_attache(app)  # versions 1 to 6
    renewal = app.handle(RenewAppointment(aid, on("1949-06-15")))
    leave = app.handle(GrantLeave(aid, on(START), end_date=WRONG_END, travel_days=2))
    correction = app.handle(CorrectEvent(aid, on(START, reason="the agent returned on 10 August"),
                                         corrected_version=leave.version,
                                         changes={"end_date": RIGHT_END.isoformat()}))
    return Corrected(aid, renewal, leave, correction)


def test_the_record_as_of_a_version(records: AgentRecords) -> None:
    c = leave_then_correction(records)
    assert (c.renewal.version, c.leave.version, c.correction.version) == (7, 8, 9)

    before_renewal = records.get_agent(c.agent_id, version=6)
    assert before_renewal.version == 6
    assert (before_renewal.state.renewals, before_renewal.state.leaves) == (0, ())
    assert before_renewal.state.status == Status.SERVING

    uncorrected = records.get_agent(c.agent_id, version=c.leave.version)
    assert [lv.end for lv in uncorrected.state.leaves] == [WRONG_END]
    assert uncorrected.state.renewals == 1

    corrected = records.get_agent(c.agent_id, version=c.correction.version)
    assert [lv.end for lv in corrected.state.leaves] == [RIGHT_END]
    assert corrected.state == records.get_agent(c.agent_id).state

    with pytest.raises(NotFound):
        records.get_agent(c.agent_id, version=0)


def test_the_state_on_an_effective_date(records: AgentRecords) -> None:
    c = leave_then_correction(records)
    agent = records.get_agent(c.agent_id)

    assert agent.state_on(date(1948, 6, 30)).status == Status.CANDIDATE
    assert agent.state_on(date(1948, 7, 1)).status == Status.SERVING
    # renewed on 15 June 1949, the new term and its count start on 1 July (Art. 7, 8)
    assert agent.state_on(date(1949, 6, 15)).renewals == 0
    assert agent.state_on(date(1949, 6, 15)).term_end == date(1950, 7, 1)
    assert agent.state_on(date(1949, 7, 1)).renewals == 1
    assert agent.state_on(date(1949, 7, 31)).leaves == ()
    on_leave = agent.state_on(date(1949, 8, 5))
    assert on_leave.status_on(date(1949, 8, 5)) == Status.ON_LEAVE
    # The valid-time view shows the corrected leave: back at the post on 15 August.
    assert agent.state_on(BETWEEN).status_on(BETWEEN) == Status.SERVING
    assert agent.state_on(date(1948, 6, 1)).full_name == "Jean Schmit"


def test_the_record_at_a_past_instant_before_and_after_the_correction(
    records: AgentRecords,
) -> None:
    c = leave_then_correction(records)
    assert c.leave.recorded_at < c.correction.recorded_at

    then = records.agent_known_at(c.agent_id, c.leave.recorded_at)
    assert then.version == c.leave.version
    assert [lv.end for lv in then.state.leaves] == [WRONG_END]
    assert then.state_on(BETWEEN).status_on(BETWEEN) == Status.ON_LEAVE
    assert not any(isinstance(e, EventCorrected) for e in then.events)
    assert records.agent_known_at(c.agent_id, c.correction.recorded_at - timedelta(
        microseconds=1)).state == then.state

    now = records.agent_known_at(c.agent_id, datetime.now().astimezone())
    assert now.version == c.correction.version
    assert [lv.end for lv in now.state.leaves] == [RIGHT_END]
    assert now.state_on(BETWEEN).status_on(BETWEEN) == Status.SERVING
    assert now.state == records.get_agent(c.agent_id).state

    # The audit trail keeps both: the leave as first recorded, and the correction naming it.
    leave = next(e for e in now.events if e.originator_version == c.leave.version)
    fix = now.events[-1]
    assert isinstance(leave, LeaveGranted) and leave.end_date == WRONG_END
    assert isinstance(fix, EventCorrected)
    assert (fix.corrected_version, fix.changes, fix.annulled) == (
        c.leave.version, {"end_date": RIGHT_END}, False)
    assert fix.reason == "the agent returned on 10 August"
    assert fix.timestamp == c.correction.recorded_at

    registered = records.get_agent(c.agent_id).events[0].timestamp
    with pytest.raises(NotFound):
        records.agent_known_at(c.agent_id, registered - timedelta(microseconds=1))


def test_a_past_instant_without_its_utc_offset_is_refused(records: AgentRecords) -> None:
    c = leave_then_correction(records)
    with pytest.raises(InvalidInput) as refused:
        records.agent_known_at(c.agent_id, datetime(2100, 1, 1))
    assert refused.value.field == "knownAt"
