"""The API's FastAPI dependencies (``agent_records.api.dependencies``): one bearer-token
parser for every route, and the services taken from the app's state, which only the
lifespan fills."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import status
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocketDisconnect

from agent_records.api.app import create_app
from agent_records.api.auth import TokenStore, ensure_demo_tokens
from agent_records.api.dependencies import bearer_token
from agent_records.api.services import ServiceSettings


@pytest.mark.parametrize(("header", "token"), [
    ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER  abc ", "abc"),
    ("Basic abc", ""), ("Bearerabc", ""), ("Bearer ", ""), (None, "")])
def test_one_parser_reads_the_bearer_token(header: str | None, token: str) -> None:
    headers = [(b"authorization", header.encode())] if header is not None else []
    connection = HTTPConnection({"type": "http", "headers": headers})
    assert bearer_token(connection) == token


def test_without_its_lifespan_the_service_is_not_ready(tmp_path: Path) -> None:
    """No store is opened until the lifespan runs: readiness says so (503), the process
    is up all the same, and who calls is checked before the services are asked for."""
    app = create_app(ServiceSettings(store=f"sqlite:///{tmp_path}/store.sqlite3"),
                     TokenStore([]))
    http = TestClient(app)  # not entered: the lifespan does not run
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 503 and "starting" in ready.json()["detail"]
    export = http.get("/export.jsonl")
    assert export.status_code == 401 and export.headers["www-authenticate"] == "Bearer"
    assert not (tmp_path / "store.sqlite3").exists()


def test_graphql_answers_an_anonymous_caller_with_its_page_or_a_refusal(tmp_path: Path
                                                                        ) -> None:
    """The context getter's dependencies: without a token, GraphiQL's page is served and
    nothing else (401 over HTTP, a policy violation on a websocket); with one, the
    operation runs."""
    plain = ensure_demo_tokens(tmp_path / "tokens.json")
    app = create_app(ServiceSettings(store=f"sqlite:///{tmp_path}/store.sqlite3"),
                     TokenStore.load(tmp_path / "tokens.json"))
    with TestClient(app) as http:
        page = http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        anonymous = http.post("/graphql", json={"query": "{ posts { code } }"})
        assert anonymous.status_code == 401
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        with pytest.raises(WebSocketDisconnect) as closed, http.websocket_connect(
                "/graphql", subprotocols=["graphql-transport-ws"]) as socket:
            socket.receive_text()
        assert closed.value.code == status.WS_1008_POLICY_VIOLATION
        token = {"Authorization": f"Bearer {plain['demo-auditor']}"}
        allowed = http.post("/graphql", json={"query": "{ posts { code } }"}, headers=token)
        assert allowed.json() == {"data": {"posts": []}}
