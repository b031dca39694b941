"""The quick path (``transport.QuickPlans``, ``RecordsRouter.quick``) answers the planned
requests by ``documentId`` itself and hands every other request on.

What it answers is compared with graphql-core's service, status, headers and text, in
``test_compiled.py`` (``test_the_quick_path_answers_as_the_view`` and the plans' tests);
here, in process, which requests it answers at all, so that those comparisons are known
to cover it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from agent_records.api.app import create_app
from agent_records.api.auth import TokenStore, ensure_demo_tokens
from agent_records.api.documents import document_id
from agent_records.api.services import ServiceSettings
from agent_records.api.transport import RecordsRouter
from tests.api.live import operations

AUDIT = {"extensions": {"documentId": document_id(operations()["AuditTrail"])},
         "variables": {"first": 5}}


@pytest.fixture
def quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[TestClient, dict[str, str], list[bool]]]:
    """An in-process service on an empty store, the tokens of each role, and whether the
    quick path answered each request it was asked (in order)."""
    monkeypatch.setenv("AGENT_RECORDS_ANSWER_CACHE", "16")
    monkeypatch.setenv("AGENT_RECORDS_PROJECTIONS", "external")
    plain = ensure_demo_tokens(tmp_path / "tokens.json")
    answered: list[bool] = []
    original = RecordsRouter.quick

    async def spied(self: RecordsRouter, request: Request, body: bytes) -> Response | None:
        response = await original(self, request, body)
        answered.append(response is not None)
        return response

    monkeypatch.setattr(RecordsRouter, "quick", spied)
    app = create_app(ServiceSettings(store=f"sqlite:///{tmp_path}/store.sqlite3",
                                     inline_projections=False),
                     TokenStore.load(tmp_path / "tokens.json"))
    with TestClient(app) as http:
        yield http, plain, answered


def ask(http: TestClient, body: Any, token: str | None, **headers: str) -> Any:
    sent = {"Authorization": f"Bearer {token}"} if token else {}
    return http.post("/graphql", json=body, headers={**sent, **headers})


def test_it_answers_a_planned_request_and_its_kept_answer(
        quick: tuple[TestClient, dict[str, str], list[bool]]) -> None:
    http, tokens, answered = quick
    replies = [ask(http, AUDIT, tokens["demo-council"]) for _ in range(3)]
    assert answered == [True, True, True]  # answered, kept, served kept
    assert {r.text for r in replies} == {replies[0].text}
    assert replies[0].json()["data"]["auditTrail"]["totalCount"] == 0
    assert replies[0].headers["content-type"] == "application/json"


def test_it_hands_on_what_it_does_not_answer(
        quick: tuple[TestClient, dict[str, str], list[bool]]) -> None:
    """No token, a role the plan gives up for (no audit permission), query text, an
    unplanned document, a GET: the view answers, as before."""
    http, tokens, answered = quick
    assert ask(http, AUDIT, None).status_code == 401
    clerk = ask(http, AUDIT, tokens["demo-hr-clerk"]).json()
    assert clerk["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    text = {"query": operations()["AuditTrail"], "variables": {"first": 5}}
    assert ask(http, text, tokens["demo-council"]).json()["data"]["auditTrail"]
    posts = {"extensions": {"documentId": document_id(operations()["Posts"])}}
    assert ask(http, posts, tokens["demo-council"]).status_code == 200
    assert answered == [False, False, False, False]
    assert http.get("/graphql", params={"query": "{ posts { code } }"},
                    headers={"Authorization": f"Bearer {tokens['demo-council']}"}
                    ).json() == {"data": {"posts": []}}
    assert answered == [False, False, False, False]  # a GET never reaches it
