"""Sessions kept in the store, on both backends: what one service instance opens another
on the same database reads (``serve --workers N``, replicas), expiry and sign-out delete
the row, and the table holds the id's hash, never the id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent_records.api.auth import Principal, Role, TokenStore
from agent_records.api.services import ServiceSettings
from agent_records.bootstrap import open_records
from agent_records.web.app import create_app
from agent_records.web.sessions import COOKIE, TABLE, Sessions
from projections.engine.store import ViewStore
from tests.web.conftest import running
from tests.web.test_sessions import csrf_of, sign_in


@pytest.fixture
def two_instances(store_url: str) -> Iterator[tuple[ViewStore, ViewStore]]:
    """Two openings of one store, as two worker processes have."""
    first, second = open_records(store_url), open_records(store_url)
    try:
        yield ViewStore(first), ViewStore(second)
    finally:
        first.close()
        second.close()


def test_a_session_opened_by_one_instance_is_valid_in_another(
        two_instances: tuple[ViewStore, ViewStore]) -> None:
    one, other = two_instances
    session_id, session = Sessions().open(one, Principal("clerk-1", Role.HR_CLERK))
    found = Sessions().get(other, session_id)
    assert found == session
    assert Sessions().get(other, session_id + "x") is None


def test_sign_out_in_one_instance_ends_the_session_in_every_one(
        two_instances: tuple[ViewStore, ViewStore]) -> None:
    one, other = two_instances
    session_id, _ = Sessions().open(one, Principal("auditor-1", Role.AUDITOR))
    Sessions().close(other, session_id)
    assert Sessions().get(one, session_id) is None
    assert Sessions().count(one) == 0


def test_sessions_end_at_their_lifetime_and_their_row_is_deleted(
        two_instances: tuple[ViewStore, ViewStore]) -> None:
    one, other = two_instances
    now = [1000.0]
    sessions = Sessions(lifetime=60, clock=lambda: now[0])
    session_id, session = sessions.open(one, Principal("p", Role.AUDITOR))
    now[0] += 59.9
    assert sessions.get(other, session_id) == session
    now[0] += 0.1
    assert sessions.count(one) == 1
    assert sessions.get(other, session_id) is None
    assert sessions.count(one) == 0


def test_a_sign_in_deletes_every_expired_row(two_instances: tuple[ViewStore, ViewStore]
                                             ) -> None:
    one, other = two_instances
    now = [1000.0]
    sessions = Sessions(lifetime=60, clock=lambda: now[0])
    for n in range(3):
        sessions.open(one, Principal(f"p{n}", Role.AUDITOR))
    now[0] += 60
    sessions.open(other, Principal("late", Role.HR_CLERK))
    assert sessions.count(one) == 1


def test_the_table_holds_the_hash_of_the_id_never_the_id(
        two_instances: tuple[ViewStore, ViewStore]) -> None:
    one, _ = two_instances
    session_id, _ = Sessions().open(one, Principal("p", Role.COUNCIL))
    rows = one.rows(f"SELECT key FROM {one.table(TABLE)}")
    assert [len(r["key"]) for r in rows] == [64] and rows[0]["key"] != session_id


def test_a_browser_signed_in_on_one_worker_is_served_by_another(
        store_url: str, token_file: tuple[Path, dict[str, str]]) -> None:
    """Two services on one database, as ``serve --workers 2``: the cookie one gives is a
    session for the other, and signing out on the other ends it on both."""
    path, tokens = token_file
    first = create_app(ServiceSettings.from_env(store_url), TokenStore.load(path))
    second = create_app(ServiceSettings.from_env(store_url), TokenStore.load(path))
    with running(first) as one, running(second) as other, \
            httpx.Client(base_url=one, timeout=30) as http_one, \
            httpx.Client(base_url=other, timeout=30) as http_other:
        assert sign_in(http_one, tokens["council"]).status_code == 303
        http_other.cookies.set(COOKIE, http_one.cookies[COOKIE], path="/web")
        page = http_other.get("/web/agents")
        assert page.status_code == 200 and 'id="role">council<' in page.text
        out = http_other.post("/web/sign-out", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303
        assert http_one.get("/web/agents").status_code == 303  # to the sign-in form


def test_a_table_made_before_the_consistency_column_gets_it(
        two_instances: tuple[ViewStore, ViewStore]) -> None:
    """A store whose ``web_sessions`` predates the consistency token: its sessions keep
    working (no token yet) and the column is added, once, by whichever instance comes
    first; a token kept by one instance is read by the other."""
    one, other = two_instances
    table = one.table(TABLE)
    with one.transaction() as sql:
        sql.execute(f"CREATE TABLE {table} (key TEXT NOT NULL PRIMARY KEY, "
                    "principal TEXT NOT NULL, role TEXT NOT NULL, csrf TEXT NOT NULL, "
                    "expires DOUBLE PRECISION NOT NULL)")
        sql.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)",
                    (_hash("old"), "clerk-1", "hr_clerk", "c", 4e9))
    old = Sessions().get(one, "old")
    assert old is not None and old.consistency is None
    Sessions()._table(other)  # a second migration finds the column there: nothing to do
    Sessions().keep(other, "old", "0/3A000F8@12")
    kept = Sessions().get(one, "old")
    assert kept is not None and kept.consistency == "0/3A000F8@12"
    session_id, fresh = Sessions().open(other, Principal("a", Role.AUDITOR))
    assert fresh.consistency is None and Sessions().get(one, session_id) == fresh


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
