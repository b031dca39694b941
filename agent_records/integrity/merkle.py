"""RFC 6962 / RFC 9162 Merkle trees: roots, inclusion and consistency proofs.

Leaves are the 32-byte event hashes of the chain, in log order. ``leaf(d)`` is
SHA-256(0x00 || d), an interior node SHA-256(0x01 || left || right); the tree of n
leaves splits at the largest power of two below n (RFC 9162, section 2.1.1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(entries: Iterable[bytes]) -> bytes:
    """MTH over the entries, streamed: memory grows with log2(n), not n."""
    stack: list[tuple[int, bytes]] = []
    for entry in entries:
        size, digest = 1, leaf(entry)
        while stack and stack[-1][0] == size:
            left_size, left = stack.pop()
            size, digest = left_size + size, node(left, digest)
        stack.append((size, digest))
    if not stack:
        return EMPTY_ROOT
    _, acc = stack.pop()
    while stack:
        acc = node(stack.pop()[1], acc)
    return acc


def inclusion_proof(index: int, entries: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162, section 2.1.3.1."""
    if not 0 <= index < len(entries):
        raise ValueError(f"leaf {index} is outside a tree of {len(entries)}")
    return _path(index, entries, 0, len(entries))


def _path(m: int, d: Sequence[bytes], lo: int, hi: int) -> list[bytes]:
    if hi - lo == 1:
        return []
    k = split(hi - lo)
    if m - lo < k:
        return [*_path(m, d, lo, lo + k), root(d[lo + k:hi])]
    return [*_path(m, d, lo + k, hi), root(d[lo:lo + k])]


def consistency_proof(old: int, entries: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162, section 2.1.4.1, between sizes ``old`` and len."""
    return [root(entries[lo:hi]) for lo, hi in consistency_ranges(old, len(entries))]


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The leaf ranges [lo, hi) whose subtree roots make PROOF(old, D[new]), in proof order.

    They depend on the two sizes only and never overlap, so the proof can be computed in
    one streamed pass over the leaves (:class:`RangeRoots`) as well as from a list.
    """
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    return _subproof(old, 0, new, True)


def _subproof(m: int, lo: int, hi: int, whole: bool) -> list[tuple[int, int]]:
    n = hi - lo
    if m == n:
        return [] if whole else [(lo, hi)]
    k = split(n)
    if m <= k:
        return [*_subproof(m, lo, lo + k, whole), (lo + k, hi)]
    return [*_subproof(m - k, lo + k, hi, False), (lo, lo + k)]


class RangeRoots:
    """The roots of disjoint leaf ranges, fed one entry at a time (memory: log2 of a range)."""

    def __init__(self, ranges: Sequence[tuple[int, int]]) -> None:
        self.ranges = list(ranges)
        self.pending = sorted(self.ranges, reverse=True)
        self.count = 0
        self.stack: list[tuple[int, bytes]] = []
        self.found: dict[tuple[int, int], bytes] = {}

    def add(self, entry: bytes) -> None:
        index, self.count = self.count, self.count + 1
        if not self.pending or index < self.pending[-1][0]:
            return
        size, digest = 1, leaf(entry)
        while self.stack and self.stack[-1][0] == size:
            left_size, left = self.stack.pop()
            size, digest = left_size + size, node(left, digest)
        self.stack.append((size, digest))
        if index + 1 == self.pending[-1][1]:
            _, acc = self.stack.pop()
            while self.stack:
                acc = node(self.stack.pop()[1], acc)
            self.found[self.pending.pop()] = acc

    def roots(self) -> list[bytes]:
        """The roots in the order the ranges were given (all ranges must be complete)."""
        return [self.found[r] for r in self.ranges]


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    while not fn & 1 and fn:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes],
                     tree_root: bytes) -> bool:
    """RFC 9162, section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            fn, sn = _shift_while_even(fn, sn)
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == tree_root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162, section 2.1.4.2."""
    if old == new:
        return not proof and old_root == new_root
    if not 0 < old <= new or not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
