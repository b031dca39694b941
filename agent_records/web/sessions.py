"""Sign-in sessions: a bearer token exchanged for a cookie, kept in the store.

The cookie holds a random session id (HttpOnly, SameSite=Strict, ``Secure`` when the
request came over HTTPS, path ``/web``); the server keeps, under the id's SHA-256, who
signed in, the session's CSRF token and when it expires. Nothing else is in the cookie,
and sign-out deletes the session's row, so a copied cookie dies with it.

The rows are a table of the store's own database (``web_sessions``, beside the read
views, on SQLite and PostgreSQL alike), so every worker process of ``serve --workers N``
and every replica on the same database knows every session, and a restart signs nobody
out. A row holds the SHA-256 of the id, never the id: reading the table does not give a
cookie. An expired row is deleted when it is next asked for, and every sign-in deletes
the expired rows of all sessions.

With a hot standby, a row also keeps the session's consistency token (the column
``consistency``, added to a table made before it): the pages read through it and leave
the newer one (``web.operations``), and ``Sessions.keep`` stores it when it has changed,
so the next page, in any worker, waits for what this user wrote or saw.

Every form carries a CSRF token in a hidden field, checked in constant time on POST:
the session's own once signed in; before (the sign-in form), a random value also set
as a short-lived cookie (double submit), so a third-party page cannot sign a browser in
with its token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from agent_records.api.auth import Principal
from agent_records.domain.classification import Role
from projections.engine.store import Sql, ViewStore

LIFETIME = 8 * 3600.0
"""Seconds a session lasts from sign-in (a working day); then the user signs in again."""
COOKIE = "agent_records_session"
SIGN_IN_COOKIE = "agent_records_sign_in"
"""The double-submit cookie of the sign-in form's CSRF token."""
PATH = "/web"
TABLE = "web_sessions"
ROLES = frozenset(role.value for role in Role)


@dataclass
class Session:
    """Who signed in, the CSRF token of their forms, when the session ends (epoch s), and
    the consistency token of the last page's read or form's write (with a standby; set
    by ``web.operations.Operations.run``, kept by ``Sessions.keep``)."""

    principal: Principal
    csrf: str
    expires: float
    consistency: str | None = None


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """The sessions of a store's ``web_sessions`` table, by the SHA-256 of their ids.

    Every method takes the store's ``ViewStore`` (the running service's
    ``services.views``) and does blocking I/O: an ``async`` caller runs it in a thread.
    """

    def __init__(self, lifetime: float = LIFETIME, clock: Callable[[], float] = time.time
                 ) -> None:
        self.lifetime, self.clock = lifetime, clock
        self._ready: weakref.WeakSet[ViewStore] = weakref.WeakSet()
        self._lock = threading.Lock()

    def _table(self, views: ViewStore) -> str:
        """The table's name, created at the first use on ``views`` (every process may)."""
        if views not in self._ready:
            with self._lock, views.ddl_lock(), views.transaction() as sql:
                sql.execute(f"CREATE TABLE IF NOT EXISTS {views.table(TABLE)} ("
                            "key TEXT NOT NULL PRIMARY KEY, principal TEXT NOT NULL, "
                            "role TEXT NOT NULL, csrf TEXT NOT NULL, "
                            "expires DOUBLE PRECISION NOT NULL, consistency TEXT)")
                self._migrate(views, sql)
                self._ready.add(views)
        return views.table(TABLE)

    @staticmethod
    def _migrate(views: ViewStore, sql: Sql) -> None:
        """Adds ``consistency`` to a table made before it (nullable: existing sessions
        keep working, with no token yet)."""
        table = views.table(TABLE)
        if views.postgres:
            sql.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS consistency TEXT")
            return
        columns = {row["name"] for row in sql.execute(f"PRAGMA table_info({table})")
                   .fetchall()}
        if "consistency" not in columns:
            sql.execute(f"ALTER TABLE {table} ADD COLUMN consistency TEXT")

    def open(self, views: ViewStore, principal: Principal) -> tuple[str, Session]:
        """A new session for ``principal``: its id (for the cookie) and the session."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        session = Session(principal, secrets.token_urlsafe(32), now + self.lifetime)
        table = self._table(views)
        with views.transaction() as sql:
            sql.execute(f"DELETE FROM {table} WHERE expires <= ?", (now,))
            sql.execute(f"INSERT INTO {table} (key, principal, role, csrf, expires) "
                        "VALUES (?, ?, ?, ?, ?)", (_key(session_id), principal.id,
                                                   principal.role.value, session.csrf,
                                                   session.expires))
        return session_id, session

    def get(self, views: ViewStore, session_id: str) -> Session | None:
        """The live session of ``session_id``; None if unknown, closed or expired (an
        expired row is deleted)."""
        table = self._table(views)
        found = views.rows(f"SELECT principal, role, csrf, expires, consistency FROM {table} "
                           "WHERE key = ?", (_key(session_id),))
        if not found:
            return None
        row = found[0]
        if row["expires"] <= self.clock() or row["role"] not in ROLES:
            self.close(views, session_id)
            return None
        return Session(Principal(row["principal"], Role(row["role"])), row["csrf"],
                       float(row["expires"]), row["consistency"])

    def keep(self, views: ViewStore, session_id: str, consistency: str) -> None:
        """Stores the session's consistency token (``web.access.get_session``, once a
        page or form has changed it)."""
        table = self._table(views)
        with views.transaction() as sql:
            sql.execute(f"UPDATE {table} SET consistency = ? WHERE key = ?",
                        (consistency, _key(session_id)))

    def close(self, views: ViewStore, session_id: str) -> None:
        """Deletes the session's row (sign-out)."""
        table = self._table(views)
        with views.transaction() as sql:
            sql.execute(f"DELETE FROM {table} WHERE key = ?", (_key(session_id),))

    def expire_all(self, views: ViewStore) -> None:
        """Ends every session now, as if its time had run out (tests, an operator)."""
        table = self._table(views)
        with views.transaction() as sql:
            sql.execute(f"UPDATE {table} SET expires = ? WHERE expires > ?",
                        (self.clock(), self.clock()))

    def count(self, views: ViewStore) -> int:
        """How many rows the table holds, live or not yet deleted (tests, an operator)."""
        rows = views.rows(f"SELECT count(*) AS n FROM {self._table(views)}")
        return int(rows[0]["n"])


def csrf_matches(expected: str, sent: str | None) -> bool:
    """The form's CSRF token is the expected one (constant time; empty never matches)."""
    return bool(expected) and bool(sent) and hmac.compare_digest(expected, sent or "")
