"""``inclusionProof``: one event's RFC 6962 inclusion proof in the latest signed
checkpoint, checked by the service before it answers.

The proof is what ``agent-records prove POSITION`` prints; the answer also says whether
it verifies against the checkpoint's root (the checkpoint's signature checked first), so
a council member can see, without tools, that the event at that position is in the tree
the service signed and published. For the roles with the ``audit`` permission.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from agent_records.api.auth import Permission
from agent_records.api.context import ctx
from agent_records.api.errors import PublicError
from agent_records.api.threads import blocking
from agent_records.application import AgentRecords
from agent_records.integrity import merkle
from agent_records.integrity.service import prove_inclusion


@strawberry.type(description="An event's inclusion proof in the latest signed checkpoint.")
class InclusionProof:
    position: int = strawberry.field(description="The event's log position.")
    index: int = strawberry.field(description="Its leaf index in the Merkle tree.")
    tree_size: int = strawberry.field(description="Events the checkpoint covers.")
    event_hash: str = strawberry.field(description="The event's hash (hex), the leaf's data.")
    root: str = strawberry.field(description="The checkpoint's Merkle root (hex).")
    proof: list[str] = strawberry.field(description="The audit path, leaf to root (hex).")
    verified: bool = strawberry.field(
        description="The path leads from the event's hash to the signed root (RFC 9162).")


def proven(app: AgentRecords, position: int) -> InclusionProof:
    """The proof of ``position``, checked (blocking: run in a thread)."""
    try:
        found = prove_inclusion(app, position)
    except ValueError as exc:
        raise PublicError("BAD_USER_INPUT", str(exc)) from None
    ok = merkle.verify_inclusion(found.index, found.size,
                                 merkle.leaf(bytes.fromhex(found.event_hash)),
                                 [bytes.fromhex(p) for p in found.proof],
                                 bytes.fromhex(found.root))
    return InclusionProof(position=found.position, index=found.index, tree_size=found.size,
                          event_hash=found.event_hash, root=found.root, proof=found.proof,
                          verified=ok)


async def prove(info: Info, position: int) -> InclusionProof:
    ctx(info).require(Permission.AUDIT, "inclusionProof")
    if position < 1:
        raise PublicError("BAD_USER_INPUT", "position must be 1 or more")
    return await blocking(proven, ctx(info).services.records, position)


inclusion_proof = strawberry.field(
    resolver=prove, description="One event's inclusion proof in the latest signed "
    "checkpoint, verified by the service (the audit roles).")
