"""Production mode (``AGENT_RECORDS_MODE=production``): trusted documents only, except for
the council; no introspection; no GraphiQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_records.api.documents import document_id
from tests.api.career import identity
from tests.api.live import Live, operation, serve

REFUSED = ["hr_clerk", "hr_officer", "archivist", "auditor"]


@pytest.fixture(scope="module")
def production(backend_store: str, token_file: tuple[Path, dict[str, str]],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    path, tokens = token_file
    with serve(backend_store, tmp_path_factory.mktemp("production"), path, tokens,
               AGENT_RECORDS_MODE="production") as server:
        yield server


@pytest.fixture(scope="module")
def agent_id(production: Live) -> str:
    """An agent registered through the trusted RegisterAgent document."""
    return production.record("RegisterAgent", identity("Marie Schmit", "1921-05-05"),
                             role="hr_clerk", by_id=True)["id"]


@pytest.mark.parametrize("role", REFUSED)
def test_ad_hoc_query_refused(production: Live, role: str) -> None:
    reply = production.query("{ posts { code } }", role=role)
    assert reply.json["data"] is None and reply.codes() == ["TRUSTED_DOCUMENTS_ONLY"]
    text = operation("Posts")
    same_text = production.post({"query": text, "operationName": "Posts"}, role=role)
    assert same_text.codes() == ["TRUSTED_DOCUMENTS_ONLY"], "text is refused, even a known one"


@pytest.mark.parametrize("role", REFUSED)
def test_planned_document_text_refused(production: Live, agent_id: str, role: str) -> None:
    """A document with a plan (``api.plans``), answered (and kept) by id, is still
    refused as text."""
    by_id = production.op("AgentCareer", {"id": agent_id}, role=role, by_id=True)
    assert by_id.json["data"]["agent"]["fullName"] == "Marie Schmit"
    as_text = production.post({"query": operation("AgentCareer"),
                               "operationName": "AgentCareer", "variables": {"id": agent_id}},
                              role=role)
    assert as_text.json["data"] is None and as_text.codes() == ["TRUSTED_DOCUMENTS_ONLY"]


def test_ad_hoc_mutation_refused_and_nothing_recorded(production: Live) -> None:
    head = production.head()
    reply = production.op("RegisterAgent", {"input": identity("Ad Hoc", "1920-01-01")},
                          role="hr_clerk")
    assert reply.json["data"] is None and reply.codes() == ["TRUSTED_DOCUMENTS_ONLY"]
    assert production.head() == head


@pytest.mark.parametrize("role", [*REFUSED, "council"])
def test_trusted_documents_by_id(production: Live, agent_id: str, role: str) -> None:
    reply = production.op("AgentCareer", {"id": agent_id}, role=role, by_id=True)
    agent = reply.json["data"]["agent"]
    assert agent["fullName"] == "Marie Schmit" and agent["status"] == "CANDIDATE"
    assert agent["history"]["edges"][0]["node"]["actorId"] == "demo-hr-clerk"
    roster = production.op("Posts", role=role, by_id=True)
    assert roster.json == {"data": {"posts": []}}


def test_trusted_mutation_by_id(production: Live, agent_id: str) -> None:
    head = production.head()
    receipt = production.record("AppointAttache", {
        "agentId": agent_id, "effectiveDate": "1948-07-01", "appointingAuthority": "SOVEREIGN",
        "aptitudeCertificate": {"doctor": "Dr Weber", "doctorDesignatedByMinister": True,
                                "issuedOn": "1948-06-15"},
        "conductAttestation": {"issuedBy": "Parquet général", "issuedOn": "1948-06-15"},
        "diplomas": [{"kind": "DOCTORATE_IN_LAW", "country": "LU", "title": "Docteur"}]},
        role="hr_clerk", by_id=True)
    assert receipt["version"] == 2 and production.head() == head + 1


def test_unknown_document_id(production: Live) -> None:
    reply = production.post({"extensions": {"documentId": document_id("{ posts { code } }")}},
                            role="hr_clerk")
    assert reply.json["data"] is None and reply.codes() == ["PERSISTED_DOCUMENT_NOT_FOUND"]


def test_council_may_send_ad_hoc_queries(production: Live, agent_id: str) -> None:
    got = production.data("query($id: ID!) { agent(id: $id) { fullName birthDate } }",
                          {"id": agent_id})
    assert got == {"agent": {"fullName": "Marie Schmit", "birthDate": "1921-05-05"}}


@pytest.mark.parametrize("query", ["{ __schema { types { name } } }",
                                   '{ __type(name: "Agent") { fields { name } } }'])
def test_introspection_disabled(production: Live, query: str) -> None:
    reply = production.query(query)
    assert reply.json["data"] is None
    assert "introspection has been disabled" in reply.errors[0]["message"]


def test_graphiql_not_served(production: Live) -> None:
    html = {"Accept": "text/html"}
    assert production.request("GET", "/graphql", headers=html).status == 401
    page = production.request("GET", "/graphql", role="council", headers=html)
    assert page.status == 404 and "graphiql" not in page.text.lower()


def test_health_in_production(production: Live) -> None:
    assert production.request("GET", "/healthz").status == 200
    assert production.request("GET", "/readyz").json["status"] == "ready"
