"""The ``leave`` view: each leave, and each year's account (Art. 15 to 18)."""

from __future__ import annotations

from agent_records.domain.agent import Agent
from agent_records.domain.rules.leave import leave_account
from agent_records.domain.values import LeaveKind
from projections.base import AgentStateView, Table, iso
from projections.store import Sql


class LeaveView(AgentStateView):
    """Per agent and year: entitlement, carried over, taken, travel; and each leave."""

    name = "leave"
    tables = (
        Table("leave_years",
              "agent_id TEXT NOT NULL, year INTEGER NOT NULL, entitlement INTEGER, "
              "carried_over INTEGER, taken INTEGER, travel_days INTEGER, available INTEGER, "
              "exceptional_days INTEGER, urgency_unnotified INTEGER",
              "agent_id, year", ("year",)),
        Table("leaves",
              "agent_id TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT, start_date TEXT, "
              "end_date TEXT, travel_days INTEGER, counted_days INTEGER, granted_by TEXT, "
              "notified_on TEXT",
              "agent_id, version", ("start_date, end_date",)),
    )

    def refresh(self, sql: Sql, agent_id: str, agent: Agent) -> None:
        s = agent.state
        leaves = [(agent_id, lv.version, str(lv.kind), iso(lv.start), iso(lv.end),
                   lv.travel_days, lv.counted_days, str(lv.granted_by), iso(lv.notified_on))
                  for lv in s.leaves]
        self.replace_rows(sql, "leaves", agent_id, leaves)
        years = []
        if s.positions:
            first = min(p.since.year for p in s.positions)
            last = max([s.as_of.year, *(lv.start.year for lv in s.leaves)])
            for year in range(first, last + 1):
                acc = leave_account(s, year)
                in_year = [lv for lv in s.leaves if lv.start.year == year]
                exceptional = sum(lv.counted_days for lv in in_year
                                  if lv.kind == LeaveKind.EXCEPTIONAL)
                unnotified = sum(1 for lv in in_year
                                 if lv.kind == LeaveKind.URGENCY and lv.notified_on is None)
                years.append((agent_id, year, acc.entitlement, acc.carried_over, acc.taken,
                              acc.travel_days, acc.available, exceptional, unnotified))
        self.replace_rows(sql, "leave_years", agent_id, years)
