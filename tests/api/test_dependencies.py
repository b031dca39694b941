"""The API's FastAPI dependencies (``agent_records.api.dependencies``): one bearer-token
parser for every route, and the services taken from the app's state, which only the
lifespan fills."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection

from agent_records.api.app import create_app
from agent_records.api.auth import TokenStore
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
