"""The retention schedule: which personal classes are erased how long after service ends.

``AGENT_RECORDS_RETENTION`` holds ``class=Ny`` pairs (``medical=5y,marriage=10y``):
``N`` whole years after the end of service (the state's ``service_end``), the class is
due for erasure; ``none`` keeps every class. ``due`` lists the erasures due on a day;
``apply`` records each through the application (``ErasePersonalData``), so a run that
stops half-way is simply run again: an erased class has no live key and is not due.
Candidates are read from the key table: only an agent with a live key of a scheduled
class has data of it left to erase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from agent_records.application import AgentRecords, key_table
from agent_records.config import settings
from agent_records.domain.calendar import add_years
from agent_records.domain.classification.classes import ERASABLE
from agent_records.domain.commands import ErasePersonalData
from agent_records.domain.values import IN_SERVICE, Actor, Decision
from agent_records.errors import ConfigurationError

SETTING = "AGENT_RECORDS_RETENTION"
PAIR = re.compile(r"^\s*([a-z]+)\s*=\s*(\d{1,3})\s*y\s*$")
ACTOR = Actor("retention-schedule", "hr_officer")


def schedule(raw: str | None = None) -> dict[str, int]:
    """The years each class is kept after the end of service (``SETTING``)."""
    raw = settings().retention if raw is None else raw
    if raw.strip() == "none":
        return {}
    out: dict[str, int] = {}
    erasable = sorted(c.value for c in ERASABLE)
    for part in raw.split(","):
        found = PAIR.match(part)
        if not found or found.group(1) not in erasable:
            raise ConfigurationError(
                f"{SETTING}: expected class=Ny pairs separated by commas (classes: "
                f"{', '.join(erasable)}) or none, got {part.strip()!r}")
        out[found.group(1)] = int(found.group(2))
    return out


@dataclass(frozen=True)
class Due:
    """One erasure the schedule calls for."""

    agent_id: str
    data_class: str
    service_end: date
    due_on: date
    years: int

    @property
    def why(self) -> str:
        return (f"{self.data_class} kept {self.years} years after the end of service "
                f"({self.service_end})")


def due(app: AgentRecords, today: date, plan: dict[str, int]) -> Iterator[Due]:
    """The erasures due on ``today`` under ``plan``, agent by agent."""
    keys = key_table(app)
    if keys is None or not plan:
        return
    for agent_id, data_class in keys.live_pairs(sorted(plan)):
        state = app.get_agent(UUID(agent_id)).state
        if state.status in IN_SERVICE or state.service_end is None:
            continue
        on = add_years(state.service_end, plan[data_class])
        if on <= today:
            yield Due(agent_id, data_class, state.service_end, on, plan[data_class])


def apply(app: AgentRecords, found: list[Due], today: date,
          progress: Callable[[int, int], None] | None = None) -> int:
    """Records each erasure of ``found``; returns how many were recorded."""
    for done, item in enumerate(found, 1):
        decision = Decision(today, ACTOR, decision_reference=None,
                            reason=f"retention schedule: {item.why}")
        app.handle(ErasePersonalData(UUID(item.agent_id), decision,
                                     data_class=item.data_class,
                                     erasure_basis=f"retention schedule ({SETTING})"))
        if progress:
            progress(done, len(found))
    return len(found)
