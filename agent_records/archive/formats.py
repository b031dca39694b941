"""How an export record is written: JSON Lines, CSV (RFC 4180), and the JSON Schema of a line.

Both formats are UTF-8 without byte order mark and never escape non-ASCII text, so a
name such as "Émile Kräizbierg" is the same bytes in the store, the JSONL, the CSV and
back after import. JSON Lines is the authoritative form (the shipped verifier reads it);
the CSV carries the same members flattened, payload and stored content as JSON text.
"""

from __future__ import annotations

import csv
import json
from typing import Any, BinaryIO, TextIO

COLUMNS = ("position", "stream_id", "stream_kind", "version", "type", "schema_version",
           "effective_date", "recorded_at", "actor_id", "actor_role", "legal_basis",
           "decision_reference", "reason", "correlation_id", "payload", "redacted", "hash",
           "previous_hash", "stored")
JSON_COLUMNS = frozenset({"payload", "redacted"})


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII text kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def stored_json(record: dict[str, Any]) -> bytes:
    """The ``stored`` member as JSON bytes (``null`` when data were withheld)."""
    stored = record["stored"]
    return b"null" if stored is None else stored.json()


def jsonl_line(record: dict[str, Any]) -> bytes:
    """One JSON Lines line: the record's members in ``COLUMNS`` order, then a newline.

    ``stored`` goes last, its state spliced in as the stored bytes (see ``Stored``).
    """
    head = dumps({k: record[k] for k in COLUMNS[:-1]}).encode("utf-8")
    return head[:-1] + b',"stored":' + stored_json(record) + b"}\n"


class JsonlSink:
    """Writes records as JSON Lines to a binary file."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle

    def add(self, record: dict[str, Any]) -> None:
        self.handle.write(jsonl_line(record))


class CsvSink:
    """Writes records as CSV: a header row, CRLF line ends, quotes only where needed.

    None is an empty field (so the CSV cannot tell null from an empty reason: the
    JSONL can); payload, redacted and stored are JSON text.
    """

    def __init__(self, handle: TextIO) -> None:
        self.writer = csv.writer(handle, lineterminator="\r\n")
        self.writer.writerow(COLUMNS)

    def add(self, record: dict[str, Any]) -> None:
        row = [dumps(record[k]) if k in JSON_COLUMNS and record[k] is not None
               else "" if record[k] is None else record[k] for k in COLUMNS[:-1]]
        stored = record["stored"]
        row.append("" if stored is None else stored.json().decode("utf-8"))
        self.writer.writerow(row)


HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
NULLABLE_TEXT = {"type": ["string", "null"]}


def line_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line of ``events.jsonl``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://agent-records.local/schemas/export-event-line/1",
        "title": "One event of the agent-records log",
        "description": "One line of events.jsonl: a stored event in the order of the global "
                       "log, with its audit metadata, payload and its place in the hash "
                       "chain. See data-dictionary.md.",
        "type": "object",
        "additionalProperties": False,
        "required": list(COLUMNS),
        "properties": {
            "position": {"type": "integer", "minimum": 1,
                         "description": "Position in the global log (may skip numbers)."},
            "stream_id": {"type": "string", "format": "uuid",
                          "description": "The agent's or post's id (its event stream)."},
            "stream_kind": {"enum": ["agent", "post"]},
            "version": {"type": "integer", "minimum": 1,
                        "description": "The event's number within its stream."},
            "type": {"type": "string", "pattern": "^[A-Za-z0-9_.]+:[A-Za-z0-9_.]+$",
                     "description": "The stored topic: module:Class of the event."},
            "schema_version": {"type": "integer", "minimum": 1,
                               "description": "class_version of the event's shape."},
            "effective_date": {"type": ["string", "null"], "format": "date"},
            "recorded_at": {"type": "string", "format": "date-time"},
            "actor_id": {"type": "string"},
            "actor_role": {"type": "string"},
            "legal_basis": {"type": "string"},
            "decision_reference": NULLABLE_TEXT,
            "reason": {"type": "string"},
            "correlation_id": {"type": "string"},
            "payload": {"type": "object",
                        "description": "The event's own fields; withheld ones hold a "
                                       "'[withheld: ...]' marker."},
            "redacted": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                         "description": "Payload fields withheld (personal data)."},
            "hash": HEX64,
            "previous_hash": HEX64,
            "stored": {
                "description": "What the chain hashed: absent (null) when data were withheld.",
                "oneOf": [
                    {"type": "null"},
                    {"type": "object", "additionalProperties": False,
                     "required": ["topic", "state"],
                     "properties": {"topic": {"type": "string"},
                                    "state": {"type": "object"}}},
                ],
            },
        },
    }


def schema_text() -> str:
    return json.dumps(line_schema(), ensure_ascii=False, indent=2) + "\n"
