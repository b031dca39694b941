"""Recorder variants kept for comparison, not shipped: the benchmarks measure them.

- ``NotifyingApplicationRecorder``: the concurrent recorder (``agent_records.eventstore.
  recorders.postgres``) sending the library's NOTIFY with every save, and followers woken
  by LISTEN as well as by polling: NOTIFY's server-wide lock at commit serialises
  notifying commits again (``bench/recorder.py``: "concurrent+NOTIFY").
- ``ClusterHorizonApplicationRecorder``: reading below the oldest transaction of the whole
  server (Emmett's rule) instead of the oldest writer of the table: any other schema's or
  database's work then holds every follower back; on a shared server it failed the
  library's own test cases.
- ``library``: the library's own recorder (one ``LOCK TABLE`` per save, NOTIFY).

``RECORDERS`` names each by the topic that ``APPLICATION_RECORDER_TOPIC`` takes
(``open_with``; ``BENCH_RECORDER`` picks one for every benchmark, ``bench/common.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eventsourcing.persistence import StoredEvent  # noqa: E402
from eventsourcing.postgres import PostgresSubscription  # noqa: E402
from eventsourcing.utils import get_topic  # noqa: E402
from psycopg import Cursor  # noqa: E402
from psycopg.rows import DictRow  # noqa: E402
from psycopg.sql import SQL, Composable, Identifier, Literal  # noqa: E402

from agent_records.application import AgentRecords  # noqa: E402
from agent_records.bootstrap import assemble  # noqa: E402
from agent_records.config import parse_store  # noqa: E402
from agent_records.eventstore.recorders.postgres import (  # noqa: E402
    ConcurrentApplicationRecorder,
)
from agent_records.eventstore.recorders.reading import PollingSubscription  # noqa: E402
from agent_records.eventstore.schema import ensure_schema  # noqa: E402


class NotifyingApplicationRecorder(ConcurrentApplicationRecorder):
    """The concurrent recorder with the library's NOTIFY on every insert."""

    def notice(self) -> Composable:
        """The library's NOTIFY, sent in the save's statement."""
        return SQL(", pg_notify({}, '')").format(Literal(self.channel_name))

    def _insert_stored_events(  # type: ignore[override]  # the library's returns None
            self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: object
    ) -> list[int]:
        """The concurrent recorder's insert, then the library's NOTIFY (its private step)."""
        ids = super()._insert_stored_events(curs, stored_events)
        self._notify_channel(curs)
        return ids

    def subscribe(self, gt: int | None = None,
                  topics: Sequence[str] = ()) -> PostgresSubscription:
        return ListeningSubscription(recorder=self, gt=gt, topics=topics)


class ListeningSubscription(PollingSubscription):
    """Woken by NOTIFY, and every ``POLL_INTERVAL`` seconds: the end of what held the
    horizon back may send no notification."""

    def _listen(self) -> None:
        recorder = self._recorder
        interval = getattr(recorder, "POLL_INTERVAL", 0.5)
        try:
            with recorder.datastore.get_connection() as conn:
                conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
                while not self._has_been_stopped and not self._thread_error:
                    for _ in conn.notifies(timeout=interval, stop_after=1):
                        pass
                    self._has_been_notified.set()
        except BaseException as e:
            if self._thread_error is None:
                self._thread_error = e
            self.stop()


class ClusterHorizonApplicationRecorder(ConcurrentApplicationRecorder):
    """The concurrent recorder, reading below the oldest transaction of the whole server."""

    def horizon(self) -> Composable:
        """The oldest transaction of the server, whatever it writes."""
        return SQL("pg_snapshot_xmin(pg_current_snapshot())")


RECORDERS = {"library": "eventsourcing.postgres:PostgresApplicationRecorder",
             "concurrent": get_topic(ConcurrentApplicationRecorder),
             "concurrent+NOTIFY": get_topic(NotifyingApplicationRecorder),
             "cluster-horizon": get_topic(ClusterHorizonApplicationRecorder)}


def open_with(url: str, recorder: str) -> AgentRecords:
    """The application on ``url`` with the recorder named ``recorder`` in ``RECORDERS``."""
    settings = parse_store(url)
    settings.env["APPLICATION_RECORDER_TOPIC"] = RECORDERS[recorder]
    ensure_schema(settings)
    return assemble(settings)
