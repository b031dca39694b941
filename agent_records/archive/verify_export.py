#!/usr/bin/env python3
"""Checks an agent-records export without agent-records: Python 3.8+ and ``cryptography``.

This file is shipped in every bag as ``data/verify_export.py`` so that an archivist can
check the export in decades, with no access to the system that produced it. It needs
nothing but Python's standard library, plus the ``cryptography`` package for the
Ed25519 signature of the checkpoint (without it, everything else is still checked).

Usage::

    python3 verify_export.py                 # the bag (or data/ folder) this file is in
    python3 verify_export.py BAG_OR_DATA_DIR
    python3 verify_export.py events.jsonl [--filtered] [--checkpoint FILE --key FILE]

What is checked, and why it is enough:

1. Every line whose ``stored`` member is present: its ``hash`` is recomputed from what
   the chain hashed (position, stream, version, topic, stored state, previous hash), and
   its readable members (metadata, payload) are checked to say the same as ``stored``.
2. ``ledger.csv`` (in a bag): the chain of all sealed hashes links from the genesis,
   every line's (hash, previous hash) is the ledger's at its position, and the RFC 6962
   Merkle root over the first N hashes equals the root signed in ``checkpoint.txt``.
   A filtered or redacted export is thereby tied to the whole signed log.
3. ``checkpoint.txt``: its Ed25519 signature by ``verifier.key`` (C2SP signed note).

A plain JSONL export without ledger must link line to line (``--filtered`` relaxes
that); with ``--checkpoint`` and ``--key`` its root is checked when it starts at the
first event. Lines whose personal data were withheld (``redacted`` not empty) carry no
``stored`` member: their content cannot be recomputed, only their place in the chain.
Personal values stored encrypted (``{"_sealed": ...}``) are not withheld: the line
carries the ciphertext and is recomputed like any other (an export with personal data
shows them opened in ``payload``).

Exit status 0 when everything holds, 1 with the first problem (line and position), 2
when the files cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
METADATA = ("effective_date", "actor_id", "actor_role", "legal_basis", "decision_reference",
            "reason", "correlation_id")
NOT_PAYLOAD = frozenset((*METADATA, "timestamp", "originator_topic", "class_version",
                         "originator_id", "originator_version"))
READABLE = ("position", "stream_id", "stream_kind", "version", "type", "schema_version",
            *METADATA[:1], "recorded_at", *METADATA[1:], "payload")
POST_TOPIC = "agent_records.domain.post:"
ASTRAL = re.compile(rb"[\xf0-\xf4]")


class Failed(Exception):
    """The export does not verify: the message names the line and position."""


# Canonical form (RFC 8785) ------------------------------------------------------------

def canonical(document: Any) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value without floats.

    For strings, integers below 2**53, booleans, null, arrays and objects, RFC 8785 is
    ``json.dumps`` with sorted keys, no whitespace and no ASCII escaping, except that
    keys are sorted by UTF-16 code units, which differs from Python's code point order
    only when a key holds a character beyond U+FFFF. Such text shows as a 4-byte UTF-8
    sequence in the output: only then is the exact (slower) form computed.
    """
    fast = json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
    if not ASTRAL.search(fast):
        return fast
    return _jcs(document).encode("utf-8")


def _jcs(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(_string(k) + ":" + _jcs(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    if isinstance(value, float):
        raise ValueError("floating-point numbers are not expected in the record")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2 ** 53:
        raise ValueError(f"integer {value} is outside RFC 8785's exact range")
    return json.dumps(value, ensure_ascii=False)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def event_hash(position: int, stream_id: str, version: int, topic: str, state: Any,
               previous: str) -> str:
    """SHA-256 (hex) of the canonical document the agent-records chain hashes."""
    return hashlib.sha256(canonical({
        "position": position, "stream": stream_id, "version": version, "topic": topic,
        "state": state, "previous": previous})).hexdigest()


# The readable view of a stored event -----------------------------------------------

def unwrap(obj: dict[str, Any]) -> Any:
    """``json.loads`` object hook removing the store's type envelopes.

    Dates and instants are stored as ``{"_type_": "date_iso", "_data_": "1948-06-01"}``
    and value objects as ``{"_type_": "<class>", "_data_": {...}}``: the readable export
    shows the ISO text and the plain object.
    """
    if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
        return obj["_data_"]
    return obj


def plain(state: Any) -> Any:
    """A decoded stored state without its type envelopes (as if read with ``unwrap``)."""
    return json.loads(json.dumps(state), object_hook=unwrap)


def describe(position: int, stream_id: str, version: int, topic: str,
             state: dict[str, Any]) -> dict[str, Any]:
    """The readable members of an export line, derived from the stored event's ``plain``
    state (the stored state without its type envelopes)."""
    line: dict[str, Any] = {
        "position": position, "stream_id": stream_id,
        "stream_kind": "post" if topic.startswith(POST_TOPIC) else "agent",
        "version": version, "type": topic, "schema_version": state.get("class_version", 1),
        "effective_date": state.get("effective_date"), "recorded_at": state.get("timestamp"),
    }
    for name in METADATA[1:]:
        line[name] = state.get(name)
    line["payload"] = {k: v for k, v in state.items() if k not in NOT_PAYLOAD}
    return line


def sealed(value: Any) -> bool:
    """Whether ``value`` is a sealed personal value: ``{"_sealed": {...}}`` (AES-256-GCM
    ciphertext of the value; its key is the store's, or destroyed by an erasure)."""
    return isinstance(value, dict) and len(value) == 1 and "_sealed" in value


def shows(shown: Any, stored: Any, name: str) -> bool:
    """Whether a line's readable member ``name`` says what the stored event says. In the
    payload, a sealed value (and a correction's sealed change) may be shown opened: an
    export with personal data shows the value its key opens (or ``{"erased": class}``);
    the hash covers the ciphertext, which ``stored`` carries."""
    if name != "payload" or shown == stored:
        return bool(shown == stored)
    if not isinstance(shown, dict) or not isinstance(stored, dict) or \
            set(shown) != set(stored):
        return False
    for key, value in stored.items():
        if sealed(value):
            continue
        if key == "changes" and isinstance(value, dict):
            if not shows(shown[key], value, "payload"):
                return False
        elif shown[key] != value:
            return False
    return True


def check_line(number: int, line: dict[str, Any]) -> bool:
    """Checks one line; True when its content was recomputed, False when redacted."""
    where = f"line {number} (position {line.get('position')})"
    missing = [k for k in (*READABLE, "redacted", "hash", "previous_hash") if k not in line]
    if missing:
        raise Failed(f"{where}: missing member {missing[0]}")
    stored = line.get("stored")
    if stored is None:
        if not line["redacted"]:
            raise Failed(f"{where}: neither stored content nor a redaction")
        return False
    if line["redacted"]:
        raise Failed(f"{where}: a redacted line must not carry the stored content")
    recomputed = event_hash(line["position"], line["stream_id"], line["version"],
                            stored["topic"], stored["state"], line["previous_hash"])
    if recomputed != line["hash"]:
        raise Failed(f"{where}: the content does not match its hash (altered)")
    expected = describe(line["position"], line["stream_id"], line["version"],
                        stored["topic"], plain(stored["state"]))
    for name in READABLE:
        if not shows(line[name], expected[name], name):
            raise Failed(f"{where}: {name} differs from the stored event it shows")
    return True


def lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, decoded line) of a JSON Lines file, streamed."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                yield number, json.loads(raw.decode("utf-8"))
            except ValueError as exc:
                raise Failed(f"line {number}: not a JSON line ({exc})") from None


# Merkle tree (RFC 6962 / RFC 9162) and checkpoint ------------------------------------

class MerkleRoot:
    """The RFC 6962 root over the first ``size`` event hashes, computed as they stream."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.count = 0
        self.stack: list[tuple[int, bytes]] = []
        self.root: bytes | None = hashlib.sha256(b"").digest() if size == 0 else None

    def add(self, event_hash_hex: str) -> None:
        if self.count >= self.size:
            return
        size, digest = 1, hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()
        while self.stack and self.stack[-1][0] == size:
            left_size, left = self.stack.pop()
            size, digest = left_size + size, hashlib.sha256(b"\x01" + left + digest).digest()
        self.stack.append((size, digest))
        self.count += 1
        if self.count == self.size:
            acc = self.stack[-1][1]
            for _, left in reversed(self.stack[:-1]):
                acc = hashlib.sha256(b"\x01" + left + acc).digest()
            self.root = acc


class Checkpoint:
    """A signed note: ``origin``, ``size``, base64 root, last position, chain head."""

    def __init__(self, note: str) -> None:
        body = note.split("\n\n", 1)[0].split("\n")
        if len(body) < 5:
            raise Failed("checkpoint.txt: not an agent-records checkpoint")
        self.note = note
        self.origin, self.size = body[0], int(body[1])
        self.root = base64.b64decode(body[2])
        self.position = int(body[3].rsplit(" ", 1)[1])
        self.chain_head = body[4].rsplit(" ", 1)[1]

    def check_signature(self, verifier: str) -> str:
        """Checks the Ed25519 signature by ``verifier`` (``name+keyid+base64 key``)."""
        parts = verifier.strip().split("+", 2)  # the base64 key may itself contain "+"
        if len(parts) != 3:
            raise Failed("verifier.key: expected <name>+<key id>+<base64 key>")
        name, key_id, encoded = parts
        raw = base64.b64decode(encoded)
        if raw[:1] != b"\x01" or len(raw) != 33:
            raise Failed("verifier.key: not an Ed25519 verifier key")
        expected_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
        if expected_id.hex() != key_id:
            raise Failed("verifier.key: the key id does not match the key")
        try:
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        except ImportError:
            return "signature NOT checked (install the `cryptography` package)"
        body, _, signatures = self.note.partition("\n\n")
        for sig_line in signatures.splitlines():
            parts = sig_line.split(" ")
            if len(parts) != 3 or parts[1] != name:
                continue
            blob = base64.b64decode(parts[2])
            if blob[:4] != expected_id:
                continue
            try:
                Ed25519PublicKey.from_public_bytes(raw[1:]).verify(
                    blob[4:], (body + "\n").encode("utf-8"))
            except InvalidSignature:
                raise Failed(f"checkpoint.txt: bad signature by {name}") from None
            return f"signature by {name} OK"
        raise Failed(f"checkpoint.txt: no signature by {name}")

    def check_root(self, root: MerkleRoot, last_position: int, last_hash: str) -> None:
        if root.root is None:
            raise Failed(f"checkpoint.txt: the log holds fewer than {self.size} events")
        if root.root != self.root:
            raise Failed(f"checkpoint.txt: the Merkle root of the first {self.size} events "
                         "differs from the signed root (history rewritten)")
        if (last_position, last_hash) != (self.position, self.chain_head):
            raise Failed(f"checkpoint.txt: event {self.size} is not position {self.position} "
                         "with the signed chain head")


# Verifying -------------------------------------------------------------------------

class Ledger:
    """``ledger.csv``: every sealed (position, hash, previous) up to the export's head."""

    def __init__(self, path: Path, checkpoint: Checkpoint | None) -> None:
        self.handle = path.open(newline="", encoding="utf-8")
        self.rows = csv.reader(self.handle)
        if next(self.rows, None) != ["position", "hash", "previous_hash"]:
            raise Failed("ledger.csv: unexpected header")
        self.checkpoint = checkpoint
        self.root = MerkleRoot(checkpoint.size if checkpoint else 0)
        self.count, self.position, self.head = 0, 0, GENESIS
        self.checked_checkpoint = False

    def advance(self) -> tuple[int, str, str] | None:
        """The next ledger row, checked for linkage; None at the end."""
        row = next(self.rows, None)
        if row is None:
            self.finish()
            return None
        position, digest, previous = int(row[0]), row[1], row[2]
        if position <= self.position or previous != self.head:
            raise Failed(f"ledger.csv row {self.count + 2} (position {position}): does not "
                         "link to the previous row")
        self.count, self.position, self.head = self.count + 1, position, digest
        self.root.add(digest)
        if self.checkpoint and self.count == self.checkpoint.size:
            self.checkpoint.check_root(self.root, position, digest)
            self.checked_checkpoint = True
        return position, digest, previous

    def find(self, position: int, where: str, every: bool) -> tuple[str, str]:
        """The ledger's (hash, previous) at ``position``; with ``every``, no row may be
        skipped on the way (an export of the whole log holds every event)."""
        while True:
            row = self.advance()
            if row is None or row[0] > position:
                raise Failed(f"{where}: position {position} is not in ledger.csv")
            if row[0] == position:
                return row[1], row[2]
            if every:
                raise Failed(f"{where}: position {row[0]} is sealed in the ledger but missing "
                             "from events.jsonl just before (a line removed)")

    def finish(self) -> None:
        if self.checkpoint and not self.checked_checkpoint:
            self.checkpoint.check_root(self.root, self.position, self.head)
            self.checked_checkpoint = True

    def drain(self, every: bool) -> None:
        while (row := self.advance()) is not None:
            if every:
                raise Failed(f"position {row[0]} is sealed in the ledger but missing from the "
                             "end of events.jsonl (lines removed)")
        self.handle.close()


def verify(jsonl: Path, ledger_path: Path | None = None, checkpoint: Checkpoint | None = None,
           filtered: bool = False) -> dict[str, Any]:
    """Checks the export; returns counts and the last hash, raises ``Failed``."""
    ledger = Ledger(ledger_path, checkpoint) if ledger_path else None
    root = MerkleRoot(checkpoint.size if checkpoint and not ledger else 0)
    count = recomputed = 0
    previous_hash, last_position = GENESIS, 0
    starts_at_genesis = None
    for number, line in lines(jsonl):
        recomputed += check_line(number, line)
        where = f"line {number} (position {line['position']})"
        if line["position"] <= last_position:
            raise Failed(f"{where}: positions must increase (reordered?)")
        if starts_at_genesis is None:
            starts_at_genesis = line["previous_hash"] == GENESIS
        if ledger:
            sealed = ledger.find(line["position"], where, every=count > 0 and not filtered)
            if sealed != (line["hash"], line["previous_hash"]):
                raise Failed(f"{where}: its hash differs from the ledger's at that position")
        elif not filtered and count and line["previous_hash"] != previous_hash:
            raise Failed(f"{where}: does not link to the line before (a line removed, "
                         "added or reordered; use --filtered for a filtered export)")
        if not ledger and starts_at_genesis and not filtered:
            root.add(line["hash"])
        count += 1
        previous_hash, last_position = line["hash"], line["position"]
    if ledger:
        ledger.drain(every=not filtered)
    elif checkpoint and not filtered:
        if not starts_at_genesis:
            raise Failed("checkpoint: the export does not start at the first event")
        checkpoint.check_root(root, *_nth(jsonl, checkpoint.size))
    return {"lines": count, "recomputed": recomputed, "redacted": count - recomputed,
            "last_position": last_position, "last_hash": previous_hash,
            "ledger_events": ledger.count if ledger else None,
            "head_hash": ledger.head if ledger else previous_hash}


def _nth(jsonl: Path, n: int) -> tuple[int, str]:
    for number, line in lines(jsonl):
        if number == n:
            return line["position"], line["hash"]
    return 0, GENESIS


def selected(data: Path) -> bool:
    """Whether the bag's export is a selection (bag-info.txt ``Agent-Records-Selection``):
    then lines may skip positions; a whole-log export (even resumed) must hold them all."""
    info = data.parent / "bag-info.txt"
    if not info.is_file():
        return False
    for text in info.read_text(encoding="utf-8").splitlines():
        label, _, value = text.partition(":")
        if label.strip() == "Agent-Records-Selection":
            value = value.strip()
            return not (value == "whole log" or re.fullmatch(r"since-position=\d+", value))
    return False


def locate(target: Path) -> tuple[Path, Path | None, Path | None, Path | None]:
    """(events.jsonl, ledger.csv, checkpoint.txt, verifier.key) of a bag, folder or file."""
    if target.is_file():
        return target, None, None, None
    data = target / "data" if (target / "data").is_dir() else target
    if not (data / "events.jsonl").is_file():
        raise FileNotFoundError(f"no events.jsonl in {data}")

    def optional(name: str) -> Path | None:
        return data / name if (data / name).is_file() else None

    return (data / "events.jsonl", optional("ledger.csv"), optional("checkpoint.txt"),
            optional("verifier.key"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--filtered", action="store_true",
                        help="a plain JSONL export of selected events: lines need not link")
    parser.add_argument("--checkpoint", help="signed checkpoint (default: beside the export)")
    parser.add_argument("--key", help="verifier key of the checkpoint's signer")
    args = parser.parse_args(argv)
    try:
        jsonl, ledger, checkpoint_path, key_path = locate(Path(args.path))
        checkpoint_path = Path(args.checkpoint) if args.checkpoint else checkpoint_path
        key_path = Path(args.key) if args.key else key_path
        checkpoint, signature = None, "no checkpoint given"
        if checkpoint_path:
            checkpoint = Checkpoint(checkpoint_path.read_text(encoding="utf-8"))
            if not key_path:
                raise Failed("a checkpoint needs the verifier key (--key)")
            signature = checkpoint.check_signature(key_path.read_text(encoding="utf-8"))
        filtered = args.filtered or (ledger is not None and selected(ledger.parent))
        result = verify(jsonl, ledger, checkpoint, filtered)
    except Failed as exc:
        print(f"FAILED: {exc}")
        return 1
    except (OSError, ValueError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    print(f"OK: {result['lines']} events ({result['recomputed']} recomputed from their "
          f"stored content, {result['redacted']} with personal data withheld), last "
          f"position {result['last_position']}")
    if result["ledger_events"] is not None:
        print(f"  ledger: {result['ledger_events']} sealed events link from the genesis; "
              f"head hash {result['head_hash']}")
    if checkpoint:
        print(f"  checkpoint {checkpoint.origin} size {checkpoint.size}: Merkle root matches; "
              f"{signature}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
