"""Streamed exports of the sealed log: JSON Lines, CSV, and the records behind a bag.

Memory stays constant whatever the log's size: events and ledger rows are read in
batches (``integrity.ledger_store``), each record is written as soon as it is made, and
nothing is kept but counters (and, for ``--post``, the events already taken, so that
their corrections follow them). An export is sealed first and stops at the ledger's
head as it was then: every exported event carries its hash, and events recorded while
the export runs are left for the next one (``--since-position`` resumes after the last
exported position).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from agent_records.application import AgentRecords
from agent_records.archive.formats import CsvSink, JsonlSink, jsonl_line, schema_text
from agent_records.archive.keyfile import write_keys
from agent_records.archive.records import Selection, records
from agent_records.integrity.chain import GENESIS
from agent_records.integrity.ledger_store import hash_before
from agent_records.integrity.service import seal
from projections.engine.store import ViewStore

Progress = Callable[[int, int], None]
"""Called with the position reached and the head's, now and then (the CLI's bar)."""
Watch = Callable[["Summary"], None]
"""Called with the summary so far every ``WATCH_EVERY`` events and at the end: what a
page shows of an export running in the service (events written, position reached)."""
WATCH_EVERY = 50
SCHEMA_NAME = "event.schema.json"
CHUNK = 64 * 1024


class Sink(Protocol):
    def add(self, record: dict[str, Any]) -> None: ...


@dataclass
class Head:
    """The sealed log as the export sees it: last position, its hash, how many events."""

    position: int
    hash: str
    count: int


@dataclass
class Summary:
    """What an export holds: for the progress line, bag-info.txt and the README."""

    selection: Selection
    personal_data: bool
    head: Head
    count: int = 0
    first_position: int | None = None
    last_position: int | None = None
    last_hash: str | None = None
    redacted_lines: int = 0
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Exported events per second."""
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def position_range(self) -> str:
        return f"{self.first_position}-{self.last_position}" if self.count else "none"


def sealed_head(app: AgentRecords, sealing: bool = True, store: ViewStore | None = None
                ) -> tuple[ViewStore, Head]:
    """Seals what is new (unless ``sealing`` is off: another worker seals), then reads the
    ledger's head, where the export will stop."""
    if sealing:
        with contextlib.suppress(IntegrityError):  # another sealer got there first: fine
            seal(app)
    store = store or ViewStore(app)
    position = store.position("ledger")
    digest, count = hash_before(store, position + 1)
    return store, Head(position, digest or GENESIS, count)


def export(app: AgentRecords, sinks: list[Sink], selection: Selection, personal: bool,
           progress: Progress | None = None, sealed: tuple[ViewStore, Head] | None = None,
           watch: Watch | None = None) -> Summary:
    """Writes the selected records to every sink in one pass over the log."""
    store, head = sealed or sealed_head(app)
    summary = Summary(selection, personal, head)
    started = time.monotonic()
    for line in records(store, selection, personal, head.position):
        for sink in sinks:
            sink.add(line)
        summary.count += 1
        if summary.first_position is None:
            summary.first_position = line["position"]
        summary.last_position, summary.last_hash = line["position"], line["hash"]
        summary.redacted_lines += bool(line["redacted"])
        if progress and summary.count % 5000 == 0:
            progress(line["position"], head.position)
        if watch and summary.count % WATCH_EVERY == 0:
            watch(summary)
    if progress:
        progress(head.position, head.position)
    summary.seconds = time.monotonic() - started
    if watch:
        watch(summary)
    return summary


@contextlib.contextmanager
def replacing(path: Path, mode: str = "wb", **kw: Any) -> Iterator[Any]:
    """A file written beside ``path`` and renamed over it only once complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open(mode, **kw) as handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_schema(folder: Path) -> Path:
    """``event.schema.json``: the JSON Schema of one line, beside the export."""
    path = folder / SCHEMA_NAME
    with replacing(path, "w", encoding="utf-8") as handle:
        handle.write(schema_text())
    return path


def write_jsonl(app: AgentRecords, out: Path, selection: Selection, personal: bool,
                progress: Progress | None = None, watch: Watch | None = None
                ) -> Summary:
    """A JSON Lines export, with the JSON Schema of a line beside it."""
    with replacing(out) as handle:
        summary = export(app, [JsonlSink(handle)], selection, personal, progress, watch=watch)
    keys = write_keys(app, out) if personal else None
    summary.files = [out, write_schema(out.parent), *([keys] if keys else [])]
    return summary


def write_csv(app: AgentRecords, out: Path, selection: Selection, personal: bool,
              progress: Progress | None = None, watch: Watch | None = None) -> Summary:
    """A CSV export (RFC 4180, UTF-8), with the JSON Schema of a line beside it."""
    with replacing(out, "w", encoding="utf-8", newline="") as handle:
        summary = export(app, [CsvSink(handle)], selection, personal, progress, watch=watch)
    summary.files = [out, write_schema(out.parent)]
    return summary


def stream_jsonl(sealed: tuple[ViewStore, Head], selection: Selection, personal: bool
                 ) -> Iterator[bytes]:
    """JSON Lines in chunks of about 64 KiB, for a streamed HTTP response.

    The caller seals and fixes the head first (``sealed_head``), before the response
    starts: once the first byte is sent, an error can no longer change the status.
    """
    store, head = sealed
    buffer = bytearray()
    for line in records(store, selection, personal, head.position):
        buffer += jsonl_line(line)
        if len(buffer) >= CHUNK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)
