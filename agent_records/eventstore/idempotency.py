"""Idempotency keys: a retried command returns its first result instead of recording twice.

A client that lost the answer to a mutation cannot tell whether it was stored. Sent with
an idempotency key, the retry is safe: the key, who sent it, a fingerprint of the command
and its input, and the result (aggregate id, version, recorded-at, correlation id) are
stored in a table beside the events, by the recorder, in the same transaction as the
events. Either both are stored or neither: a crash between them cannot leave events
without their key, so a retry never records twice. A second request with a key already
stored gets the stored result back (same input) or ``idempotency_key_reused`` (other
input) and records nothing. Two requests with one key at once: the store's primary key
on (actor, key) lets one transaction commit; the other rolls back with its events
(``KeyTaken``) and answers the first's result. Keys are kept as long as the events.
The recorders (``recorders.postgres``, ``recorders.sqlite``) store and find the rows.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent_records.domain.errors import DomainError, InvalidInput

KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,128}")
"""1 to 128 printable ASCII characters, no spaces (a UUID, a ULID, a request id)."""
FIELD = "idempotency_key"
COLUMNS = ("actor_id", "key", "command", "fingerprint", "aggregate_id", "version",
           "recorded_at", "correlation_id")


class IdempotencyKeyReused(DomainError):
    """The key was first used for another command or other input; nothing was recorded."""

    code = "idempotency_key_reused"


class KeyTaken(Exception):
    """A concurrent request stored the same key first; this save was rolled back whole.

    Not an ``IntegrityError``: the application retries those as version conflicts, while
    this one is answered with the stored result."""


@dataclass(frozen=True)
class KeyedRequest:
    """A command sent with an idempotency key: by whom, which command, which input."""

    actor_id: str
    key: str
    command: str
    fingerprint: str

    @classmethod
    def of(cls, actor_id: str, key: str, command: str, request: Mapping[str, Any]
           ) -> KeyedRequest:
        """Checks the key; fingerprints the input (canonical JSON, SHA-256)."""
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise InvalidInput("idempotencyKey: expected 1 to 128 printable ASCII characters "
                               "without spaces (e.g. a UUID)", field=FIELD)
        text = json.dumps({"command": command, "input": request}, sort_keys=True,
                          ensure_ascii=False, separators=(",", ":"), default=str)
        return cls(actor_id, key, command, hashlib.sha256(text.encode()).hexdigest())


@dataclass(frozen=True)
class KeyedResult:
    """A stored key with the result of its command (one row of the keys table)."""

    request: KeyedRequest
    aggregate_id: str
    version: int
    recorded_at: str
    correlation_id: str

    def row(self) -> tuple[Any, ...]:
        r = self.request
        return (r.actor_id, r.key, r.command, r.fingerprint, self.aggregate_id, self.version,
                self.recorded_at, self.correlation_id)

    @classmethod
    def of_row(cls, row: Sequence[Any]) -> KeyedResult:
        actor_id, key, command, fingerprint, aggregate_id, version, recorded_at, corr = row
        return cls(KeyedRequest(actor_id, key, command, fingerprint), aggregate_id,
                   int(version), recorded_at, corr)


def create_table(table: str) -> str:
    """The keys table (the same on SQLite and PostgreSQL)."""
    return (f"CREATE TABLE IF NOT EXISTS {table} (actor_id text NOT NULL, key text NOT NULL, "
            "command text NOT NULL, fingerprint text NOT NULL, aggregate_id text NOT NULL, "
            "version bigint NOT NULL, recorded_at text NOT NULL, correlation_id text NOT NULL, "
            "PRIMARY KEY (actor_id, key))")
