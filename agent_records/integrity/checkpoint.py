"""Signed checkpoints in the C2SP ``tlog-checkpoint`` signed-note format, with Ed25519.

A checkpoint says: the log named ``origin`` had ``size`` sealed events whose RFC 6962
Merkle root is ``root``; extension lines add the last position and the chain head. The
signing key lives outside the database (``AGENT_RECORDS_SIGNING_KEY``, default
``data/signing-key.pem``), so whoever can rewrite the database cannot re-sign history.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from agent_records.config import settings

ED25519 = b"\x01"
DASH = "\u2014"


@dataclass(frozen=True)
class Checkpoint:
    """The signed statement about the log's head."""

    origin: str
    size: int
    root: bytes
    position: int
    chain_head: str

    def body(self) -> str:
        return (f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"
                f"agent-records position {self.position}\n"
                f"agent-records chain {self.chain_head}\n")

    @classmethod
    def parse(cls, note: str) -> Checkpoint:
        body = note.split("\n\n", 1)[0] + "\n"
        lines = body.splitlines()
        if len(lines) < 5:
            raise ValueError("not an agent-records checkpoint: too few lines")
        return cls(lines[0], int(lines[1]), base64.b64decode(lines[2]),
                   int(lines[3].rsplit(" ", 1)[1]), lines[4].rsplit(" ", 1)[1])


def key_hash(name: str, public: bytes) -> bytes:
    """The 4-byte key id of the signed-note format."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verifier_key(name: str, key: Ed25519PublicKey) -> str:
    """``<name>+<hex key id>+<base64 key>``: what to publish beside the checkpoints."""
    raw = public_bytes(key)
    return f"{name}+{key_hash(name, raw).hex()}+{base64.b64encode(ED25519 + raw).decode()}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    """``<name>+<hex key id>+<base64 key>``; the key id must match the name and key."""
    parts = text.strip().split("+", 2)  # the base64 key may itself contain "+"
    if len(parts) != 3 or not parts[0] or len(parts[1]) != 8:
        raise ValueError("not a verifier key: expected <name>+<8 hex digits>+<base64 key>")
    name, key_id, encoded = parts
    raw = base64.b64decode(encoded, validate=True)
    if raw[:1] != ED25519 or len(raw) != 33:
        raise ValueError("not an Ed25519 verifier key")
    if bytes.fromhex(key_id) != key_hash(name, raw[1:]):
        raise ValueError(f"verifier key {name}: the key id does not match the key")
    return name, Ed25519PublicKey.from_public_bytes(raw[1:])


def sign(checkpoint: Checkpoint, key: Ed25519PrivateKey, name: str) -> str:
    """The signed note: body, blank line, one signature line."""
    body = checkpoint.body()
    raw = public_bytes(key.public_key())
    signature = base64.b64encode(key_hash(name, raw) + key.sign(body.encode())).decode()
    return f"{body}\n{DASH} {name} {signature}\n"


def verify_note(note: str, verifier: str) -> Checkpoint:
    """The checkpoint of ``note`` if signed by ``verifier``; ValueError otherwise."""
    name, key = parse_verifier_key(verifier)
    body, _, signatures = note.partition("\n\n")
    body += "\n"
    raw = public_bytes(key)
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != name:
            continue
        blob = base64.b64decode(parts[2])
        if blob[:4] != key_hash(name, raw):
            continue
        try:
            key.verify(blob[4:], body.encode())
        except InvalidSignature:
            raise ValueError(f"bad signature by {name}") from None
        return Checkpoint.parse(note)
    raise ValueError(f"no signature by {name}")


def key_path() -> Path:
    return settings().signing_key


def load_or_create_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The signing key, generated at first use (mode 600, never in the database or git)."""
    path = path or key_path()
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return key
