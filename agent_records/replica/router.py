"""Which server answers a read: the standby while it is near enough, else the primary.

``ReadRouter.reading`` picks the side for one read. Without a token: the standby, unless
it is unavailable or more than ``max_lag`` seconds behind. With a token (read-your-
writes, ``replica.token``): the standby once it has replayed the token's WAL position and
its views have reached the token's event position, polled for at most ``wait`` seconds;
the primary otherwise. The standby is probed (one statement) at most every
``PROBE_EVERY`` seconds; each change of state is logged once, so an operator sees when
reads leave the standby and when they come back. Nothing here raises to a reader: a
standby that fails is left out and the primary answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from agent_records.replica.token import Token, lsn_text, lsn_value
from projections.engine.store import ViewStore

PROBE_EVERY = 0.5
"""Seconds a probe of the standby is reused before the next read probes it again."""
POLL = 0.005
"""Seconds between two looks at the standby while a read waits for its token."""
REOPEN_EVERY = 2.0
"""Seconds between attempts to open the standby's read side when it could not be."""
PROBE = ("SELECT COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text AS lsn, "
         "CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = "
         "pg_last_wal_replay_lsn() THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - "
         "pg_last_xact_replay_timestamp()), 0) END::float8 AS lag")
"""The standby's replayed WAL position, and how many seconds its replay is behind what it
received (0 when it has replayed all it received: an idle primary is no lag). Promoted,
it answers its own WAL position and no lag (``COALESCE`` evaluates lazily)."""
log = logging.getLogger("agent_records.replica")
S = TypeVar("S")


@dataclass(frozen=True)
class Probe:
    """The standby at one moment: its replayed WAL position and its replay lag."""

    lsn: int
    lag: float
    at: float


@dataclass(frozen=True)
class ReplicaStatus:
    """The standby as ``/readyz``, ``projectionStatus`` and the CLI report it."""

    url: str
    state: str
    """``reading`` (in the read path), ``behind`` (lag above the limit), ``unavailable``."""
    lag_seconds: float | None
    lag_bytes: int | None
    replay_lsn: str | None
    positions: dict[str, int]
    reason: str | None = None


@dataclass
class Waits:
    """Reads that presented a token: how long they waited, how many the primary served."""

    count: int = 0
    total: float = 0.0
    longest: float = 0.0
    fallbacks: int = 0
    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float, served: bool) -> None:
        self.count += 1
        self.total += seconds
        self.longest = max(self.longest, seconds)
        self.fallbacks += 0 if served else 1
        if len(self.samples) < 100_000:
            self.samples.append(seconds)


class ReadRouter(Generic[S]):
    """Sends reads to the standby's side (``open_standby()``, opened on first use) or to
    ``primary``; ``store_of`` gives a side's views, ``names`` their tracking names."""

    def __init__(self, primary: S, open_standby: Callable[[], S],
                 store_of: Callable[[S], ViewStore], names: Sequence[str], *, url: str,
                 wait: float, max_lag: float) -> None:
        self.primary, self.open_standby, self.store_of = primary, open_standby, store_of
        self.names = list(names)
        self.url, self.wait, self.max_lag = url, wait, max_lag
        self.standby: S | None = None
        self.reopen_at = 0.0
        self.probe: Probe | None = None
        self.state, self.reason = "unprobed", "not probed yet"
        self.lock, self.opening = threading.Lock(), threading.Lock()
        self.waits = Waits()

    # The standby's state ---------------------------------------------------------------

    def side(self) -> S | None:
        """The standby's read side, opened on first use (None while it cannot be)."""
        if self.standby is None and time.monotonic() >= self.reopen_at:
            with self.opening:  # one opening for all the threads that read at once
                if self.standby is None:
                    try:
                        self.standby = self.open_standby()
                    except Exception as exc:  # a standby that cannot be opened is left out
                        self.reopen_at = time.monotonic() + REOPEN_EVERY
                        self.change("unavailable", f"{type(exc).__name__}: {exc}")
        return self.standby

    def look(self, fresh: bool = False) -> Probe | None:
        """The standby's probe (reused for ``PROBE_EVERY`` unless ``fresh``); None and
        left out of the read path when it does not answer."""
        probe, now = self.probe, time.monotonic()
        if not fresh and probe is not None and now - probe.at < PROBE_EVERY:
            return probe if self.state in ("reading", "behind") else None
        standby = self.side()
        if standby is None:
            return None
        try:
            row = self.store_of(standby).rows(PROBE)[0]
        except Exception as exc:  # down, restarting, or refusing: the primary answers
            self.probe = Probe(0, 0.0, now)
            self.change("unavailable", f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            return None
        self.probe = probe = Probe(lsn_value(row["lsn"]), float(row["lag"]), now)
        if probe.lag > self.max_lag:
            self.change("behind", f"replay {probe.lag:.1f} s behind (limit "
                        f"{self.max_lag:g} s)")
        elif self.state != "behind" or probe.lag <= self.max_lag / 2:
            self.change("reading", f"replay {probe.lag:.1f} s behind")
        return probe

    def change(self, state: str, reason: str) -> None:
        """Moves to ``state``, logging the change once (not every probe)."""
        with self.lock:
            before, self.state, self.reason = self.state, state, reason
        if before == state:
            return
        if before == "unprobed" and state == "reading":
            log.info("standby %s is in the read path (%s)", self.url, reason)
        elif state == "reading":
            log.warning("standby %s is in the read path again (%s)", self.url, reason)
        elif state == "behind":
            log.warning("standby %s left the read path, reads go to the primary: %s",
                        self.url, reason)
        else:
            log.warning("standby %s unavailable, reads go to the primary: %s",
                        self.url, reason)

    def failed(self, error: BaseException) -> None:
        """A read on the standby failed on the store: left out until a probe answers."""
        self.probe = Probe(0, 0.0, time.monotonic())
        self.change("unavailable", f"a read failed: {error}")

    # Choosing a side ---------------------------------------------------------------------

    def reading(self, token: Token | None = None) -> tuple[S, bool]:
        """The side that serves a read presenting ``token``, and whether it is the
        standby. Blocks up to ``wait`` seconds while the standby catches up."""
        probe = self.look()
        if probe is None or self.state != "reading" or self.standby is None:
            return self.primary, False
        if token is None:
            return self.standby, True
        started = time.monotonic()
        deadline = started + self.wait
        while True:
            if probe is not None and token.lsn <= probe.lsn and (
                    token.position == 0 or self.position(self.standby) >= token.position):
                self.waits.add(time.monotonic() - started, served=True)
                return self.standby, True
            if time.monotonic() >= deadline or self.state == "unavailable":
                self.waits.add(time.monotonic() - started, served=False)
                return self.primary, False
            time.sleep(POLL)
            probe = self.look(fresh=True)

    def position(self, side: S) -> int:
        """The lowest position of the views on ``side`` (where all of them are)."""
        store = self.store_of(side)
        try:
            row = store.rows(f"SELECT min(notification_id) AS n FROM {store.tracking_table} "
                             "WHERE application_name = ANY(?)", (self.names,))[0]
        except Exception:  # the probe reports it; here it only means "not yet"
            return 0
        return int(row["n"] or 0)

    # Tokens ----------------------------------------------------------------------------

    def written(self) -> Token | None:
        """The token of a write just committed (and projected inline): the primary's WAL
        position now and the store's head."""
        store = self.store_of(self.primary)
        try:
            row = store.rows("SELECT pg_current_wal_lsn()::text AS lsn")[0]
            return Token(lsn_value(row["lsn"]), store.head())
        except Exception:  # the write's answer stands; the next read may wait less
            return None

    def served(self, on_standby: bool) -> Token | None:
        """The token of a read just served: the WAL position of the side that served it,
        taken after the read (what it saw is not later than that). None if unknown."""
        try:
            if on_standby and self.standby is not None:
                probe = self.look(fresh=True)
                return Token(probe.lsn) if probe else None
            row = self.store_of(self.primary).rows(
                "SELECT pg_current_wal_lsn()::text AS lsn")[0]
            return Token(lsn_value(row["lsn"]))
        except Exception:  # a token is a help to the client, never a reason to fail
            return None

    def status(self) -> ReplicaStatus:
        """The standby now (a fresh probe), with its lag in bytes behind the primary."""
        probe = self.look(fresh=True)
        if probe is None or self.standby is None:
            return ReplicaStatus(self.url, "unavailable", None, None, None, {}, self.reason)
        try:
            row = self.store_of(self.primary).rows(
                "SELECT pg_current_wal_lsn()::text AS lsn")[0]
            lag_bytes: int | None = max(0, lsn_value(row["lsn"]) - probe.lsn)
        except Exception:
            lag_bytes = None
        store = self.store_of(self.standby)
        try:
            rows = store.rows(f"SELECT application_name AS name, notification_id AS n "
                              f"FROM {store.tracking_table}")
        except Exception:
            rows = []
        positions = {r["name"]: int(r["n"]) for r in rows if r["name"] in self.names}
        return ReplicaStatus(self.url, self.state, probe.lag, lag_bytes, lsn_text(probe.lsn),
                             positions, self.reason)
