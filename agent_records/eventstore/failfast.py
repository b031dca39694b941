"""A PostgreSQL outage answered in milliseconds instead of after the pool's wait.

The library waits up to ``POSTGRES_CONNECT_TIMEOUT`` for a pooled connection and runs
each recorder call up to ten times: in an outage every call blocked about 52 seconds
(holding a server thread) before failing.
"""

from __future__ import annotations

import psycopg
import psycopg_pool
from psycopg.rows import DictRow

from agent_records.config import StoreSettings
from agent_records.eventstore.errors import StoreUnavailable, first_line
from agent_records.eventstore.schema import connect


class FailFast:
    """While the PostgreSQL server is down, store calls fail at once instead of stalling.

    A pool that cannot give a connection while the server refuses a direct one raises
    ``StoreUnavailable``, which the library does not retry; while down, each call first
    probes the server with one connection, so an outage is answered in milliseconds and
    the recovery is seen at the next call. Installed by replacing the pool's ``getconn``
    (the library's datastore has no hook for it).
    """

    def __init__(self, settings: StoreSettings,
                 pool: psycopg_pool.ConnectionPool[psycopg.Connection[DictRow]]) -> None:
        self.settings = settings
        self.acquire = pool.getconn
        self.down = False
        pool.getconn = self.getconn  # type: ignore[method-assign]  # the hook, see above

    def probe(self) -> str | None:
        """Why the server refuses a direct connection, or None when it accepts one."""
        try:
            with connect(self.settings, 2):
                return None
        except psycopg.Error as exc:
            return first_line(exc)

    def unavailable(self, reason: str) -> StoreUnavailable:
        return StoreUnavailable(f"the event store is unavailable ({self.settings.display}): "
                                f"{reason}")

    def getconn(self, timeout: float | None = None) -> psycopg.Connection[DictRow]:
        if self.down and (reason := self.probe()):
            raise self.unavailable(reason)
        try:
            conn = self.acquire(timeout)
        except psycopg_pool.PoolTimeout:
            reason = self.probe()
            self.down = reason is not None
            if reason:
                raise self.unavailable(reason) from None
            raise  # a busy pool, not an outage: the library's own retries apply
        self.down = False
        return conn
