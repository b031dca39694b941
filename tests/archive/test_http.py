"""``GET /export.jsonl`` streamed for the archivist (403 for the HR clerk, 401 without a
token) and the council's GraphQL view: ``verification`` and hashes on audit entries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent_records.api.app import create_app
from agent_records.api.auth import TokenStore, ensure_demo_tokens
from agent_records.api.services import ServiceSettings
from agent_records.application import AgentRecords
from agent_records.integrity.service import create_checkpoint, seal
from tests.archive.helpers import RECORDED, SPOUSE, Careers, stored_events
from tests.integrity.helpers import Intruder, positions

VERIFICATION = """{ verification { ok count headPosition headHash unsealed brokenAt problem
  checkpoints { size position root chainHead note verified message } } }"""
AUDIT = """query($agent: ID) { auditTrail(filter: {agentId: $agent}, first: 100) {
  edges { node { position version eventType hash previousHash } } } }"""


@pytest.fixture
def client(records: AgentRecords, careers: Careers, store_url: str, tmp_path: Path
           ) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The service on the recorded store, with one bearer token per role."""
    plain = ensure_demo_tokens(tmp_path / "tokens.json")
    tokens = {tid[5:].replace("-", "_"): token for tid, token in plain.items()}
    app = create_app(ServiceSettings(store=store_url),
                     TokenStore.load(tmp_path / "tokens.json"))
    with TestClient(app) as http:
        yield http, tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_archivist_streams_the_export_others_may_not(
        client: tuple[TestClient, dict[str, str]], records: AgentRecords) -> None:
    http, tokens = client
    with http.stream("GET", "/export.jsonl", headers=bearer(tokens["archivist"])) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("application/jsonl")
        assert "content-length" not in reply.headers  # streamed, not buffered
        body = b"".join(reply.iter_bytes())
    lines = [json.loads(raw) for raw in body.splitlines()]
    assert [line["position"] for line in lines] == [e[0] for e in stored_events(records)]
    assert reply.headers["x-agent-records-head-hash"] == lines[-1]["hash"]
    for name in RECORDED:
        assert name.encode() in body
    # Sealed personal values travel as ciphertext: nothing withheld, all recomputable.
    assert SPOUSE.encode() not in body and b'"_sealed"' in body
    assert all(line["stored"] is not None for line in lines)
    assert http.get("/export.jsonl", headers=bearer(tokens["hr_clerk"])).status_code == 403
    assert http.get("/export.jsonl").status_code == 401
    assert http.get("/export.jsonl", headers=bearer("not-a-token")).status_code == 401
    assert http.get("/export.jsonl?include_personal_data=true",
                    headers=bearer(tokens["archivist"])).status_code == 403
    council = http.get("/export.jsonl?include_personal_data=true&since_position=10",
                       headers=bearer(tokens["council"]))
    assert council.status_code == 200 and SPOUSE.encode() in council.content
    assert json.loads(council.content.splitlines()[0])["position"] > 10
    assert http.get("/export.jsonl?since_position=-1",
                    headers=bearer(tokens["archivist"])).status_code == 400


def test_the_council_sees_verification_and_hashes(
        client: tuple[TestClient, dict[str, str]], records: AgentRecords,
        careers: Careers) -> None:
    http, tokens = client
    create_checkpoint(records)

    def ask(query: str, role: str, **variables: str) -> dict:
        reply = http.post("/graphql", json={"query": query, "variables": variables},
                          headers=bearer(tokens[role]))
        assert reply.status_code == 200, reply.text
        return reply.json()

    found = ask(VERIFICATION, "council")["data"]["verification"]
    assert found["ok"] and found["brokenAt"] is None and found["unsealed"] == 0
    assert found["count"] == len(stored_events(records))
    (checkpoint,) = found["checkpoints"]
    assert checkpoint["verified"] and checkpoint["size"] == found["count"]
    assert checkpoint["chainHead"] == found["headHash"]
    assert checkpoint["note"].startswith("agent-records")
    denied = ask(VERIFICATION, "hr_clerk")
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    entries = [e["node"] for e in ask(AUDIT, "council", agent=str(careers.main))[
        "data"]["auditTrail"]["edges"]]
    assert entries and all(len(e["hash"]) == 64 for e in entries)
    by_position = {e["position"]: e for e in entries}
    last = max(by_position)
    assert by_position[last]["previousHash"] != by_position[last]["hash"]


def test_verification_checks_the_published_checkpoints(
        client: tuple[TestClient, dict[str, str]], records: AgentRecords) -> None:
    """The laundering of issue 10 (an event changed, the ledger resealed from there, the
    checkpoint rows deleted): the published note still holds the old root, so the
    council's ``verification`` is not OK, as ``agent-records verify`` is not."""
    http, tokens = client
    create_checkpoint(records)
    intruder = Intruder(records)
    intruder.launder(positions(records)[len(positions(records)) // 2])
    seal(records)
    reply = http.post("/graphql", json={"query": VERIFICATION},
                      headers=bearer(tokens["council"]))
    found = reply.json()["data"]["verification"]
    assert found["brokenAt"] is None and found["checkpoints"] == []  # the chain itself holds
    assert not found["ok"], found
    assert found["problem"], found
