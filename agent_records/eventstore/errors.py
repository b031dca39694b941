"""Store failures as one sentence: ``StoreUnavailable``, and ``guard`` that raises it.

A driver error (psycopg's, sqlite3's, the library's) says what went wrong in the
driver's words, with a traceback; a person operating the service needs to know that the
store cannot be reached (or refused the operation), which store, and why, in one line.
It is an infrastructure error, not a refusal: nothing in the request was wrong, and
callers (API, CLI, followers) answer it apart from a rule's refusal.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def guard(settings: StoreSettings | None = None) -> Iterator[None]:
    """Turns a failed connection or query into ``StoreUnavailable`` with the reason.

    ``IntegrityError`` passes through: it is a version conflict, which the application
    retries or reports, not a failure of the store."""
    try:
        yield
    except IntegrityError:
        raise
    except UNAVAILABLE as exc:
        raise StoreUnavailable(f"the event store is unavailable{_where(settings)}: "
                               f"{first_line(exc)}") from exc
    except (DatabaseError, PersistenceError, psycopg.Error) as exc:
        raise StoreUnavailable(f"the event store refused the operation{_where(settings)}: "
                               f"{type(exc).__name__}") from exc


def _where(settings: StoreSettings | None) -> str:
    """Which store, for a failure's message: made only on failure (``display`` parses
    the URL, and every command passes through ``guard`` twice)."""
    return f" ({settings.display})" if settings else ""
