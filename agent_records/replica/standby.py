"""The standby's read side: the application and the read views on a hot standby.

A hot standby accepts no write, so nothing is created there: the library's tables are
not created (``CREATE_TABLE=n``) and the worker that holds the views' tables never
creates them nor projects (they arrive through the WAL with their positions). An outage
of the standby is answered at once, as the primary's (``eventstore.failfast``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from agent_records.application import AgentRecords
from agent_records.bootstrap import assemble
from agent_records.config import parse_store
from agent_records.readside import named
from projections.engine.runner import Worker


class StandbyWorker(Worker):
    """A worker that only reports where the standby's views stand: it never creates a
    table nor applies an event (the standby would refuse both)."""

    def ensure_tables(self) -> None:
        """Nothing: the tables are the primary's, replicated."""


def open_standby(url: str, today: Callable[[], date] | None = None
                 ) -> tuple[AgentRecords, StandbyWorker]:
    """The application and the views' worker on the standby of ``url``."""
    store = parse_store(url)
    store = dataclasses.replace(store, env={**store.env, "CREATE_TABLE": "n"})
    records = assemble(store)
    try:
        return records, StandbyWorker(records, named(), today=today)
    except Exception:
        records.close()
        raise
