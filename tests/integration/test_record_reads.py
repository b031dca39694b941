"""The record's own reads for the entry points (``agent_records.queries.RecordReads``):
one answer per id, in the order asked, ``NotFound`` naming why where there is none."""

from __future__ import annotations

from uuid import uuid4

from agent_records.application import AgentRecords
from agent_records.domain.agent import Agent
from agent_records.domain.errors import NotFound
from agent_records.domain.events import AgentRegistered
from agent_records.domain.post import post_id
from agent_records.queries import RecordReads
from agent_records.readside import named
from projections.engine.runner import Worker
from tests.careers import open_legation, serving_attache


def test_each_id_gets_its_record_or_why_not(records: AgentRecords) -> None:
    open_legation(records)
    agent = str(serving_attache(records))
    unknown, post = str(uuid4()), str(post_id("BRU"))
    reads = RecordReads(records, Worker(records, named()).store)

    found = reads.agents([agent, "not-a-uuid", unknown, post])
    assert isinstance(found[0], Agent) and found[0].version == 6
    assert [type(f) for f in found[1:]] == [NotFound] * 3
    assert [f.message for f in found[1:] if isinstance(f, NotFound)] == [
        "no agent 'not-a-uuid': not an agent id", f"no agent {unknown}",
        f"{post} is not an agent"]


def test_a_history_is_the_stored_events_in_order(records: AgentRecords) -> None:
    open_legation(records)
    agent = serving_attache(records)
    reads = RecordReads(records, Worker(records, named()).store)

    history, missing, post = reads.histories([str(agent), str(uuid4()), str(post_id("BRU"))])
    assert isinstance(history, list) and isinstance(history[0], AgentRegistered)
    assert [e.originator_version for e in history] == list(range(1, 7))
    assert [e.originator_version for e in history] == \
        [e.originator_version for e in records.get_agent(agent).events]
    assert isinstance(missing, NotFound) and missing.field == "agent_id"
    assert isinstance(post, NotFound) and post.message.endswith("is not an agent")


def test_seals_appear_once_the_sealer_reaches_the_events(records: AgentRecords) -> None:
    open_legation(records)
    agent = str(serving_attache(records))
    worker = Worker(records, named())
    reads = RecordReads(records, worker.store)
    assert reads.seals([agent, str(uuid4())]) == [{}, {}]

    worker.run_once()
    seals, none = reads.seals([agent, str(uuid4())])
    assert sorted(seals) == list(range(1, 7)) and none == {}
    positions = [seals[v].position for v in sorted(seals)]
    assert positions == sorted(positions)
    assert all(seals[v].previous == seals[v - 1].hash for v in range(2, 7)
               if seals[v].position == seals[v - 1].position + 1)
