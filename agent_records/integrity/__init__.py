"""Tamper evidence: the hash chain over the global log, the RFC 6962 Merkle tree over the
event hashes, signed checkpoints and proofs. The sealer that writes the ledger
(``sealer``) runs on the projection engine like a view; the rest reads what it wrote."""
