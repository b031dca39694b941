"""Signed checkpoints (C2SP tlog-checkpoint, Ed25519) and proofs, on both backends.

The signed-note vectors are those of the Go reference implementation of the note
format, golang.org/x/mod ``sumdb/note/note_test.go`` (github.com/golang/mod, commit
02c991387e35f9e4c0a9b7ce137717055f8d716d): ``TestNewVerifier``, ``TestSign``, ``TestOpen``.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from agent_records.application import AgentRecords
from agent_records.config import settings
from agent_records.integrity import merkle, service
from agent_records.integrity.checkpoint import (
    parse_verifier_key,
    public_bytes,
    sign,
    verifier_key,
    verify_note,
)
from agent_records.integrity.ledger_store import checkpoints
from agent_records.integrity.service import (
    create_checkpoint,
    prove_consistency,
    prove_inclusion,
    verifier,
)
from agent_records.integrity.verify import verify
from tests.integrity.helpers import Intruder, check, more_events, positions, record_careers

ORIGIN = settings().origin

PETER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SECRET = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # of PRIVATE+KEY+PeterNeumann+...
ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = ("If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n")
PETER_SIG = ("— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
             "dngotpRZb6KE6RyyBwJnAM=\n")
ENOCH_SIG = ("— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oO"
             "TGwnWLox33WWd1RvMc+QQ=\n")


class Text:
    """A note body that is not a checkpoint, to sign the Go vector's text."""

    def body(self) -> str:
        return TEXT


def test_signed_note_vectors_of_the_go_implementation() -> None:
    seed = base64.b64decode(PETER_SECRET)
    assert seed[0] == 1
    key = Ed25519PrivateKey.from_private_bytes(seed[1:])
    assert verifier_key("PeterNeumann", key.public_key()) == PETER_KEY
    assert sign(Text(), key, "PeterNeumann") == TEXT + "\n" + PETER_SIG  # type: ignore[arg-type]
    name, public = parse_verifier_key(PETER_KEY)
    assert name == "PeterNeumann" and public_bytes(public) == public_bytes(key.public_key())
    assert parse_verifier_key(ENOCH_KEY)[0] == "EnochRoot"
    bad = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(ValueError, match="bad signature"):
        verify_note(bad, PETER_KEY)
    with pytest.raises(ValueError, match="no signature by PeterNeumann"):
        verify_note(TEXT + "\n" + ENOCH_SIG, PETER_KEY)


def test_mangled_verifier_keys_are_refused() -> None:
    """``TestNewVerifier``: every proper substring and every one-byte change fails."""
    mangled = {PETER_KEY[i:j] for i in range(len(PETER_KEY) + 1)
               for j in range(i + 1, len(PETER_KEY) + 1)} - {PETER_KEY}
    mangled |= {PETER_KEY[:i] + chr(ord(PETER_KEY[i]) + 1) + PETER_KEY[i + 1:]
                for i in range(len(PETER_KEY))}
    mangled |= {"PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"}
    accepted = []
    for text in mangled:
        try:
            parse_verifier_key(text)
            accepted.append(text)
        except ValueError:
            pass
    assert accepted == []


def test_verifier_key_format() -> None:
    text = verifier()
    assert re.fullmatch(r"[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}", text)  # 33 bytes
    name, key_id, encoded = text.split("+", 2)
    raw = base64.b64decode(encoded)
    assert name == ORIGIN and raw[0] == 1 and len(raw) == 33
    assert key_id == hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    assert public_bytes(parse_verifier_key(text)[1]) == raw[1:]


def independent_open(note: str, verifier_text: str) -> list[str]:
    """The note format read without the code under test: the body lines, if the
    signature of the verifier's name, key id and key checks out."""
    name, key_id, encoded = verifier_text.split("+", 2)
    body, signatures = note.split("\n\n", 1)
    line = next(s for s in signatures.splitlines() if s.startswith(f"— {name} "))
    blob = base64.b64decode(line.rsplit(" ", 1)[1])
    assert blob[:4].hex() == key_id
    Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded)[1:]).verify(
        blob[4:], (body + "\n").encode())
    return body.split("\n")


def test_two_checkpoints_and_their_proofs(records: AgentRecords) -> None:
    record_careers(records)
    first = create_checkpoint(records)
    more_events(records, 5)
    second = create_checkpoint(records)
    stored = positions(records)
    old, new = verify_note(first, verifier()), verify_note(second, verifier())
    assert new.size == len(stored) == old.size + 5 and new.position == stored[-1]
    lines = independent_open(second, verifier())
    assert lines[:3] == [ORIGIN, str(new.size), base64.b64encode(new.root).decode()]
    assert lines[3:] == [f"agent-records position {new.position}",
                         f"agent-records chain {new.chain_head}"]
    published = sorted(p.name for p in service.publish_dir(records).iterdir())
    assert published == sorted([f"checkpoint-{old.size}.txt", f"checkpoint-{new.size}.txt",
                                "store.txt", "verifier.key"])
    result = check(records, verifier())
    assert result.ok and [c[:2] for c in result.checkpoints] == [(old.size, True),
                                                                 (new.size, True)]
    assert result.head_hash == new.chain_head

    proof = [bytes.fromhex(p) for p in prove_consistency(records, old.size, new.size)]
    assert merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)
    assert not merkle.verify_consistency(old.size, new.size, new.root, old.root, proof)
    with pytest.raises(ValueError, match="no checkpoint of size"):
        prove_consistency(records, old.size + 1, new.size)

    for index in (0, old.size - 1, new.size - 1):
        got = prove_inclusion(records, stored[index])
        assert (got.index, got.size, got.root) == (index, new.size, new.root.hex())
        path = [bytes.fromhex(p) for p in got.proof]
        leaf = merkle.leaf(bytes.fromhex(got.event_hash))
        assert merkle.verify_inclusion(index, new.size, leaf, path, new.root)
        assert not merkle.verify_inclusion(index, new.size, merkle.leaf(b"x"), path, new.root)
    with pytest.raises(ValueError, match="not in checkpoint"):
        prove_inclusion(records, stored[-1] + 100)


def test_rewritten_history_is_detected_against_a_checkpoint(records: AgentRecords) -> None:
    record_careers(records)
    create_checkpoint(records)
    more_events(records, 2)
    stored = positions(records)
    intruder = Intruder(records)
    intruder.alter(stored[3])
    assert check(records, verifier()).broken_at == stored[3]
    assert intruder.reseal_from_scratch() == len(stored)  # a new, consistent chain
    result = check(records, verifier())
    assert result.broken_at is None and result.count == len(stored)
    assert not result.ok
    (_, ok, message), = result.checkpoints
    assert not ok and "history was rewritten" in message


def test_truncated_history_is_detected_against_a_checkpoint(records: AgentRecords) -> None:
    record_careers(records)
    more_events(records, 2)
    note = verify_note(create_checkpoint(records), verifier())
    Intruder(records).truncate_tail(2)
    result = check(records, verifier())
    assert result.broken_at is None and result.count == note.size - 2
    assert not result.ok and "history was truncated" in result.checkpoints[0][2]


def test_forged_checkpoints_fail(records: AgentRecords) -> None:
    record_careers(records)
    note = create_checkpoint(records)
    signed = verify_note(note, verifier())
    lines = note.split("\n")
    forged = "\n".join([*lines[:2], base64.b64encode(b"\x00" * 32).decode(), *lines[3:]])
    with pytest.raises(ValueError, match="bad signature"):
        verify_note(forged, verifier())
    other = sign(signed, Ed25519PrivateKey.generate(), ORIGIN)  # same name, another key
    with pytest.raises(ValueError, match="no signature"):
        verify_note(other, verifier())
    intruder = Intruder(records)
    intruder.execute(f"UPDATE {intruder.store.table('checkpoints')} SET note = ?", (forged,))
    result = check(records, verifier())
    assert result.broken_at is None and not result.ok
    assert "bad signature" in result.checkpoints[0][2]
    assert checkpoints(intruder.store)[0]["note"] == forged


def test_deleting_checkpoint_rows_is_caught_by_the_published_copies(
        records: AgentRecords) -> None:
    """Whoever deletes the checkpoints from the database, then truncates the log, is
    still caught: the copies published off the system are checked too."""
    record_careers(records)
    first = verify_note(create_checkpoint(records), verifier())
    more_events(records, 3)
    create_checkpoint(records)
    intruder = Intruder(records)
    with intruder.sql() as sql:
        sql.execute(f"DELETE FROM {intruder.store.table('checkpoints')}")
    published = service.published_notes(records)
    assert len(published) == 2
    result = verify(intruder.store, verifier(), published=published)
    assert not result.ok
    messages = [m for _, ok, m in result.checkpoints if not ok]
    assert any(f"checkpoint {first.size + 3} is published but missing" in m for m in messages)
    assert check(records, verifier()).ok  # the database alone no longer shows it
