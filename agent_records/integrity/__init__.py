"""Tamper evidence: the hash chain over the global log, the RFC 6962 Merkle tree over the
event hashes, signed checkpoints and proofs. Pure functions here; the sealer that
writes the ledger is a projection (``projections.ledger``)."""
