"""A large save encoded while the recorder copies it, with the cycle collector paused.

A bulk save (the generator, an import of records from elsewhere) hands the application
thousands of events at once. The library's event store encodes the whole save before its
first row is sent; here a save large enough for the PostgreSQL recorder's COPY
(``COPY_ROWS`` of ``recorders.postgres``) is encoded while it is copied
(``StreamingEventStore``). The stored bytes are those of the library
(``tests/integration/test_bulk_save.py``).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import EventStore, Notification, Recording, StoredEvent


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
    (``COPY_ROWS`` of ``recorders.postgres``) is encoded while it is copied.

    The price: the recorder's lock is held while the save is encoded (about 8 µs an
    event), not only while the server inserts it (about 7 µs an event), so other writers
    wait about twice as long for it; the save itself ends sooner. An event that cannot
    be encoded fails the COPY: the library's error, nothing written.
    """

    def put(self, domain_events: Sequence[DomainEventProtocol[Any]], **kwargs: Any
            ) -> list[Recording[Any]]:
        sealer = getattr(self.mapper, "sealer", None)
        if sealer is not None:
            return self._sealed_put(sealer, domain_events, **kwargs)
        return self._put(domain_events, **kwargs)

    def _sealed_put(self, sealer: Any, domain_events: Sequence[DomainEventProtocol[Any]],
                    **kwargs: Any) -> list[Recording[Any]]:
        """A save whose personal fields are sealed: the keys a large save needs are
        created first, in a few statements (not one per agent, nor inside a COPY); a new
        key of a small save is stored in the save's own transaction."""
        if len(domain_events) >= getattr(self.recorder, "COPY_ROWS", float("inf")):
            sealer.keys.prepare(sealer.pairs(domain_events))
            return self._put(domain_events, **kwargs)
        stored = list(map(self.mapper.to_stored_event, domain_events))
        rows = sealer.keys.take_pending()
        if rows:
            also = kwargs.get("in_transaction")

            def store_keys(cursor: Any) -> None:
                sealer.keys.store_pending(cursor, rows)
                if also is not None:
                    also(cursor)

            kwargs["in_transaction"] = store_keys
        try:
            ids = self.recorder.insert_events(stored, **kwargs)
        except BaseException:
            sealer.keys.discard(rows)
            raise
        assert ids is not None and len(ids) == len(stored)
        return [Recording(d, Notification(originator_id=s.originator_id,
                                          originator_version=s.originator_version,
                                          topic=s.topic, state=s.state, id=n))
                for d, s, n in zip(domain_events, stored, ids, strict=True)]

    def _put(self, domain_events: Sequence[DomainEventProtocol[Any]], **kwargs: Any
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
