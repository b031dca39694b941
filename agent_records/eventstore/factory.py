"""The library's infrastructure factories, handing out our recorders, mapper and store.

The eventsourcing library assembles an application's persistence through an
infrastructure factory chosen by ``PERSISTENCE_MODULE`` (which may name a factory class):
the factory makes the transcoder, the mapper, the recorders and the event store. Ours are
the library's SQLite and PostgreSQL factories with our parts, so that the application
class itself overrides none of the library's ``construct_*`` methods and the whole
assembly is chosen in one place (``agent_records.bootstrap``). An
``APPLICATION_RECORDER_TOPIC`` in the environment still wins over the recorder named
here (the benchmarks and a test compare other recorders that way).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import (
    AggregateRecorder,
    EventStore,
    InfrastructureFactory,
    Mapper,
    Transcoder,
)
from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteFactory
from eventsourcing.utils import Environment, EnvType, get_topic

from agent_records.config import TARGET_SESSION_ATTRS
from agent_records.eventstore.bulk import StreamingEventStore
from agent_records.eventstore.encoding import FastJSONTranscoder, FastMapper
from agent_records.eventstore.recorders.postgres import ConcurrentApplicationRecorder
from agent_records.eventstore.recorders.sqlite import KeyedSQLiteRecorder
from agent_records.eventstore.sealing import Sealer
from agent_records.eventstore.transcoding import register_transcodings
from agent_records.keys.table import KeyTable


class RecordsParts(InfrastructureFactory[Any]):
    """What both factories make alike: the encoding and the event store."""

    def transcoder(self) -> Transcoder:
        """The library's JSON format, encoded faster, knowing our dates and value objects
        (the application adds the library's own: UUIDs, decimals, datetimes)."""
        transcoder = FastJSONTranscoder()
        register_transcodings(transcoder)
        return transcoder

    def mapper(self, transcoder: Transcoder | None = None,
               mapper_class: type[Mapper[Any]] | None = None) -> Mapper[Any]:
        """The library's mapper, with an event's topic looked up once per class, sealing
        personal fields with the agents' keys (``eventstore.sealing``) unless
        ``RECORDS_SEALING=off`` (the benchmarks' figure without encryption)."""
        mapper = super().mapper(transcoder, mapper_class or FastMapper)
        if isinstance(mapper, FastMapper) and self.env.get("RECORDS_SEALING") != "off":
            datastore = getattr(self, "datastore")  # noqa: B009  # both factories have one
            keys = KeyTable(datastore, isinstance(self, PostgresFactory))
            mapper.sealer = Sealer(keys, mapper.transcoder)
        return mapper

    def event_store(self, mapper: Mapper[Any] | None = None,
                    recorder: AggregateRecorder | None = None) -> EventStore[Any]:
        """The library's event store, encoding a large save while the recorder copies it."""
        return StreamingEventStore(mapper=mapper or self.mapper(),
                                   recorder=recorder or self.application_recorder())


class RecordsSQLiteFactory(RecordsParts, SQLiteFactory):
    """The library's SQLite factory; its recorder also stores idempotency keys."""

    application_recorder_class = KeyedSQLiteRecorder


class RecordsPostgresFactory(RecordsParts, PostgresFactory):
    """The library's PostgreSQL factory; its recorder is the concurrent one."""

    application_recorder_class = ConcurrentApplicationRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        """The library's factory; its pool's connections are made with libpq's
        ``target_session_attrs`` when the store URL names it (several hosts: the pool
        finds the primary again after a failover). The library's datastore has no
        parameter for it; its pool reads ``kwargs`` at each new connection."""
        super().__init__(env)
        attrs = self.env.get(TARGET_SESSION_ATTRS)
        if attrs and isinstance(self.datastore.pool.kwargs, dict):
            self.datastore.pool.kwargs["target_session_attrs"] = attrs


FACTORIES = {"sqlite": get_topic(RecordsSQLiteFactory),
             "postgres": get_topic(RecordsPostgresFactory)}
"""The ``PERSISTENCE_MODULE`` of each backend of ``agent_records.config``."""
