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
from collections.abc import Hashable

# typeshed leaves out `c_make_encoder`: the C encoder json.JSONEncoder builds on every call.
from datetime import date, datetime
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from json.scanner import make_scanner
from typing import Any, cast

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import BaseAggregate, DomainEvent, DomainEventProtocol
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoding,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from agent_records.eventstore.sealing import MARK, Sealer


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

        self.decoders: dict[str, Any] = {}
        # typeshed types make_scanner's argument as its own class; it takes a decoder
        self.scan = make_scanner(type(self.decoder)(  # type: ignore[arg-type]
            object_hook=self._fast_decode_obj))

    def encode(self, obj: Any) -> bytes:
        if self.iterencode is None:  # a Python without the C accelerator
            return super().encode(obj)
        return "".join(self.iterencode(obj, 0)).encode("utf8")

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self.decoders[transcoding.name] = FAST_DECODERS.get(
            (type(transcoding), transcoding.name), transcoding.decode)

    def decode(self, data: bytes) -> Any:
        """The library's decoding, with less work per event (a rebuild decodes every event
        of the log: the library's hook, a method calling a method per date, was a fifth
        of it): the C scanner without the whitespace checks of ``JSONDecoder.decode``, and
        the hook calling each transcoding's decoding directly (the C ``fromisoformat`` of
        dates and datetimes). Whatever it does not read as the library would (trailing
        data, an unknown type, a value a transcoding refuses) goes to the library's own
        path, which returns or raises as it always did."""
        text = data.decode("utf8")
        try:
            obj, end = self.scan(text, 0)
        except Exception:
            return super().decode(data)
        if end != len(text):
            return super().decode(data)
        return obj

    def _fast_decode_obj(self, d: dict[str, Any]) -> Any:
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            return self.decoders[d["_type_"]](d["_data_"])
        return d


def _fast_decoders() -> dict[tuple[type, str], Any]:
    """The transcodings whose decoding is one C call with the same result and errors for
    the values they meet (``fromisoformat`` of a string; anything else falls back)."""
    from eventsourcing.persistence import DatetimeAsISO

    from agent_records.eventstore.transcoding import DateAsISO
    return {(DatetimeAsISO, "datetime_iso"): datetime.fromisoformat,
            (DateAsISO, "date_iso"): date.fromisoformat}


FAST_DECODERS = _fast_decoders()


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
        self.topics: dict[tuple[str, type], tuple[type, Any, int]] = {}
        self.sealer: Sealer | None = None
        self.last = threading.local()
        """This thread's last ``stored_form``: its event and unsealed stored event."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        event = self.to_sealed_event(stored_event)
        if self.sealer is not None:
            self.sealer.open_event(event)
        return event

    def to_sealed_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        """The domain event with its sealed values as stored (envelopes): a reader of many
        events reads their keys at once (``Sealer.prefetch``), then opens each."""
        event = self.fast_domain_event(stored_event)
        if event is None:
            event = super().to_domain_event(stored_event)
        return event

    def maybe_sealed(self, read: list[tuple[StoredEvent, Any]]) -> list[Any]:
        """The events of ``read`` (each stored event and its decoding) that may hold an
        envelope: those whose state holds ``sealing.MARK`` (all, if the library compresses
        or encrypts states). A reader of many looks for envelopes in those only: a search
        of bytes instead of a walk of each event's fields."""
        if self.compressor or self.cipher:
            return [event for _, event in read]
        return [event for stored, event in read if MARK in stored.state]

    def fast_domain_event(self, stored: StoredEvent) -> DomainEventProtocol[Any] | None:
        """The library's ``to_domain_event`` without compressor or cipher, the event class,
        its version and its id conversion looked up once per topic and type of id (the
        rebuild decodes every event of the log); None (the library's path, with its
        errors) for anything else or anything that fails."""
        if self.compressor or self.cipher:
            return None
        topic, oid = stored.topic, stored.originator_id
        known = self.topics.get((topic, type(oid)))
        if known is None:
            try:
                cls = resolve_topic(topic)
                known = (cls, find_id_convertor(cls, cast(Hashable, type(oid))),
                         getattr(cls, "class_version", 1))
            except Exception:
                return None
            self.topics[(topic, type(oid))] = known
        cls, convert, class_version = known
        try:
            state: dict[str, Any] = self.transcoder.decode(stored.state)
            from_version = state.pop("class_version", 1)
            while from_version < class_version:  # as the library upcasts
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
                from_version += 1
        except Exception:
            return None
        state["originator_id"] = convert(oid)
        state["originator_version"] = stored.originator_version
        event: DomainEventProtocol[Any] = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
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
        return self.to_sealed_event(stored)

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
