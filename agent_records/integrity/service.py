"""Sealing, checkpoints and proofs over one store: what the CLI and the API call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import IntegrityError

from agent_records.application import AgentRecords
from agent_records.config import settings
from agent_records.integrity import merkle
from agent_records.integrity.checkpoint import (
    Checkpoint,
    load_or_create_key,
    sign,
    verifier_key,
    verify_note,
)
from agent_records.integrity.extension import CheckpointRefused, Signed, extend
from agent_records.integrity.ledger_store import checkpoints, ledger_rows, save_checkpoint
from agent_records.integrity.publication import Publication
from agent_records.integrity.sealer import Sealer
from projections.engine.runner import Worker
from projections.engine.store import ViewStore


def seal(app: AgentRecords, conflicts: int = 10) -> int:
    """Seals every stored event not yet in the ledger; returns how many this call sealed.

    Another sealer (``projections run``, a concurrent ``verify``) may store a batch first:
    the ledger's key and the tracking refuse the second copy, and this call goes on from
    the winner's position instead of failing (up to ``conflicts`` times in a row).
    """
    worker = Worker(app, [Sealer])
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
    out: list[tuple[int, bytes]] = []
    for row in ledger_rows(store):
        if size is not None and len(out) >= size:
            break
        out.append((row["position"], bytes.fromhex(row["hash"])))
    return out


def publication(app: AgentRecords, store: ViewStore | None = None) -> Publication:
    """This store's published checkpoints under this service's signing key."""
    key = load_or_create_key().public_key()
    return Publication.of(app, store or ViewStore(app), key, verifier_key(settings().origin, key))


def publish_dir(app: AgentRecords) -> Path:
    """``<checkpoints>/store-<id>-key-<fingerprint>/``: found by the store's identity."""
    return publication(app).folder


def published_notes(app: AgentRecords) -> list[str]:
    """The checkpoint notes published for this store (kept off the database)."""
    return [note for _, note in publication(app).notes()]


def verifier() -> str:
    """The published verifier key of this service's signing key."""
    return verifier_key(settings().origin, load_or_create_key().public_key())


def signed_checkpoints(store: ViewStore, published: Publication, key: str) -> list[Signed]:
    """Every checkpoint this key signed for the store: the published files (each must
    verify: a damaged one stops signing) and the database's rows (those of another key,
    or forged, are left to ``verify`` to report)."""
    found = []
    for path, note in published.notes():
        try:
            found.append(Signed(verify_note(note, key), str(path)))
        except ValueError as exc:
            raise CheckpointRefused(f"refused: the published checkpoint {path} does not "
                                    f"verify ({exc}); nothing signed") from None
    for row in checkpoints(store):
        try:
            found.append(Signed(verify_note(row["note"], key), "in the database"))
        except ValueError:
            continue
    return found


def unknown_identity(app: AgentRecords, published: Publication) -> str | None:
    """Why a store with no checkpoint of its own is suspect: another store id published
    checkpoints under this same URL, so its id was changed (or a new store replaced the
    old one; then the operator moves that folder away). None when nothing is suspect."""
    others = published.same_url_elsewhere(app.settings.display)
    if not others:
        return None
    return (f"store {published.store_id} has no checkpoint, but checkpoints of another "
            f"store were published under this same URL in {others[0]}: the store's identity "
            "was changed or the store was replaced (if it is a new store, move that folder "
            "away)")


def create_checkpoint(app: AgentRecords) -> str:
    """Seals, checks that the log extends every checkpoint signed before (refuses
    otherwise), signs the head, publishes the note as a new file and stores it."""
    seal(app)
    store = ViewStore(app)
    key = load_or_create_key()
    origin = settings().origin
    text = verifier_key(origin, key.public_key())
    published = Publication.of(app, store, key.public_key(), text)
    signed = signed_checkpoints(store, published, text)
    suspect = None if signed else unknown_identity(app, published)
    if suspect:
        raise CheckpointRefused(f"refused: {suspect}; nothing signed")
    head = extend(store, signed)
    note = sign(Checkpoint(origin, head.size, head.root, head.position, head.chain_head), key,
                origin)
    # published first: a refusal there leaves the database as it was
    published.publish(head.size, note, text, app.settings.display)
    save_checkpoint(store, head.size, head.position, head.root, head.chain_head, note)
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
