"""Settings from the environment: which store, where the data folder is.

One setting selects the store, ``AGENT_RECORDS_STORE``:
- ``sqlite:///path/to/file.sqlite3`` (default ``sqlite:///./data/agent-records.sqlite3``);
- ``postgresql://user[:password]@host[:port]/dbname[?schema=name]``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from agent_records.errors import ConfigurationError

STORE_VARIABLE = "AGENT_RECORDS_STORE"
DATA_DIR = Path(os.environ.get("AGENT_RECORDS_DATA", "data"))
DEFAULT_STORE = f"sqlite:///{DATA_DIR / 'agent-records.sqlite3'}"
CHECKPOINTS_VARIABLE = "AGENT_RECORDS_CHECKPOINTS"


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


def store_url() -> str:
    """The configured store URL, or the embedded default."""
    return os.environ.get(STORE_VARIABLE) or DEFAULT_STORE


def checkpoints_dir() -> Path:
    """Where signed checkpoints are published: ``$AGENT_RECORDS_CHECKPOINTS``, else
    ``<data>/checkpoints``. Read at each call, so that a test or an operator can point it
    at a folder off this system (a mount another machine keeps) without a restart."""
    data = os.environ.get("AGENT_RECORDS_DATA") or DATA_DIR
    return Path(os.environ.get(CHECKPOINTS_VARIABLE) or Path(data) / "checkpoints")


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
        dbname = parts.path.lstrip("/")
        if not (parts.hostname and dbname and parts.username):
            raise ConfigurationError(f"{STORE_VARIABLE}: expected "
                                     f"postgresql://user@host:port/dbname, got {url!r}")
        query = parse_qs(parts.query)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
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
        return StoreSettings(url, "postgres", env)
    given = repr(parts.scheme) if parts.scheme else f"{url!r} (no scheme)"
    raise ConfigurationError(f"{STORE_VARIABLE}: unsupported store {given}; use "
                             "sqlite:///path or postgresql://user@host:port/db")
