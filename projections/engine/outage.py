"""A store outage as the follower sees it: one line when it starts, one when it ends.

The follower retries with backoff while the store is away (a restart, a failover): the
log says once that the store is unavailable and once that it is back, with how long it
was away, instead of a line (or a traceback) per retry.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

FIRST_DELAY, MAX_DELAY = 0.5, 10.0
"""Seconds between attempts while the store is away, doubling up to the maximum."""
log = logging.getLogger("agent_records.projections")


class Outage:
    """Tracks whether the store is away, since when, and how long to wait next."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.delay = FIRST_DELAY

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def down(self, exc: BaseException) -> float:
        """Records a failed attempt; logs the outage's start once; returns the wait."""
        if self.since is None:
            self.since = time.monotonic()
            self.delay = FIRST_DELAY
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else \
                type(exc).__name__
            started = datetime.now(UTC).isoformat(timespec="seconds")
            log.warning("store unavailable since %s, retrying: %s", started, reason)
            return self.delay
        self.delay = min(self.delay * 2, MAX_DELAY)
        return self.delay

    def up(self) -> None:
        """The store answered: logs the outage's end (if one was ongoing)."""
        if self.since is not None:
            log.warning("store back after %.1f s", time.monotonic() - self.since)
            self.since = None
