"""The audit trail: its types and query."""
