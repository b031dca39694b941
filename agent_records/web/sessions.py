"""Sign-in sessions: a bearer token exchanged for a cookie, kept in the process's memory.

The cookie holds a random session id (HttpOnly, SameSite=Strict, ``Secure`` when the
request came over HTTPS, path ``/web``); the server keeps, under the id's SHA-256, who
signed in, the session's CSRF token and when it expires. Nothing else is in the cookie,
and sign-out forgets the session on the server, so a copied cookie dies with it.

Kept in memory: a restart signs everyone out, and with ``serve --workers N`` (N > 1)
each worker process knows only its own sessions (README, "Web pages").

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
from collections.abc import Callable
from dataclasses import dataclass

from agent_records.api.auth import Principal

LIFETIME = 8 * 3600.0
"""Seconds a session lasts from sign-in (a working day); then the user signs in again."""
COOKIE = "agent_records_session"
SIGN_IN_COOKIE = "agent_records_sign_in"
"""The double-submit cookie of the sign-in form's CSRF token."""
PATH = "/web"


@dataclass
class Session:
    """Who signed in, the CSRF token of their forms, and when the session ends (epoch s)."""

    principal: Principal
    csrf: str
    expires: float


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """The open sessions of this process, by the SHA-256 of their ids; thread-safe."""

    def __init__(self, lifetime: float = LIFETIME, clock: Callable[[], float] = time.time
                 ) -> None:
        self.lifetime, self.clock = lifetime, clock
        self._open: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, principal: Principal) -> tuple[str, Session]:
        """A new session for ``principal``: its id (for the cookie) and the session."""
        session_id = secrets.token_urlsafe(32)
        session = Session(principal, secrets.token_urlsafe(32), self.clock() + self.lifetime)
        with self._lock:
            self._forget_expired()
            self._open[_key(session_id)] = session
        return session_id, session

    def get(self, session_id: str) -> Session | None:
        """The live session of ``session_id``; None if unknown, closed or expired."""
        with self._lock:
            session = self._open.get(_key(session_id))
            if session is not None and session.expires <= self.clock():
                del self._open[_key(session_id)]
                return None
            return session

    def close(self, session_id: str) -> None:
        with self._lock:
            self._open.pop(_key(session_id), None)

    def expire_all(self) -> None:
        """Ends every session now, as if its time had run out (tests, an operator)."""
        with self._lock:
            for session in self._open.values():
                session.expires = self.clock()

    def _forget_expired(self) -> None:
        now = self.clock()
        for key in [k for k, s in self._open.items() if s.expires <= now]:
            del self._open[key]


def csrf_matches(expected: str, sent: str | None) -> bool:
    """The form's CSRF token is the expected one (constant time; empty never matches)."""
    return bool(expected) and bool(sent) and hmac.compare_digest(expected, sent or "")
