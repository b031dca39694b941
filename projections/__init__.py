"""Read models built from the event store (see issue: Read models)."""
