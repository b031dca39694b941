"""Fixtures of the web pages' tests: the whole service (API and pages) on a SQLite
store, served by uvicorn in a thread of the test process (so a test can reach the
session store, e.g. to make sessions expire), with a small career on record.

The pages render what the API answers; which backend stores it is the API's concern
(its own tests run both), so the pages are tested on SQLite only ([sqlite] ids).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from agent_records.api.auth import TokenStore, ensure_demo_tokens
from agent_records.api.services import ServiceSettings
from agent_records.web.app import create_app
from tests.api.career import POST, Career, Recorder
from tests.api.live import Live, free_port
from tests.web.browser import browser  # noqa: F401  (the fixture, for every module here)

START_TIMEOUT = 30.0
TODAY = "1952-01-01"
"""The day the read views are as of (``AGENT_RECORDS_TODAY``, as in ``tests/api``): the
attaché's renewed term still runs (in the UTC day it has long ended, Art. 7)."""


@dataclass
class Site:
    """The running service: its app (for its session store), its URL, the API client
    with each role's token, and the ids of the career on record."""

    app: FastAPI
    url: str
    live: Live
    career: Career


def record(live: Live) -> Career:
    """An attaché posted to Brussels, renewed, with a leave whose end date was corrected,
    promoted secretary (as ``tests/api/career.py``'s, which stays in service under Art. 7);
    and a second person (a candidate) to search among."""
    career = Career()
    rec = Recorder(live, career)
    rec("OpenPost", "hr_officer", effectiveDate="1945-01-01", code=POST,
        name="Légation à Bruxelles", city="Bruxelles", country="BE", kind="legation")
    rec.attache("attache", "Jean Schmit", "1920-03-01", "1948-07-01")
    rec.renewed_three_times("attache", 1949)  # in functions at the leave (Art. 7, 14)
    leave = rec.on("GrantLeave", "attache", "1950-08-01", "hr_officer", kind="ANNUAL",
                   endDate="1950-08-22", travelDays=2, grantedBy="MINISTER",
                   decisionReference="AM 1950/L1")
    career.leave_version = leave["version"]
    career.correction = rec.on("CorrectEvent", "attache", "1950-08-01", "hr_officer",
                               correctedVersion=leave["version"],
                               changes={"end_date": "1950-08-19"}, annulled=False,
                               reason="end date misread from the ministerial decision")
    rec.on("Promote", "attache", "1951-08-01", toGrade="SECRETAIRE",
           appointingAuthority="SOVEREIGN", decisionReference="AGD 1951/G1")
    rec.register("candidate", "Paul Reuter", "1922-04-02")
    return career


@pytest.fixture(scope="session")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One demo token per role, hashed on file; returns the file and role -> token."""
    path = tmp_path_factory.mktemp("tokens") / "tokens.json"
    plain = ensure_demo_tokens(path)
    return path, {tid[5:].replace("-", "_"): tok for tid, tok in plain.items()}


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite")])
def site(request: pytest.FixtureRequest, token_file: tuple[Path, dict[str, str]],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The service on a fresh SQLite store, its views as of ``TODAY``, with ``record``."""
    path, tokens = token_file
    store = f"sqlite:///{tmp_path_factory.mktemp('web')}/store.sqlite3"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AGENT_RECORDS_TODAY", TODAY)
        # English unless the browser or the switch asks otherwise (the default is French:
        # tests/web/test_languages.py); the tests read the labels as written
        env.setenv("AGENT_RECORDS_WEB_LANGUAGE", "en")
        yield from serve(store, TokenStore.load(path), tokens)


def serve(store: str, token_store: TokenStore, tokens: dict[str, str]) -> Iterator[Site]:
    """The service in a thread until the generator is closed."""
    app = create_app(ServiceSettings.from_env(store), token_store)  # AGENT_RECORDS_TODAY
    with running(app) as url:
        live = Live(url, tokens)
        yield Site(app, live.url, live, record(live))


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn in a thread (its lifespan run) while the block runs; its
    URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="web-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
