"""Personal fields sealed at the persistence boundary: AES-256-GCM, a key per agent and class.

The mapper (``encoding.FastMapper``) hands each event's state here before encoding it:
every personal field (``classification.SEALED``; a correction's changed values by the
class of the field they correct, ``SEALED_CHANGES``) becomes an envelope

    {"_sealed": {"class": "medical", "key": <key id>, "nonce": <b64>, "ct": <b64>}}

whose plaintext is the value as the library's transcoder encodes it (dates and value
objects included) and whose associated data is ``<stream id>/<version>/<field path>``:
a ciphertext moved to another event, field or agent does not open. The hash chain
covers the stored state, the ciphertext: destroying a key (erasure) changes no stored
byte. Reading, an envelope whose key is destroyed becomes ``Erased(class)``; a value
stored in clear before sealing existed is left as it is.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Transcoder

from agent_records.domain.classification.classes import DataClass
from agent_records.domain.classification.events import SEALED, SEALED_CHANGES
from agent_records.domain.erased import Erased
from agent_records.domain.events import EventCorrected
from agent_records.keys.table import KeyTable, halve

ENVELOPE = "_sealed"
MARK = b'"_sealed"'
"""How an envelope's key shows in a stored state (the encoder writes it as is; in a string,
quotes are escaped): a state without it holds no envelope."""
NONCE = 12


def is_envelope(value: Any) -> bool:
    """Whether ``value`` is an envelope as decoded from JSON: a dict (``isinstance``
    against ``Mapping`` goes through the ABC machinery for every value looked at)."""
    return isinstance(value, dict) and len(value) == 1 and ENVELOPE in value


CACHED_CIPHERS = 10_000
"""Ciphers a process keeps at most (about 20 MiB)."""


class Sealer:
    """Seals and opens the personal fields of events with the keys of ``keys``."""

    def __init__(self, keys: KeyTable, transcoder: Transcoder) -> None:
        self.keys, self.transcoder = keys, transcoder
        self.ciphers: dict[bytes, AESGCM] = {}

    def _cipher(self, key: bytes) -> AESGCM:
        """The key's cipher, made once while the process keeps it: each holds an OpenSSL
        context (about 2 KiB), so at most ``CACHED_CIPHERS`` are kept (``halve``):
        unbounded, a rebuild of a sealed store kept one per agent's key, 200 MiB more at
        1 M events (150,000 keys) and growing with the store. Making one again costs
        microseconds."""
        cipher = self.ciphers.get(key)
        if cipher is None:
            cipher = self.ciphers[key] = AESGCM(key)
            halve(self.ciphers, CACHED_CIPHERS)
        return cipher

    # Writing -----------------------------------------------------------------------

    def pairs(self, events: Iterable[Any]) -> set[tuple[str, str]]:
        """The (agent, class) keys sealing ``events`` needs (to create them at once)."""
        found: set[tuple[str, str]] = set()
        for event in events:
            cls = type(event)
            fields = SEALED.get(cls, {})
            state = vars(event)
            for name, (_, key_class) in fields.items():
                if state.get(name) is not None:
                    found.add((str(event.originator_id), key_class))
            if cls is EventCorrected:
                for name, value in state["changes"].items():
                    if value is not None and name in SEALED_CHANGES:
                        found.add((str(event.originator_id), SEALED_CHANGES[name][1]))
        return found

    def seal(self, cls: type, state: dict[str, Any], stream: Any, version: int) -> None:
        """Replaces, in ``state``, each personal value by its envelope."""
        fields = SEALED.get(cls)
        if fields:
            for name, (data_class, key_class) in fields.items():
                value = state.get(name)
                if value is not None:
                    state[name] = self._envelope(value, data_class, key_class, stream,
                                                 version, name)
        if cls is EventCorrected:
            changes = dict(state["changes"])
            for name, value in changes.items():
                changed = SEALED_CHANGES.get(name)
                if changed is not None and value is not None:
                    changes[name] = self._envelope(value, *changed, stream, version,
                                                   f"changes.{name}")
            state["changes"] = changes

    def _envelope(self, value: Any, data_class: DataClass, key_class: str, stream: Any,
                  version: int, path: str) -> dict[str, Any]:
        key_id, key = self.keys.live_key(str(stream), key_class, new_agent=version == 1)
        nonce = os.urandom(NONCE)
        ct = self._cipher(key).encrypt(nonce, self.transcoder.encode(value),
                                       associated(stream, version, path))
        return {ENVELOPE: {"class": data_class.value, "key": key_id,
                           "nonce": base64.b64encode(nonce).decode(),
                           "ct": base64.b64encode(ct).decode()}}

    # Reading -----------------------------------------------------------------------

    def open_event(self, event: Any) -> None:
        """Replaces, in the decoded ``event``, each envelope by its value or ``Erased``."""
        cls = type(event)
        state = event.__dict__
        place = ""
        for name in SEALED.get(cls, ()):
            value = state.get(name)
            if is_envelope(value):
                place = place or f"{state['originator_id']}/{state['originator_version']}/"
                state[name] = self._open(value, place + name)
        if cls is EventCorrected:
            changes = state.get("changes")
            if isinstance(changes, dict) and any(map(is_envelope, changes.values())):
                place = place or f"{state['originator_id']}/{state['originator_version']}/"
                state["changes"] = {n: self._open(v, f"{place}changes.{n}")
                                    if is_envelope(v) else v for n, v in changes.items()}

    def prefetch(self, events: Iterable[Any]) -> list[Any]:
        """Reads at once the keys that opening ``events`` (decoded, not yet opened) needs;
        returns those of ``events`` that hold an envelope (``open_event`` leaves the
        others as they are: a reader of many need not ask it of each)."""
        wanted: list[Any] = []
        sealed: list[Any] = []
        for event in events:
            cls = type(event)
            state = event.__dict__
            found = len(wanted)
            for name in SEALED.get(cls, ()):
                value = state.get(name)
                if is_envelope(value):
                    wanted.append(value[ENVELOPE]["key"])
            if cls is EventCorrected:
                changes = state.get("changes")
                if isinstance(changes, dict):
                    wanted.extend(v[ENVELOPE]["key"] for v in changes.values()
                                  if is_envelope(v))
            if len(wanted) > found:
                sealed.append(event)
        if wanted:
            self.keys.prefetch(k for k in wanted if isinstance(k, str))
        return sealed

    def open(self, envelope: Mapping[str, Any], stream: Any, version: int, path: str) -> Any:
        """The value sealed in ``envelope`` at ``path`` of event ``version`` of ``stream``,
        or ``Erased`` once its key is destroyed."""
        return self._open(envelope, f"{stream}/{version}/{path}")

    def _open(self, envelope: Mapping[str, Any], place: str) -> Any:
        """``open`` with the associated data's text made by the caller (``open_event`` makes
        its start once an event: formatting the stream's UUID was a tenth of a rebuild's
        opening). The plaintext, authenticated, is what ``seal`` encoded (UTF-8 JSON): the
        store's transcoder decodes a plain value as ``json.loads`` did, with less work
        (``json.loads`` of bytes guesses their encoding and skips blanks with regular
        expressions: a tenth of opening)."""
        sealed = envelope[ENVELOPE]
        key = self.keys.key(sealed["key"])
        if key is None:
            return Erased(sealed["class"])
        plain = self._cipher(key).decrypt(unbase64(sealed["nonce"]), unbase64(sealed["ct"]),
                                          place.encode())
        return self.transcoder.decode(plain)

    def open_line(self, line: dict[str, Any]) -> None:
        """Opens the sealed values of an export line's readable payload (JSON as the
        export shows it: ISO dates, plain objects; ``{"erased": class}`` once erased)."""
        payload, stream, version = line["payload"], line["stream_id"], line["version"]
        for name, value in payload.items():
            if is_envelope(value):
                payload[name] = self.open_plain(value, stream, version, name)
        changes = payload.get("changes")
        if isinstance(changes, dict):
            for name, value in changes.items():
                if is_envelope(value):
                    changes[name] = self.open_plain(value, stream, version, f"changes.{name}")

    def open_plain(self, envelope: Mapping[str, Any], stream: Any, version: int, path: str
                   ) -> Any:
        sealed = envelope[ENVELOPE]
        key = self.keys.key(sealed["key"])
        if key is None:
            return Erased(sealed["class"]).json()
        plain = self._cipher(key).decrypt(base64.b64decode(sealed["nonce"]),
                                          base64.b64decode(sealed["ct"]),
                                          associated(stream, version, path))
        return json.loads(plain, object_hook=unwrap)


def unwrap(obj: dict[str, Any]) -> Any:
    """The export's readable form of a stored value (``archive.verify_export.unwrap``):
    the transcoder's type envelopes removed (ISO dates, plain objects)."""
    if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
        return obj["_data_"]
    return obj


def unbase64(text: Any) -> bytes:
    """``base64.b64decode``: for text, ``binascii``'s own C function (the same bytes and
    errors, without the wrapper's Python); anything else through ``b64decode`` itself."""
    return binascii.a2b_base64(text) if type(text) is str else base64.b64decode(text)


def associated(stream: Any, version: int, path: str) -> bytes:
    """What binds a ciphertext to its place: stream, version, field path."""
    return f"{stream}/{version}/{path}".encode()
