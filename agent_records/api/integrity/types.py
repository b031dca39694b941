"""The council's view of the record's integrity: ``verification`` and its checkpoints.

Verification is computed on demand (the whole chain is recomputed, as ``agent-records
verify --no-seal`` does): the council sees the state of the record at the moment it
asks, not a cached result that could be stale. Like the command, it checks the
checkpoints published off the database too (found by the store's identity), so that a
history rewritten and resealed, with the checkpoint rows deleted, is not reported OK.
Nothing is written by the query but the store's identity, the first time it is asked.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from agent_records.application import AgentRecords
from agent_records.integrity import verify as chain
from agent_records.integrity.ledger_store import checkpoints
from agent_records.integrity.service import publication, unknown_identity, verifier
from projections.engine.store import ViewStore


@strawberry.type(description="A signed checkpoint (C2SP signed note) and whether it holds.")
class SignedCheckpoint:
    size: int = strawberry.field(description="Number of sealed events it covers.")
    position: int = strawberry.field(description="Log position of its last event.")
    root: str = strawberry.field(description="RFC 6962 Merkle root (hex) of their hashes.")
    chain_head: str = strawberry.field(description="Hash of its last event.")
    note: str = strawberry.field(description="The signed note, as published.")
    created_at: datetime
    verified: bool = strawberry.field(description="Signature valid and root matches the log.")
    message: str
    published: bool = strawberry.field(
        description="The same note is in the publication folder, off the database.")


@strawberry.type(description="The hash chain recomputed from the stored events, now.")
class Verification:
    ok: bool
    count: int = strawberry.field(description="Sealed events checked.")
    head_position: int
    head_hash: str
    unsealed: int = strawberry.field(description="Stored events not sealed yet.")
    broken_at: int | None = strawberry.field(description="First position that breaks it.")
    problem: str | None
    checked_at: datetime
    checkpoints: list[SignedCheckpoint]


def verification_now(app: AgentRecords, store: ViewStore) -> Verification:
    """Recomputes the chain and checks every stored and published checkpoint (blocking:
    run in a thread)."""
    saved = checkpoints(store)
    published = publication(app, store)
    notes = [note for _, note in published.notes()]
    result = chain.verify(store, verifier() if saved or notes else None, published=notes)
    checks = {size: (ok, message) for size, ok, message in result.checkpoints}
    failed = next((message for _, ok, message in result.checkpoints if not ok), None)
    suspect = None if notes else unknown_identity(app, published)
    problem = result.problem or suspect or failed
    return Verification(
        ok=result.ok and suspect is None, count=result.count,
        head_position=result.head_position, head_hash=result.head_hash,
        unsealed=result.unsealed, broken_at=result.broken_at, problem=problem,
        checked_at=datetime.now(UTC),
        checkpoints=[SignedCheckpoint(
            size=c["size"], position=c["position"], root=c["root"], chain_head=c["chain_head"],
            note=c["note"], created_at=datetime.fromisoformat(c["created_at"]),
            verified=checks.get(c["size"], (False, ""))[0],
            message=checks.get(c["size"], (False, "not checked"))[1],
            published=c["note"] in notes) for c in saved])
