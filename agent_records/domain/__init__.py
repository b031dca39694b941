"""The domain: the decree's rules over an agent's record. Pure Python, no I/O.

It depends on the eventsourcing library's domain base classes only; persistence, the
application and the adapters depend on it, never the other way round.
"""
