"""Audit integrity: the hash chain, RFC 6962 Merkle proofs, signed checkpoints (issue 5)."""
