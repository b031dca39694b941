"""The hash chain: each stored event's SHA-256 over its canonical form and the previous hash.

The canonical form is RFC 8785 (JSON Canonicalization Scheme) of an object holding the
event's position in the global log, its stream, version, topic and stored state (the
event's content and audit metadata, as stored), and the previous event's hash. The
chain links consecutive stored events, not consecutive numbers: positions may skip
(a save that lost a version conflict burns one on PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import rfc8785
from eventsourcing.persistence import Notification

GENESIS = "0" * 64
"""The previous hash of the first event."""


@dataclass(frozen=True)
class StoredFact:
    """What the chain covers of one stored event."""

    position: int
    stream_id: str
    version: int
    topic: str
    state: bytes


ASTRAL = re.compile(rb"[\xf0-\xf4]")


def canonical(fact: StoredFact, previous: str) -> bytes:
    """The RFC 8785 bytes that are hashed.

    For what the record stores (strings, integers, booleans, null, arrays, objects; no
    floats) RFC 8785 equals ``json.dumps`` with sorted keys and no whitespace or ASCII
    escaping, except for keys with characters beyond U+FFFF (sorted by UTF-16 units):
    that fast form is used unless the state has a float or the text an astral character,
    where the ``rfc8785`` package decides. Tests check both agree.
    """
    floats: list[str] = []

    def kept(text: str) -> str:
        floats.append(text)
        return text

    state = json.loads(fact.state, parse_float=kept)
    document: dict[str, Any] = {
        "position": fact.position, "stream": fact.stream_id, "version": fact.version,
        "topic": fact.topic, "state": state, "previous": previous,
    }
    if not floats:
        fast = json.dumps(document, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()
        if not ASTRAL.search(fast):
            return fast
    return rfc8785.dumps({**document, "state": json.loads(fact.state)})


def event_hash(fact: StoredFact, previous: str) -> str:
    """The event's hash (hex), which the next event's hash covers."""
    return hashlib.sha256(canonical(fact, previous)).hexdigest()


def from_notification(note: Notification) -> StoredFact:
    """A stored event as the library returns it (``Notification``)."""
    return StoredFact(note.id, str(note.originator_id), note.originator_version, note.topic,
                      bytes(note.state))
