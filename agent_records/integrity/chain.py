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
from dataclasses import dataclass
from typing import Any

import rfc8785

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


def canonical(fact: StoredFact, previous: str) -> bytes:
    """The RFC 8785 bytes that are hashed."""
    document: dict[str, Any] = {
        "position": fact.position, "stream": fact.stream_id, "version": fact.version,
        "topic": fact.topic, "state": json.loads(fact.state), "previous": previous,
    }
    return rfc8785.dumps(document)


def event_hash(fact: StoredFact, previous: str) -> str:
    """The event's hash (hex), which the next event's hash covers."""
    return hashlib.sha256(canonical(fact, previous)).hexdigest()


def from_notification(note: Any) -> StoredFact:
    """A stored event as the library returns it (``Notification``)."""
    return StoredFact(note.id, str(note.originator_id), note.originator_version, note.topic,
                      bytes(note.state))
