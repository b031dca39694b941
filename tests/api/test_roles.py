"""What each role may read and do, field by field, and who is recorded as the actor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.career import Career, identity
from tests.api.live import Live

ROLES = ["hr_clerk", "hr_officer", "council", "archivist", "auditor"]
ALL = set(ROLES)
# Field -> roles that see it (the Access section); everyone else gets null + FORBIDDEN.
SEES: dict[str, set[str]] = {
    "fullName": ALL, "grade": ALL, "status": ALL, "postCode": ALL, "renewals": ALL,
    "history": ALL, "leaveBalance": ALL, "asOf": ALL,
    "birthDate": {"hr_clerk", "hr_officer", "council"},
    "sixtyFifthBirthday": {"hr_clerk", "hr_officer", "council"},
    "serviceLimit": {"hr_clerk", "hr_officer", "council"},
    "aptitudeCertificate": {"hr_officer", "council"},
    "marriage": {"hr_officer", "council"},
    "disciplinaryRecord": {"council"},
    "breaches": {"council"},
    "auditTrail": {"council", "archivist", "auditor"},
}
FIELDS = """query($a: ID!, $e: ID!, $j: ID!) {
  attache: agent(id: $a) { fullName grade status postCode renewals history(first: 1) {
    totalCount } leaveBalance(year: 1950) { taken } asOf { grade } birthDate
    sixtyFifthBirthday serviceLimit aptitudeCertificate { doctor } marriage { marriedTo } }
  envoy: agent(id: $e) { disciplinaryRecord { outcome } }
  junior: agent(id: $j) { breaches { code article } } }"""
OWNER = {"disciplinaryRecord": "envoy", "breaches": "junior"}
AUDIT_TRAIL = "{ auditTrail(first: 1) { totalCount } }"
PAYLOADS = """query($id: ID!) { agent(id: $id) { fullName history(first: 3) { edges { node {
  type payload } } } } }"""
MUTATION_ROLES = {  # mutation file -> roles allowed to call it
    "RegisterAgent": {"hr_clerk", "hr_officer"},
    "RenewAppointment": {"hr_clerk", "hr_officer"},
    "OpenPost": {"hr_officer"},
    "GrantLeave": {"hr_officer"},
    "AuthoriseMarriage": {"hr_officer"},
    "CorrectEvent": {"hr_officer"},
    "RecordDisciplinaryDecision": {"council"},
}


def forbidden(reply: Any) -> dict[tuple[str, ...], str]:
    return {tuple(e["path"]): e["extensions"]["code"] for e in reply.errors}


@pytest.mark.parametrize("role", ROLES)
def test_fields_each_role_sees(live: Live, career: Career, role: str) -> None:
    reply = live.query(FIELDS, {"a": career.attache, "e": career.envoy, "j": career.junior},
                       role=role)
    errors = forbidden(reply)
    for name, roles in SEES.items():
        if name == "auditTrail":
            continue
        owner = OWNER.get(name, "attache")
        value = reply.json["data"][owner][name]
        if role in roles:
            assert value not in (None, []), f"{role} sees {name}"
            assert (owner, name) not in errors, name
        else:
            assert value is None, f"{role} must not see {name}"
            assert errors[(owner, name)] == "FORBIDDEN", f"{role}: {name}"
    assert set(errors.values()) <= {"FORBIDDEN"}
    assert all("your role may not" in e["message"] for e in reply.errors)
    trail = live.query(AUDIT_TRAIL, role=role)
    if role in SEES["auditTrail"]:
        assert trail.json["data"]["auditTrail"]["totalCount"] > 0 and not trail.errors
    else:
        assert trail.json["data"] is None and trail.codes() == ["FORBIDDEN"]


def test_auditor_sees_name_and_grade_only(live: Live, career: Career) -> None:
    reply = live.query("query($id: ID!) { agent(id: $id) { fullName grade birthDate "
                       "marriage { marriedTo } aptitudeCertificate { doctor } } }",
                       {"id": career.attache}, role="auditor")
    assert reply.json["data"]["agent"] == {"fullName": "Jean Schmit", "grade": "SECRETAIRE",
                                           "birthDate": None, "marriage": None,
                                           "aptitudeCertificate": None}
    assert forbidden(reply) == {("agent", f): "FORBIDDEN"
                                for f in ("birthDate", "marriage", "aptitudeCertificate")}


def test_council_sees_discipline_and_breaches(live: Live, career: Career) -> None:
    envoy = live.data("query($id: ID!) { agent(id: $id) { disciplinaryRecord { body outcome "
                      "referredOn decidedOn } } }", {"id": career.envoy})["agent"]
    assert envoy["disciplinaryRecord"] == [{"body": "COUNCIL_OF_MINISTERS",
                                            "outcome": "REPRIMAND", "referredOn": "1955-03-01",
                                            "decidedOn": "1955-06-01"}]
    junior = live.op("DisciplinaryFile", {"id": career.junior}).json
    assert not junior.get("errors")
    breaches = junior["data"]["agent"]["breaches"]
    assert [(b["code"], b["article"], b["onDate"]) for b in breaches] == \
        [("marriage_without_authorisation", "Art. 13", "1951-09-01")]
    assert junior["data"]["agent"]["marriage"]["requests"][0]["decision"] == "refused"


def test_hr_officer_sees_marriage_not_discipline(live: Live, career: Career) -> None:
    reply = live.op("DisciplinaryFile", {"id": career.attache}, role="hr_officer")
    agent = reply.json["data"]["agent"]
    assert agent["marriage"]["marriedTo"] == "Claire Hansen"
    assert agent["aptitudeCertificate"]["doctor"] == "Dr Weber"
    assert agent["disciplinaryRecord"] is None and agent["breaches"] is None
    assert forbidden(reply) == {("agent", "disciplinaryRecord"): "FORBIDDEN",
                                ("agent", "breaches"): "FORBIDDEN"}


@pytest.mark.parametrize("role", ROLES)
def test_personal_data_in_event_payloads(live: Live, career: Career, role: str) -> None:
    """The appointment's payload holds the medical certificate: hidden field by field."""
    reply = live.query(PAYLOADS, {"id": career.attache}, role=role)
    agent = reply.json["data"]["agent"]
    assert agent["fullName"] == "Jean Schmit", "one hidden payload does not hide the agent"
    registered, appointed, _ = (e["node"] for e in agent["history"]["edges"])
    assert (registered["payload"] is not None) == (role in SEES["birthDate"])
    assert (appointed["payload"] is not None) == (role in SEES["aptitudeCertificate"])
    if appointed["payload"]:
        assert appointed["payload"]["aptitude_certificate"]["doctor"] == "Dr Weber"
    assert set(reply.codes()) <= {"FORBIDDEN"}


def complete_input(op: str, c: Career) -> dict[str, Any]:
    """A well-formed input, so that the role is the only reason to refuse it."""
    agent = {"agentId": c.envoy if op == "RecordDisciplinaryDecision" else c.attache,
             "effectiveDate": "1960-08-01"}
    return {
        "RegisterAgent": identity("Nobody", "1920-01-01"),
        "OpenPost": {"effectiveDate": "1945-01-01", "code": "WAS", "name": "Légation",
                     "city": "Washington", "country": "US", "kind": "legation"},
        "RenewAppointment": agent,
        "GrantLeave": agent | {"kind": "ANNUAL", "endDate": "1960-08-10", "travelDays": 0,
                               "grantedBy": "MINISTER"},
        "AuthoriseMarriage": agent | {"requestVersion": 13},
        "CorrectEvent": agent | {"correctedVersion": 2, "changes": {}, "annulled": True,
                                 "reason": "x"},
        "RecordDisciplinaryDecision": agent | {"referralVersion": 8, "outcome": "WARNING"},
    }[op]


@pytest.mark.parametrize(("op", "role"), [(op, role) for op, allowed in MUTATION_ROLES.items()
                                          for role in ROLES if role not in allowed])
def test_forbidden_mutation(live: Live, career: Career, op: str, role: str) -> None:
    head = live.head()
    reply = live.op(op, {"input": complete_input(op, career)}, role=role)
    assert reply.json["data"] is None and reply.codes() == ["FORBIDDEN"], reply.text
    field = op[0].lower() + op[1:]
    assert reply.errors[0]["message"] == f"your role may not read or do this: {field}"
    assert reply.errors[0]["path"] == [field]
    assert live.head() == head, "nothing recorded"


def test_actor_comes_from_the_token(live: Live) -> None:
    for role in ("hr_clerk", "hr_officer"):
        receipt = live.record("RegisterAgent", identity(f"Actor {role}", "1920-01-01"),
                              role=role)
        entry = live.data("query($id: ID!) { auditTrail(filter: {agentId: $id}) { edges { "
                          "node { actorId actorRole } } } }", {"id": receipt["id"]})
        node = entry["auditTrail"]["edges"][0]["node"]
        assert node == {"actorId": f"demo-{role.replace('_', '-')}", "actorRole": role}
    head = live.head()
    spoofed = live.op("RegisterAgent", {"input": identity(
        "Spoofer", "1920-01-01", actorId="someone-else", actorRole="council")}, role="hr_clerk")
    assert spoofed.json["data"] is None
    assert any("actorId" in e["message"] for e in spoofed.errors), spoofed.text
    assert live.head() == head


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer nope", "Basic dXNlcjpwdw==",
                                    "bearer definitely-not-a-token"])
def test_without_a_valid_token_401(live: Live, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    reply = live.request("POST", "/graphql", {"query": "{ posts { code } }"}, headers=headers)
    assert reply.status == 401
    assert reply.headers.get("www-authenticate", reply.headers.get("WWW-Authenticate")) == \
        "Bearer"
    assert "posts" not in reply.text and "bearer token" in reply.text
    query = live.request("GET", "/graphql?query=%7Bposts%7Bcode%7D%7D", headers=headers)
    assert query.status == 401
