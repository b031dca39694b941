"""Store failures as one sentence: ``StoreUnavailable``, and ``guard`` that raises it.

A driver error (psycopg's, sqlite3's, the library's) says what went wrong in the
driver's words, with a traceback; a person operating the service needs to know that the
store cannot be reached (or refused the operation), which store, and why, in one line.
It is an infrastructure error, not a refusal: nothing in the request was wrong, and
callers (API, CLI, followers) answer it apart from a rule's refusal.
"""

from __future__ import annotations

import sqlite3
from types import TracebackType

import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
)

from agent_records.config import StoreSettings
from agent_records.errors import InfrastructureError


class StoreUnavailable(InfrastructureError):
    """The event store cannot be reached or refused the operation; nothing was recorded."""

    code = "store_unavailable"


UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError,
               psycopg.InterfaceError, sqlite3.OperationalError, OSError)
"""The errors that mean the store cannot be reached (a follower waits them out)."""


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message, or its type's name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class guard:
    """Turns a failed connection or query into ``StoreUnavailable`` with the reason.

    ``IntegrityError`` passes through: it is a version conflict, which the application
    retries or reports, not a failure of the store. A class rather than a generator
    function: every command passes through it twice, and a generator's context manager
    cost three times as many instructions."""

    __slots__ = ("settings",)

    def __init__(self, settings: StoreSettings | None = None) -> None:
        self.settings = settings

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 _: TracebackType | None) -> None:
        if exc is None or isinstance(exc, IntegrityError):
            return
        if isinstance(exc, UNAVAILABLE):
            raise StoreUnavailable(f"the event store is unavailable{_where(self.settings)}: "
                                   f"{first_line(exc)}") from exc
        if isinstance(exc, (DatabaseError, PersistenceError, psycopg.Error)):
            raise StoreUnavailable(f"the event store refused the operation"
                                   f"{_where(self.settings)}: {type(exc).__name__}") from exc


def _where(settings: StoreSettings | None) -> str:
    """Which store, for a failure's message: made only on failure (``display`` parses
    the URL, and every command passes through ``guard`` twice)."""
    return f" ({settings.display})" if settings else ""
