"""Every setting of the service, read from the environment in this module only.

``Settings`` declares each one once (its variable, its default, what it does); README's
"Settings" table lists the same (``tests/test_settings.py``). ``settings()`` reads the
environment at each call, so a test or an operator's new value is seen without a restart;
a value that cannot be used is a ``ConfigurationError`` naming the variable.

The store, ``AGENT_RECORDS_STORE``, is a URL:
- ``sqlite:///path/to/file.sqlite3`` (default ``sqlite:///data/agent-records.sqlite3``);
- ``postgresql://user[:password]@host[:port]/dbname[?schema=name]``;
- ``postgresql://user@host1:port1,host2:port2/dbname?target_session_attrs=read-write``:
  several hosts, libpq tries them in turn and keeps the first that accepts writes (the
  primary, whichever it is after a failover: README "Replication and failover").

``AGENT_RECORDS_READ_STORE``, a PostgreSQL URL of a hot standby of the store, sends the
reads there (``agent_records.replica``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args, get_type_hints
from urllib.parse import parse_qs, unquote, urlsplit

from agent_records.errors import ConfigurationError

STORE_VARIABLE = "AGENT_RECORDS_STORE"
SOURCE = Path(__file__).resolve().parents[1]
"""The source tree, where ``graphql/`` is (the Docker image points elsewhere)."""
Mode = Literal["development", "production"]
Projections = Literal["inline", "external"]
Language = Literal["fr", "en"]
FieldExecution = Literal["planned", "compiled", "graphql-core"]


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, its default as README shows it (``<data>`` is
    the data folder's value, ``<source>`` the source tree), and what it does."""

    name: str
    default: str
    description: str


def _about(name: str, default: str, description: str) -> dict[str, Setting]:
    """A field's metadata: the setting it is read from."""
    return {"setting": Setting(name, default, description)}


@dataclass(frozen=True)
class Settings:
    """The service's settings, typed; ``settings()`` reads them from the environment."""

    data: Path = field(metadata=_about(
        "AGENT_RECORDS_DATA", "data",
        "folder of the default SQLite store, tokens, signing key and checkpoints"))
    store: str = field(metadata=_about(
        STORE_VARIABLE, "sqlite:///<data>/agent-records.sqlite3",
        "the event store: `sqlite:///path` or `postgresql://user@host:port/db[?schema=name]`"))
    tokens: Path = field(metadata=_about(
        "AGENT_RECORDS_TOKENS", "<data>/tokens.json",
        "the hashed bearer tokens the API accepts (JSON; `serve --demo` creates demo ones)"))
    mode: Mode = field(metadata=_about(
        "AGENT_RECORDS_MODE", "development",
        "`production`: trusted documents only (except for the council), "
        "no introspection, no GraphiQL"))
    projections: Projections = field(metadata=_about(
        "AGENT_RECORDS_PROJECTIONS", "inline",
        "`inline`: the API keeps the read views itself; "
        "`external`: an `agent-records projections run` worker does"))
    query_budget: float = field(metadata=_about(
        "AGENT_RECORDS_QUERY_BUDGET", "10",
        "seconds a query may take (`TIME_BUDGET_EXCEEDED` beyond); mutations have none"))
    operations: Path = field(metadata=_about(
        "AGENT_RECORDS_OPERATIONS", "<source>/graphql/operations",
        "folder of the trusted documents; their fragments are in its sibling `fragments/`"))
    signing_key: Path = field(metadata=_about(
        "AGENT_RECORDS_SIGNING_KEY", "<data>/signing-key.pem",
        "Ed25519 key that signs checkpoints (created at first use; keep it off the database)"))
    master_key: Path = field(metadata=_about(
        "AGENT_RECORDS_MASTER_KEY", "<data>/master-key",
        "master key (base64) wrapping the agents' data keys (created at first use; keep it "
        "off the database and back it up: lost, personal data cannot be read)"))
    retention: str = field(metadata=_about(
        "AGENT_RECORDS_RETENTION", "none",
        "years after the end of service after which `retention` erases a class: "
        "`class=Ny` pairs, e.g. `medical=5y,marriage=10y`; `none` keeps every class"))
    checkpoints: Path = field(metadata=_about(
        "AGENT_RECORDS_CHECKPOINTS", "<data>/checkpoints",
        "where signed checkpoints are published (best a folder another machine keeps)"))
    origin: str = field(metadata=_about(
        "AGENT_RECORDS_ORIGIN", "agent-records.local/records",
        "the log's name in signed checkpoints and exported bags"))
    organisation: str = field(metadata=_about(
        "AGENT_RECORDS_ORGANISATION", "Ministère des Affaires étrangères, Luxembourg",
        "`Source-Organization` of exported bags"))
    rebuild_processes: int = field(metadata=_about(
        "AGENT_RECORDS_REBUILD_PROCESSES", "0",
        "processes of a PostgreSQL rebuild of the views; 0: one per core"))
    today: str = field(metadata=_about(
        "AGENT_RECORDS_TODAY", "utc",
        "the day the read views are as of: `utc` (the UTC day), or a fixed `YYYY-MM-DD` "
        "for demonstrations and tests"))
    read_store: str = field(metadata=_about(
        "AGENT_RECORDS_READ_STORE", "",
        "a hot standby of the PostgreSQL store (`postgresql://...`): GraphQL queries, the "
        "web pages' reads and exports go there; empty: every read on the store"))
    read_wait: float = field(metadata=_about(
        "AGENT_RECORDS_READ_WAIT", "2",
        "seconds a read presenting a consistency token waits for the standby to reach it "
        "before the primary serves it"))
    read_max_lag: float = field(metadata=_about(
        "AGENT_RECORDS_READ_MAX_LAG", "30",
        "seconds of replay lag beyond which the standby leaves the read path (it comes "
        "back when it catches up)"))

    web_language: Language = field(metadata=_about(
        "AGENT_RECORDS_WEB_LANGUAGE", "fr",
        "the web pages' language when the browser states no preference the pages speak "
        "and the user chose none: `fr` (the ministry's administrative language) or `en`"))
    answer_cache: int = field(metadata=_about(
        "AGENT_RECORDS_ANSWER_CACHE", "1024",
        "answers of trusted queries each process keeps, keyed by the store's and the "
        "views' positions (never stale); 0 keeps none"))
    cached_agents: int = field(metadata=_about(
        "AGENT_RECORDS_CACHED_AGENTS", "500",
        "agents each process keeps evaluated in memory, brought up to date from the store "
        "(commands and reads on them skip reading and folding the whole record; about 120 "
        "KiB an agent of 50 events); 0: none"))
    field_execution: FieldExecution = field(metadata=_about(
        "AGENT_RECORDS_FIELD_EXECUTION", "planned",
        "`planned`: the documented queries are answered by plans made once per trusted "
        "document, in one thread, when their answer has no error (`api/plans.py`), "
        "everything else as `compiled`; `compiled`: GraphQL fields that are plain attribute "
        "reads every role may read are answered by functions compiled per selection "
        "(`api/compiled.py`); `graphql-core`: every field through graphql-core's executor"))

    def clock(self) -> Callable[[], date] | None:
        """The read views' clock: None for the UTC day, else the fixed day."""
        if self.today == "utc":
            return None
        try:
            day = date.fromisoformat(self.today)
        except ValueError:
            raise ConfigurationError(f"AGENT_RECORDS_TODAY: expected utc or a date "
                                     f"YYYY-MM-DD, got {self.today!r}") from None
        return lambda: day

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def inline_projections(self) -> bool:
        return self.projections == "inline"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``environ`` (default ``os.environ``); empty counts as unset.
        ``data`` is declared first, so that the defaults after it can name ``<data>``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for attribute, declared, kind in _DECLARED:
            raw = env.get(declared.name) or declared.default.replace(
                "<data>", str(values.get("data"))).replace("<source>", str(SOURCE))
            values[attribute] = _parse(declared.name, raw, kind)
        return cls(**values)


_TYPES = get_type_hints(Settings)
_DECLARED = [(item.name, item.metadata["setting"], _TYPES[item.name])
             for item in fields(Settings)]


def _parse(name: str, raw: str, kind: Any) -> Any:
    """``raw`` as a value of ``kind``, or a ``ConfigurationError`` naming ``name``."""
    if kind in (str, Path):
        return kind(raw)
    if choices := get_args(kind):
        if raw not in choices:
            raise ConfigurationError(f"{name}: expected one of {', '.join(choices)}, "
                                     f"got {raw!r}")
        return raw
    try:
        number = kind(raw)
    except ValueError:
        number = -1
    if kind is int and number < 0:
        raise ConfigurationError(f"{name}: expected a whole number ≥ 0, got {raw!r}")
    if kind is float and not (math.isfinite(number) and number > 0):
        raise ConfigurationError(f"{name}: expected a number of seconds > 0, got {raw!r}")
    return number


def declared() -> list[Setting]:
    """Every setting, in the order of README's table."""
    return [declared for _, declared, _ in _DECLARED]


def settings() -> Settings:
    """The settings as the environment gives them now."""
    return Settings.from_env()


def store_url() -> str:
    """The configured store URL, or the embedded default."""
    return settings().store


def cached_agents() -> int:
    """How many agents each application keeps evaluated in memory (``agent_cache``)."""
    return settings().cached_agents


def checkpoints_dir() -> Path:
    """Where signed checkpoints are published (a folder off this system is best)."""
    return settings().checkpoints


def hand_store_to_workers(url: str) -> None:
    """Puts ``url`` in the environment: uvicorn's worker processes import the app by name
    and read the store from there."""
    os.environ[STORE_VARIABLE] = url


@dataclass(frozen=True)
class StoreSettings:
    """A parsed store URL."""

    url: str
    backend: str
    env: dict[str, str]

    @property
    def display(self) -> str:
        """The URL without a password, safe to print."""
        parts = urlsplit(self.url)
        if parts.password:
            return self.url.replace(f":{parts.password}@", ":***@")
        return self.url


TARGET_SESSION_ATTRS = "POSTGRES_TARGET_SESSION_ATTRS"
"""Ours, not the library's: every connection to the store is made with it (libpq's
``target_session_attrs``, e.g. ``read-write`` to find the primary among several hosts)."""


def _hosts(hostlist: str) -> tuple[str, str]:
    """libpq's comma-separated hosts and ports of ``host[:port],...`` (port 5432 when
    not given): ``("h1,h2", "5432,5433")``."""
    hosts, ports = [], []
    for item in filter(None, hostlist.split(",")):
        host, colon, port = item.rpartition(":")
        if not (colon and port.isdigit()):
            host, port = item, ""
        hosts.append(host.strip("[]"))
        ports.append(port or "5432")
    return ",".join(hosts), ",".join(ports)


def parse_store(url: str) -> StoreSettings:
    """Maps a store URL onto the eventsourcing library's own configuration variables."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if not path:
            raise ConfigurationError(f"{STORE_VARIABLE}: expected sqlite:///path/to/file, "
                                     f"got {url!r}")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
        return StoreSettings(url, "sqlite", env)
    if parts.scheme in ("postgresql", "postgres"):
        hosts, ports = _hosts(parts.netloc.rpartition("@")[2])
        dbname = parts.path.lstrip("/")
        if not (hosts and dbname and parts.username):
            raise ConfigurationError(f"{STORE_VARIABLE}: expected "
                                     f"postgresql://user@host:port/dbname, got {url!r}")
        query = parse_qs(parts.query)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": hosts,
            "POSTGRES_PORT": ports,
            "POSTGRES_USER": unquote(parts.username),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", ["2"])[0],
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "8",
            # No pre-ping: it cost a round trip on every checkout (11% of a command,
            # BENCHMARKS.md). A connection broken by a restart fails its statement, the
            # pool discards it and the recorder's retry takes a fresh one; an outage is
            # answered at once by FailFast (eventstore/failfast.py).
            "POSTGRES_PRE_PING": "n",
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        if "target_session_attrs" in query:  # libpq's, for a URL of several hosts
            env[TARGET_SESSION_ATTRS] = query["target_session_attrs"][0]
        return StoreSettings(url, "postgres", env)
    given = repr(parts.scheme) if parts.scheme else f"{url!r} (no scheme)"
    raise ConfigurationError(f"{STORE_VARIABLE}: unsupported store {given}; use "
                             "sqlite:///path or postgresql://user@host:port/db")
