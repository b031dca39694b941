"""Reads served by a hot standby: stale while its replay is paused, read-your-writes
through the consistency token, out of the read path when behind or down, and back.

The standby's replay is paused (``pg_wal_replay_pause()``) to hold it at a known point:
it keeps receiving the WAL but shows nothing new, which tells a read it served from one
the primary served.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from agent_records.api.auth import Principal
from agent_records.domain.classification import Role
from agent_records.replica.token import Token
from agent_records.web.operations import Operations
from tests.faults.service import GRANT_LEAVE, leave_day
from tests.integration.pgcluster import PrivateCluster
from tests.replica.conftest import Api
from tests.web.test_sessions import sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
VERSION = "query V($id: ID!) { agent(id: $id) { version } }"
AGENTS = "{ agents(first: 5) { edges { node { id } } } }"


def agent_id(api: Api) -> str:
    answer, _ = api.graphql(AGENTS, {})
    return str(answer["data"]["agents"]["edges"][0]["node"]["id"])  # type: ignore[index]


def version(api: Api, aid: str, token: str | None = None) -> tuple[int, str | None]:
    answer, stamp = api.graphql(VERSION, {"id": aid}, token)
    assert "errors" not in answer, answer
    return int(answer["data"]["agent"]["version"]), stamp  # type: ignore[index]


def grant(api: Api, aid: str, n: int) -> tuple[int, str]:
    day = leave_day(n)
    leave = {"agentId": aid, "effectiveDate": day.isoformat(), "endDate": day.isoformat(),
             "kind": "ANNUAL", "travelDays": 0, "grantedBy": "MINISTER"}
    answer, stamp = api.graphql(GRANT_LEAVE, {"input": leave})
    payload: dict[str, Any] = answer["data"]["grantLeave"]  # type: ignore[index]
    assert not payload["userErrors"] and stamp, answer
    assert answer["extensions"]["consistencyToken"] == stamp  # type: ignore[index]
    return int(payload["version"]), stamp


def until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        time.sleep(0.05)


def replay(standby: PrivateCluster, on: bool) -> None:
    standby.execute(f"SELECT pg_wal_replay_{'resume' if on else 'pause'}()")


def test_reads_go_to_the_standby_and_a_token_reads_ones_writes(
        api: Api, pair: tuple[PrivateCluster, PrivateCluster]) -> None:
    _, standby = pair
    aid = agent_id(api)
    assert api.services.replica is not None and api.services.replica.state == "reading"
    before, _ = version(api, aid)
    replay(standby, on=False)
    written, token = grant(api, aid, 0)
    assert written == before + 1
    stale, _ = version(api, aid)
    assert stale == before, "a read without a token is the standby's (replay paused)"
    started = time.monotonic()
    fresh, after = version(api, aid, token)
    assert fresh == written, "with the write's token, the primary answers"
    assert time.monotonic() - started >= 2.0 - 0.1, "after waiting for the standby"
    assert after is not None and Token.parse(after) >= Token.parse(token.split("@")[0])
    replay(standby, on=True)
    waits = api.services.replica.waits.count
    served, _ = version(api, aid, token)
    assert served == written
    assert api.services.replica.waits.count == waits + 1
    assert api.services.replica.waits.fallbacks == 1, "the standby served it, caught up"


def test_a_session_never_reads_backwards_under_concurrent_writes(api: Api) -> None:
    """Writers record leaves while a reader keeps the latest token it was given: every
    read shows at least the version of the reader's last read and of its own writes."""
    aid = agent_id(api)
    stop, failures = threading.Event(), []
    written = [0]

    def write() -> None:
        n = 1
        while not stop.is_set() and n < 19:
            try:
                version_, _ = grant(api, aid, n)
                written[0] = max(written[0], version_)
            except AssertionError as exc:  # a lost race is retried by the service
                failures.append(str(exc))
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        token, seen, reads = None, 0, 0
        while writer.is_alive() and reads < 200:
            if reads % 10 == 0:
                mine, token = grant(api, aid, 20 + reads // 10)
                seen = max(seen, mine)
            current, stamp = version(api, aid, token)
            assert current >= seen, f"read version {current} after {seen}"
            seen, token, reads = current, stamp or token, reads + 1
    finally:
        stop.set()
        writer.join(60)
    assert not failures, failures[:3]
    replica = api.services.replica
    assert replica is not None and replica.waits.count >= reads


def test_a_standby_behind_or_down_leaves_the_read_path_and_comes_back(
        api: Api, pair: tuple[PrivateCluster, PrivateCluster],
        caplog: pytest.LogCaptureFixture) -> None:
    _, standby = pair
    replica = api.services.replica
    assert replica is not None
    replica.max_lag = 1.0
    aid = agent_id(api)
    replay(standby, on=False)
    written, _ = grant(api, aid, 19)
    time.sleep(1.2)  # the limit is 1 s of replay lag
    until(lambda: version(api, aid)[0] == written and replica.state == "behind", 10,
          "reads leave a standby beyond the lag limit")
    ready = api.http.get("/readyz").json()
    assert ready["standby"]["state"] == "behind" and ready["standby"]["lagSeconds"] > 1
    replay(standby, on=True)
    until(lambda: version(api, aid)[0] == written and replica.state == "reading", 10,
          "the standby comes back once caught up")
    standby.stop()
    assert version(api, aid)[0] == written, "the primary answers, no error"
    assert replica.state == "unavailable"
    assert api.http.get("/readyz").json()["standby"]["state"] == "unavailable"
    assert any("unavailable, reads go to the primary" in r.message for r in caplog.records)
    standby.start()
    until(lambda: version(api, aid)[0] == written and replica.state == "reading", 20,
          "the standby is back in the read path after its restart")


def test_exports_and_pages_read_from_the_standby_once_it_has_the_write(
        api: Api, pair: tuple[PrivateCluster, PrivateCluster]) -> None:
    """An export is sealed on the primary and read from the standby once it has replayed
    the seals; a page's read keeps the session's token and waits for it likewise."""
    replica = api.services.replica
    assert replica is not None
    served = replica.waits.count
    export = api.http.get("/export.jsonl", headers={
        "Authorization": f"Bearer {api.tokens['demo-archivist']}"})
    assert export.status_code == 200, export.text
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert lines and lines[-1]["position"] == int(export.headers[
        "x-agent-records-head-position"])
    assert replica.waits.count == served + 1 and replica.waits.fallbacks == 0
    session, aid = Session(), agent_id(api)
    principal = Principal("hr", Role.HR_OFFICER)
    pages = Operations(loops=1)
    variables = {"id": aid, "first": 5, "after": None}
    try:
        asyncio.run(pages.run("AgentCareer", variables, principal, api.services, session))
        seen = Token.parse(session.consistency)
        assert seen is not None, "a page's read leaves its token in the session"
        _, written = grant(api, aid, 39)  # as a page's own form would
        session.consistency = written
        waits = replica.waits.count
        answer = asyncio.run(pages.run("AgentCareer", variables, principal, api.services,
                                       session))
        assert answer.data["agent"]["id"] == aid
        assert replica.waits.count == waits + 1, "the page waited for the session's write"
        kept = Token.parse(session.consistency)
        assert kept is not None and kept >= Token.parse(written) and kept > seen
    finally:
        pages.close()


@dataclass
class Session:
    """What a web session keeps between pages: the consistency token."""

    consistency: str | None = None


HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def test_a_page_after_a_form_shows_the_write_while_the_standby_lags(
        api: Api, pair: tuple[PrivateCluster, PrivateCluster]) -> None:
    """A form's write leaves its token in the stored session; the page it leads to waits
    for it (then reads the primary), though the standby's replay is paused."""
    _, standby = pair
    http, aid = api.http, agent_id(api)
    assert sign_in(http, api.token, f"/web/agents/{aid}").status_code == 200
    form = http.get(f"/web/agents/{aid}/record/grant-leave")
    assert form.status_code == 200, form.text
    day = leave_day(45).isoformat()
    fields = {**dict(HIDDEN.findall(form.text)), "effectiveDate": day, "endDate": day,
              "kind": "ANNUAL", "travelDays": "0", "grantedBy": "MINISTER"}
    before, _ = version(api, aid)
    replay(standby, on=False)
    try:
        sent = http.post(f"/web/agents/{aid}/record/grant-leave", data=fields,
                         follow_redirects=False)
        assert sent.status_code == 303, sent.text[sent.text.find("error-summary"):][:600]
        assert version(api, aid)[0] == before, "the standby has not replayed the write"
        dossier = http.get(sent.headers["location"], headers={"Accept-Language": "en"})
        assert dossier.status_code == 200
        assert f"{before + 1} recorded events" in dossier.text, "the page shows the write"
    finally:
        replay(standby, on=True)
