"""``agent-records serve --workers N``: several server processes on one port.

Several processes may not project inline (they would race on the same positions), so
the command refuses that; with external projections they serve, and every connection
has ``TCP_NODELAY`` (uvicorn's own multi-worker socket left Nagle's algorithm on: each
keep-alive request waited ~40 ms for a delayed ACK).
"""

from __future__ import annotations

import http.client
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.api.live import Live, serve

NAGLE_DELAY = 0.040
"""The delayed ACK a response waited for with Nagle on (Linux: 40 ms)."""


@pytest.fixture(scope="module")
def workers(backend_store: str, token_file: tuple[Path, dict[str, str]],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The service with two worker processes and external projections."""
    path, tokens = token_file
    with serve(backend_store, tmp_path_factory.mktemp("workers"), path, tokens,
               "--workers", "2", AGENT_RECORDS_PROJECTIONS="external") as server:
        yield server


def test_several_workers_need_external_projections(
        backend_store: str, token_file: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    path, _ = token_file
    done = subprocess.run(
        [sys.executable, "-m", "agent_records.cli", "--store", backend_store, "serve",
         "--workers", "2"], capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={"AGENT_RECORDS_TOKENS": str(path), "AGENT_RECORDS_DATA": str(tmp_path),
             "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "AGENT_RECORDS_PROJECTIONS=external" in done.stderr


def test_workers_answer_graphql(workers: Live) -> None:
    status = workers.op("ProjectionStatus").json["data"]["projectionStatus"]
    assert {s["name"] for s in status} >= {"agents", "audit_log"}
    assert workers.data("{ posts { code } }") == {"posts": []}


def test_keep_alive_requests_do_not_wait_for_a_delayed_ack(workers: Live) -> None:
    url = urlsplit(workers.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    latencies = []
    try:
        for _ in range(30):
            started = time.perf_counter()
            conn.request("GET", "/healthz")
            assert conn.getresponse().read() == b'{"status":"ok"}'
            latencies.append(time.perf_counter() - started)
    finally:
        conn.close()
    assert statistics.median(latencies) < NAGLE_DELAY / 2, latencies
