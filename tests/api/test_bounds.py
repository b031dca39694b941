"""The poisonous inputs of issue 10 over HTTP: each answers ``invalid_input`` naming the
field and records nothing, on both backends (the bounds themselves: tests/unit/test_bounds.py).

A megabyte value may instead be refused whole by the server's request size limit (413);
either way nothing is recorded.
"""

from __future__ import annotations

from typing import Any

import pytest

from agent_records.domain import bounds
from tests.api.career import identity
from tests.api.live import Live, operation

MB = "x" * 1_000_000
DAY = "1950-03-01"


@pytest.fixture(scope="module")
def married(live: Live) -> tuple[str, int]:
    """A registered person with a marriage recorded: the agent id and the event's version."""
    aid = live.record("RegisterAgent", identity("Anne Weber", "1921-02-02"))["id"]
    marriage = live.record("RecordMarriage", {"agentId": aid, "effectiveDate": DAY,
                                              "spouseName": "Paul Kremer",
                                              "spouseNationality": "LU"})
    return aid, marriage["version"]


def register(**kw: Any) -> tuple[str, dict[str, Any]]:
    return "RegisterAgent", identity("Jean Schmit", "1920-03-01", **kw)


def marriage(aid: str, **kw: Any) -> tuple[str, dict[str, Any]]:
    return "RecordMarriage", {"agentId": aid, "effectiveDate": DAY, "spouseName": "Marie",
                              "spouseNationality": "LU", **kw}


def correction(aid: str, version: int, **kw: Any) -> tuple[str, dict[str, Any]]:
    return "CorrectEvent", {"agentId": aid, "effectiveDate": DAY, "correctedVersion": version,
                            "reason": "misread", "annulled": False, **kw}


CASES: dict[str, tuple[Any, str]] = {
    "birth 9999-12-31": (lambda a, v: register(birthDate="9999-12-31"), "birthDate"),
    "birth 0001-01-01": (lambda a, v: register(birthDate="0001-01-01"), "birthDate"),
    "prior service 2^31-1": (lambda a, v: register(priorPublicServiceDays=2**31 - 1),
                             "priorPublicServiceDays"),
    "NUL in fullName": (lambda a, v: register(fullName="Jean\x00Schmit"), "fullName"),
    "lone surrogate in fullName": (lambda a, v: register(fullName="Jean \ud800"), "fullName"),
    "name one over": (lambda a, v: register(fullName="J" * (bounds.SHORT_TEXT + 1)),
                      "fullName"),
    "effective 9999-12-31": (lambda a, v: marriage(a, effectiveDate="9999-12-31"),
                             "effectiveDate"),
    "effective at 15": (lambda a, v: marriage(a, effectiveDate="1937-01-01"), "effectiveDate"),
    "reason one over": (lambda a, v: marriage(a, reason="r" * (bounds.LONG_TEXT + 1)),
                        "reason"),
    "lone surrogate in reason": (lambda a, v: marriage(a, reason="\udfff"), "reason"),
    "correction to birth 9999": (lambda a, v: correction(a, 1, changes={
        "birth_date": "9999-12-31"}), "birthDate"),
    "correction NUL in spouse": (lambda a, v: correction(a, v, changes={
        "spouse_name": "\x00"}), "spouseName"),
    "post code with NUL": (lambda a, v: ("OpenPost", {
        "effectiveDate": "1948-01-01", "code": "B\x00RU", "name": "Légation", "city": "Bruxelles",
        "country": "BE", "kind": "legation"}), "code"),
}
HUGE: dict[str, tuple[Any, str]] = {
    "1 MB fullName": (lambda a, v: register(fullName=MB), "fullName"),
    "1 MB decisionReference": (lambda a, v: marriage(a, decisionReference=MB),
                               "decisionReference"),
    "1 MB correction reason": (lambda a, v: correction(a, v, reason=MB, changes={},
                                                       annulled=True), "reason"),
    "1 MB correction text": (lambda a, v: correction(a, v, changes={"spouse_name": MB}),
                             "spouseName"),
}


def send(live: Live, name: str, input: dict[str, Any]) -> Any:
    return live.post({"query": operation(name), "operationName": name,
                      "variables": {"input": input}}, role="hr_officer")


@pytest.mark.parametrize("case", sorted(CASES))
def test_out_of_bounds_refused_and_nothing_recorded(live: Live, married: tuple[str, int],
                                                     case: str) -> None:
    build, field = CASES[case]
    name, input = build(*married)
    head = live.head()
    reply = send(live, name, input)
    assert reply.status == 200 and not reply.errors, reply.text[:500]
    errors = next(iter(reply.json["data"].values()))["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "invalid_input")], errors
    assert len(reply.text) < 2000
    assert live.head() == head


@pytest.mark.parametrize("case", sorted(HUGE))
def test_megabyte_values_refused_and_nothing_recorded(live: Live, married: tuple[str, int],
                                                       case: str) -> None:
    build, field = HUGE[case]
    name, input = build(*married)
    head = live.head()
    reply = send(live, name, input)
    assert len(reply.text) < 2000
    if reply.status != 413:  # the request size limit, when it is lower than a megabyte
        assert reply.status == 200 and not reply.errors, reply.text[:500]
        errors = next(iter(reply.json["data"].values()))["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, "invalid_input")], errors
    assert live.head() == head


def test_texts_stored_in_nfc(live: Live) -> None:
    aid = live.record("RegisterAgent", identity("Rene\u0301 Mu\u0308ller", "1922-04-04"))["id"]
    got = live.data("query($id: ID!) { agent(id: $id) { fullName } }", {"id": aid})
    assert got == {"agent": {"fullName": "René Müller"}}
