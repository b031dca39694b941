"""``verify``: recompute the chain from the stored events and check it against the ledger
and every signed checkpoint, in one streamed pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from eventsourcing.persistence import Notification

from agent_records.integrity import merkle
from agent_records.integrity.chain import GENESIS, event_hash, from_notification
from agent_records.integrity.checkpoint import Checkpoint, verify_note
from agent_records.integrity.ledger_store import (
    CheckpointRow,
    LedgerRow,
    checkpoints,
    hash_before,
    ledger_rows,
    store_events,
)
from projections.engine.store import ViewStore

Progress = Callable[[int, int], None]


@dataclass
class Verification:
    """What ``verify`` found: OK with the head, or the first broken position and why."""

    count: int = 0
    head_position: int = 0
    head_hash: str = GENESIS
    unsealed: int = 0
    broken_at: int | None = None
    problem: str | None = None
    checkpoints: list[tuple[int, bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken_at is None and all(ok for _, ok, _ in self.checkpoints)


class Roots:
    """The Merkle root at each wanted size, computed in the same streamed pass."""

    def __init__(self, sizes: set[int]) -> None:
        self.sizes = sizes
        self.stack: list[tuple[int, bytes]] = []
        self.count = 0
        self.found: dict[int, bytes] = {}

    def add(self, entry: bytes) -> None:
        size, digest = 1, merkle.leaf(entry)
        while self.stack and self.stack[-1][0] == size:
            left_size, left = self.stack.pop()
            size, digest = left_size + size, merkle.node(left, digest)
        self.stack.append((size, digest))
        self.count += 1
        if self.count in self.sizes:
            acc = self.stack[-1][1]
            for _, left in reversed(self.stack[:-1]):
                acc = merkle.node(left, acc)
            self.found[self.count] = acc


def _pairs(store: ViewStore, after: int
           ) -> Iterator[tuple[Notification | None, LedgerRow | None]]:
    """Store events and ledger rows merged on position (either side may be None)."""
    events, rows = store_events(store, after), ledger_rows(store, after)
    event, row = next(events, None), next(rows, None)
    while event is not None or row is not None:
        if row is None or (event is not None and event.id < row["position"]):
            yield event, None
            event = next(events, None)
        elif event is None or event.id > row["position"]:
            yield None, row
            row = next(rows, None)
        else:
            yield event, row
            event, row = next(events, None), next(rows, None)


def _check(event: Notification | None, row: LedgerRow | None, previous: str) -> str | None:
    """Why this position breaks the chain, or None (``_pairs`` gives one side at least)."""
    if row is None:
        assert event is not None
        return f"position {event.id} is in the store but was never sealed in the ledger"
    if event is None:
        return f"position {row['position']} was sealed but is missing from the store (deleted)"
    if row["previous"] != previous:
        return (f"position {event.id}: its seal links to {row['previous'][:16]}..., "
                f"the previous seal is {previous[:16]}... (ledger rewritten or reordered)")
    where = (f"position {event.id} (stream {event.originator_id} version "
             f"{event.originator_version}, {event.topic.rsplit(':', 1)[-1]})")
    try:
        digest = event_hash(from_notification(event), previous)
    except ValueError as exc:  # not JSON, or not canonicalisable: altered all the same
        return f"{where}: the stored content cannot be canonicalised ({exc}): altered"
    if digest != row["hash"]:
        return f"{where}: the stored content differs from its seal (altered, or rows reordered)"
    return None


def verify(store: ViewStore, verifier: str | None, from_position: int = 0,
           progress: Progress | None = None, published: Sequence[str] = ()) -> Verification:
    """Recomputes the chain (from ``from_position``) and checks the signed checkpoints:
    those stored in the database and the ``published`` copies (notes kept off the
    system), so that deleting checkpoint rows does not escape the check."""
    result = Verification()
    saved = checkpoints(store) if verifier else []
    _add_published(saved, published if verifier else (), result)
    previous, result.count = GENESIS, 0
    if from_position > 1:
        before, result.count = hash_before(store, from_position)
        previous = before or GENESIS
    roots = Roots({c["size"] for c in saved}) if from_position <= 1 else Roots(set())
    head, sealed_to = store.head(), store.position("ledger")
    for event, row in _pairs(store, max(0, from_position - 1)):
        if row is None and event is not None and event.id > sealed_to:
            result.unsealed += 1
            continue
        problem = _check(event, row, previous)
        if problem:
            result.broken_at = event.id if event is not None else _sealed(row)["position"]
            result.problem = problem
            break
        row = _sealed(row)
        previous = row["hash"]
        roots.add(bytes.fromhex(previous))
        result.count += 1
        result.head_position, result.head_hash = row["position"], previous
        if progress and result.count % 10_000 == 0:
            progress(row["position"], head)
    matching = _matching(saved, verifier or "", roots)
    for c in saved:
        result.checkpoints.append(_checkpoint(c, verifier or "", roots, result, matching))
    return result


def _sealed(row: LedgerRow | None) -> LedgerRow:
    """The ledger row of a position that has one: ``_check`` finds a problem where a
    position has only its stored event."""
    assert row is not None
    return row


def _add_published(saved: list[CheckpointRow], published: Sequence[str],
                   result: Verification) -> None:
    """Adds to ``saved`` each published note the database does not hold as it is: one
    missing from it, or held with other content, is a failure by itself and is also
    checked against the log."""
    stored = {c["size"]: c["note"] for c in saved}
    for note in published:
        try:
            signed = Checkpoint.parse(note)
        except ValueError as exc:
            result.checkpoints.append((0, False, f"a published checkpoint cannot be read: {exc}"))
            continue
        if stored.get(signed.size) == note:
            continue
        how = ("missing from the database" if signed.size not in stored
               else "different from the database's copy")
        result.checkpoints.append((signed.size, False,
                                   f"checkpoint {signed.size} is published but {how}"))
        saved.append({"size": signed.size, "root": signed.root.hex(), "note": note})


def _matching(saved: list[CheckpointRow], verifier: str, roots: Roots) -> list[Checkpoint]:
    """The signed checkpoints whose root the log still has, by size: they bound where a
    rewrite begins."""
    found: list[Checkpoint] = []
    for c in saved:
        try:
            signed = verify_note(c["note"], verifier)
        except ValueError:
            continue
        if roots.found.get(signed.size) == signed.root:
            found.append(signed)
    return sorted(found, key=lambda s: s.size)


def _checkpoint(c: CheckpointRow, verifier: str, roots: Roots, result: Verification,
                matching: list[Checkpoint]) -> tuple[int, bool, str]:
    size = c["size"]
    try:
        signed = verify_note(c["note"], verifier)
    except ValueError as exc:
        return size, False, f"checkpoint {size}: {exc}"
    if signed.size != size or signed.root.hex() != c["root"]:
        return size, False, f"checkpoint {size}: the stored copy differs from its signed note"
    if result.broken_at is not None and size > result.count:
        return size, False, f"checkpoint {size}: not reached, the chain breaks first"
    if size > result.count:
        return size, False, (f"checkpoint {size} (signed at position {signed.position}): the "
                             f"log has only {result.count} sealed events: history was truncated")
    if size not in roots.found:
        return size, True, f"checkpoint {size}: before --from, not rechecked"
    if roots.found[size] != signed.root:
        before = [m for m in matching if m.size < size]
        since = (f" and after position {before[-1].position} (checkpoint {before[-1].size} "
                 "matches)") if before else ""
        return size, False, (f"checkpoint {size} (signed at position {signed.position}) does "
                             "not match the log: history was rewritten at or before position "
                             f"{signed.position}{since}")
    return size, True, f"checkpoint {size}: OK"
