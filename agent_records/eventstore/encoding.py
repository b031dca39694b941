"""Encoding fast: the library's JSON and mapper, byte for byte, with less work per event.

A bulk save (the generator, an import of records from elsewhere) hands the application
thousands of events at once. The library's own path costs, per event: a runtime
``Protocol`` check (``EventsFirst`` instead), a new C JSON encoder, the topic and class
version looked up again. Here: the same bytes with the encoder built once
(``FastJSONTranscoder``) and per-class lookups (``FastMapper``); ``bulk`` streams a large
save. The stored bytes are those of the library (``tests/integration/test_bulk_save.py``):
the integrity chain hashes them.
"""

from __future__ import annotations

import threading

# typeshed leaves out `c_make_encoder`: the C encoder json.JSONEncoder builds on every call.
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import BaseAggregate, DomainEvent, DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import get_topic

from agent_records.eventstore.sealing import Sealer


class FastJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, byte for byte, without its cost per event.

    The stored bytes are hashed into the integrity chain, so they must not change: this
    uses the very C encoder the library's ``json.JSONEncoder`` uses, with the same
    separators, ``ensure_ascii=False`` and the same ``default`` (our transcodings). Only
    the wrapping goes: ``JSONEncoder.encode`` builds a new C encoder and a dict of
    markers for every event (measured: 10.5 to 9.5 µs an event of the demo). Built once,
    without the circular-reference markers (an event is a tree; a cycle would end in
    ``RecursionError`` instead of ``ValueError``). The ``default`` is the library's private
    ``_encode_obj``, as in its own encoder (``tests/integration/test_library_contract.py``).
    ``tests/integration/test_bulk_save.py`` checks the bytes against the library's.
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
    """Collects the library's own domain events and aggregates without its ``Protocol``
    checks, in order: ``isinstance`` against a runtime protocol walks the protocol's
    members each time, which cost a bulk save more than encoding the event, and a
    command (an agent saved) more than the rest of its save but the INSERT."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, DomainEvent):
                self.events.append(obj)
            elif isinstance(obj, BaseAggregate):  # the library's branch for aggregates
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            else:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


class FastMapper(Mapper[Any]):
    """The library's mapper; without compressor or cipher, an event's topic and class
    version are looked up once per class instead of per event (8.5 to 7.6 µs an event).
    With a ``sealer`` (``eventstore.sealing``), personal fields are stored encrypted and
    opened again when read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.classes: dict[type, tuple[str, int]] = {}
        self.sealer: Sealer | None = None
        self.last = threading.local()
        """This thread's last ``stored_form``: its event and unsealed stored event."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        event = super().to_domain_event(stored_event)
        if self.sealer is not None:
            self.sealer.open_event(event)
        return event

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        """The event encoded (and sealed); the encoding of this thread's last
        ``stored_form`` when it is of this very event and sealing seals none of its
        fields (a command's event, encoded to decide on it, is encoded once)."""
        last: tuple[Any, StoredEvent] | None = getattr(self.last, "form", None)
        if last is not None and last[0] is domain_event and (
                self.sealer is None or not self.sealer.pairs((domain_event,))):
            self.last.form = None
            return last[1]
        return self._stored(domain_event, sealed=True)

    def stored_form(self, domain_event: Any) -> Any:
        """The event as the store gives it back once saved: its stored form decoded
        (enums as their text, lists for tuples), the personal fields in clear as an
        opened envelope gives them (sealing encrypts the transcoder's encoding of the
        value, opening decodes it alike), so without sealing. What a command decides on
        (``Agent._emit``)."""
        stored = self._stored(domain_event, sealed=False)
        self.last.form = (domain_event, stored)
        return Mapper.to_domain_event(self, stored)

    def _stored(self, domain_event: DomainEventProtocol[Any], sealed: bool) -> StoredEvent:
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
        if sealed and self.sealer is not None:
            self.sealer.seal(cls, state, originator_id, originator_version)
        return StoredEvent(originator_id=originator_id, originator_version=originator_version,
                           topic=topic, state=self.transcoder.encode(state))
