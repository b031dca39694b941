"""The service as a separate process, a small GraphQL client, and a throw-away PostgreSQL.

The fault and load tests drive the real product: ``agent-records serve`` (uvicorn) started
in a subprocess on a free port, called over plain HTTP with one connection per client.
Every wait is bounded; every process started here is stopped in ``close()``.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from agent_records.api.auth import digest
from agent_records.bootstrap import open_records
from agent_records.domain.events import LeaveGranted
from tests.integration.pgcluster import free_port

REQUEST_TIMEOUT = 30

GRANT_LEAVE = """
mutation Grant($input: GrantLeaveInput!) {
  grantLeave(input: $input) {
    id version correlationId userErrors { field code message article }
  }
}"""


def classify(status: int, text: str, answer: dict[str, Any],
             field: str = "grantLeave") -> tuple[str, Any]:
    """A mutation's answer as ``("ack", payload)``, ``("refused", [codes])`` or
    ``("error", ["CODE: message"])``; an HTTP 500 or a leaked traceback fails the test."""
    assert status == 200, f"HTTP {status}: {text[:500]}"
    assert "Traceback" not in text and 'File "' not in text, text[:500]
    if errors := answer.get("errors"):
        assert all(e.get("message") for e in errors), text[:500]
        return "error", [f"{(e.get('extensions') or {}).get('code')}: {e['message']}"
                         for e in errors]
    payload = answer["data"][field]
    if payload["userErrors"]:
        assert payload["id"] is None and payload["version"] is None, payload
        assert all(e["code"] and e["message"] for e in payload["userErrors"]), payload
        return "refused", [e["code"] for e in payload["userErrors"]]
    assert payload["id"] and payload["version"] and payload["correlationId"], payload
    return "ack", payload


class Outcome(NamedTuple):
    """What the service answered to one ``grantLeave``."""

    agent_id: str
    day: date
    kind: str
    detail: Any


def assert_stored_exactly_once(url: str, outcomes: list[Outcome]) -> None:
    """Each acknowledged leave is in the record once, at the version and with the
    correlation id it was acknowledged with; nothing else was stored."""
    stored: dict[tuple[str, date], list[Any]] = {}
    records = open_records(url)
    try:
        for agent_id in {o.agent_id for o in outcomes}:
            for event in records.get_agent(UUID(agent_id)).events:
                if isinstance(event, LeaveGranted):
                    stored.setdefault((agent_id, event.effective_date), []).append(event)
    finally:
        records.close()
    doubled = {key: len(found) for key, found in stored.items() if len(found) > 1}
    assert not doubled, f"leaves stored more than once: {doubled}"
    acked = Counter((o.agent_id, o.day) for o in outcomes if o.kind == "ack")
    assert max(acked.values(), default=1) == 1, f"acknowledged twice: {acked.most_common(3)}"
    for o in outcomes:
        if o.kind != "ack":
            continue
        [event] = stored.pop((o.agent_id, o.day), [None])
        assert event is not None, f"acknowledged leave {o.day} of {o.agent_id} is not stored"
        assert (str(event.originator_id), event.originator_version, event.correlation_id) == (
            o.detail["id"], o.detail["version"], o.detail["correlationId"])
    assert not stored, f"stored although not acknowledged: {sorted(stored)}"




def leave_day(n: int) -> date:
    """The ``n``-th one-day leave: 20 a year from 1949 on, within the 30-day entitlement."""
    return date(1949 + n // 20, 3, 1 + n % 20)


def write_tokens(folder: Path) -> str:
    """A token file with one ``hr_officer`` token (hashed); returns the plaintext token."""
    token = secrets.token_urlsafe(24)
    entry = {"id": "officer-under-test", "role": "hr_officer", "sha256": digest(token)}
    (folder / "tokens.json").write_text(json.dumps({"tokens": [entry]}))
    return token


class Client:
    """One HTTP/1.1 connection to the service (reopened after a connection error)."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body) if body is not None else None
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read().decode()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise

    def get(self, path: str) -> tuple[int, dict[str, Any]]:
        status, text = self.request("GET", path)
        return status, json.loads(text)

    def graphql(self, query: str, variables: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
        """Status, raw body (to look for leaks) and the decoded answer."""
        status, text = self.request("POST", "/graphql",
                                    {"query": query, "variables": variables})
        return status, text, json.loads(text)

    def grant_leave(self, agent_id: str, day: date,
                    expected_version: int | None = None) -> tuple[int, str, dict[str, Any]]:
        """A one-day annual leave granted by the minister."""
        leave = {"agentId": agent_id, "effectiveDate": day.isoformat(),
                 "endDate": day.isoformat(), "kind": "ANNUAL", "travelDays": 0,
                 "grantedBy": "MINISTER", "expectedVersion": expected_version}
        return self.graphql(GRANT_LEAVE, {"input": leave})

    def close(self) -> None:
        self.conn.close()


class Service:
    """``agent-records serve`` on ``store``, in its own process and folder."""

    def __init__(self, store: str, folder: Path, **env: str) -> None:
        self.port = free_port()
        self.folder = folder
        self.token = write_tokens(folder)
        self.log_path = folder / "service.log"
        environment = {**os.environ, "AGENT_RECORDS_STORE": store,
                       "AGENT_RECORDS_TOKENS": str(folder / "tokens.json"),
                       "AGENT_RECORDS_DATA": str(folder / "data"), **env}
        command = [sys.executable, "-m", "agent_records.cli", "serve",
                   "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(command, env=environment, stdout=log,
                                            stderr=subprocess.STDOUT, cwd=folder)
        try:
            self.wait_ready()
        except BaseException:
            self.close()
            raise

    def client(self) -> Client:
        return Client(self.port, self.token)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 30.0) -> dict[str, Any]:
        """Waits for ``/readyz`` to answer 200; fails with the service's log otherwise."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"the service exited ({self.process.returncode}):\n"
                                     f"{self.log()}")
            client = Client(self.port)
            try:
                status, body = client.get("/readyz")
                if status == 200:
                    return body
                last = (status, body)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                last = exc
            finally:
                client.close()
            time.sleep(0.2)
        raise AssertionError(f"not ready after {timeout}s: {last}\n{self.log()}")

    def close(self) -> None:
        """SIGTERM, then SIGKILL if it does not stop within 10 seconds."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
