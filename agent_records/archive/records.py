"""Export records: one per stored event, in log order, joined with its seal in the ledger.

A record says what the event is in readable form (the members ``verify_export.describe``
derives from the stored event, so the shipped verifier checks them against what was
hashed), the seal (``hash``, ``previous_hash``) and, unless personal data were withheld
from it, ``stored``: exactly what the chain hashed besides position, stream, version and
previous hash (topic and stored state). Events are read raw, never through the domain
classes: an export carries every stored event, even one no code can read any more.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.persistence import Notification

from agent_records.archive.verify_export import describe, sealed, unwrap
from agent_records.domain.classification import (
    PERSONAL,
    DataClass,
    event_class_of_topic,
    redacted,
)
from agent_records.domain.post import post_id
from agent_records.integrity.ledger_store import LedgerRow, ledger_rows, store_events
from projections.engine.store import ViewStore

WITHHELD = PERSONAL
"""The classes an export without personal data withholds: every class some role may not
read (``domain.classification``), so an archive never holds what the API hides from the
archivist."""
CORRECTION_TOPIC = "agent_records.domain.events:EventCorrected"


class ExportError(ValueError):
    """The export cannot be made as asked (bad selection, store and ledger disagree)."""


def marker(kind: str) -> str:
    """What stands in for a withheld value: says that something was there, and its kind."""
    return f"[withheld: {kind} personal data]"


def personal_kinds() -> str:
    """The withheld classes in words, for bag-info.txt and the bag's README."""
    return ", ".join(sorted(WITHHELD))


@dataclass(frozen=True)
class Selection:
    """Which events to export; the default is the whole log."""

    agent: str | None = None
    post: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    since_position: int = 0

    def __post_init__(self) -> None:
        if self.since_position < 0:
            raise ExportError("since-position must be 0 or more")
        for low, high, what in ((self.effective_from, self.effective_to, "effective"),
                                (self.recorded_from, self.recorded_to, "recorded")):
            if low and high and _comparable(low) > _comparable(high):
                raise ExportError(f"{what}-from is after {what}-to")

    def label(self) -> str:
        """The selection in words, for bag-info.txt and the README."""
        parts = [f"{name}={value}" for name, value in (
            ("agent", self.agent), ("post", self.post),
            ("effective-from", self.effective_from), ("effective-to", self.effective_to),
            ("recorded-from", self.recorded_from), ("recorded-to", self.recorded_to),
            ("since-position", self.since_position or None)) if value is not None]
        return ", ".join(parts) if parts else "whole log"

    def matcher(self) -> Matcher:
        return Matcher(self)


def _comparable(value: date | datetime) -> date | datetime:
    return _instant(value) if isinstance(value, datetime) else value


def _instant(value: datetime) -> datetime:
    """Times without an offset are taken as UTC (recorded-at is stamped in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class Matcher:
    """Applies a selection while the log streams by.

    The post filter also takes the corrections of the events it took: it remembers the
    (stream, version) it took, so its memory grows with the selected events only.
    """

    selection: Selection
    taken: set[tuple[str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        s = self.selection
        self.post = s.post.strip().upper() if s.post else None
        self.post_stream = str(post_id(self.post)) if self.post else None
        self.agent = s.agent.strip().lower() if s.agent else None
        self.recorded = (s.recorded_from and _instant(s.recorded_from),
                         s.recorded_to and _instant(s.recorded_to))

    def __call__(self, line: dict[str, Any]) -> bool:
        s = self.selection
        if self.agent and line["stream_id"] != self.agent:
            return False
        if self.post and not self._names_post(line):
            return False
        day = line["effective_date"]
        if s.effective_from and (day is None or day < s.effective_from.isoformat()):
            return False
        if s.effective_to and (day is None or day > s.effective_to.isoformat()):
            return False
        low, high = self.recorded
        if low or high:
            at = datetime.fromisoformat(line["recorded_at"])
            if (low and at < low) or (high and at > high):
                return False
        return True

    def _names_post(self, line: dict[str, Any]) -> bool:
        payload, key = line["payload"], (line["stream_id"], line["version"])
        named: bool = (line["stream_id"] == self.post_stream
                       or payload.get("post_code") == self.post
                       or (line["stream_kind"] == "post" and payload.get("code") == self.post))
        if line["type"] == CORRECTION_TOPIC:
            changes = payload.get("changes") or {}
            named = named or changes.get("post_code") == self.post or (
                line["stream_id"], payload.get("corrected_version")) in self.taken
        if named:
            self.taken.add(key)
        return named


def redact(line: dict[str, Any], withheld: frozenset[DataClass] = WITHHELD) -> list[str]:
    """Withholds the payload's values of the ``withheld`` classes, at any depth (value
    objects, a correction's changes); returns their dotted paths.

    The type of the event a correction corrects is not at hand in a streamed export, so
    each changed value is withheld if its field name has a withheld class in any event.
    """
    event_cls = event_class_of_topic(line["type"])
    payload, hidden = redacted(event_cls, line["payload"],
                               lambda classes: not classes & withheld,
                               lambda classes: marker(", ".join(sorted(classes & withheld))))
    line["payload"] = payload
    return [h.path for h in hidden]


@dataclass(frozen=True)
class Stored:
    """What the chain hashed of an event besides its place: topic and stored state.

    The state is kept as the stored JSON bytes and written as they are (they are the
    store's own compact UTF-8 JSON), so an export never re-encodes what was hashed.
    """

    topic: str
    state: bytes

    def json(self) -> bytes:
        """``{"topic": ..., "state": ...}`` as JSON bytes."""
        return b'{"topic":' + json.dumps(self.topic, ensure_ascii=False).encode("utf-8") + \
            b',"state":' + self.state + b"}"


Opener = Callable[[dict[str, Any]], None]
"""Opens, in an export line's readable payload, the sealed personal values."""


def record(note: Any, seal: dict[str, Any], opener: Opener | None = None) -> dict[str, Any]:
    """The export record of one stored event and its ledger row, personal data included
    (sealed values opened by ``opener``, else shown sealed).

    The readable members come from the state decoded without its type envelopes, a
    fresh object, so ``withhold`` may change the payload in place.
    """
    state = bytes(note.state)
    line = describe(note.id, str(note.originator_id), note.originator_version, note.topic,
                    json.loads(state, object_hook=unwrap))
    if opener is not None:
        opener(line)
    line["redacted"] = []
    line["hash"] = seal["hash"]
    line["previous_hash"] = seal["previous"]
    line["stored"] = Stored(note.topic, state)
    return line


def withhold(line: dict[str, Any]) -> dict[str, Any]:
    """The line without its personal data; without ``stored`` when something was withheld.

    A sealed value (``eventstore.sealing``) is not withheld: it is ciphertext, shown as
    stored, and the line keeps ``stored`` so that its hash is recomputed."""
    before = line["payload"]
    hidden = redact(line)
    kept = [path for path in hidden if sealed(_at(before, path))]
    for path in kept:
        _put(line["payload"], path, _at(before, path))
    line["redacted"] = [path for path in hidden if path not in kept]
    if line["redacted"]:
        line["stored"] = None
    return line


def _at(payload: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a payload (``changes.spouse_name``), None if none."""
    value: Any = payload
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _put(payload: dict[str, Any], path: str, value: Any) -> None:
    *parents, name = path.split(".")
    for part in parents:
        payload = payload[part]
    payload[name] = value


def sealed_events(store: ViewStore, after: int, upto: int
                  ) -> Iterator[tuple[Notification, LedgerRow]]:
    """Stored events after ``after`` up to ``upto`` with their ledger rows, in log order.

    Both sides stream in batches. The ledger and the store must agree position by
    position: a difference means the record was altered, and the export stops, naming
    the position (``agent-records verify`` says more).
    """
    rows = ledger_rows(store, after)
    for note in store_events(store, after):
        if note.id > upto:
            break
        row = next(rows, None)
        if row is None or row["position"] != note.id:
            where = note.id if row is None else min(note.id, row["position"])
            raise ExportError(f"position {where}: the store and the ledger disagree "
                              "(run `agent-records verify`)")
        if row["stream_id"] != str(note.originator_id) or row["version"] != \
                note.originator_version:
            raise ExportError(f"position {note.id}: the stored event is not the one sealed "
                              "(run `agent-records verify`)")
        yield note, row
    row = next(rows, None)
    if row is not None and row["position"] <= upto:
        raise ExportError(f"position {row['position']} was sealed but is missing from the "
                          "store (run `agent-records verify`)")


def records(store: ViewStore, selection: Selection, personal: bool, upto: int
            ) -> Iterator[dict[str, Any]]:
    """The export records of the selection, in log order, up to position ``upto``."""
    wanted = selection.matcher()
    sealer = getattr(store.app.mapper, "sealer", None)
    opener = sealer.open_line if personal and sealer is not None else None
    for note, seal in sealed_events(store, selection.since_position, upto):
        line = record(note, seal, opener)
        if wanted(line):
            yield line if personal else withhold(line)
