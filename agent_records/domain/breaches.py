"""Breaches: facts that are recorded, not refused, and that the council must see."""

from __future__ import annotations

from typing import Any

from agent_records.domain.state import Breach, CareerState, evolve


def breach(s: CareerState, e: Any, article: str, code: str, message: str) -> CareerState:
    """The state with one more breach, attached to the event that revealed it."""
    found = Breach(e.originator_version, article, code, e.effective_date, message)
    return evolve(s, breaches=(*s.breaches, found))
