"""The ``breaches`` view: what the disciplinary council must see, per agent.

Breaches recorded by the rules (marriage without prior authorisation, Art. 13; urgency
leave notified late, Art. 16; activity beyond 65 without extension, Art. 21) and two
derived from the record: urgency leave not (yet) notified (Art. 16) and leave beyond
the regular entitlement by exceptional decree (Art. 18).
"""

from __future__ import annotations

from agent_records.domain.agent import Agent
from agent_records.domain.values import LeaveKind
from projections.engine.base import AgentStateView, Table, TableRows, iso


class BreachesView(AgentStateView):
    """One row per breach, keyed by the event that shows it."""

    name = "breaches"
    tables = (Table(
        "breaches",
        "agent_id TEXT NOT NULL, version INTEGER NOT NULL, code TEXT NOT NULL, article TEXT, "
        "on_date TEXT, message TEXT",
        "agent_id, version, code",
        ("code", "on_date"),
    ),)

    def rows(self, agent_id: str, agent: Agent) -> TableRows:
        s = agent.state
        rows = [(agent_id, b.version, b.code, b.article, iso(b.on), b.message)
                for b in s.breaches]
        for lv in s.leaves:
            if lv.kind == LeaveKind.URGENCY and lv.notified_on is None:
                rows.append((agent_id, lv.version, "urgency_leave_not_notified", "Art. 16",
                             iso(lv.start), f"urgency leave from {lv.start} to {lv.end} "
                             "not notified to the minister"))
            if lv.kind == LeaveKind.EXCEPTIONAL:
                rows.append((agent_id, lv.version, "exceptional_leave", "Art. 18",
                             iso(lv.start), f"{lv.counted_days} days beyond the regular "
                             "leave, by ministerial decree after deliberation in Council"))
        return {"breaches": rows}
