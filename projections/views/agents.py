"""The ``agents`` view: one row per person, the current state HR asks about."""

from __future__ import annotations

from agent_records.domain.agent import Agent
from agent_records.domain.values import IN_SERVICE, Grade
from projections.engine.base import AgentStateView, Table, TableRows, iso


class AgentsView(AgentStateView):
    """Grade, status, position, oath, renewals, promotion eligibility, age limit."""

    name = "agents"
    tables = (Table(
        "agents",
        "agent_id TEXT NOT NULL, full_name TEXT, category TEXT, grade TEXT, title TEXT, "
        "status TEXT, post_code TEXT, position_kind TEXT, head_of_post TEXT, "
        "oath_sworn INTEGER, pledged INTEGER, renewals INTEGER, next_renewal_due TEXT, "
        "eligible_for_promotion INTEGER, birth_date TEXT, sixty_fifth_birthday TEXT, "
        "service_limit TEXT, extensions INTEGER, prior_public_service_days INTEGER, "
        "service_start TEXT, service_end TEXT, as_of TEXT, version INTEGER",
        "agent_id",
        ("grade", "status", "post_code", "next_renewal_due", "sixty_fifth_birthday"),
    ),)

    def rows(self, agent_id: str, agent: Agent) -> TableRows:
        s = agent.state
        position = s.position
        renewal_due = s.term_end if s.grade == Grade.ATTACHE and s.status in IN_SERVICE else None
        row = (
            agent_id, s.full_name, str(s.category), s.grade and str(s.grade),
            s.title and str(s.title), str(s.status), position and position.post_code,
            position and str(position.kind), s.head_of_post, int(s.sworn), int(s.pledged),
            s.renewals, iso(renewal_due), int(s.eligible_for_promotion), iso(s.birth_date),
            iso(s.sixty_fifth_birthday), iso(s.service_limit), len(s.extensions),
            s.prior_public_service_days, iso(s.service_start), iso(s.service_end),
            iso(s.as_of), agent.version,
        )
        return {"agents": [row]}
