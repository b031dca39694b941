"""Assembly: the application on its store, built in one place.

``open_records`` reads the store URL, creates the PostgreSQL schema it names, and builds
``AgentRecords`` on the library's infrastructure factory for the backend with our parts
(``eventstore.factory``: the concurrent PostgreSQL recorder or the keyed SQLite one, the
fast mapper and transcoder with our transcodings, the streaming event store); on
PostgreSQL, an outage is then answered at once (``eventstore.failfast``). Entry points
(CLI, API, workers, benchmarks) open the records here, never by constructing the
application class themselves.
"""

from __future__ import annotations

from agent_records.application import AgentRecords
from agent_records.config import StoreSettings, cached_agents, parse_store, store_url
from agent_records.eventstore.errors import guard
from agent_records.eventstore.factory import FACTORIES
from agent_records.eventstore.failfast import FailFast
from agent_records.eventstore.recorders.sql import postgres_recorder
from agent_records.eventstore.schema import ensure_schema


def open_records(url: str | None = None) -> AgentRecords:
    """The application on the configured store (``AGENT_RECORDS_STORE``) or ``url``."""
    settings = parse_store(url or store_url())
    ensure_schema(settings)
    return assemble(settings)


def assemble(settings: StoreSettings) -> AgentRecords:
    """The application on the store of ``settings`` (its schema already created).

    The backend's factory is put in ``PERSISTENCE_MODULE`` unless ``settings.env`` names
    another recorder class (``APPLICATION_RECORDER_TOPIC``: the benchmarks and a test of
    the library's own recorder), which the factory then builds instead of ours."""
    env = {**settings.env, "PERSISTENCE_MODULE": FACTORIES[settings.backend]}
    with guard(settings):
        records = AgentRecords(settings, env, cached_agents())
    if settings.backend == "postgres":
        FailFast(settings, postgres_recorder(records.recorder).datastore.pool)
    return records
