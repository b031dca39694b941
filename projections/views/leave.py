"""The ``leave`` view: each leave, and each year's account (Art. 15 to 18)."""

from __future__ import annotations

from typing import Any

from agent_records.domain.agent import Agent
from agent_records.domain.rules.leave import account_rows
from agent_records.domain.state import CareerState, Leave
from agent_records.domain.values import LeaveKind
from projections.engine.base import AgentStateView, Column, Table, TableRows, iso

LEAVE_YEARS = Table(
    "leave_years",
    (Column("agent_id", "TEXT NOT NULL"), Column("year", "INTEGER NOT NULL"),
     Column("entitlement", "INTEGER"), Column("carried_over", "INTEGER"),
     Column("taken", "INTEGER"), Column("travel_days", "INTEGER"),
     Column("available", "INTEGER"), Column("exceptional_days", "INTEGER"),
     Column("urgency_unnotified", "INTEGER")),
    "agent_id, year", ("year",))
LEAVES = Table(
    "leaves",
    (Column("agent_id", "TEXT NOT NULL"), Column("version", "INTEGER NOT NULL"),
     Column("kind", "TEXT"), Column("start_date", "TEXT"), Column("end_date", "TEXT"),
     Column("travel_days", "INTEGER"), Column("counted_days", "INTEGER"),
     Column("granted_by", "TEXT"), Column("notified_on", "TEXT")),
    "agent_id, version", ("start_date, end_date",))
"""Each leave: what ``agents(filter: {onLeaveOn:})`` looks up."""


class LeaveView(AgentStateView):
    """Per agent and year: entitlement, carried over, taken, travel; and each leave."""

    name = "leave"
    tables = (LEAVE_YEARS, LEAVES)

    def rows(self, agent_id: str, agent: Agent) -> TableRows:
        """Each leave and each year's account, in the order of their tables' columns."""
        s = self.state(agent)
        leaves = [(agent_id, lv.version, str(lv.kind), iso(lv.start), iso(lv.end),
                   lv.travel_days, lv.counted_days, str(lv.granted_by), iso(lv.notified_on))
                  for lv in s.leaves]
        return {"leaves": leaves, "leave_years": self.years(agent_id, s)}

    @staticmethod
    def years(agent_id: str, s: CareerState) -> list[tuple[Any, ...]]:
        """Each year from the first position to the last fact or leave (none before the
        first position): the account, exceptional days and unnotified urgency leaves."""
        if not s.positions:
            return []
        first = min(p.since.year for p in s.positions)
        last = max([s.as_of.year, *(lv.start.year for lv in s.leaves)])
        by_year: dict[int, list[Leave]] = {}
        for lv in s.leaves:
            by_year.setdefault(lv.start.year, []).append(lv)
        years = []
        for year, granted, carried, taken, travel in account_rows(s, range(first, last + 1)):
            in_year = by_year.get(year)  # most years have none: no sums to make
            exceptional = sum(lv.counted_days for lv in in_year
                              if lv.kind == LeaveKind.EXCEPTIONAL) if in_year else 0
            unnotified = sum(1 for lv in in_year if lv.kind == LeaveKind.URGENCY
                             and lv.notified_on is None) if in_year else 0
            years.append((agent_id, year, granted, carried, taken, travel,
                          granted + carried - taken,  # LeaveAccount.available
                          exceptional, unnotified))
        return years
