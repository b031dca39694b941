"""Sealing at the persistence boundary: any value a personal field may hold comes back as
it was; a ciphertext moved to another field, version or stream does not open; a
destroyed key opens as ``Erased``. The keys here are a dictionary (the key table's own
behaviour is tested on both backends in ``test_erasure``); the transcoder is the store's.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_records.domain.erased import Erased
from agent_records.domain.events import MarriageRecorded
from agent_records.domain.values import AptitudeCertificate
from agent_records.eventstore.factory import RecordsParts
from agent_records.eventstore.sealing import Sealer, is_envelope


class Keys:
    """Keys in a dictionary, with the key table's two reading methods."""

    def __init__(self) -> None:
        self.by_id: dict[str, bytes | None] = {}
        self.live: dict[tuple[str, str], str] = {}

    def live_key(self, agent_id: str, data_class: str, new_agent: bool = False
                 ) -> tuple[str, bytes]:
        key_id = self.live.setdefault((agent_id, data_class), uuid4().hex)
        key = self.by_id.setdefault(key_id, os.urandom(32))
        assert key is not None
        return key_id, key

    def key(self, key_id: str) -> bytes | None:
        return self.by_id.get(key_id)


def sealer() -> tuple[Sealer, Keys]:
    keys = Keys()
    return Sealer(keys, RecordsParts.transcoder(None)), keys  # type: ignore[arg-type]


RESERVED = frozenset({"_sealed", "_type_", "_data_"})
"""Keys the store's encoding gives a meaning to."""
leaves = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                   st.text(max_size=40), st.dates(date(1848, 1, 1), date(2100, 1, 1)),
                   st.builds(AptitudeCertificate, st.text(max_size=20), st.booleans(),
                             st.dates(date(1900, 1, 1), date(2000, 1, 1))))
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.text(max_size=8).filter(lambda k: k not in RESERVED), inner,
                    max_size=4)), max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(name=values, nationality=values, version=st.integers(1, 10**6))
def test_any_value_comes_back_as_it_was(name: Any, nationality: Any, version: int) -> None:
    seal, _ = sealer()
    stream = uuid4()
    state = {"spouse_name": name, "spouse_nationality": nationality, "request_version": 3}
    seal.seal(MarriageRecorded, state, stream, version)
    for field, given_value in (("spouse_name", name), ("spouse_nationality", nationality)):
        if given_value is None:
            assert state[field] is None  # nothing to seal
            continue
        assert is_envelope(state[field])
        assert seal.open(state[field], stream, version, field) == given_value
    assert seal.open(state["request_version"], stream, version, "request_version") == 3


def test_a_ciphertext_moved_elsewhere_does_not_open() -> None:
    seal, _ = sealer()
    stream = uuid4()
    state: dict[str, Any] = {"spouse_name": "Zoé", "spouse_nationality": "LU",
                             "request_version": 3}
    seal.seal(MarriageRecorded, state, stream, 7)
    envelope = state["spouse_name"]
    for where in ((stream, 7, "spouse_nationality"), (stream, 8, "spouse_name"),
                  (UUID(int=stream.int ^ 1), 7, "spouse_name")):
        with pytest.raises(InvalidTag):
            seal.open(envelope, *where)


def test_a_destroyed_key_opens_as_erased() -> None:
    seal, keys = sealer()
    stream = uuid4()
    state: dict[str, Any] = {"spouse_name": "Zoé", "spouse_nationality": "LU",
                             "request_version": 3}
    seal.seal(MarriageRecorded, state, stream, 7)
    keys.by_id[keys.live[(str(stream), "marriage")]] = None
    assert seal.open(state["spouse_name"], stream, 7, "spouse_name") == Erased("marriage")
    assert seal.open(state["request_version"], stream, 7, "request_version") == 3  # kept


def first_open(seal: Sealer, envelope: Any, stream: Any, version: int, path: str) -> Any:
    """``Sealer.open`` as first written (``base64.b64decode``, the associated data formatted
    for each value, a new cipher each time): the reference the faster opening keeps to."""
    sealed = envelope["_sealed"]
    key = seal.keys.key(sealed["key"])
    if key is None:
        return Erased(sealed["class"])
    plain = AESGCM(key).decrypt(base64.b64decode(sealed["nonce"]),
                                base64.b64decode(sealed["ct"]),
                                f"{stream}/{version}/{path}".encode())
    if b'"_type_"' not in plain:
        return json.loads(plain)
    return seal.transcoder.decode(plain)


def outcome(call: Any) -> tuple[str, Any]:
    """What ``call`` gives: its value (with its type), or its error's type and text."""
    try:
        value = call()
    except Exception as exc:
        return "error", (type(exc), str(exc))
    return "value", (type(value), value)


@settings(max_examples=200, deadline=None)
@given(value=values, version=st.integers(1, 10**6))
def test_opening_gives_what_the_first_opening_gave(value: Any, version: int) -> None:
    seal, _ = sealer()
    stream = uuid4()
    state: dict[str, Any] = {"spouse_name": value}
    seal.seal(MarriageRecorded, state, stream, version)
    if value is None:
        return
    envelope = state["spouse_name"]
    assert seal.open(envelope, stream, version, "spouse_name") == \
        first_open(seal, envelope, stream, version, "spouse_name")


def spoilt(envelope: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``envelope`` with some of its fields changed (None: removed)."""
    inner = {k: v for k, v in {**envelope["_sealed"], **changes}.items() if v is not None}
    return {"_sealed": inner}


@pytest.mark.parametrize("changes", [
    {"nonce": "!!!"}, {"nonce": "é"}, {"nonce": 5}, {"nonce": b"AAAAAAAAAAAAAAAA"},
    {"nonce": "AAAAAAAAAAAAAAAA"}, {"ct": "A"}, {"ct": "AAAA"}, {"ct": "AAAA AAAA"},
    {"ct": ["x"]}, {"ct": None}, {"nonce": None}, {"key": "no such key"},
    {"key": "no such key", "class": None}, {"key": 7}])
def test_a_spoilt_envelope_fails_as_it_failed(changes: dict[str, Any]) -> None:
    seal, _ = sealer()
    stream = uuid4()
    state: dict[str, Any] = {"spouse_name": "Zoé"}
    seal.seal(MarriageRecorded, state, stream, 3)
    envelope = spoilt(state["spouse_name"], **changes)
    assert outcome(lambda: seal.open(envelope, stream, 3, "spouse_name")) == \
        outcome(lambda: first_open(seal, envelope, stream, 3, "spouse_name"))


def test_an_event_opens_every_envelope_in_its_place() -> None:
    """``open_event`` binds each value to its own field (the associated data's start is
    made once an event), corrections' changes included."""
    seal, _ = sealer()
    stream = uuid4()
    state: dict[str, Any] = {"spouse_name": "Zoé", "spouse_nationality": "LU",
                             "request_version": 3}
    seal.seal(MarriageRecorded, state, stream, 7)
    event = object.__new__(MarriageRecorded)
    object.__setattr__(event, "__dict__", {**state, "originator_id": stream,
                                           "originator_version": 7})
    seal.open_event(event)
    assert (event.spouse_name, event.spouse_nationality, event.request_version) == \
        ("Zoé", "LU", 3)
    swapped = {**state, "spouse_name": state["spouse_nationality"],
               "originator_id": stream, "originator_version": 7}
    object.__setattr__(event, "__dict__", swapped)
    with pytest.raises(InvalidTag):
        seal.open_event(event)
