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
from collections.abc import Callable, Hashable

# typeshed leaves out `c_make_encoder`: the C encoder json.JSONEncoder builds on every call.
from datetime import UTC, date, datetime
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
        self.readers: dict[type, Reader] = {}
        self.unchanged: set[type] = {str, int, bool, type(None)}
        """The types ``read_back`` gives back as they are."""
        # typeshed types make_scanner's argument as its own class; it takes a decoder
        self.scan = make_scanner(type(self.decoder)(  # type: ignore[arg-type]
            object_hook=self._fast_decode_obj))

    def encode(self, obj: Any) -> bytes:
        if self.iterencode is None:  # a Python without the C accelerator
            return super().encode(obj)
        return "".join(self.iterencode(obj, 0)).encode("utf8")

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        key = (type(transcoding), transcoding.name)
        self.decoders[transcoding.name] = FAST_DECODERS.get(key, transcoding.decode)
        reader = FAST_READERS.get(key) or getattr(transcoding, "read_back", None)
        self.readers.pop(transcoding.type, None)
        self.unchanged.discard(transcoding.type)
        if reader is _same:
            self.unchanged.add(transcoding.type)
        elif reader is not None:
            self.readers[transcoding.type] = reader

    def read_back_values(self, state: dict[str, Any]) -> None:
        """Each value of ``state`` (an event's) replaced by ``read_back``'s, in place:
        most (texts, numbers, dates) are read back as they are and stay."""
        read_back, unchanged = self.read_back, self.unchanged
        for name, value in state.items():  # values replaced, none added: iteration holds
            if type(value) not in unchanged:
                state[name] = read_back(value)

    def read_back(self, obj: Any) -> Any:
        """``decode(encode(obj))`` without the text, for the values an event holds: a
        text, a number, a truth value, None, a calendar date or a UTC instant as they
        are, an enum member as its text, lists for tuples, a value object made again
        from its fields read back. ``Unread`` for anything else (another type, a float,
        a mapping the decoding would read otherwise): the caller decodes instead."""
        kind = type(obj)
        if kind in self.unchanged:
            return obj
        if kind is tuple or kind is list:
            return [self.read_back(v) for v in obj]
        if isinstance(obj, str):  # an enum member: encoded (and so read back) as its text
            return str.__str__(obj)
        if kind is dict:
            if any(type(k) is not str for k in obj) or (
                    len(obj) == 2 and "_type_" in obj and "_data_" in obj):
                raise Unread(obj)
            return {k: self.read_back(v) for k, v in obj.items()}
        reader = self.readers.get(kind)
        if reader is None:
            raise Unread(obj)
        return reader(obj, self.read_back)

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


class Unread(Exception):
    """A value ``FastJSONTranscoder.read_back`` does not read back: decode it."""


Reader = Callable[[Any, Callable[[Any], Any]], Any]
"""A transcoding's ``read_back``: a value of its type as decoding its encoding gives it,
given how to read back the values it holds."""


def _same(obj: Any, read_back: Callable[[Any], Any]) -> Any:
    """A calendar date is decoded equal to itself, of its type (``date.fromisoformat``
    of its ISO text): ``read_back`` gives it as it is (``unchanged``)."""
    return obj


def _instant(obj: datetime, read_back: Callable[[Any], Any]) -> datetime:
    """A UTC or naive instant is decoded equal to itself (its ISO text keeps every
    microsecond and the offset, and ``fromisoformat`` gives ``timezone.utc`` for +00:00);
    not another zone, nor the second of two same wall times (``fold``)."""
    if obj.fold or (obj.tzinfo is not None and obj.tzinfo is not UTC):
        raise Unread(obj)
    return obj


def _fast_decoders() -> dict[tuple[type, str], Any]:
    """The transcodings whose decoding is one C call with the same result and errors for
    the values they meet (``fromisoformat`` of a string; anything else falls back)."""
    from eventsourcing.persistence import DatetimeAsISO

    from agent_records.eventstore.transcoding import DateAsISO
    return {(DatetimeAsISO, "datetime_iso"): datetime.fromisoformat,
            (DateAsISO, "date_iso"): date.fromisoformat}


FAST_DECODERS = _fast_decoders()


def _fast_readers() -> dict[tuple[type, str], Reader]:
    """The library's datetimes and our dates: read back as they are (``read_back``)."""
    from eventsourcing.persistence import DatetimeAsISO

    from agent_records.eventstore.transcoding import DateAsISO
    return {(DatetimeAsISO, "datetime_iso"): _instant, (DateAsISO, "date_iso"): _same}


FAST_READERS = _fast_readers()


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


def _made(cls: type, state: dict[str, Any]) -> DomainEventProtocol[Any]:
    """An event of ``cls`` with ``state`` as its attributes, as the library's mapper makes
    it (without running ``__init__``)."""
    event: DomainEventProtocol[Any] = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


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
        known = self._known(stored)
        if known is None:
            return None
        cls, convert, class_version = known
        try:
            state: dict[str, Any] = self.transcoder.decode(stored.state)
            from_version = state.pop("class_version", 1)
            while from_version < class_version:  # as the library upcasts
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
                from_version += 1
        except Exception:
            return None
        state["originator_id"] = convert(stored.originator_id)
        state["originator_version"] = stored.originator_version
        return _made(cls, state)

    def _known(self, stored: StoredEvent) -> tuple[type, Any, int] | None:
        """The event class of a stored event, its id conversion and its class version,
        looked up once per topic and type of id; None without compressor or cipher, or
        if the topic resolves to nothing (the library's path then says why)."""
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
        return known

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
        form = self._read_back(domain_event, stored)
        return self.to_sealed_event(stored) if form is None else form

    def _read_back(self, domain_event: Any, stored: StoredEvent) -> Any:
        """``to_sealed_event(stored)`` made from ``domain_event``'s values, which
        ``stored`` encodes, without decoding its text (a command's event: a third of
        ``stored_form``): the same class, the values as ``read_back`` gives them in the
        same order, the id and version last, as ``fast_domain_event`` makes the event.
        None where the decoding is needed (``Unread``, another class, a shape that the
        class upcasts; ``tests/integration/test_stored_form.py`` compares the two)."""
        known = self._known(stored)
        transcoder = self.transcoder
        if known is None or known[0] is not type(domain_event) or \
                not isinstance(transcoder, FastJSONTranscoder):
            return None
        cls, convert, _ = known
        state = dict(vars(domain_event))
        del state["originator_id"], state["originator_version"]
        if "class_version" in state:  # the decoding would take it as the stored shape's
            return None
        try:
            transcoder.read_back_values(state)
        except Unread:
            return None
        state["originator_id"] = convert(stored.originator_id)
        state["originator_version"] = stored.originator_version
        return _made(cls, state)

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
