"""Collects the rules a fact breaks while the record is evaluated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent_records.domain.errors import Violation
from agent_records.domain.state import CareerState


@dataclass
class Check:
    """The violations found so far, each with the version of the fact that broke it."""

    version: int = 0
    found: list[tuple[int, Violation]] = field(default_factory=list)

    def require(
        self, ok: bool, article: str | None, code: str, message: str | Callable[[], str],
        field: str | None = None,
    ) -> bool:
        """Record a violation unless ``ok``; return ``ok`` so handlers can branch on it.

        ``message`` may be a function that makes it: a message that formats dates or
        numbers is then made only for a breach, not at every fact the fold checks (most
        pass)."""
        if not ok:
            text = message if isinstance(message, str) else message()
            self.found.append((self.version, Violation(article, code, text, field)))
        return ok


Handler = Callable[[CareerState, Any, Check], CareerState]
"""A rule handler: state before, the fact, the check; returns the state after."""
