"""Consistency tokens: a WAL position (LSN) and an event position, carried by clients.

A mutation's answer carries the primary's WAL position after its commit (and after the
inline projection of its events) and the store's head after it; a read's answer carries
the WAL position it was served at. A read that presents a token is served by a server
that has replayed at least that WAL position and whose views have reached at least that
event position: read-your-writes, and no record older than one already seen in the same
session. The text form, ``<LSN>@<position>`` (``0/3000148@1234``), is opaque to clients:
they keep the last one they received (``merge`` keeps the later of two).
"""

from __future__ import annotations

from dataclasses import dataclass

HEADER = "X-Consistency-Token"
EXTENSION = "consistencyToken"
"""Where a token travels: an HTTP header both ways, or a GraphQL ``extensions`` entry."""


def lsn_value(text: str) -> int:
    """PostgreSQL's ``pg_lsn`` text (``16/B374D848``) as a number."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def lsn_text(value: int) -> str:
    """A number as ``pg_lsn`` text."""
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


@dataclass(frozen=True, order=True)
class Token:
    """A WAL position and an event position a read must not be behind."""

    lsn: int
    position: int = 0

    def __str__(self) -> str:
        return f"{lsn_text(self.lsn)}@{self.position}"

    @classmethod
    def parse(cls, text: str | None) -> Token | None:
        """The token of ``text``; None when absent or not a token (a client's garbage
        is read as no token: the read is served as any other)."""
        if not text:
            return None
        lsn, _, position = text.strip().partition("@")
        try:
            return cls(lsn_value(lsn), int(position or 0))
        except ValueError:
            return None

    def covered_by(self, lsn: int, position: int) -> bool:
        """Whether a server at WAL ``lsn`` with views at ``position`` has reached it."""
        return lsn >= self.lsn and position >= self.position


def merge(first: Token | None, second: Token | None) -> Token | None:
    """The later of two tokens, position by position (a session keeps this one)."""
    if first is None or second is None:
        return first or second
    return Token(max(first.lsn, second.lsn), max(first.position, second.position))
