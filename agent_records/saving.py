"""Saving fast: the library's encoding and event store, with less work per event.

A bulk save (the generator, an import of records from elsewhere) hands the application
thousands of events at once. The library's own path costs, per event: a runtime
``Protocol`` check (``EventsFirst`` instead), a new C JSON encoder, the topic and class
version looked up again; and the whole save is encoded before its first row is sent.
Here: the same bytes with the encoder built once (``FastJSONTranscoder``), per-class
lookups (``FastMapper``), and a save large enough for the recorder's COPY
(``agent_records.recorder``) encoded while it is copied (``StreamingEventStore``), with
Python's cycle collector paused meanwhile. The stored bytes are those of the library
(``tests/integration/test_bulk_save.py``): the integrity chain hashes them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import DomainEvent, DomainEventProtocol
from eventsourcing.persistence import (
    EventStore,
    JSONTranscoder,
    Mapper,
    Notification,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import get_topic


class FastJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, byte for byte, without its cost per event.

    The stored bytes are hashed into the integrity chain, so they must not change: this
    uses the very C encoder the library's ``json.JSONEncoder`` uses, with the same
    separators, ``ensure_ascii=False`` and the same ``default`` (our transcodings). Only
    the wrapping goes: ``JSONEncoder.encode`` builds a new C encoder and a dict of
    markers for every event (measured: 10.5 to 9.5 µs an event of the demo). Built once,
    without the circular-reference markers (an event is a tree; a cycle would end in
    ``RecursionError`` instead of ``ValueError``). ``tests/integration/test_bulk_save.py``
    checks the bytes against the library's transcoder.
    """

    def __init__(self) -> None:
        super().__init__()
        self.iterencode = c_make_encoder(None, self._encode_obj, encode_basestring, None,
                                         ":", ",", False, False, True) if c_make_encoder \
            else None

    def encode(self, obj: Any) -> bytes:
        if self.iterencode is None:  # a Python without the C accelerator
            return super().encode(obj)
        return "".join(self.iterencode(obj, 0)).encode("utf8")


class EventsFirst(ProcessingEvent[Any]):
    """Collects the library's own domain events without its ``Protocol`` check, in order:
    ``isinstance`` against a runtime protocol walks the protocol's members each time,
    which cost a bulk save more than encoding the event."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, DomainEvent):
                self.events.append(obj)
            else:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


class FastMapper(Mapper[Any]):
    """The library's mapper; without compressor or cipher, an event's topic and class
    version are looked up once per class instead of per event (8.5 to 7.6 µs an event)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.classes: dict[type, tuple[str, int]] = {}

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        if self.compressor or self.cipher:
            return super().to_stored_event(domain_event)
        cls = type(domain_event)
        known = self.classes.get(cls)
        if known is None:
            known = self.classes[cls] = (get_topic(cls), getattr(cls, "class_version", 1))
        topic, class_version = known
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(originator_id=originator_id, originator_version=originator_version,
                           topic=topic, state=self.transcoder.encode(state))


class Transcoded(Sequence[StoredEvent]):
    """Domain events as stored events, each encoded when first reached, then kept.

    Handed to a recorder that streams a large save with COPY, the encoding of the next
    events overlaps the server inserting those already sent, instead of all of it
    preceding the first row (``bench/bulk.py``). Kept, so that a retried insert does not
    encode twice, and the recordings reuse them.
    """

    def __init__(self, events: Sequence[Any], encode: Callable[[Any], StoredEvent]) -> None:
        self.events, self.encode = events, encode
        self.done: list[StoredEvent] = []

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]  # negative indexes, IndexError
        if index >= len(self.done):
            self.done.extend(map(self.encode, self.events[len(self.done):index + 1]))
        return self.done[index]

    def __iter__(self) -> Iterator[StoredEvent]:
        yield from self.done[:]
        for event in self.events[len(self.done):]:
            self.done.append(self.encode(event))
            yield self.done[-1]


class StreamingEventStore(EventStore[Any]):
    """The library's event store; a save large enough for the recorder's COPY path
    (``COPY_ROWS`` of ``agent_records.recorder``) is encoded while it is copied.

    The price: the recorder's lock is held while the save is encoded (about 8 µs an
    event), not only while the server inserts it (about 7 µs an event), so other writers
    wait about twice as long for it; the save itself ends sooner. An event that cannot
    be encoded fails the COPY: the library's error, nothing written.
    """

    def put(self, domain_events: Sequence[DomainEventProtocol[Any]], **kwargs: Any
            ) -> list[Recording[Any]]:
        if len(domain_events) < getattr(self.recorder, "COPY_ROWS", float("inf")):
            return super().put(domain_events, **kwargs)
        with no_cycle_collection():
            stored = Transcoded(domain_events, self.mapper.to_stored_event)
            ids = self.recorder.insert_events(stored, **kwargs)
            assert ids is not None and len(ids) == len(stored)
            return [Recording(d, Notification(originator_id=s.originator_id,
                                              originator_version=s.originator_version,
                                              topic=s.topic, state=s.state, id=n))
                    for d, s, n in zip(domain_events, stored, ids, strict=True)]


_pauses = {"count": 0, "enabled": False}
_pauses_lock = threading.Lock()


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a large save runs (any thread's, counted).

    A save allocates a few objects per event that reference counting frees (no cycles),
    but each allocation counts towards the collector's thresholds, and its full passes
    walk every live object, the events being saved included: with GC on, one save of
    200,000 events spent half its CPU time there (``bench/bulk.py``). Restored as found
    when the last concurrent save ends.
    """
    with _pauses_lock:
        if _pauses["count"] == 0:
            _pauses["enabled"] = gc.isenabled()
            gc.disable()
        _pauses["count"] += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses["count"] -= 1
            if _pauses["count"] == 0 and _pauses["enabled"]:
                gc.enable()
