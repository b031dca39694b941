"""Bad requests answer a clear GraphQL error (a 4xx where HTTP applies) and record nothing."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest

from tests.api.career import Career, identity
from tests.api.live import Live, Reply
from tests.api.store import set_agent_status

LEAKS = ("Traceback", 'File "', "sqlite3", "psycopg", "SELECT ", "agent_records/", ".py")
ROSTER = "roster(on: $on) { agent { post { "


def clean(reply: Reply) -> None:
    """No stack trace, no SQL, no source path in the answer."""
    assert not any(leak in reply.text for leak in LEAKS), reply.text


def cursor(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def test_syntax_error(live: Live) -> None:
    reply = live.post({"query": "{ agents(first: 2) { totalCount }"})
    assert reply.status in (200, 400)
    assert reply.json["data"] is None
    assert reply.errors[0]["message"] == "Syntax Error: Expected Name, found <EOF>."
    assert reply.errors[0]["locations"] == [{"line": 1, "column": 34}]
    clean(reply)


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "Unable to parse request body as JSON"),
    ({"variables": {}}, "No GraphQL query found in the request"),
])
def test_malformed_http_request_400(live: Live, body: Any, message: str) -> None:
    reply = live.post(body)
    assert reply.status == 400 and message in reply.text
    clean(reply)


def test_unknown_field_is_a_validation_error(live: Live) -> None:
    reply = live.query("{ agents(first: 1) { totalCount salary } }")
    assert reply.json["data"] is None
    assert reply.errors[0]["message"] == "Cannot query field 'salary' on type 'AgentConnection'."


@pytest.mark.parametrize("agent_id", [str(uuid.uuid4()), "not-an-id", ""])
def test_unknown_agent_is_null(live: Live, agent_id: str) -> None:
    reply = live.op("AgentCareer", {"id": agent_id}, role="hr_clerk")
    assert reply.json == {"data": {"agent": None}}
    assert live.data("query($c: String!) { post(code: $c) { code } }", {"c": "XXX"}) == \
        {"post": None}


@pytest.mark.parametrize("agent_id", [str(uuid.uuid4()), "not-an-id"])
def test_leave_balance_of_unknown_agent_is_not_found(live: Live, agent_id: str) -> None:
    reply = live.op("LeaveBalance", {"agentId": agent_id, "year": 1950})
    assert reply.json["data"] is None and reply.codes() == ["NOT_FOUND"]
    assert reply.errors[0]["message"].startswith("no agent")
    clean(reply)


@pytest.mark.parametrize(("op", "variables", "message"), [
    ("LeaveBalance", {"agentId": "x", "year": "1950"},
     "Variable '$year' has invalid value: Int cannot represent non-integer value: '1950'"),
    ("PostRoster", {"code": "BRU", "on": "1952-13-45"},
     "Variable '$on' has invalid value: Value cannot represent a Date: \"1952-13-45\""),
    ("RecordAsOf", {"id": "x", "knownAt": "yesterday"},
     "Variable '$knownAt' has invalid value: Value cannot represent a DateTime"),
    ("AgentCareer", {}, "Variable '$id' has invalid value: Expected a value of non-null type"),
    ("RenewAppointment", {"input": {"agentId": "x"}},
     "to include required field 'effectiveDate'"),
])
def test_wrong_variable_types(live: Live, op: str, variables: dict[str, Any],
                              message: str) -> None:
    head = live.head()
    reply = live.op(op, variables)
    assert reply.json["data"] is None
    assert message in reply.errors[0]["message"], reply.text
    clean(reply)
    assert live.head() == head


def test_too_deep(live: Live, career: Career) -> None:
    query = ("query($id: ID!, $on: Date!) { agent(id: $id) { post { " + ROSTER * 3
             + "code" + " } } }" * 3 + " } } }")
    reply = live.query(query, {"id": career.attache, "on": "1952-07-10"})
    assert reply.json["data"] is None
    assert "exceeds maximum operation depth of 10" in reply.errors[0]["message"]


def test_too_many_aliases(live: Live) -> None:
    reply = live.query("{ " + " ".join(f"p{i}: posts {{ code }}" for i in range(31)) + " }")
    assert reply.json["data"] is None
    assert reply.errors[0]["message"] == "31 aliases found. Allowed: 30"


def test_too_many_tokens(live: Live) -> None:
    reply = live.query("{ posts { " + "code " * 2100 + "} }")
    assert reply.json["data"] is None
    assert reply.errors[0]["message"] == ("Syntax Error: Document contains more than 2000 "
                                          "tokens. Parsing aborted.")


@pytest.mark.parametrize(("op", "who", "input", "expected"), [
    ("Promote", "junior", {"effectiveDate": "1952-01-01", "toGrade": "SECRETAIRE",
                           "appointingAuthority": "SOVEREIGN"},
     ("toGrade", "too_few_renewals", "Art. 8")),
    ("GrantLeave", "attache", {"effectiveDate": "1950-08-05", "endDate": "1950-08-06",
                               "kind": "ANNUAL", "travelDays": 0, "grantedBy": "MINISTER"},
     ("effectiveDate", "leave_overlaps", "Art. 14")),
    ("GrantLeave", "junior", {"effectiveDate": "1952-01-02", "endDate": "1952-12-30",
                              "kind": "ANNUAL", "travelDays": 0, "grantedBy": "MINISTER"},
     ("endDate", "leave_exceeds_entitlement", "Art. 17")),
    ("AuthoriseMarriage", "junior", {"effectiveDate": "1951-08-01", "requestVersion": 10},
     ("requestVersion", "request_already_decided", "Art. 13")),
    ("DesignateChargeDAffaires", "junior", {"effectiveDate": "1952-07-01", "postCode": "BRU",
                                            "designatedBy": "HEAD_OF_POST", "ground": "LEAVE"},
     ("agentId", "counsellor_else_secretary", "Art. 2")),
    ("ExtendService", "attache", {"effectiveDate": "1985-03-01", "until": "1986-03-01"},
     (None, "not_a_head_of_post", "Art. 21")),
    ("RenewAppointment", "x", {"effectiveDate": "1950-01-01"},
     ("agentId", "invalid_input", None)),
    ("RenewAppointment", str(uuid.uuid4()), {"effectiveDate": "1950-01-01"},
     ("agentId", "not_found", None)),
    ("RegisterAgent", None, identity("Jean Muller", "1920-01-01", nationality="lux"),
     ("nationality", "invalid_input", None)),
])
def test_refused_command_is_a_user_error(live: Live, career: Career, op: str, who: str | None,
                                         input: dict[str, Any], expected: tuple) -> None:
    head = live.head()
    if who is not None:
        input = {"agentId": career.ids.get(who, who), **input}
    reply = live.op(op, {"input": input}, role="hr_officer")
    assert not reply.errors, reply.text
    payload = next(iter(reply.json["data"].values()))
    assert (payload["id"], payload["version"], payload["recordedAt"]) == (None, None, None)
    (error,) = payload["userErrors"]
    assert (error["field"], error["code"], error["article"]) == expected
    assert error["message"]
    if op == "Promote":
        assert error["message"].startswith("Art. 8: an attaché is promoted secretary once "
                                           "renewed three times; 1 renewals have taken "
                                           "effect by "), error["message"]
    assert live.head() == head, "nothing recorded"


@pytest.mark.parametrize(("query", "variables"), [
    ("query($a: String) { agents(first: 2, after: $a) { totalCount } }", {"a": "garbage"}),
    ("query($a: String) { agents(first: 2, after: $a) { totalCount } }",
     {"a": cursor("o", "-5")}),
    ("query($a: String) { agents(first: 2, after: $a) { totalCount } }",
     {"a": cursor("p", "1")}),
    ("query($a: String) { auditTrail(after: $a) { totalCount } }", {"a": cursor("o", "x")}),
    ("{ agents(first: 0) { totalCount } }", {}),
    ("{ auditTrail(first: 1000) { totalCount } }", {}),
    ("query($id: ID!) { agent(id: $id) { history(first: -1) { totalCount } } }", None),
    ("query($id: ID!) { agent(id: $id) { leaveBalance(year: 99999) { taken } } }", None),
    ("query($id: ID!) { agent(id: $id) { asOf(knownAt: \"2020-01-01T00:00:00\") "
     "{ grade } } }", None),
])
def test_bad_arguments_are_client_errors(live: Live, career: Career, query: str,
                                         variables: dict[str, Any] | None) -> None:
    reply = live.query(query, {"id": career.attache} if variables is None else variables)
    assert reply.codes() == ["BAD_USER_INPUT"], reply.text
    clean(reply)


def test_unknown_trusted_document(live: Live) -> None:
    reply = live.post({"extensions": {"documentId": "sha256:" + "0" * 64}})
    assert reply.json["data"] is None and reply.codes() == ["PERSISTED_DOCUMENT_NOT_FOUND"]


def test_unexpected_error_is_masked(live: Live, career: Career, backend_store: str) -> None:
    """A read-model row the code cannot interpret (written behind the service's back)."""
    agent_id = live.record("RegisterAgent", identity("Corrupt Row", "1920-01-01"))["id"]
    set_agent_status(backend_store, agent_id, "bogus-status")
    try:
        reply = live.post({"query": "query($id: ID!) { agent(id: $id) { fullName status } }",
                           "variables": {"id": agent_id}}, headers={"X-Request-Id": "req-42"})
    finally:
        set_agent_status(backend_store, agent_id, "candidate")
    assert reply.status == 200 and reply.json["data"] == {"agent": None}
    (error,) = reply.errors
    assert error["message"] == "internal error; quote request req-42"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "req-42"}
    assert error["path"] == ["agent", "status"]
    assert "bogus" not in reply.text and "ValueError" not in reply.text
    clean(reply)
    generated = live.query("query($id: ID!) { agent(id: $id) { status } }", {"id": agent_id})
    assert generated.json["data"]["agent"]["status"] == "CANDIDATE"


def test_health_and_readiness(live: Live) -> None:
    health = live.request("GET", "/healthz")
    assert (health.status, health.json) == (200, {"status": "ok"})
    ready = live.request("GET", "/readyz")
    assert ready.status == 200 and ready.json["status"] == "ready"
    projections = ready.json["projections"]
    assert {"agents", "posts", "leave", "audit_log", "breaches"} <= set(projections)
    assert all(p["lag"] == 0 for p in projections.values())


def test_graphiql_served_in_development(live: Live) -> None:
    page = live.request("GET", "/graphql", headers={"Accept": "text/html"})
    assert page.status == 200 and "graphiql" in page.text.lower()
    schema = live.data("{ __schema { queryType { name } mutationType { name } } }")
    assert schema["__schema"] == {"queryType": {"name": "Query"},
                                  "mutationType": {"name": "Mutation"}}
