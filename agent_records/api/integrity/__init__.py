"""Integrity as the council sees it: ``verification``, and the seals of events."""
