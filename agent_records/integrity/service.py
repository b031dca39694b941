"""Sealing, checkpoints and proofs over one store: what the CLI and the API call."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import IntegrityError

from agent_records.application import AgentRecords
from agent_records.config import DATA_DIR
from agent_records.integrity import merkle
from agent_records.integrity.checkpoint import (
    ORIGIN,
    Checkpoint,
    load_or_create_key,
    sign,
    verifier_key,
    verify_note,
)
from agent_records.integrity.ledger_store import checkpoints, ledger_rows, save_checkpoint
from projections.runner import Worker
from projections.store import ViewStore

PUBLISHED = DATA_DIR / "checkpoints"


def seal(app: AgentRecords, conflicts: int = 10) -> int:
    """Seals every stored event not yet in the ledger; returns how many this call sealed.

    Another sealer (``projections run``, a concurrent ``verify``) may store a batch first:
    the ledger's key and the tracking refuse the second copy, and this call goes on from
    the winner's position instead of failing (up to ``conflicts`` times in a row).
    """
    worker = Worker(app, ["ledger"])
    sealed, refused = 0, 0
    while True:
        try:
            count = worker.step(worker.views[0])
        except IntegrityError:
            refused += 1
            if refused > conflicts:
                raise
            continue
        if not count:
            return sealed
        sealed, refused = sealed + count, 0


def leaf_entries(store: ViewStore, size: int | None = None) -> list[tuple[int, bytes]]:
    """(position, event hash) of the first ``size`` sealed events (all when None)."""
    out = []
    for row in ledger_rows(store):
        if size is not None and len(out) >= size:
            break
        out.append((row["position"], bytes.fromhex(row["hash"])))
    return out


def publish_dir(app: AgentRecords) -> Path:
    """``data/checkpoints/<store>/``: one folder per store, named from its URL, so that
    stores sharing a data folder never mix their published checkpoints."""
    tag = hashlib.sha256(app.settings.display.encode()).hexdigest()[:12]
    folder = PUBLISHED / f"{app.settings.backend}-{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def published_notes(app: AgentRecords) -> list[str]:
    """The checkpoint notes published for this store (kept off the database)."""
    return [f.read_text() for f in sorted(publish_dir(app).glob("checkpoint-*.txt"))]


def verifier() -> str:
    """The published verifier key of this service's signing key."""
    return verifier_key(ORIGIN, load_or_create_key().public_key())


def create_checkpoint(app: AgentRecords) -> str:
    """Seals, then signs the head; stores the note and writes it for publication."""
    seal(app)
    store = ViewStore(app)
    last = {"size": 0, "position": 0, "hash": ""}

    def hashes() -> Iterator[bytes]:
        """The sealed hashes, streamed: memory stays flat whatever the log's size."""
        for row in ledger_rows(store):
            last.update(size=last["size"] + 1, position=row["position"], hash=row["hash"])
            yield bytes.fromhex(row["hash"])

    root = merkle.root(hashes())
    size, position, head = last["size"], last["position"], last["hash"]
    if not size:
        raise ValueError("the store is empty: nothing to checkpoint")
    note = sign(Checkpoint(ORIGIN, size, root, position, head), load_or_create_key(), ORIGIN)
    save_checkpoint(store, size, position, root, head, note)
    folder = publish_dir(app)
    (folder / f"checkpoint-{size}.txt").write_text(note)
    (folder / "verifier.key").write_text(verifier() + "\n")
    return note


@dataclass(frozen=True)
class InclusionProof:
    position: int
    index: int
    size: int
    event_hash: str
    root: str
    proof: list[str]


def prove_inclusion(app: AgentRecords, position: int) -> InclusionProof:
    """The proof that the event at ``position`` is in the latest checkpoint's tree."""
    store = ViewStore(app)
    signed = checkpoints(store)
    if not signed:
        raise ValueError("no checkpoint yet: run `agent-records checkpoint` first")
    latest = verify_note(signed[-1]["note"], verifier())
    entries = leaf_entries(store, latest.size)
    index = next((i for i, (p, _) in enumerate(entries) if p == position), None)
    if index is None:
        raise ValueError(f"position {position} is not in checkpoint {latest.size}")
    hashes = [e for _, e in entries]
    proof = merkle.inclusion_proof(index, hashes)
    return InclusionProof(position, index, latest.size, hashes[index].hex(), latest.root.hex(),
                          [p.hex() for p in proof])


def prove_consistency(app: AgentRecords, old: int, new: int) -> list[str]:
    """The proof that checkpoint ``new`` extends checkpoint ``old`` (tree sizes)."""
    store = ViewStore(app)
    sizes = {c["size"] for c in checkpoints(store)}
    missing = sorted({old, new} - sizes)
    if missing:
        raise ValueError(f"no checkpoint of size {missing[0]}; sizes: {sorted(sizes)}")
    hashes = [e for _, e in leaf_entries(store, new)]
    return [p.hex() for p in merkle.consistency_proof(old, hashes)]
