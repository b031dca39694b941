"""Erasure over GraphQL: the ``erasePersonalData`` mutation (hr_officer, council), then
every field of the erased class answers null with an ERASED error, distinct from
FORBIDDEN, and history payloads show ``{"erased": class}``; a role that may not read
the class is still told FORBIDDEN. On both backends (one live server per backend).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.career import Career, Recorder
from tests.api.live import Live

SPOUSE = "Erasure-Spouse-Name"
QUERY = """query($id: ID!) { agent(id: $id) {
  aptitudeCertificate { doctor }
  marriage { marriedTo requests { spouseName spouseNationality } }
  history(first: 50) { edges { node { type payload } } }
} }"""


@pytest.fixture(scope="module")
def erased(live: Live) -> str:
    """An attaché with a marriage, whose marriage and medical data were erased."""
    rec = Recorder(live, Career())
    rec.attache("e", "Erasure Case", "1920-06-06", "1948-07-01", post=None)
    for day in range(2, 6):
        rec.on("RenewAppointment", "e", f"1948-07-0{day}", decisionReference=f"AGD R{day}")
    request = rec.on("RequestMarriageAuthorisation", "e", "1950-01-10", spouseName=SPOUSE,
                     spouseNationality="LU", intendedDate="1950-05-01")
    rec.on("AuthoriseMarriage", "e", "1950-02-01", "hr_officer",
           requestVersion=request["version"])
    rec.on("RecordMarriage", "e", "1950-05-01", spouseName=SPOUSE, spouseNationality="LU",
           requestVersion=request["version"])
    rec.on("ErasePersonalData", "e", "2026-01-05", "council", dataClass="marriage",
           erasureBasis="GDPR Article 17", reason="asked by the agent")
    rec.on("ErasePersonalData", "e", "2026-01-05", "hr_officer", dataClass="medical",
           erasureBasis="GDPR Article 17", reason="retention over")
    return rec.career.ids["e"]


def errors_by_path(reply: Any) -> dict[str, str]:
    return {".".join(str(p) for p in e["path"]): e["extensions"]["code"]
            for e in reply.errors}


def test_erased_fields_answer_erased_not_forbidden(live: Live, erased: str) -> None:
    reply = live.query(QUERY, {"id": erased}, role="hr_officer")
    assert SPOUSE not in reply.text and "Dr Weber" not in reply.text
    codes = errors_by_path(reply)
    assert codes["agent.aptitudeCertificate"] == "ERASED"
    assert codes["agent.marriage.marriedTo"] == "ERASED"
    assert codes["agent.marriage.requests.0.spouseName"] == "ERASED"
    assert set(codes.values()) == {"ERASED"}
    agent = reply.json["data"]["agent"]
    assert agent["aptitudeCertificate"] is None and agent["marriage"]["marriedTo"] is None
    payloads = {e["node"]["type"]: e["node"]["payload"] for e in agent["history"]["edges"]}
    assert payloads["MarriageRecorded"]["spouse_name"] == {"erased": "marriage"}
    assert payloads["AttacheAppointed"]["aptitude_certificate"] == {"erased": "medical"}
    assert payloads["PersonalDataErased"] == {"data_class": "medical",
                                              "erasure_basis": "GDPR Article 17"}


def test_a_role_that_may_not_read_the_class_is_still_told_forbidden(live: Live,
                                                                   erased: str) -> None:
    reply = live.query(QUERY, {"id": erased}, role="hr_clerk")
    assert set(errors_by_path(reply).values()) == {"FORBIDDEN"}


@pytest.mark.parametrize("role", ["hr_clerk", "archivist", "auditor"])
def test_only_hr_officer_and_council_erase(live: Live, erased: str, role: str) -> None:
    reply = live.op("ErasePersonalData", {"input": {
        "agentId": erased, "effectiveDate": "2026-01-05", "dataClass": "discipline",
        "erasureBasis": "x", "reason": "y"}}, role=role)
    assert reply.codes() == ["FORBIDDEN"], reply.text


def test_identity_erasure_is_refused_with_the_article(live: Live, erased: str) -> None:
    reply = live.op("ErasePersonalData", {"input": {
        "agentId": erased, "effectiveDate": "2026-01-05", "dataClass": "identity",
        "erasureBasis": "x", "reason": "y"}}, role="council")
    assert not reply.errors, reply.text
    errors = reply.json["data"]["erasePersonalData"]["userErrors"]
    assert errors and "Art. 21" in errors[0]["message"], errors
