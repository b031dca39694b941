"""Store errors: unreachable server, bad configuration, default SQLite folder, an outage."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)

from agent_records import config
from agent_records.bootstrap import open_records
from agent_records.config import STORE_VARIABLE
from agent_records.domain.commands import RegisterAgent, RenewAppointment
from agent_records.domain.errors import DomainError
from agent_records.errors import ConfigurationError, InfrastructureError
from agent_records.eventstore.errors import StoreUnavailable, guard
from tests.careers import on, open_legation, serving_attache
from tests.integration import pgcluster

T = TypeVar("T")
NOBODY = "postgresql://postgres@127.0.0.1:1/test"


def assert_readable(error: StoreUnavailable, where: str) -> None:
    """One sentence for people: what is unavailable, where, and why."""
    text = str(error)
    assert text.startswith(f"the event store is unavailable ({where}): ")
    assert text.removeprefix(f"the event store is unavailable ({where}): ").strip()
    assert "\n" not in text and "Traceback" not in text
    assert error.code == "store_unavailable"
    assert not isinstance(error, psycopg.Error)


@pytest.mark.parametrize("url", [NOBODY, f"{NOBODY}?schema=records"],
                         ids=["public", "schema"])
def test_an_unreachable_postgresql_is_store_unavailable(url: str) -> None:
    with pytest.raises(StoreUnavailable) as down:
        open_records(url)
    assert_readable(down.value, url)


def test_the_password_is_not_shown_in_the_error() -> None:
    with pytest.raises(StoreUnavailable) as down:
        open_records("postgresql://postgres:s3cret@127.0.0.1:1/test?schema=records")
    assert "s3cret" not in str(down.value)
    assert_readable(down.value, "postgresql://postgres:***@127.0.0.1:1/test?schema=records")


@pytest.mark.parametrize("url", ["mysql://root@localhost/records", "sqlite://",
                                 "postgresql://127.0.0.1/test", "records.sqlite3"])
def test_a_bad_store_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError) as bad:
        open_records(url)
    assert str(bad.value).startswith(f"{STORE_VARIABLE}: ")
    assert repr(url.split(":")[0]) in str(bad.value) or repr(url) in str(bad.value)


def test_a_bad_store_in_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STORE_VARIABLE, "oracle://scott@db/orcl")
    with pytest.raises(ConfigurationError, match=STORE_VARIABLE) as bad:
        open_records()
    assert "'oracle'" in str(bad.value)


def test_the_default_sqlite_store_creates_its_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(STORE_VARIABLE, raising=False)
    monkeypatch.delenv("AGENT_RECORDS_DATA", raising=False)  # the default data folder
    monkeypatch.chdir(tmp_path)
    path = Path(config.settings().store.removeprefix("sqlite:///"))
    assert not path.is_absolute(), path
    assert not (tmp_path / path).parent.exists()
    app = open_records()
    try:
        agent = app.handle(RegisterAgent(on("1948-06-01"), full_name="Jean Schmit",
                                         birth_date=on("1920-03-01").effective_date,
                                         nationality="LU"))
        assert (tmp_path / path).is_file()
        assert app.get_agent(agent.aggregate_id).version == 1
    finally:
        app.close()


def test_a_configured_sqlite_path_gets_its_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "a" / "b" / "records.sqlite3"
    monkeypatch.setenv(STORE_VARIABLE, f"sqlite:///{target}")
    app = open_records()
    try:
        assert target.parent.is_dir()
        assert app.settings.backend == "sqlite"
    finally:
        app.close()


def eventually(read: Callable[[], T], within: float) -> T:
    """``read()`` once the store answers again, retrying while it is unavailable."""
    deadline = time.monotonic() + within
    while True:
        try:
            return read()
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise



@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_a_store_outage_is_reported_and_survived(
    private_cluster: pgcluster.PrivateCluster,
) -> None:
    cluster = private_cluster
    app = open_records(cluster.url)
    try:
        open_legation(app)
        aid = serving_attache(app)
        version = app.get_agent(aid).version
        last_id = app.recorder.max_notification_id()

        cluster.stop()
        began = time.monotonic()
        with pytest.raises(StoreUnavailable) as down:
            app.handle(RenewAppointment(aid, on("1949-06-15", correlation_id="during-outage")))
        waited = time.monotonic() - began
        assert_readable(down.value, cluster.url)
        # Bounded, though long: the library retries a read 10 times, each waiting for the
        # pool's 5-second connection timeout (about 52 s measured here).
        assert waited < 90

        cluster.start()
        # The same instance reads again once its pool reconnects (the pool retries with
        # exponential backoff, so this can take a while after a long outage).
        agent = eventually(lambda: app.get_agent(aid), within=100)
        # Nothing half-written.
        assert agent.version == version
        assert app.recorder.max_notification_id() == last_id
        assert "during-outage" not in {e.correlation_id for e in agent.events}

        receipt = app.handle(RenewAppointment(aid, on("1949-06-15",
                                                      correlation_id="after-restart")))
        assert receipt.version == version + 1
        assert app.get_agent(aid).state_on(date(1949, 7, 1)).renewals == 1  # in effect then
    finally:
        app.close()

    again = open_records(cluster.url)
    try:
        events = again.get_agent(aid).events
        assert [e.correlation_id for e in events[version:]] == ["after-restart"]
    finally:
        again.close()


def test_store_and_setting_errors_are_not_refusals() -> None:
    """Two families: a caller that answers refusals (``DomainError``) never catches a store
    failure or a bad setting by accident, and the settings need not import the domain."""
    for error in (StoreUnavailable, ConfigurationError):
        assert issubclass(error, InfrastructureError) and not issubclass(error, DomainError)
    assert not issubclass(DomainError, InfrastructureError)
    done = subprocess.run([sys.executable, "-c", "import sys, agent_records.config; "
                           "print(sorted(m for m in sys.modules if '.domain' in m))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


@pytest.mark.parametrize(("error", "said"), [
    (OperationalError("server closed the connection\nmore"), "is unavailable"),
    (psycopg.OperationalError("connection refused"), "is unavailable"),
    (psycopg.InterfaceError("the connection is closed"), "is unavailable"),
    (sqlite3.OperationalError("database is locked"), "is unavailable"),
    (ConnectionResetError("reset"), "is unavailable"),
    (ProgrammingError("relation does not exist"), "refused the operation"),
    (PersistenceError("no"), "refused the operation"),
    (psycopg.errors.UndefinedTable("relation does not exist"), "refused the operation"),
    (IntegrityError("duplicate key"), None),
    (ValueError("not the store's"), None),
], ids=lambda x: type(x).__name__ if isinstance(x, BaseException) else str(x))
def test_guard_names_the_store_and_lets_conflicts_and_other_errors_pass(
        error: Exception, said: str | None) -> None:
    """A store failure becomes one sentence naming the store; a version conflict and
    an error that is not the store's pass as they are."""
    settings = config.parse_store(NOBODY)
    with pytest.raises(Exception) as raised, guard(settings):
        raise error
    if said is None:
        assert raised.value is error
        return
    assert isinstance(raised.value, StoreUnavailable) and raised.value.__cause__ is error
    assert str(raised.value).startswith(f"the event store {said} ({settings.display})")
    assert "\n" not in str(raised.value)
    with guard(settings):
        pass
