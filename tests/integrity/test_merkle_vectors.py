"""RFC 6962 / RFC 9162 Merkle trees against the test vectors of a real implementation.

Vectors from github.com/transparency-dev/merkle (the Certificate Transparency Merkle
library in Go):
- leaves, roots: ``proof/verify_test.go`` (commit 02194e9afb6c1d95b5381350007963aa70fff472),
  the same as ``testonly/constants.go`` (``LeafInputs``, ``RootHashes``);
- inclusion and consistency proofs: ``inclusionProofs`` and ``consistencyProofs`` of
  ``proof/verify_test.go``; their inclusion ``leaf`` is 1-based (index = leaf - 1);
- the corrupted probes follow ``corruptInclusionProof`` / ``corruptConsistencyProof``.
"""

from __future__ import annotations

import pytest

from agent_records.integrity import merkle

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (  # tree sizes 1..8
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
EMPTY = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
H = {k: bytes.fromhex(v) for k, v in {
    "96a2": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f08": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    "bc1a": "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca85": "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37e": "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "fac5": "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "6e34": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "0ebc": "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "b086": "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
}.items()}
INCLUSION = [  # (1-based leaf, tree size, path)
    (1, 8, ["96a2", "5f08", "6b47"]), (6, 8, ["bc1a", "ca85", "d37e"]), (3, 3, ["fac5"]),
    (2, 5, ["6e34", "5f08", "bc1a"]), (1, 1, [])]
CONSISTENCY = [  # (size1, size2, path)
    (1, 1, []), (1, 8, ["96a2", "5f08", "6b47"]), (6, 8, ["0ebc", "ca85", "d37e"]),
    (2, 5, ["5f08", "bc1a"]), (6, 7, ["0ebc", "b086", "d37e"])]


def test_roots_of_every_size() -> None:
    assert merkle.root([]) == EMPTY
    for size in range(1, 9):
        assert merkle.root(LEAVES[:size]) == ROOTS[size - 1], size
    assert merkle.root(iter(LEAVES)) == ROOTS[-1]  # streamed


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_vectors(leaf: int, size: int, path: list[str]) -> None:
    index, proof, tree = leaf - 1, [H[p] for p in path], ROOTS[size - 1]
    assert merkle.inclusion_proof(index, LEAVES[:size]) == proof
    leaf_hash = merkle.leaf(LEAVES[index])
    assert merkle.verify_inclusion(index, size, leaf_hash, proof, tree)
    for probe in corrupt_inclusion(index, size, proof, tree, leaf_hash):
        assert not merkle.verify_inclusion(*probe), probe


def corrupt_inclusion(index: int, size: int, proof: list[bytes], tree: bytes, leaf: bytes
                      ) -> list[tuple]:
    probes = [
        (index - 1, size, leaf, proof, tree), (index + 1, size, leaf, proof, tree),
        (index ^ 2, size, leaf, proof, tree), (index, size * 2, leaf, proof, tree),
        (index, size // 2, leaf, proof, tree), (index, size, b"WrongLeaf", proof, tree),
        (index, size, leaf, proof, EMPTY), (index, size, leaf, proof, SOME_HASH),
        (index, size, leaf, [*proof, b""], tree), (index, size, leaf, [*proof, tree], tree),
        (index, size, leaf, [b"", *proof], tree), (index, size, leaf, [tree, *proof], tree),
    ]
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        probes.append((index, size, leaf, flipped, tree))
    if proof:
        probes.append((index, size, leaf, proof[:-1], tree))
    if len(proof) > 1:
        probes.append((index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], tree))
    if index == 0:  # the Go probe index-1 wraps around to 2**64-1
        probes.append((2**64 - 1, size, leaf, proof, tree))
    return [p for p in probes if not (p[0] == index and p[1] == size and p[3] == proof
                                      and p[2] == leaf and p[4] == tree)]


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_vectors(old: int, new: int, path: list[str]) -> None:
    proof, r1, r2 = [H[p] for p in path], ROOTS[old - 1], ROOTS[new - 1]
    if old < new:
        assert merkle.consistency_proof(old, LEAVES[:new]) == proof
    assert merkle.verify_consistency(old, new, r1, r2, proof)
    if not proof:
        return
    probes = [
        (old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof), (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof), (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof), (old, new, r2, r1, proof),
        (old, new, r1, r2, []), (old, new, r1, r2, [*proof, b""]),
        (old, new, r1, r2, [*proof, r1]), (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [b"", *proof]), (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]), (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        probes.append((old, new, r1, r2, flipped))
    for probe in probes:
        assert not merkle.verify_consistency(*probe), probe


def test_edge_cases_of_the_go_suite() -> None:
    """``TestVerifyInclusion`` / ``TestVerifyConsistency`` / single entry, same file."""
    for index, size in ((0, 0), (0, 1), (1, 0), (2, 1)):
        assert not merkle.verify_inclusion(index, size, SOME_HASH, [], b"")
        assert not merkle.verify_inclusion(index, size, b"", [], EMPTY)
        assert not merkle.verify_inclusion(index, size, SOME_HASH, [], EMPTY)
    single = merkle.leaf(b"data")
    assert merkle.verify_inclusion(0, 1, single, [], single)
    assert not merkle.verify_inclusion(0, 1, b"", [], single)
    assert not merkle.verify_inclusion(0, 1, single, [], b"")
    r1, r2 = b"don't care 1", b"don't care 2"
    assert not merkle.verify_consistency(1, 1, r1, r2, [])
    assert merkle.verify_consistency(1, 1, r2, r2, [])
    assert not merkle.verify_consistency(1, 0, r1, r2, [])
    assert not merkle.verify_consistency(2, 1, r1, r2, [])
    assert not merkle.verify_consistency(1, 2, r1, r2, [])
    assert not merkle.verify_consistency(1, 1, EMPTY, EMPTY, [EMPTY])
    # Stricter than Go, which accepts size 0 as consistent with anything: no checkpoint
    # is ever of size 0, so a proof from 0 is refused.
    assert not merkle.verify_consistency(0, 1, r1, r2, [])


def test_round_trip_for_every_small_tree() -> None:
    """Every leaf of every tree up to 25, and every pair of sizes, prove and verify."""
    data = [i.to_bytes(2, "big") for i in range(25)]
    roots = [merkle.root(data[:n]) for n in range(len(data) + 1)]
    for n in range(1, len(data) + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(i, data[:n])
            assert merkle.verify_inclusion(i, n, merkle.leaf(data[i]), proof, roots[n])
            assert not merkle.verify_inclusion(i, n, merkle.leaf(b"x"), proof, roots[n])
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, data[:n])
            assert merkle.verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
            streamed = merkle.RangeRoots(merkle.consistency_ranges(m, n))
            for entry in data:  # leaves beyond n are ignored
                streamed.add(entry)
            assert streamed.roots() == proof, (m, n)
            if m < n:
                assert not merkle.verify_consistency(m, n, roots[m], roots[n - 1], proof)


def test_negative_positions_are_refused() -> None:
    """A proof for the last leaf once verified for index -1 (Python's >> keeps -1)."""
    proof = merkle.inclusion_proof(7, LEAVES)
    leaf = merkle.leaf(LEAVES[7])
    assert merkle.verify_inclusion(7, 8, leaf, proof, ROOTS[7])
    assert not merkle.verify_inclusion(-1, 8, leaf, proof, ROOTS[7])
    assert not merkle.verify_consistency(-2, 8, ROOTS[5], ROOTS[7], [H["0ebc"]])
    with pytest.raises(ValueError):
        merkle.inclusion_proof(8, LEAVES)
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, LEAVES)
