"""The service under test as a separate process, and a small GraphQL-over-HTTP client.

``agent-records --store URL serve`` runs in a subprocess on a free port, with the token
file given by ``AGENT_RECORDS_TOKENS``; the tests talk to it over real HTTP (urllib).
Every wait is bounded, and ``close()`` always stops the process it started.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_records.api.documents import document_id, load_operations
from agent_records.config import settings

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "graphql" / "operations"
REQUEST_TIMEOUT = 30.0
START_TIMEOUT = 60.0


@functools.cache
def operations() -> dict[str, str]:
    """The trusted documents by operation name: each file of ``graphql/operations/`` with
    the fragments of ``graphql/fragments/`` it spreads, as the service composes them."""
    return load_operations(OPERATIONS)


def operation(name: str) -> str:
    """The document of ``graphql/operations/<name>.graphql``."""
    return operations()[name]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Reply:
    """An HTTP answer: status, headers, raw text (to look for leaks) and decoded JSON."""

    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.json.get("errors") or []

    def codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


class UserErrors(AssertionError):
    """A mutation the test expected to succeed answered userErrors."""


@dataclass
class Live:
    """A running service and the bearer token of each role."""

    url: str
    tokens: dict[str, str]
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def request(self, method: str, path: str, body: Any = None, role: str | None = None,
                token: str | None = None, headers: dict[str, str] | None = None) -> Reply:
        """One HTTP request; ``role`` picks that role's token, ``token`` sends it as is."""
        sent = {"Content-Type": "application/json", "Accept": "application/json",
                **(headers or {})}
        bearer = token if token is not None else self.tokens[role] if role else None
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        data = body if isinstance(body, bytes) else None if body is None else \
            json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as resp:
                return Reply(resp.status, dict(resp.headers), resp.read().decode())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, dict(exc.headers), exc.read().decode())

    def post(self, payload: Any, role: str | None = "council", **kw: Any) -> Reply:
        return self.request("POST", "/graphql", payload, role=role, **kw)

    def query(self, text: str, variables: dict[str, Any] | None = None,
              role: str = "council") -> Reply:
        """Ad-hoc query text; asserts HTTP 200 (GraphQL errors are in the reply)."""
        reply = self.post({"query": text, "variables": variables or {}}, role=role)
        assert reply.status == 200, reply.text
        return reply

    def data(self, text: str, variables: dict[str, Any] | None = None,
             role: str = "council") -> dict[str, Any]:
        """The ``data`` of a query that must answer without errors."""
        reply = self.query(text, variables, role)
        assert not reply.errors, reply.text
        return reply.json["data"]

    def op(self, name: str, variables: dict[str, Any] | None = None, role: str = "council",
           by_id: bool = False) -> Reply:
        """Runs an operation file: as query text, or as a trusted document by its id."""
        text = operation(name)
        payload: dict[str, Any] = {"operationName": name, "variables": variables or {}}
        if by_id:
            payload["extensions"] = {"documentId": document_id(text)}
        else:
            payload["query"] = text
        reply = self.post(payload, role=role)
        assert reply.status == 200, reply.text
        return reply

    def record(self, name: str, input: dict[str, Any], role: str = "hr_officer",
               by_id: bool = False) -> dict[str, Any]:
        """Runs the mutation file ``name`` with ``input``; must be stored without userErrors."""
        reply = self.op(name, {"input": input}, role=role, by_id=by_id)
        assert not reply.errors, reply.text
        payload = next(iter(reply.json["data"].values()))
        if payload["userErrors"]:
            raise UserErrors(f"{name}: {payload['userErrors']}")
        return payload

    def head(self) -> int:
        """The store's head position, as ``projectionStatus`` reports it."""
        status = self.op("ProjectionStatus").json["data"]["projectionStatus"]
        return max(s["head"] for s in status)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def __enter__(self) -> Live:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """SIGTERM, then SIGKILL after 10 s: the process never outlives its fixture."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def serve(store: str, folder: Path, tokens_file: Path, tokens: dict[str, str],
          *args: str, **env: str) -> Live:
    """Starts ``agent-records serve [args]`` on ``store``; waits until ``/readyz`` answers 200.

    The free port is probed before the server binds it: if another process takes it in
    between, the server exits with "address already in use" and is started again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_RECORDS_")}
    # The test process's master key: a test that opens the store itself (the CLI's
    # ``show``, an export) reads the keys the server wrapped.
    environment |= {"AGENT_RECORDS_TOKENS": str(tokens_file),
                    "AGENT_RECORDS_DATA": str(folder / "data"),
                    "AGENT_RECORDS_MASTER_KEY": str(settings().master_key.resolve()), **env}
    for attempt in range(3):
        port = free_port()
        command = [sys.executable, "-m", "agent_records.cli", "--store", store, "serve",
                   "--host", "127.0.0.1", "--port", str(port), *args]
        log_path = folder / f"server-{port}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(command, env=environment, cwd=folder, stdout=log,
                                       stderr=subprocess.STDOUT)
        live = Live(f"http://127.0.0.1:{port}", tokens, process, log_path)
        try:
            wait_ready(live)
            return live
        except AssertionError:
            live.close()
            if attempt == 2 or "address already in use" not in live.log():
                raise
        except BaseException:
            live.close()
            raise
    raise AssertionError("unreachable")


def wait_ready(live: Live, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        assert live.process is not None
        if live.process.poll() is not None:
            raise AssertionError(f"the service exited ({live.process.returncode}):\n"
                                 f"{live.log()}")
        try:
            reply = live.request("GET", "/readyz")
            if reply.status == 200:
                return
            last = reply.text
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"the service was not ready after {timeout}s ({last}):\n{live.log()}")


def checkpoint(live: Live) -> None:
    """``agent-records checkpoint`` on the server's store, with the server's data folder."""
    assert live.log_path is not None and live.process is not None
    folder = live.log_path.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_RECORDS_")}
    store = live.process.args[live.process.args.index("--store") + 1]  # type: ignore[union-attr]
    done = subprocess.run([sys.executable, "-m", "agent_records.cli", "--store", store,
                           "checkpoint"], env={**env, "AGENT_RECORDS_DATA": str(folder / "data")},
                          cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
