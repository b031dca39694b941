"""The eventsourcing library's private parts our code relies on are still there, unchanged.

The store adapter (``agent_records.eventstore``), the application's ``save`` and the
projections override or call private methods and attributes of the library, for speed or
to join its transactions. ``pyproject.toml`` pins the library's minor version (9.5); an
upgrade must pass this test first. Each check names the method or attribute that moved,
so the message says where to look instead of a failure deep in a save.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresSubscription,
    PostgresTrackingRecorder,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteTrackingRecorder

from agent_records.application import AgentRecords
from agent_records.domain.commands import RegisterAgent
from agent_records.domain.values import Actor, Decision

SIGNATURES: dict[tuple[type, str], str] = {
    # eventstore/recorders/postgres.py overrides these two, calls the first
    (PostgresApplicationRecorder, "_insert_events"):
        "(self, curs: 'Cursor[DictRow]', stored_events: 'Sequence[StoredEvent]', "
        "**_: 'Any') -> 'None'",
    (PostgresApplicationRecorder, "_insert_stored_events"):
        "(self, curs: 'Cursor[DictRow]', stored_events: 'Sequence[StoredEvent]', "
        "**kwargs: 'Any') -> 'None'",
    # bench/variants.py (NOTIFY) calls it
    (PostgresApplicationRecorder, "_notify_channel"): "(self, curs: 'Cursor[DictRow]') -> 'None'",
    # replaced whole by the concurrent recorder and its reading base
    (PostgresApplicationRecorder, "insert_events"):
        "(self, stored_events: 'Sequence[StoredEvent]', **kwargs: 'Any') "
        "-> 'Sequence[int] | None'",
    (PostgresApplicationRecorder, "select_notifications"):
        "(self, start: 'int | None', limit: 'int', stop: 'int | None' = None, "
        "topics: 'Sequence[str]' = (), *, inclusive_of_start: 'bool' = True) "
        "-> 'Sequence[Notification]'",
    (PostgresApplicationRecorder, "max_notification_id"): "(self) -> 'int | None'",
    # eventstore/recorders/sqlite.py overrides it, calling the library's first
    (SQLiteApplicationRecorder, "_insert_events"):
        "(self, c: 'SQLiteCursor', stored_events: 'Sequence[StoredEvent]', **_: 'Any') "
        "-> 'Sequence[int] | None'",
    (SQLiteApplicationRecorder, "construct_create_table_statements"): "(self) -> 'list[str]'",
    # eventstore/recorders/reading.py (PollingSubscription) overrides it
    (PostgresSubscription, "_listen"): "(self) -> 'None'",
    # AgentRecords.save calls the library's steps of save, in its order
    (Application, "_record"):
        "(self, processing_event: 'ProcessingEvent[TAggregateID]') "
        "-> 'list[Recording[TAggregateID]]'",
    (Application, "_take_snapshots"):
        "(self, processing_event: 'ProcessingEvent[TAggregateID]') -> 'None'",
    (Application, "_notify"): "(self, recordings: 'list[Recording[TAggregateID]]') -> 'None'",
    # eventstore/encoding.py (FastJSONTranscoder) hands it to the C encoder as ``default``
    (JSONTranscoder, "_encode_obj"): "(self, o: 'Any') -> 'dict[str, Any]'",
    # application.py (open_post) and domain/agent.py (register) create aggregates with it
    (Aggregate, "_create"):
        "(event_class: 'type[CanInitAggregate[TAggregateID]]', *, "
        "id: 'TAggregateID | None' = None, **kwargs: 'Any') -> 'Self'",
    # projections/store.py: views write their tracking row in their own transaction
    (PostgresTrackingRecorder, "_insert_tracking"):
        "(self, curs: 'Cursor[DictRow]', tracking: 'Tracking') -> 'None'",
    (SQLiteTrackingRecorder, "_insert_tracking"):
        "(self, c: 'SQLiteCursor', tracking: 'Tracking') -> 'None'",
}


@pytest.mark.parametrize(("cls", "name"), list(SIGNATURES),
                         ids=[f"{c.__name__}.{n}" for c, n in SIGNATURES])
def test_a_private_method_we_rely_on_is_unchanged(cls: type, name: str) -> None:
    method: Callable[..., Any] | None = getattr(cls, name, None)
    assert method is not None, (
        f"eventsourcing's {cls.__name__}.{name} is gone: our code overrides or calls it "
        "(see the comment above it in SIGNATURES)")
    found = str(inspect.signature(method))
    assert found == SIGNATURES[cls, name], (
        f"eventsourcing's {cls.__name__}.{name} changed its signature: was "
        f"{SIGNATURES[cls, name]}, is {found}")


def attributes_missing(obj: object, names: list[str]) -> list[str]:
    return [f"{type(obj).__name__}.{name}" for name in names if not hasattr(obj, name)]


def test_the_attributes_we_rely_on_exist(records: AgentRecords, store_url: str) -> None:
    """Attributes set by the library's constructors, read or set by our code."""
    receipt = records.handle(RegisterAgent(Decision(date(1950, 1, 1), Actor("clerk-1", "hr_clerk")),
                                           full_name="Jean Schmit", birth_date=date(1920, 1, 1),
                                           nationality="LU"))
    agent = records.get_agent(receipt.aggregate_id)
    missing = attributes_missing(agent, [  # domain/agent.py (clone, at_version, known_at)
        "_version", "_modified_on", "_pending_events"])
    if store_url.startswith("postgres"):
        recorder: Any = records.recorder
        missing += attributes_missing(recorder, [  # eventstore/recorders/postgres.py
            "sql_create_statements", "create_table_statement_index", "channel_name",
            "events_table_name"])
        missing += attributes_missing(recorder.datastore, [
            "pool", "pool_open_timeout", "schema", "lock_timeout", "originator_id_type"])
        with recorder.subscribe(gt=0) as subscription:  # eventstore/recorders/reading.py
            missing += attributes_missing(subscription, [
                "_recorder", "_has_been_stopped", "_has_been_notified", "_thread_error"])
            assert next(subscription).id == 1, "the polling subscription delivers"
    assert not missing, f"eventsourcing no longer sets {', '.join(missing)}"
