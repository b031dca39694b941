"""Fixtures of the end-to-end API tests: one live server per backend and per module.

``backend_store`` mirrors ``tests/conftest.py``'s ``store_url`` (ids ``[sqlite]`` and
``[postgres]``, PostgreSQL on a fresh schema) at module scope, so that each module starts
one server per backend instead of one per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_records.api.auth import ensure_demo_tokens
from tests import backends
from tests.api.career import Career, record_career
from tests.api.live import Live, serve

TODAY = "1952-01-01"
"""The day the reference careers' views are as of (``AGENT_RECORDS_TODAY``): the
junior attaché's term still runs and every one of them is in service (in the UTC day,
all have retired by the age limit of Art. 21)."""
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One demo token per role, hashed on file; returns the file and role -> token."""
    path = tmp_path_factory.mktemp("tokens") / "tokens.json"
    plain = ensure_demo_tokens(path)
    return path, {tid[5:].replace("-", "_"): tok for tid, tok in plain.items()}


@pytest.fixture(scope="module", params=BACKENDS)
def backend_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[str]:
    """An empty store URL for this module, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store')}/store.sqlite3"
        return
    schema = backends.create_schema()
    try:
        yield backends.store_url(schema)
    finally:
        backends.drop_schema(schema)


@pytest.fixture(scope="module")
def live(backend_store: str, token_file: tuple[Path, dict[str, str]],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The service on this module's store (development mode: GraphiQL, introspection)."""
    path, tokens = token_file
    with serve(backend_store, tmp_path_factory.mktemp("server"), path, tokens,
               AGENT_RECORDS_TODAY=TODAY) as server:
        yield server


@pytest.fixture(scope="module")
def career(live: Live) -> Career:
    """The reference careers, recorded through every mutation of graphql/operations/."""
    return record_career(live)
