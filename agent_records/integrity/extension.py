"""Before signing: the sealed log must extend every checkpoint already signed.

One streamed pass over the ledger computes the Merkle root at each signed size, the root
of the whole log and the RFC 9162 consistency proof from the latest signed checkpoint;
the proof is checked against that checkpoint's signed root. Whoever rewrites the events
and reseals the ledger gets a consistent chain, but not one that extends what was signed:
``checkpoint`` refuses, naming the checkpoint and where the log first differs.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_records.integrity import merkle
from agent_records.integrity.checkpoint import Checkpoint
from agent_records.integrity.ledger_store import ledger_rows
from agent_records.integrity.verify import Roots
from projections.engine.store import ViewStore


class CheckpointRefused(ValueError):
    """The log does not extend a signed checkpoint: nothing is signed or written."""


@dataclass(frozen=True)
class Signed:
    """A checkpoint already signed, and where it was found (a file or the database)."""

    checkpoint: Checkpoint
    source: str


@dataclass(frozen=True)
class Head:
    """The sealed log as it will be signed."""

    size: int
    root: bytes
    position: int
    chain_head: str


def sealed_count(store: ViewStore) -> int:
    """How many events are sealed now; later seals append after them (the ledger grows
    in position order only), so the first ``n`` rows stay the same during the pass."""
    with store.reading() as sql:
        count: int = sql.execute(f"SELECT count(*) AS n FROM {store.table('ledger')}"
                                 ).fetchone()["n"]
        return count


def extend(store: ViewStore, signed: list[Signed]) -> Head:
    """The head to sign, once the log is shown to extend every checkpoint in ``signed``;
    CheckpointRefused otherwise."""
    size = sealed_count(store)
    if not size:
        raise CheckpointRefused("the store is empty: nothing to checkpoint")
    by_size = sorted(signed, key=lambda s: s.checkpoint.size)
    latest = by_size[-1] if by_size else None
    if latest and latest.checkpoint.size > size:
        raise CheckpointRefused(f"refused: {_name(latest)} covers {latest.checkpoint.size} "
                                f"events, the log has only {size} sealed: history was "
                                "truncated; nothing signed")
    roots = Roots({s.checkpoint.size for s in by_size} | {size})
    proof = merkle.RangeRoots(merkle.consistency_ranges(latest.checkpoint.size, size)
                              if latest else [])
    position, head = 0, ""
    for row in ledger_rows(store):
        if roots.count == size:
            break
        entry = bytes.fromhex(row["hash"])
        roots.add(entry)
        proof.add(entry)
        position, head = row["position"], row["hash"]
    if latest and not merkle.verify_consistency(
            latest.checkpoint.size, size, latest.checkpoint.root, roots.found[size],
            proof.roots()):
        raise CheckpointRefused(_refusal(latest, size, by_size, roots))
    differ = [s for s in by_size if roots.found[s.checkpoint.size] != s.checkpoint.root]
    if differ:  # consistent with the latest, yet not with an earlier one: signed apart
        raise CheckpointRefused(_refusal(differ[0], size, by_size, roots))
    return Head(size, roots.found[size], position, head)


def _name(signed: Signed) -> str:
    c = signed.checkpoint
    return (f"published checkpoint {c.size} (root {c.root.hex()}, "
            f"position {c.position}, {signed.source})")


def _refusal(culprit: Signed, size: int, by_size: list[Signed], roots: Roots) -> str:
    """One line: which checkpoint, and the span where the log first differs from it."""
    first_bad = next(s for s in by_size if roots.found[s.checkpoint.size] != s.checkpoint.root)
    good = [s for s in by_size if s.checkpoint.size < first_bad.checkpoint.size
            and roots.found[s.checkpoint.size] == s.checkpoint.root]
    where = f"the log differs at or before position {first_bad.checkpoint.position}"
    if good:
        where += (f" and after position {good[-1].checkpoint.position} (checkpoint "
                  f"{good[-1].checkpoint.size} still matches)")
    return (f"refused: the log of {size} sealed events does not extend {_name(culprit)}: "
            f"{where}; history was rewritten; nothing signed or published")
