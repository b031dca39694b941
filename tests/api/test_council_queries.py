"""The council's two queries beyond an agent's record: ``breaches`` (every agent's,
the council only: discipline data) and ``inclusionProof`` (one event in the latest
signed checkpoint, verified by the service; the audit roles)."""

from __future__ import annotations

import pytest

from agent_records.integrity import merkle
from tests.api.career import Career
from tests.api.live import Live, checkpoint

ROLES = ["hr_clerk", "hr_officer", "council", "archivist", "auditor"]
BREACHES = """query($code: String, $first: Int!, $after: String) {
  breaches(code: $code, first: $first, after: $after) { totalCount
    pageInfo { hasNextPage endCursor } edges { node { agentId fullName code article onDate
    version } } } }"""
PROOF = """query($p: Int!) { inclusionProof(position: $p) { position index treeSize eventHash
  root proof verified } }"""


@pytest.mark.parametrize("role", ROLES)
def test_breaches_are_the_councils_alone(live: Live, career: Career, role: str) -> None:
    reply = live.query(BREACHES, {"first": 10}, role=role)
    if role != "council":
        assert reply.json["data"] is None and reply.codes() == ["FORBIDDEN"]
        assert reply.errors[0]["message"] == \
            "your role may not read or do this: breaches (discipline data)"
        return
    page = reply.json["data"]["breaches"]
    found = {(e["node"]["fullName"], e["node"]["code"], e["node"]["article"])
             for e in page["edges"]}
    assert ("Paul Reuter", "marriage_without_authorisation", "Art. 13") in found
    assert ("Marie Weber", "absent_without_leave", "Art. 14") in found
    assert page["totalCount"] == len(page["edges"])
    dates = [e["node"]["onDate"] for e in page["edges"]]
    assert dates == sorted(dates)
    ids = {e["node"]["agentId"] for e in page["edges"]}
    assert career.junior in ids


def test_breaches_filter_by_code_and_page(live: Live, career: Career) -> None:
    every = live.data(BREACHES, {"first": 100})["breaches"]
    marriage = live.data(BREACHES, {"code": "marriage_without_authorisation", "first": 10}
                         )["breaches"]
    assert marriage["totalCount"] >= 1
    assert {e["node"]["code"] for e in marriage["edges"]} == {"marriage_without_authorisation"}
    seen, after = [], None
    while True:
        page = live.data(BREACHES, {"first": 1, "after": after})["breaches"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [e["node"] for e in every["edges"]]


@pytest.fixture(scope="module")
def signed(live: Live, career: Career) -> None:
    """The reference careers under a signed checkpoint; refused before it."""
    before = live.query(PROOF, {"p": 1})
    assert before.json["data"] is None and before.codes() == ["BAD_USER_INPUT"]
    assert "no checkpoint yet" in before.errors[0]["message"]
    checkpoint(live)


def test_an_inclusion_proof_is_verified_by_the_service(live: Live, signed: None) -> None:
    found = live.data("{ verification { ok checkpoints { size root published } } }")["verification"]
    assert found["ok"]
    latest = found["checkpoints"][-1]
    assert latest["published"]
    for position in (1, 2, 7):
        proof = live.data(PROOF, {"p": position}, role="auditor")["inclusionProof"]
        assert proof["verified"] and proof["position"] == position
        assert proof["treeSize"] == latest["size"] and proof["root"] == latest["root"]
        assert merkle.verify_inclusion(proof["index"], proof["treeSize"],
                                       merkle.leaf(bytes.fromhex(proof["eventHash"])),
                                       [bytes.fromhex(p) for p in proof["proof"]],
                                       bytes.fromhex(proof["root"]))


@pytest.mark.parametrize(("position", "message"), [
    (0, "position must be 1 or more"), (10**9, "is not in checkpoint")])
def test_an_inclusion_proof_of_no_event_is_refused(live: Live, signed: None,
                                                   position: int, message: str) -> None:
    reply = live.query(PROOF, {"p": position})
    assert reply.json["data"] is None and reply.codes() == ["BAD_USER_INPUT"]
    assert message in reply.errors[0]["message"]


@pytest.mark.parametrize("role", ["hr_clerk", "hr_officer"])
def test_an_inclusion_proof_needs_the_audit_permission(live: Live, role: str) -> None:
    reply = live.query(PROOF, {"p": 1}, role=role)
    assert reply.json["data"] is None and reply.codes() == ["FORBIDDEN"]
