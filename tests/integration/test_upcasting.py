"""Events stored in their version-1 shape still load, upcast on read: a leave (before
travel days) and a chargé d'affaires designation (before its ground)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from agent_records.application import AgentRecords
from agent_records.domain.commands import DesignateChargeDAffaires, GrantLeave
from agent_records.domain.errors import RuleViolation
from agent_records.domain.events import ChargeDAffairesDesignated, LeaveGranted
from agent_records.domain.values import ChargeGround, LeaveKind
from tests.careers import on, open_legation, serving_attache

LEGACY_START, LEGACY_END = date(1949, 3, 1), date(1949, 3, 10)


def v1_leave(app: AgentRecords) -> tuple[StoredEvent, dict]:
    """An attaché's record with a ``LeaveGranted`` appended as version 1 wrote it."""
    open_legation(app)
    aid = serving_attache(app, renewals=10)
    version = app.get_agent(aid).version
    # The state version 1 stored: the audit metadata and the leave, no travel days, and no
    # class_version key (the mapper only writes one for class versions above 1).
    state = {
        "timestamp": datetime.now(UTC),
        "effective_date": LEGACY_START,
        "actor_id": "clerk-0",
        "actor_role": "hr_clerk",
        "legal_basis": "Art. 15",
        "decision_reference": "AM 1949/12",
        "reason": "recorded before travel days were kept apart",
        "correlation_id": "legacy-0001",
        "kind": "annual",
        "end_date": LEGACY_END,
        "granted_by": "minister",
        "council_deliberation_ref": None,
    }
    stored = StoredEvent(originator_id=aid, originator_version=version + 1,
                         topic=get_topic(LeaveGranted),
                         state=app.mapper.transcoder.encode(state))
    raw = json.loads(stored.state)
    assert "travel_days" not in raw and "class_version" not in raw
    app.recorder.insert_events([stored])
    return stored, state


def test_a_version_1_leave_loads_with_no_travel_days(
    records: AgentRecords, store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    stored, state = v1_leave(records)
    aid = stored.originator_id

    for app in (records, open_app(store_url)):
        agent = app.get_agent(aid)
        assert agent.version == stored.originator_version
        event = agent.events[-1]
        assert isinstance(event, LeaveGranted)
        assert event.travel_days == 0
        assert "class_version" not in vars(event)
        assert (event.effective_date, event.end_date, event.timestamp) == (
            LEGACY_START, LEGACY_END, state["timestamp"])
        assert (event.correlation_id, event.reason) == (state["correlation_id"], state["reason"])
        [leave] = agent.state.leaves
        assert (leave.kind, leave.start, leave.end, leave.travel_days) == (
            LeaveKind.ANNUAL, LEGACY_START, LEGACY_END, 0)
        assert leave.counted_days == 10  # version 1 counted every day of the span
        assert app.leave_account(aid, 1949).taken == 10

    # Upcasting happens on read: the stored row keeps its version-1 shape.
    [row] = records.recorder.select_events(aid, gt=stored.originator_version - 1)
    assert (row.topic, json.loads(row.state)) == (stored.topic, json.loads(stored.state))


def test_the_record_goes_on_after_a_version_1_leave(records: AgentRecords) -> None:
    stored, _ = v1_leave(records)
    aid = stored.originator_id

    # Later leaves are checked against the upcast one, and stored in the version-2 shape.
    with pytest.raises(RuleViolation) as refused:
        records.handle(GrantLeave(aid, on("1949-03-08"), end_date=date(1949, 3, 12)))
    assert refused.value.code == "leave_overlaps"
    receipt = records.handle(GrantLeave(aid, on("1949-09-01"), end_date=date(1949, 9, 12),
                                        travel_days=2))
    assert receipt.version == stored.originator_version + 1
    [row] = records.recorder.select_events(aid, gt=stored.originator_version)
    raw = json.loads(row.state)
    assert (raw["class_version"], raw["travel_days"]) == (2, 2)

    agent = records.get_agent(aid)
    assert [(lv.version, lv.travel_days, lv.counted_days) for lv in agent.state.leaves] == [
        (stored.originator_version, 0, 10), (receipt.version, 2, 10)]
    assert records.leave_account(aid, 1949).taken == 20


def v1_charge(app: AgentRecords) -> StoredEvent:
    """An attaché's record with a ``ChargeDAffairesDesignated`` as version 1 wrote it
    (before the designation stated its ground)."""
    open_legation(app)
    aid = serving_attache(app, renewals=10)
    state = {
        "timestamp": datetime.now(UTC),
        "effective_date": date(1950, 7, 1),
        "actor_id": "clerk-0",
        "actor_role": "hr_clerk",
        "legal_basis": "Art. 2",
        "decision_reference": None,
        "reason": "recorded before the ground was asked",
        "correlation_id": "legacy-0002",
        "post_code": "BRU",
        "end_date": date(1950, 7, 20),
        "designated_by": "head_of_post",
    }
    stored = StoredEvent(originator_id=aid, originator_version=app.get_agent(aid).version + 1,
                         topic=get_topic(ChargeDAffairesDesignated),
                         state=app.mapper.transcoder.encode(state))
    assert "ground" not in json.loads(stored.state)
    app.recorder.insert_events([stored])
    return stored


def test_a_version_1_designation_reads_ground_not_stated_and_the_record_goes_on(
    records: AgentRecords, store_url: str, open_app: Callable[[str], AgentRecords]
) -> None:
    stored = v1_charge(records)
    aid = stored.originator_id
    for app in (records, open_app(store_url)):
        event = app.get_agent(aid).events[-1]
        assert isinstance(event, ChargeDAffairesDesignated)
        assert event.ground == ChargeGround.NOT_STATED
        [charge] = app.get_agent(aid).state.charges
        assert (charge.start, charge.ground) == (date(1950, 7, 1), ChargeGround.NOT_STATED)

    # A new designation states its ground and is stored in the version-2 shape.
    receipt = records.handle(DesignateChargeDAffaires(
        aid, on("1951-07-01"), post_code="BRU", designated_by="minister", ground="vacancy",
        end_date=date(1951, 7, 10)))
    [row] = records.recorder.select_events(aid, gt=receipt.version - 1)
    raw = json.loads(row.state)
    assert (raw["class_version"], raw["ground"]) == (2, "vacancy")
    grounds = [c.ground for c in records.get_agent(aid).state.charges]
    assert grounds == [ChargeGround.NOT_STATED, ChargeGround.VACANCY]
    [old] = records.recorder.select_events(aid, gt=stored.originator_version - 1,
                                           lte=stored.originator_version)
    assert json.loads(old.state) == json.loads(stored.state)
