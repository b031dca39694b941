"""Every file of graphql/operations/ executed against the live server.

Query files run with variables drawn from the reference careers, as query text and as a
trusted document (``extensions.documentId``), which must answer alike. Each mutation file
runs by its document id on a fresh agent brought to the state its rules need
(``scenarios``), by a role allowed to call it, and must be stored: a receipt, no
userErrors, and the audit trail shows the event with the token's actor.
"""

from __future__ import annotations

from typing import Any

import pytest

from agent_records.api import mutations
from agent_records.api.auth import Permission
from tests.api.career import POST, Career, Recorder
from tests.api.live import OPERATIONS, Live, checkpoint
from tests.api.scenarios import OPS, SCENARIOS

FILES = sorted(p.stem for p in OPERATIONS.glob("*.graphql"))
MUTATIONS = {c.name[0].upper() + c.name[1:]: c for c in mutations.MUTATIONS}
QUERIES = [f for f in FILES if f not in MUTATIONS]
ROLE_FOR = {Permission.RECORD: "hr_clerk", Permission.DECIDE: "hr_officer",
            Permission.JUDGE: "council", Permission.ERASE: "hr_officer"}
AUDIT = """query($id: ID!) { auditTrail(filter: {agentId: $id}, first: 100) { edges { node {
  version eventType actorId actorRole correlationId } } } }"""


def query_variables(op: str, c: Career) -> dict[str, Any]:
    """The variables of each query file, on the reference careers."""
    return {
        "AgentCareer": {"id": c.attache, "first": 10},
        "AgentTimeline": {"id": c.attache, "first": 10},
        "RecordAsOf": {"id": c.attache, "validAt": "1950-08-21", "knownAt": c.before_correction},
        "DisciplinaryFile": {"id": c.envoy},
        "PostRoster": {"code": POST, "on": "1952-07-10"},
        "PostRosterPage": {"code": POST, "on": "1952-07-10", "first": 2},
        "RenewalsDue": {"before": "1952-12-31"},
        "DueBetween": {"from": "1949-01-01", "to": "1970-12-31", "first": 10},
        "LeaveBalance": {"agentId": c.attache, "year": 1950},
        "AuditTrailByAgent": {"agentId": c.attache, "first": 5},
        "AuditTrailByActor": {"actorId": "demo-hr-officer", "recordedTo": c.before_correction},
        "AuditTrail": {"filter": {"article": "Art. 13"}, "first": 10},
        "AgentsEligibleForPromotion": {"eligible": False, "grade": "ATTACHE"},
        "Agents": {"filter": {"postCode": POST}, "orderBy": {"field": "GRADE"}, "first": 5},
        "InclusionProof": {"position": 3},
    }.get(op, {})


@pytest.fixture(scope="module")
def ops_post(live: Live, career: Career) -> str:
    live.record("OpenPost", {"effectiveDate": "1945-01-01", "code": OPS, "kind": "legation",
                             "name": "Légation à La Haye", "city": "La Haye", "country": "NL"})
    return OPS


def test_every_mutation_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(MUTATIONS)
    assert len(FILES) == len(set(FILES)) >= len(MUTATIONS) + 9


@pytest.mark.parametrize("op", QUERIES)
def test_query_file(live: Live, career: Career, op: str) -> None:
    variables = query_variables(op, career)
    if op == "InclusionProof":  # a proof is in a signed checkpoint: sign one first
        checkpoint(live)
    as_text = live.op(op, variables).json
    assert not as_text.get("errors"), as_text
    assert all(value not in (None, []) for value in as_text["data"].values()), as_text
    by_id = live.op(op, variables, by_id=True).json
    if op == "Verification":  # the instant of each verification differs, nothing else
        for answer in (as_text, by_id):
            answer["data"]["verification"].pop("checkedAt")
    if op != "ProjectionStatus":
        assert by_id == as_text


@pytest.mark.parametrize("op", sorted(MUTATIONS))
def test_mutation_file(live: Live, ops_post: str, op: str) -> None:
    rec = Recorder(live, Career())
    input = SCENARIOS[op](rec)
    role = ROLE_FOR[MUTATIONS[op].permission]
    head = live.head()
    receipt = live.record(op, input, role=role, by_id=True)
    assert receipt["id"] and receipt["version"] >= 1 and receipt["correlationId"]
    assert live.head() > head
    if MUTATIONS[op].on_agent or op == "RegisterAgent":
        trail = [e["node"] for e in live.data(AUDIT, {"id": receipt["id"]})
                 ["auditTrail"]["edges"]]
        stored = next(e for e in trail if e["version"] == receipt["version"])
        assert stored["correlationId"] == receipt["correlationId"]
        assert (stored["actorId"], stored["actorRole"]) == (f"demo-{role.replace('_', '-')}",
                                                            role)
