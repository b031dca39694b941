"""The agents' data keys: one per (agent, personal class), wrapped by a master key.

Personal fields are stored encrypted (``agent_records.eventstore.sealing``); the keys
that open them live in a table of the same database (``keys.table``), each wrapped
(AES key wrap, RFC 3394) by a master key kept outside it (``keys.master``: a file
generated at first use, like the signing key). Erasure destroys a key: the ciphertext
stays in the events, and the hash chain over it still verifies.
"""
