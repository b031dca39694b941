"""Reads from a PostgreSQL hot standby of the store (``AGENT_RECORDS_READ_STORE``).

The standby is a streaming replica: the events, the read views and their tracking
positions reach it through the WAL, as everything else. Commands, projections, sealing
and checkpoints stay on the primary; queries, the web pages' reads and exports go to the
standby (``router.ReadRouter``) while it is near enough, and to the primary otherwise.
A consistency token (``token``) carries a write's WAL position from a mutation's answer
to the next read, which waits for the standby to reach it (read-your-writes).
"""
