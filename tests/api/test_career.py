"""A career recorded through mutations, read back through every query, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tests.api.career import CORRECTED_END, POST, Career, identity
from tests.api.live import Live

PARIS_1950 = timezone(timedelta(hours=1))
AGENTS = """query($filter: AgentFilter, $orderBy: AgentOrder, $first: Int!, $after: String) {
  agents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id fullName } } } }"""
HISTORY = """query($id: ID!, $first: Int!, $after: String) { agent(id: $id) {
  history(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { version type corrects correctedBy actorId actorRole } } } } }"""
AUDIT = """query($filter: AuditFilter, $first: Int!, $after: String) {
  auditTrail(filter: $filter, first: $first, after: $after) { totalCount
    pageInfo { hasNextPage endCursor } edges { cursor node { position streamId eventType
    actorId actorRole legalBasis effectiveDate recordedAt postCode correctsVersion
    correctedBy } } } }"""


def names(live: Live, first: int = 50, **variables: Any) -> tuple[list[str], int]:
    got = live.data(AGENTS, {"first": first, **variables})["agents"]
    return [e["node"]["fullName"] for e in got["edges"]], got["totalCount"]


def audit(live: Live, first: int = 100, **filter: Any) -> dict[str, Any]:
    return live.data(AUDIT, {"filter": filter, "first": first})["auditTrail"]


def test_every_mutation_answered_its_receipt(career: Career) -> None:
    receipts = [r for rs in career.receipts.values() for r in rs]
    assert len(career.receipts) == 28
    assert all(r["id"] and r["version"] >= 1 and r["userErrors"] == [] for r in receipts)
    assert all(datetime.fromisoformat(r["recordedAt"]).tzinfo for r in receipts)
    assert len({r["correlationId"] for r in receipts}) == len(receipts)


def test_agent_current_state_and_history(live: Live, career: Career) -> None:
    agent = live.op("AgentCareer", {"id": career.attache}, role="hr_clerk").json["data"]["agent"]
    assert agent["fullName"] == "Jean Schmit"
    assert (agent["grade"], agent["status"], agent["postCode"]) == ("SECRETAIRE", "SERVING", POST)
    assert agent["post"]["name"] == "Légation à Bruxelles"
    assert (agent["renewals"], agent["oathSworn"], agent["sixtyFifthBirthday"]) == \
        (3, True, "1985-03-01")
    events = [e["node"] for e in agent["history"]["edges"]]
    assert agent["history"]["totalCount"] == len(events) == agent["version"]
    assert [e["version"] for e in events] == list(range(1, agent["version"] + 1))
    assert events[0]["type"] == "AgentRegistered" and events[0]["legalBasis"] == "Art. 6"
    leave = events[career.leave_version - 1]
    fix = next(e for e in events if e["type"] == "EventCorrected")
    assert leave["correctedBy"] == [fix["version"]] and fix["corrects"] == leave["version"]
    assert (leave["actorId"], leave["actorRole"]) == ("demo-hr-officer", "hr_officer")
    assert fix["reason"].startswith("end date misread")
    assert fix["correlationId"] == career.correction["correlationId"]
    promotion = next(e for e in events if e["type"] == "Promoted")
    assert (promotion["legalBasis"], promotion["decisionReference"]) == ("Art. 8", "AGD 1951/G1")
    # sealed by the inline ledger: each event shows its position and hash in the chain
    assert all(len(e["hash"]) == 64 and len(e["previousHash"]) == 64 for e in events)
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    assert len({e["hash"] for e in events}) == len(events)


def test_state_on_a_date(live: Live, career: Career) -> None:
    got = live.data("""query($id: ID!) { agent(id: $id) { leave: statusOn(on: "1950-08-10")
      after: statusOn(on: "1950-08-20") days: publicServiceDays(on: "1949-07-01") } }""",
                    {"id": career.attache})
    assert got["agent"] == {"leave": "ON_LEAVE", "after": "SERVING", "days": 365}


def test_mutation_answers_the_projected_agent(live: Live) -> None:
    """Inline projections: the read models reflect a mutation before it answers."""
    reply = live.query("""mutation($input: RegisterAgentInput!) { registerAgent(input: $input) {
      id version userErrors { code } agent { id fullName status version } } }""",
                       {"input": identity("Madeleine Kremer", "1924-04-04")}, role="hr_clerk")
    payload = reply.json["data"]["registerAgent"]
    assert payload["agent"] == {"id": payload["id"], "fullName": "Madeleine Kremer",
                                "status": "CANDIDATE", "version": 1}


def test_history_keyset_pagination(live: Live, career: Career) -> None:
    seen: list[int] = []
    after = None
    for _ in range(10):
        page = live.data(HISTORY, {"id": career.attache, "first": 5, "after": after})
        history = page["agent"]["history"]
        seen += [e["node"]["version"] for e in history["edges"]]
        assert history["totalCount"] == 16
        after = history["pageInfo"]["endCursor"]
        if not history["pageInfo"]["hasNextPage"]:
            break
    assert seen == list(range(1, 17))
    beyond = live.data(HISTORY, {"id": career.attache, "first": 5, "after": after})
    assert beyond["agent"]["history"]["edges"] == []
    assert beyond["agent"]["history"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}


def test_agents_filters_and_order(live: Live, career: Career) -> None:
    assert names(live, filter={"postCode": POST}) == (["Jean Schmit", "Paul Reuter"], 2)
    assert names(live, filter={"grade": "ATTACHE", "status": "SERVING"}) == (["Paul Reuter"], 1)
    assert names(live, filter={"status": "RETIRED"}) == (["Marie Weber"], 1)
    assert names(live, filter={"renewalDueBefore": "1952-12-31"}) == (["Paul Reuter"], 1)
    assert names(live, filter={"renewalDueBefore": "1952-07-01"}) == ([], 0)
    assert names(live, filter={"reaching65Before": "1988-01-01"})[0] == ["Jean Schmit",
                                                                          "Paul Reuter"]
    assert names(live, filter={"onLeaveOn": "1950-08-10"}) == (["Jean Schmit"], 1)
    assert names(live, filter={"onLeaveOn": CORRECTED_END})[0] == ["Jean Schmit"]
    assert names(live, filter={"onLeaveOn": "1950-08-21"}) == ([], 0), "the corrected end"
    assert names(live, filter={"eligibleForPromotion": True}) == ([], 0)
    everyone, total = names(live)
    assert total == len(everyone) >= 7 and everyone == sorted(everyone)
    by_grade = names(live, orderBy={"field": "GRADE", "descending": True},
                     filter={"status": "SERVING"})[0]
    assert by_grade == ["Jean Schmit", "Paul Reuter"]
    latest = names(live, orderBy={"field": "FULL_NAME", "descending": True})[0]
    assert latest == everyone[::-1]


def test_agents_by_name(live: Live, career: Career) -> None:
    """``nameContains``: a part of the name in any case; LIKE's wildcards are plain text."""
    assert names(live, filter={"nameContains": "SCHMIT"}) == (["Jean Schmit"], 1)
    assert names(live, filter={"nameContains": " er "}) == names(live, filter={
        "nameContains": "er"})
    assert names(live, filter={"nameContains": "er", "status": "RETIRED"}) == (
        ["Marie Weber"], 1)
    assert names(live, filter={"nameContains": "%"}) == ([], 0)
    assert names(live, filter={"nameContains": "_"}) == ([], 0)
    refused = live.query(AGENTS, {"filter": {"nameContains": "x" * 101}, "first": 5})
    assert refused.codes() == ["BAD_USER_INPUT"] and "nameContains" in refused.text


def test_agents_cursor_round_trip(live: Live) -> None:
    everyone, total = names(live)
    pages: list[str] = []
    after = None
    while True:
        got = live.data(AGENTS, {"first": 3, "after": after})["agents"]
        assert got["totalCount"] == total
        pages += [e["node"]["fullName"] for e in got["edges"]]
        assert got["pageInfo"]["endCursor"] == (got["edges"][-1]["cursor"] if got["edges"]
                                                else None)
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    assert pages == everyone
    middle = live.data(AGENTS, {"first": 2, "after": live.data(
        AGENTS, {"first": 2})["agents"]["edges"][1]["cursor"]})["agents"]
    assert [e["node"]["fullName"] for e in middle["edges"]] == everyone[2:4]


def test_as_of_valid_and_known(live: Live, career: Career) -> None:
    def as_of(**variables: Any) -> dict[str, Any] | None:
        got = live.op("RecordAsOf", {"id": career.attache, **variables}).json
        assert not got.get("errors"), got
        return got["data"]["agent"]["asOf"]

    now = as_of()
    assert (now["grade"], now["status"], now["version"]) == ("SECRETAIRE", "SERVING", 16)
    early = as_of(validAt="1949-01-01")
    assert (early["grade"], early["renewals"], early["postCode"]) == ("ATTACHE", 0, POST)
    assert as_of(validAt="1950-08-10")["status"] == "ON_LEAVE"
    assert as_of(validAt="1950-08-21")["status"] == "SERVING", "corrected end: 19 August"
    then = as_of(validAt="1950-08-21", knownAt=career.before_correction)
    assert then["status"] == "ON_LEAVE", "before the correction the leave ran to 22 August"
    assert then["version"] == career.correction["version"] - 1
    assert then["knownAt"].startswith(career.before_correction[:19])
    assert as_of(knownAt="2000-01-01T00:00:00+00:00") is None, "not yet recorded in 2000"
    assert as_of(validAt="1948-09-01")["eligibleForPromotion"] is False


def test_post_roster_head_and_charge(live: Live, career: Career) -> None:
    def roster(on: str) -> dict[str, Any]:
        return live.op("PostRoster", {"code": POST, "on": on}).json["data"]["post"]

    during = roster("1952-07-10")
    assert during["headOfPost"]["agent"]["id"] == career.envoy
    assert [c["agent"]["id"] for c in during["chargesDAffaires"]] == [career.attache]
    assert during["chargesDAffaires"][0]["until"] == "1952-07-25"
    staff = {r["agent"]["id"]: r["grade"] for r in during["roster"]}
    assert staff == {career.envoy: "ENVOYE", career.attache: "SECRETAIRE",
                     career.junior: "ATTACHE"}
    before = roster("1948-08-01")
    assert before["headOfPost"] is None and before["chargesDAffaires"] == []
    assert [(r["agent"]["fullName"], r["grade"]) for r in before["roster"]] == \
        [("Jean Schmit", "ATTACHE")]
    assert roster("1953-01-01")["chargesDAffaires"] == []
    assert live.data("{ posts { code city } }")["posts"] == [{"code": POST, "city": "Bruxelles"}]
    assert live.data("query($c: String!) { post(code: $c) { code } }", {"c": "bru"}) == \
        {"post": {"code": POST}}


def test_roster_pages_follow_the_roster(live: Live, career: Career) -> None:
    whole = [(r["agent"]["id"], r["since"]) for r in live.op(
        "PostRoster", {"code": POST, "on": "1952-07-10"}).json["data"]["post"]["roster"]]
    assert len(whole) == 3
    pages: list[tuple[str, str]] = []
    after = None
    for _ in range(5):
        got = live.op("PostRosterPage", {"code": POST, "on": "1952-07-10", "first": 2,
                                         "after": after}).json["data"]["post"]["rosterPage"]
        assert got["totalCount"] == 3
        pages += [(e["node"]["agent"]["id"], e["node"]["since"]) for e in got["edges"]]
        after = got["pageInfo"]["endCursor"]
        if not got["pageInfo"]["hasNextPage"]:
            break
    assert pages == whole
    beyond = live.op("PostRosterPage", {"code": POST, "on": "1952-07-10", "after": after})
    assert beyond.json["data"]["post"]["rosterPage"]["edges"] == []
    too_big = live.op("PostRosterPage", {"code": POST, "on": "1952-07-10", "first": 101})
    assert too_big.codes() == ["BAD_USER_INPUT"]
    aliased = live.data("""query($c: String!) { post(code: $c) {
      headOfPost(on: "1952-07-10") { who: agent { id } }
      rosterPage(on: "1952-07-10") { edges { node { since who: agent { id } } } } } }""",
                        {"c": POST})["post"]
    assert aliased["headOfPost"]["who"]["id"] == career.envoy
    assert [e["node"]["who"]["id"] for e in aliased["rosterPage"]["edges"]] == \
        [agent for agent, _ in whole]


def test_history_seals_asked_through_fragment_and_alias(live: Live, career: Career) -> None:
    """The seals are loaded whenever a page may show them, however the query asks."""
    got = live.data("""query($id: ID!) { agent(id: $id) { history(first: 3) { edges {
      node { ...Sealed at: hash } } } } }
      fragment Sealed on Event { version position }""", {"id": career.attache})
    nodes = [e["node"] for e in got["agent"]["history"]["edges"]]
    assert [n["version"] for n in nodes] == [1, 2, 3]
    assert all(n["position"] > 0 and len(n["at"]) == 64 for n in nodes)
    inline = live.data("""query($id: ID!) { agent(id: $id) { history(first: 1) { edges {
      node { ... on Event { previousHash } } } } } }""", {"id": career.attache})
    assert len(inline["agent"]["history"]["edges"][0]["node"]["previousHash"]) == 64


def test_leave_balance(live: Live, career: Career) -> None:
    got = live.op("LeaveBalance", {"agentId": career.attache, "year": 1950}, role="hr_clerk")
    balance = got.json["data"]["leaveBalance"]
    assert balance == {"year": 1950, "entitlement": 30, "carriedOver": balance["carriedOver"],
                       "taken": 17, "travelDays": 2,
                       "available": 30 + balance["carriedOver"] - 17}
    nested = live.data("query($id: ID!) { agent(id: $id) { leaveBalance(year: 1950) "
                       "{ taken available } } }", {"id": career.attache})
    assert nested["agent"]["leaveBalance"] == {"taken": 17, "available": balance["available"]}


def test_renewals_due(live: Live, career: Career) -> None:
    due = live.op("RenewalsDue", {"before": "1952-12-31"}).json["data"]["renewalsDue"]
    assert [(e["node"]["id"], e["node"]["nextRenewalDue"], e["node"]["renewals"])
            for e in due["edges"]] == [(career.junior, "1952-07-01", 1)]
    assert (due["totalCount"], due["pageInfo"]["hasNextPage"]) == (1, False)
    none = live.op("RenewalsDue", {"before": "1952-01-01"}).json["data"]["renewalsDue"]
    assert (none["edges"], none["totalCount"]) == ([], 0)


def test_audit_trail_filters(live: Live, career: Career) -> None:
    mine = audit(live, agentId=career.attache)
    assert mine["totalCount"] == 16
    assert [e["node"]["streamId"] for e in mine["edges"]] == [career.attache] * 16
    clerk = audit(live, actorId="demo-hr-clerk")
    assert {e["node"]["actorRole"] for e in clerk["edges"]} == {"hr_clerk"}
    council = audit(live, actorId="demo-council")["edges"]
    assert [e["node"]["eventType"] for e in council] == ["DisciplinaryDecision"]
    marriage = audit(live, article="Art. 13")
    assert marriage["totalCount"] == 6
    assert {e["node"]["legalBasis"] for e in marriage["edges"]} == {"Art. 13"}
    promoted = audit(live, eventType="Promoted")["edges"]
    assert [e["node"]["streamId"] for e in promoted] == [career.attache]
    in_1955 = audit(live, effectiveFrom="1955-01-01", effectiveTo="1955-12-31")["edges"]
    assert {e["node"]["effectiveDate"][:4] for e in in_1955} == {"1955"}
    assert len(in_1955) == 3  # the resignation is in 1950, within her term (Art. 7)
    since = audit(live, recordedFrom=career.correction["recordedAt"])["edges"]
    assert since[0]["node"]["eventType"] == "EventCorrected"
    elsewhere = datetime.fromisoformat(career.correction["recordedAt"]).astimezone(PARIS_1950)
    assert audit(live, recordedFrom=elsewhere.isoformat())["edges"] == since, "same instant"
    assert since[0]["node"]["correctsVersion"] == career.leave_version
    until = audit(live, recordedTo=career.before_correction)["edges"]
    assert until[-1]["node"]["eventType"] == "Promoted"
    assert {e["node"]["postCode"] for e in audit(live, postCode=POST)["edges"]} == {POST}
    leave = audit(live, agentId=career.attache, eventType="LeaveGranted")["edges"][0]["node"]
    assert leave["correctedBy"] == career.correction["version"]


def test_audit_trail_keyset_pagination(live: Live) -> None:
    total = audit(live, first=1)["totalCount"]
    positions: list[int] = []
    after = None
    while True:
        page = live.data(AUDIT, {"first": 7, "after": after})["auditTrail"]
        positions += [e["node"]["position"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(positions) == total and positions == sorted(set(positions))


def test_audit_total_follows_new_events(live: Live) -> None:
    """The unfiltered count is kept per process: it must follow every new event exactly."""
    before = audit(live, first=1)["totalCount"]
    for name in ("Anne Hoffmann", "Luc Frieden"):
        live.record("RegisterAgent", identity(name, "1925-02-02"), role="hr_clerk")
    after = audit(live, first=1)["totalCount"]
    assert after == before + 2
    positions: list[int] = []
    cursor = None
    while True:
        page = live.data(AUDIT, {"first": 100, "after": cursor})["auditTrail"]
        assert page["totalCount"] == after
        positions += [e["node"]["position"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert len(positions) == after


def test_projection_status(live: Live) -> None:
    status = live.op("ProjectionStatus").json["data"]["projectionStatus"]
    assert {s["name"] for s in status} >= {"agents", "posts", "leave", "audit_log", "breaches"}
    assert all(s["lag"] == 0 and s["position"] == s["head"] for s in status)
    assert status[0]["head"] == audit(live, first=1)["totalCount"]


def test_absence_without_leave_is_in_the_councils_breach_list(live: Live,
                                                               career: Career) -> None:
    """Art. 14: recorded by HR through ``recordAbsence``, listed for the council."""
    envoy = live.op("DisciplinaryFile", {"id": career.envoy}).json["data"]["agent"]
    assert [(b["code"], b["article"], b["onDate"]) for b in envoy["breaches"]] == [
        ("absent_without_leave", "Art. 14", "1953-03-02")]
    during_leave = {"agentId": career.envoy, "effectiveDate": "1952-07-20",
                    "endDate": "1952-07-27"}
    reply = live.op("RecordAbsence", {"input": during_leave}, role="hr_clerk").json
    errors = reply["data"]["recordAbsence"]["userErrors"]
    assert [(e["code"], e["article"], e["field"]) for e in errors] == [
        ("absence_during_leave", "Art. 14", "effectiveDate")]
