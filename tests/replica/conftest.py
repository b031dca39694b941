"""A private primary and its hot standby (``pg_basebackup -R``), on ports of their own,
and the service in-process on them (reads on the standby)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent_records.api.auth import TokenStore, ensure_demo_tokens
from agent_records.api.services import Services, ServiceSettings
from agent_records.bootstrap import open_records
from agent_records.web.app import create_app
from tests.careers import open_legation, serving_attache
from tests.integration import pgcluster
from tests.integration.pgcluster import PrivateCluster
from tests.prerequisites import missing

SCHEMA = "records"
TODAY = date(1952, 1, 1)


def store(*clusters: PrivateCluster, **query: str) -> str:
    """The store URL of ``clusters`` (several: a multi-host URL), on the test schema."""
    hosts = ",".join(f"127.0.0.1:{c.port}" for c in clusters)
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return f"postgresql://postgres@{hosts}/postgres?schema={SCHEMA}{extra}"


def primary_cluster() -> PrivateCluster:
    """A started private cluster (``private_cluster``'s, for a whole module)."""
    if reason := pgcluster.unavailable_reason():
        missing(f"private PostgreSQL cluster: {reason}")
    cluster = PrivateCluster()
    try:
        cluster.start()
    except BaseException:
        cluster.close()
        raise
    return cluster


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[PrivateCluster, PrivateCluster]]:
    """A primary with an attaché on file, and its hot standby (one pair per module: the
    tests leave the standby running and replaying)."""
    primary = primary_cluster()
    try:
        records = open_records(store(primary))
        try:
            open_legation(records)
            serving_attache(records, renewals=4)
        finally:
            records.close()
        standby = primary.standby()
        try:
            yield primary, standby
        finally:
            standby.close()
    finally:
        primary.close()


class Api:
    """The service on the pair, in-process (the API and the pages), called as an HR
    officer."""

    def __init__(self, http: TestClient, token: str, tokens: dict[str, str]) -> None:
        self.http, self.token, self.tokens = http, token, tokens

    @property
    def services(self) -> Services:
        services: Services = self.http.app.state.services  # type: ignore[attr-defined]
        return services

    def graphql(self, query: str, variables: dict[str, object],
                consistency: str | None = None) -> tuple[dict[str, object], str | None]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if consistency:
            headers["X-Consistency-Token"] = consistency
        reply = self.http.post("/graphql", json={"query": query, "variables": variables},
                               headers=headers)
        assert reply.status_code == 200, reply.text
        assert "Traceback" not in reply.text
        return reply.json(), reply.headers.get("x-consistency-token")


@pytest.fixture
def api(pair: tuple[PrivateCluster, PrivateCluster], tmp_path: Path) -> Iterator[Api]:
    primary, standby = pair
    plain = ensure_demo_tokens(tmp_path / "tokens.json")
    settings = ServiceSettings(store=store(primary), today=lambda: TODAY,
                               read_store=store(standby), read_wait=2.0, read_max_lag=30.0)
    app = create_app(settings, TokenStore.load(tmp_path / "tokens.json"))
    with TestClient(app) as http:
        yield Api(http, plain["demo-hr-officer"], plain)
